/**
 * Golden replay: the exact request bytes rocketmq-client-nodejs 1.0.8 sent to a real Apache RocketMQ 5.0.0
 * proxy (test/fixtures/grpc) are sent to our proxy, and the answers are compared with what the real proxy
 * said: status codes, echoed ids, the route's shape, the telemetry settings the Node client needs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { fixturePath } from '../support/paths.js';
import { messagingServiceDefinition } from '../../src/proxy/proto.js';
import { Code } from '../../src/proxy/proto.js';
import { startProxyEnv, type ProxyEnv } from './proxy-harness.js';

interface FixtureEvent {
  call: number;
  method: string;
  direction: string;
  event: string;
  kind?: string;
  messageType?: string;
  message?: any;
  rawBase64?: string;
}

function load(name: string): FixtureEvent[] {
  return (JSON.parse(readFileSync(fixturePath('grpc', name), 'utf8')) as { events: FixtureEvent[] }).events;
}

/** A client that sends raw (fixture) request bytes and decodes answers with the proto definitions. */
function rawClient(addr: string) {
  const def = messagingServiceDefinition();
  const methods: Record<string, unknown> = {};
  for (const [k, m] of Object.entries(def)) methods[k] = { ...m, requestSerialize: (b: Buffer) => b };
  const Ctor = grpc.makeGenericClientConstructor(methods as any, 'MessagingService');
  const client = new Ctor(addr, grpc.credentials.createInsecure()) as any;
  const md = () => {
    const m = new grpc.Metadata();
    m.set('x-mq-client-id', 'golden@1@1@test');
    return m;
  };
  return {
    unary: (rpc: string, raw: Buffer): Promise<any> => new Promise((res, rej) => client[rpc](raw, md(), { deadline: Date.now() + 15_000 }, (e: Error | null, r: any) => (e ? rej(e) : res(r)))),
    stream: (rpc: string, raw: Buffer): Promise<any[]> =>
      new Promise((res, rej) => {
        const out: any[] = [];
        const s = client[rpc](raw, md(), { deadline: Date.now() + 15_000 });
        s.on('data', (d: any) => out.push(d));
        s.on('error', rej);
        s.on('end', () => res(out));
      }),
    telemetry: (raw: Buffer): Promise<any> =>
      new Promise((res, rej) => {
        const s = client.Telemetry(md());
        s.on('data', (d: any) => {
          res(d);
          s.end();
        });
        s.on('error', rej);
        s.write(raw);
      }),
    close: () => client.close(),
  };
}

const codeOf = (name: string): number => (Code as Record<string, number>)[name] ?? -1;

describe('proxy: golden replay of rocketmq-client-nodejs 1.0.8 traffic', () => {
  let env: ProxyEnv;
  let client: ReturnType<typeof rawClient>;
  before(async () => {
    // The real proxy's limits (min invisible time 10 s).
    env = await startProxyEnv({}, { minInvisibleTimeMillsForRecv: 10_000 });
    env.createTopic('fx-normal', 'NORMAL', 8);
    env.createTopic('fx-fifo', 'FIFO', 8);
    env.createTopic('fx-delay', 'DELAY', 8);
    env.createTopic('fx-tx', 'TRANSACTION', 8);
    client = rawClient(env.endpoints);
  });
  after(async () => {
    client?.close();
    await env.stop();
  });

  /** Replays every unary call of a fixture file; returns [request JSON, fixture answer, our answer]. */
  async function replayUnary(file: string): Promise<Array<{ method: string; req: any; want: any; got: any }>> {
    const ev = load(file);
    const out = [];
    for (const start of ev.filter((e) => e.event === 'call_start' && e.kind === 'unary')) {
      const req = ev.find((e) => e.call === start.call && e.event === 'message' && e.direction === 'client->server')!;
      const want = ev.find((e) => e.call === start.call && e.event === 'message' && e.direction === 'server->client')!;
      const method = start.method.split('/').pop()!;
      const got = await client.unary(method, Buffer.from(req.rawBase64!, 'base64'));
      out.push({ method, req: req.message, want: want.message, got });
    }
    return out;
  }

  it('04 send normal: QueryRoute shape and SendMessage entry echo the real proxy', async () => {
    for (const { method, req, want, got } of await replayUnary('04-send-normal.json')) {
      assert.equal(got.status.code, codeOf(want.status.code), `${method} status`);
      if (method === 'QueryRoute') {
        assert.equal(got.messageQueues.length, want.messageQueues.length, 'same queue count (8 read-write)');
        const q = got.messageQueues[0];
        assert.equal(q.broker.name, 'broker-a');
        assert.deepEqual(q.broker.endpoints.addresses, [{ host: '127.0.0.1', port: 8081 }], 'endpoints as the client sent them');
        assert.deepEqual(q.acceptMessageTypes, [1]);
        assert.equal(q.permission, 4);
      }
      if (method === 'SendMessage') {
        assert.equal(got.entries[0].messageId, want.entries[0].messageId);
        assert.equal(got.entries[0].transactionId, want.entries[0].transactionId);
        assert.equal(got.entries[0].messageId, req.messages[0].systemProperties.messageId);
      }
    }
  });

  it('07 FIFO, 09 transaction: same status codes', async () => {
    for (const f of ['07-send-fifo.json', '09-transaction-commit.json']) {
      for (const { method, want, got } of await replayUnary(f)) assert.equal(got.status.code, codeOf(want.status.code), `${f} ${method}`);
    }
  });

  it('11 unknown topic: TOPIC_NOT_FOUND', async () => {
    const calls = await replayUnary('11-error-unknown-topic.json');
    assert.ok(calls.length > 0);
    for (const { want, got } of calls) {
      assert.equal(want.status.code, 'TOPIC_NOT_FOUND');
      assert.equal(got.status.code, Code.TOPIC_NOT_FOUND);
    }
  });

  it('11 with the topic name made illegal (same length): ILLEGAL_TOPIC, as the 5.x proxy validates names', async () => {
    const ev = load('11-error-unknown-topic.json');
    const want = ev.find((e) => e.event === 'message' && e.direction === 'client->server' && e.messageType === 'apache.rocketmq.v2.QueryRouteRequest')!;
    const topic: string = want.message.topic.name;
    const raw = Buffer.from(want.rawBase64!, 'base64');
    const at = raw.indexOf(Buffer.from(topic));
    assert.ok(at > 0 && topic.length > 1);
    raw.write('!', at + 1, 'latin1'); // one character replaced: lengths (and so the protobuf framing) unchanged
    const got = await client.unary('QueryRoute', raw);
    assert.equal(got.status.code, Code.ILLEGAL_TOPIC);
    assert.match(got.status.message, /illegal characters/);
  });

  it('12 invisible duration too short: ILLEGAL_INVISIBLE_TIME in-stream, then the delivery timestamp', async () => {
    const ev = load('12-error-invisible-duration-too-short.json');
    const req = ev.find((e) => e.event === 'message' && e.direction === 'client->server' && e.messageType === 'apache.rocketmq.v2.ReceiveMessageRequest')!;
    const got = await client.stream('ReceiveMessage', Buffer.from(req.rawBase64!, 'base64'));
    assert.equal(got[0].status.code, Code.ILLEGAL_INVISIBLE_TIME);
    assert.match(got[0].status.message, /min is 10000/);
    assert.ok(got[got.length - 1].deliveryTimestamp, 'ends with a delivery timestamp like the real proxy');
  });

  it('13 shutdown: NotifyClientTermination OK', async () => {
    for (const { method, want, got } of await replayUnary('13-shutdown.json')) assert.equal(got.status.code, codeOf(want.status.code), method);
  });

  it('01 producer start: the settings answer carries what the Node client requires', async () => {
    const ev = load('01-producer-start.json');
    const req = ev.find((e) => e.event === 'message' && e.direction === 'client->server' && e.messageType === 'apache.rocketmq.v2.TelemetryCommand')!;
    const want = ev.find((e) => e.event === 'message' && e.direction === 'server->client' && e.messageType === 'apache.rocketmq.v2.TelemetryCommand')!.message;
    const got = await client.telemetry(Buffer.from(req.rawBase64!, 'base64'));
    assert.equal(got.status.code, Code.OK);
    assert.equal(got.settings.clientType, 1);
    assert.ok(got.settings.backoffPolicy.exponentialBackoff, 'exponential backoff (asserted by the client)');
    assert.equal(got.settings.backoffPolicy.maxAttempts, want.settings.backoffPolicy.maxAttempts);
    assert.equal(got.settings.publishing.maxBodySize, want.settings.publishing.maxBodySize);
    assert.equal(got.settings.publishing.validateMessageType, true);
    assert.deepEqual(got.settings.publishing.topics.map((t: any) => t.name), want.settings.publishing.topics.map((t: any) => t.name));
  });
});
