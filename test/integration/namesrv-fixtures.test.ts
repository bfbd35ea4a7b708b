/**
 * The name server answers the frames Apache RocketMQ 4.9.8 and ali-ons put on the wire
 * (test/fixtures/remoting): the broker's recorded registrations are replayed as one stream, then every
 * recorded client request to the name server, and our answers are compared with the recorded ones.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath, tempDir } from '../support/paths.js';
import { NamesrvController } from '../../src/namesrv/namesrv-controller.js';
import { FrameDecoder, decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { parseFastjson } from '../../src/protocol/body/fastjson.js';
import { FLAG_ONEWAY, type RemotingCommand } from '../../src/protocol/remoting-command.js';
import { ResponseCode } from '../../src/protocol/response-code.js';

interface Meta {
  file: string;
  direction: string;
  kind: string;
  answers?: string | null;
  answeredBy?: string | null;
  version: number;
  header: { extFields?: Record<string, string> };
}

const dir = fixturePath('remoting');
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { files: Meta[] };
const bytesOf = (file: string) => readFileSync(join(dir, file));
const tmp = tempDir('rmq-namesrv-fx-');
let ns: NamesrvController;
let port: number;

before(async () => {
  ns = new NamesrvController({ listenPort: 0, host: '127.0.0.1', kvConfigPath: join(tmp.dir, 'kv.json'), configStorePath: '' });
  ({ port } = await ns.start());
});
after(async () => {
  await ns.shutdown();
  tmp.cleanup();
});

class Peer {
  readonly frames: RemotingCommand[] = [];
  private readonly decoder = new FrameDecoder();
  private constructor(readonly socket: Socket) {
    socket.on('data', (c) => this.decoder.push(c, (f) => this.frames.push(f)));
  }
  static open(): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new Peer(s)));
      s.once('error', reject);
    });
  }
  async waitFor(n: number, ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (this.frames.length < n) {
      if (Date.now() > end) throw new Error(`got ${this.frames.length} of ${n} frames`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const broker = index.files.filter((m) => m.direction === 'broker->namesrv');
const brokerRegistrations = broker.filter((m) => m.file.includes('REGISTER_BROKER') && !m.file.includes('UNREGISTER'));
const unregister = broker.find((m) => m.file.includes('UNREGISTER_BROKER'))!;
const clientRequests = index.files.filter((m) => m.direction === 'client->namesrv');

let brokerPeer: Peer;

test('namesrv fixtures: the recorded registrations, sent as one stream, are answered byte for byte', async () => {
  brokerPeer = await Peer.open();
  brokerPeer.socket.write(Buffer.concat(brokerRegistrations.map((m) => bytesOf(m.file))));
  const twoWay = brokerRegistrations.filter((m) => m.kind === 'request');
  assert.ok(twoWay.length >= 8 && brokerRegistrations.length > twoWay.length, 'oneway registrations are in the stream too');
  await brokerPeer.waitFor(twoWay.length);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(brokerPeer.frames.length, twoWay.length, 'no answers to oneway registrations');
  twoWay.forEach((req, i) => {
    const ours = brokerPeer.frames[i]!;
    const recorded = bytesOf(req.answeredBy!);
    assert.equal(ours.opaque, decodeFrame(bytesOf(req.file)).opaque);
    assert.equal((decodeFrame(bytesOf(req.file)).flag & FLAG_ONEWAY), 0);
    // Recorded: {"code":0,"extFields":{},"flag":1,"language":"JAVA","opaque":N,"serializeTypeCurrentRPC":"JSON","version":409}
    assert.deepEqual(ours, decodeFrame(recorded), req.answeredBy!);
    assert.ok(encodeFrame(ours).equals(recorded), `${req.answeredBy}: bytes differ`);
  });
});

test('namesrv fixtures: recorded client requests get the recorded answers', async () => {
  const client = await Peer.open();
  let expectedFrames = 0;
  let identical = 0;
  for (const req of clientRequests) {
    const reqCmd = decodeFrame(bytesOf(req.file));
    client.socket.write(bytesOf(req.file));
    await client.waitFor(++expectedFrames);
    const ours = client.frames[expectedFrames - 1]!;
    assert.equal(ours.opaque, reqCmd.opaque, req.file);
    assert.equal(ours.serializeType, reqCmd.serializeType, `${req.file}: answered in the request's serialization`);
    if (!req.answeredBy) continue;
    const recorded = decodeFrame(bytesOf(req.answeredBy));
    const topic = reqCmd.extFields['topic'] ?? '';
    if (recorded.code === ResponseCode.TOPIC_NOT_EXIST && topic.startsWith('%RETRY%')) {
      // Recorded before the broker created the retry topic; our replay registered it already.
      assert.equal(ours.code, ResponseCode.SUCCESS, req.file);
      continue;
    }
    assert.equal(ours.code, recorded.code, req.file);
    assert.equal(ours.remark, recorded.remark, req.file);
    if (recorded.body === undefined) {
      assert.equal(ours.body, undefined, req.file);
      continue;
    }
    const theirs = parseFastjson(recorded.body) as Record<string, unknown>;
    const mine = parseFastjson(ours.body!) as Record<string, unknown>;
    if ('topicList' in theirs) {
      // Java lists topics in HashMap order; topics created later in the capture (retry topics, the
      // transaction half topic) are already registered in our replay.
      const ourTopics = new Set(mine['topicList'] as string[]);
      for (const t of theirs['topicList'] as string[]) assert.ok(ourTopics.has(t), `${req.file}: ${t} missing`);
    } else {
      assert.deepEqual(mine, theirs, req.file);
    }
    // Route bodies for version >= 401 clients are standard JSON in fastjson's key order: same bytes.
    if (reqCmd.version >= 401 && 'queueDatas' in theirs) {
      assert.ok(ours.body!.equals(recorded.body), `${req.file}: route body differs`);
      identical++;
    }
  }
  assert.ok(identical >= 5, `${identical} byte-identical route bodies`);
  client.socket.destroy();
});

test('namesrv fixtures: the recorded UNREGISTER_BROKER removes the broker and its topics', async () => {
  brokerPeer.socket.write(bytesOf(unregister.file));
  const n = brokerPeer.frames.length;
  await brokerPeer.waitFor(n + 1);
  const ours = brokerPeer.frames[n]!;
  const recorded = decodeFrame(bytesOf(unregister.answeredBy!));
  assert.equal(ours.code, recorded.code);
  assert.equal(ours.opaque, recorded.opaque);
  assert.equal(ns.routeInfo.pickupTopicRouteData('TBW102'), null);
  assert.deepEqual(ns.routeInfo.getAllClusterInfo(), { brokerAddrTable: {}, clusterAddrTable: {} });
  brokerPeer.socket.destroy();
});
