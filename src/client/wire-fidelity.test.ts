/**
 * What this client puts on the wire, compared with what the Java 4.9.8 client sent in the recorded
 * golden frames (test/fixtures/remoting): for every request code both send, our header carries at
 * least Java's extFields keys, values parse the same way, the oneway flag matches, and JSON bodies
 * (heartbeat, lock) carry at least Java's fields.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../../test/support/paths.js';
import type { RemotingCommand } from '../protocol/remoting-command.js';
import { FakeCluster, FAKE_NAMESRV, type FakeTransport } from './testing/fake-cluster.js';
import { DefaultMQProducer } from './producer.js';
import { DefaultMQPushConsumer } from './push-consumer.js';
import { Message } from './message.js';

interface Frame {
  code: number;
  flag: number;
  extFields: Record<string, unknown>;
  body?: unknown;
}

function readFixture(file: string): Frame {
  const b = readFileSync(fixturePath('remoting', file));
  const h = b.readInt32BE(4) & 0xffffff;
  const header = JSON.parse(b.toString('utf8', 8, 8 + h)) as Frame;
  const body = b.subarray(8 + h);
  let parsed: unknown;
  try {
    parsed = body.length ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    parsed = undefined;
  }
  return { code: header.code, flag: header.flag, extFields: header.extFields ?? {}, body: parsed };
}

/** Java client frames (4.9.8), one per request code and scenario. */
const JAVA = [
  '037-client-to-namesrv-GET_ROUTEINFO_BY_TOPIC.bin',
  '041-client-to-broker-SEND_MESSAGE_V2.bin',
  '045-client-to-broker-SEND_BATCH_MESSAGE.bin',
  '050-client-to-broker-HEART_BEAT.bin',
  '054-client-to-broker-UNREGISTER_CLIENT.bin',
  '062-client-to-broker-HEART_BEAT.bin',
  '065-client-to-broker-GET_CONSUMER_LIST_BY_GROUP.bin',
  '067-client-to-broker-QUERY_CONSUMER_OFFSET.bin',
  '073-client-to-broker-PULL_MESSAGE.bin',
  '080-client-to-broker-CONSUMER_SEND_MSG_BACK.bin',
  '082-client-to-broker-UPDATE_CONSUMER_OFFSET-oneway.bin',
  '101-client-to-broker-UNREGISTER_CLIENT.bin',
  '116-client-to-broker-LOCK_BATCH_MQ.bin',
  '139-client-to-broker-UNLOCK_BATCH_MQ.bin',
];

/** Keys Java sends that are not part of the protocol proper (ACL signing). */
const IGNORED = new Set(['AccessKey', 'Signature']);

function keysOf(o: unknown): string[] {
  return o && typeof o === 'object' && !Array.isArray(o) ? Object.keys(o as object) : [];
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('requests carry at least the fields the Java 4.9.8 client sends, with the same flags and body fields', async () => {
  const cluster = new FakeCluster();
  cluster.addBroker('broker-a', 10911);
  cluster.createTopic('T', 2);
  const seen: Array<{ cmd: RemotingCommand; oneway: boolean }> = [];
  const record = (t: FakeTransport): FakeTransport => {
    const invoke = t.invoke.bind(t);
    const oneway = t.invokeOneway.bind(t);
    t.invoke = (addr, cmd, ms) => (seen.push({ cmd, oneway: false }), invoke(addr, cmd, ms));
    t.invokeOneway = (addr, cmd) => (seen.push({ cmd, oneway: true }), oneway(addr, cmd));
    return t;
  };
  const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: FAKE_NAMESRV, transport: record(cluster.transport()) });
  await producer.start();
  await producer.send(new Message('T', 'single', { tags: 'TagA', keys: 'K1' }));
  await producer.send([new Message('T', 'b1'), new Message('T', 'b2')]);
  let calls = 0;
  const push = new DefaultMQPushConsumer({ consumerGroup: 'CG', namesrvAddr: FAKE_NAMESRV, transport: record(cluster.transport()), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  push.subscribe('T', '*');
  push.registerMessageListener(() => (calls++ === 0 ? 'RECONSUME_LATER' : 'CONSUME_SUCCESS'));
  const orderly = new DefaultMQPushConsumer({ consumerGroup: 'CGO', namesrvAddr: FAKE_NAMESRV, transport: record(cluster.transport()), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  orderly.subscribe('T', '*');
  orderly.registerMessageListenerOrderly(() => 'SUCCESS');
  try {
    await push.start();
    await orderly.start();
    await waitFor(() => calls >= 4, 5000);
    await (push as unknown as { persistConsumerOffset(): Promise<void> }).persistConsumerOffset();
  } finally {
    await push.shutdown();
    await orderly.shutdown();
    await producer.shutdown();
  }

  for (const file of JAVA) {
    const java = readFixture(file);
    const ours = seen.filter((s) => s.cmd.code === java.code && s.oneway === ((java.flag & 2) !== 0));
    assert.ok(ours.length > 0, `${file}: we never sent code ${java.code} ${(java.flag & 2) !== 0 ? 'oneway' : 'two-way'}`);
    const javaKeys = keysOf(java.extFields).filter((k) => !IGNORED.has(k));
    // Some request of ours with this code has every key Java sends.
    const best = ours.map((s) => javaKeys.filter((k) => !(k in s.cmd.extFields))).sort((a, b) => a.length - b.length)[0]!;
    assert.deepEqual(best, [], `${file}: missing extFields ${best.join(', ')}`);
    for (const s of ours) for (const v of Object.values(s.cmd.extFields)) assert.equal(typeof v, 'string', `${file}: extFields values are strings`);
    if (java.body && typeof java.body === 'object') {
      const ourBodies = ours.map((s) => (s.cmd.body ? JSON.parse(s.cmd.body.toString('utf8')) : undefined));
      const missing = ourBodies.map((b) => keysOf(java.body).filter((k) => !(b && k in b))).sort((a, b) => a.length - b.length)[0]!;
      assert.deepEqual(missing, [], `${file}: body misses ${missing.join(', ')}`);
      const javaConsumers = (java.body as { consumerDataSet?: unknown[] }).consumerDataSet;
      if (javaConsumers?.length) {
        const jc = javaConsumers[0] as Record<string, unknown>;
        const oc = ourBodies.flatMap((b) => (b?.consumerDataSet ?? []) as Array<Record<string, unknown>>)[0]!;
        assert.deepEqual(keysOf(jc).filter((k) => !(k in oc)), [], `${file}: consumerData fields`);
        const js = (jc.subscriptionDataSet as Array<Record<string, unknown>>)[0]!;
        const os = (oc.subscriptionDataSet as Array<Record<string, unknown>>)[0]!;
        assert.deepEqual(keysOf(js).filter((k) => !(k in os)), [], `${file}: subscriptionData fields`);
      }
    }
  }
});
