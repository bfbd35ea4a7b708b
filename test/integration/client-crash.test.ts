/**
 * A group member killed with SIGKILL (no shutdown, no offset commit, no unregister): the broker
 * notices the closed connection, the surviving member takes over its queues from the last
 * committed offsets, and no message is lost (some may be delivered twice: at-least-once).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DefaultMQProducer, DefaultMQPushConsumer, Message } from '../../src/index.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
before(async () => {
  cluster = await startCluster({ brokers: 1 });
});
after(async () => {
  await cluster?.stop();
});

test('a killed member: the survivor takes over its queues and nothing is lost', { timeout: 90_000 }, async () => {
  const topic = 'ItCrashTopic';
  const group = 'ItCrashCG';
  await cluster.createTopic(topic, 4);
  const childGot = new Set<string>();
  let out = '';
  const child = spawn(process.execPath, [fileURLToPath(new URL('./client-crash-child.js', import.meta.url)), cluster.namesrvAddr, topic, group], {
    env: { ...process.env, RMQ_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const line of out.split('\n').slice(0, -1)) if (line.startsWith('GOT ')) childGot.add(line.slice(4));
    out = out.slice(out.lastIndexOf('\n') + 1);
  });
  let ready = false;
  child.stdout!.on('data', (d: Buffer) => {
    if (d.toString().includes('READY')) ready = true;
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const got = new Map<string, number>();
  const survivor = new DefaultMQPushConsumer({ consumerGroup: group, namesrvAddr: cluster.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 500 });
  survivor.subscribe(topic, '*');
  survivor.registerMessageListener((msgs) => {
    for (const m of msgs) got.set(m.body.toString(), (got.get(m.body.toString()) ?? 0) + 1);
  });
  const producer = new DefaultMQProducer({ producerGroup: 'ItCrashPG', namesrvAddr: cluster.namesrvAddr });
  try {
    await waitUntil(() => ready, 15000, 'child consumer ready');
    await survivor.start();
    await waitUntil(() => survivor.ownedMessageQueues(topic).length === 2, 15000, 'queues split between the two members');
    await producer.start();
    const bodies = Array.from({ length: 400 }, (_, i) => `c${i}`);
    await Promise.all(bodies.map((b) => producer.send(new Message(topic, b))));
    await waitUntil(() => childGot.size >= 40, 15000, 'child consuming');
    child.kill('SIGKILL');
    await exited;
    const childCount = childGot.size;
    await waitUntil(() => survivor.ownedMessageQueues(topic).length === 4, 15000, 'survivor owning every queue');
    await waitUntil(() => bodies.every((b) => got.has(b) || childGot.has(b)), 20000, 'every message consumed by someone');
    const redelivered = bodies.filter((b) => got.has(b) && childGot.has(b)).length;
    console.log(`crash test: child consumed ${childCount} before SIGKILL, survivor ${got.size}, consumed twice ${redelivered}`);
    assert.ok(bodies.every((b) => got.has(b) || childGot.has(b)));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await survivor.shutdown();
    await producer.shutdown();
  }
});
