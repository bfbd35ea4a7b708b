/**
 * rocketmq-client-nodejs (5.x, gRPC) against our broker + local-mode proxy: producer normal / FIFO /
 * delay / transaction (commit, and an unresolved one recovered through the checker); SimpleConsumer
 * receive, ack, change invisible duration, redelivery with the attempt count after the invisible time;
 * errors as the client expects them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { startProxyEnv, quietLogger, waitFor, type ProxyEnv } from './proxy-harness.js';

const COMMIT = 1;

describe('proxy: 5.x producer and SimpleConsumer', () => {
  let env: ProxyEnv;
  const closers: Array<() => Promise<void>> = [];
  const producerFor = async (topics: string[], extra: Record<string, unknown> = {}): Promise<Producer> => {
    const p = new Producer({ endpoints: env.endpoints, namespace: '', topics, logger: quietLogger, ...extra } as any);
    await p.startup();
    closers.push(() => p.shutdown());
    return p;
  };
  const consumerFor = async (group: string, topic: string, filter = '*'): Promise<SimpleConsumer> => {
    const c = new SimpleConsumer({ endpoints: env.endpoints, namespace: '', consumerGroup: group, subscriptions: new Map([[topic, filter]]), awaitDuration: 1500, logger: quietLogger } as any);
    await c.startup();
    closers.push(() => c.shutdown());
    return c;
  };
  before(async () => {
    env = await startProxyEnv();
    env.createTopic('px-normal', 'NORMAL');
    env.createTopic('px-fifo', 'FIFO');
    env.createTopic('px-delay', 'DELAY');
    env.createTopic('px-tx', 'TRANSACTION');
    env.createTopic('px-redeliver', 'NORMAL');
  });
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await env.stop();
  });

  it('normal message: receive with tag, keys, properties; ack', async () => {
    const producer = await producerFor(['px-normal']);
    const consumer = await consumerFor('px-g1', 'px-normal');
    const receipt = await producer.send({ topic: 'px-normal', tag: 'TagA', keys: ['k1', 'k2'], body: Buffer.from('hello'), properties: new Map([['p1', 'v1']]) });
    assert.ok(receipt.messageId);
    const got = await consumer.receive(16, 1000);
    assert.equal(got.length, 1);
    const m = got[0]!;
    assert.equal(m.body.toString(), 'hello');
    assert.equal(m.tag, 'TagA');
    assert.deepEqual(m.keys, ['k1', 'k2']);
    assert.equal(m.properties.get('p1'), 'v1');
    assert.equal(m.messageId, receipt.messageId);
    assert.equal(m.deliveryAttempt, 1);
    assert.ok(!m.corrupted, 'body digest matches');
    await consumer.ack(m);
    // Acked: nothing comes back after the invisible time.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await consumer.receive(16, 5000)).length, 0);
  });

  it('tag filter: a non-matching message is skipped', async () => {
    const producer = await producerFor(['px-normal']);
    const consumer = await consumerFor('px-g-tag', 'px-normal', 'TagB');
    await producer.send({ topic: 'px-normal', tag: 'TagX', body: Buffer.from('x') });
    await producer.send({ topic: 'px-normal', tag: 'TagB', body: Buffer.from('b') });
    const got = [];
    for (let i = 0; i < 5 && got.length < 1; i++) got.push(...(await consumer.receive(16, 5000)));
    assert.deepEqual(got.map((m) => m.body.toString()), ['b']);
    for (const m of got) await consumer.ack(m);
  });

  it('invisible time expiry: the message comes back with delivery attempt 2, then change invisible duration and ack', async () => {
    const producer = await producerFor(['px-redeliver']);
    const consumer = await consumerFor('px-g-redeliver', 'px-redeliver');
    await producer.send({ topic: 'px-redeliver', body: Buffer.from('again') });
    const first = await consumer.receive(1, 1000);
    assert.equal(first.length, 1);
    assert.equal(first[0]!.deliveryAttempt, 1);
    let second: Awaited<ReturnType<SimpleConsumer['receive']>> = [];
    const end = Date.now() + 8000;
    while (second.length === 0 && Date.now() < end) second = await consumer.receive(1, 10_000);
    assert.equal(second.length, 1);
    assert.equal(second[0]!.body.toString(), 'again');
    assert.equal(second[0]!.messageId, first[0]!.messageId);
    assert.equal(second[0]!.deliveryAttempt, 2);
    // The old handle is expired.
    await assert.rejects(consumer.ack(first[0]!));
    await consumer.changeInvisibleDuration(second[0]!, 20_000);
    await consumer.ack(second[0]!);
  });

  it('FIFO messages of one group keep their order', async () => {
    const producer = await producerFor(['px-fifo']);
    env.setGroup('px-g-fifo', { fifo: true });
    const consumer = await consumerFor('px-g-fifo', 'px-fifo');
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'px-fifo', messageGroup: 'order-1', body: Buffer.from(String(i)) });
    const bodies: string[] = [];
    const end = Date.now() + 10_000;
    while (bodies.length < 5 && Date.now() < end) {
      const got = await consumer.receive(2, 5000);
      for (const m of got) {
        assert.equal(m.messageGroup, 'order-1');
        bodies.push(m.body.toString());
        await consumer.ack(m);
      }
    }
    assert.deepEqual(bodies, ['0', '1', '2', '3', '4']);
  });

  it('FIFO: nothing after an un-acked message until it is acked', async () => {
    const producer = await producerFor(['px-fifo']);
    env.setGroup('px-g-fifo2', { fifo: true });
    env.createTopic('px-fifo1', 'FIFO', 1);
    await producer.send({ topic: 'px-fifo1', messageGroup: 'g', body: Buffer.from('a') }).catch(() => undefined);
    const p2 = await producerFor(['px-fifo1']);
    await p2.send({ topic: 'px-fifo1', messageGroup: 'g', body: Buffer.from('b') });
    const consumer = await consumerFor('px-g-fifo2', 'px-fifo1');
    const a = await consumer.receive(1, 5000);
    assert.equal(a.length, 1);
    const blocked = await consumer.receive(1, 5000);
    assert.equal(blocked.length, 0, 'the next message must wait for the ack');
    await consumer.ack(a[0]!);
    const b = await consumer.receive(1, 5000);
    assert.equal(b.length, 1);
    assert.notEqual(b[0]!.body.toString(), a[0]!.body.toString());
    await consumer.ack(b[0]!);
  });

  it('delay message is delivered at its delivery timestamp', async () => {
    const producer = await producerFor(['px-delay']);
    const consumer = await consumerFor('px-g-delay', 'px-delay');
    const due = Date.now() + 1500;
    await producer.send({ topic: 'px-delay', body: Buffer.from('later'), deliveryTimestamp: new Date(due) });
    const early = await consumer.receive(1, 5000);
    let got = early;
    const end = Date.now() + 8000;
    while (got.length === 0 && Date.now() < end) got = await consumer.receive(1, 5000);
    assert.equal(got.length, 1);
    assert.ok(Date.now() >= due - 50, 'not before its time');
    assert.equal(got[0]!.body.toString(), 'later');
    assert.ok(got[0]!.deliveryTimestamp);
    await consumer.ack(got[0]!);
  });

  it('transaction: commit makes the message visible; an unresolved one is checked and committed by the checker', async () => {
    const checked: string[] = [];
    const producer = await producerFor(['px-tx'], {
      checker: {
        async check(mv: any) {
          checked.push(mv.messageId);
          return COMMIT;
        },
      },
    });
    const consumer = await consumerFor('px-g-tx', 'px-tx');
    const tx = producer.beginTransaction();
    await producer.send({ topic: 'px-tx', body: Buffer.from('tx-commit') }, tx);
    assert.equal((await consumer.receive(1, 5000)).length, 0, 'half message is not visible');
    await tx.commit();
    const got = await consumer.receive(1, 5000);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.body.toString(), 'tx-commit');
    await consumer.ack(got[0]!);

    const tx2 = producer.beginTransaction();
    const r2 = await producer.send({ topic: 'px-tx', body: Buffer.from('tx-orphan') }, tx2);
    await waitFor(() => checked.includes(r2.messageId), 10_000, 'the transaction check');
    let got2: any[] = [];
    const end = Date.now() + 5000;
    while (got2.length === 0 && Date.now() < end) got2 = await consumer.receive(1, 5000);
    assert.equal(got2.length, 1);
    assert.equal(got2[0].body.toString(), 'tx-orphan');
    await consumer.ack(got2[0]);
  });

  it('errors: unknown topic is TOPIC_NOT_FOUND, too short invisible duration is refused', async () => {
    const producer = await producerFor(['px-normal']);
    await assert.rejects(producer.send({ topic: 'px-missing', body: Buffer.from('x') }), (e: any) => /40402|TOPIC_NOT_FOUND|No topic route/i.test(String(e?.message ?? e) + String(e?.code)));
    const consumer = await consumerFor('px-g-err', 'px-normal');
    await assert.rejects(consumer.receive(1, 10), (e: any) => /40011|invisibleTime/i.test(String(e?.message ?? e) + String(e?.code)));
  });
});
