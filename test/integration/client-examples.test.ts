import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

const examples = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

let cluster: TestCluster;
before(async () => {
  cluster = await startCluster({ brokers: 1, broker: { messageDelayLevel: '1s 100ms 100ms 100ms 100ms' } });
});
after(async () => {
  await cluster?.stop();
});

function run(script: string, env: Record<string, string>): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  let out = '';
  const child = spawn(process.execPath, [examples(script)], { env: { ...process.env, RMQ_LOG_LEVEL: process.env.EX_LOG ?? 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

test('quick-start examples: five tagged, keyed messages sent; the consumer sees them and a redelivery with its reconsume count', async () => {
  const env = { NAMESRV_ADDR: cluster.namesrvAddr, TOPIC: 'ExampleTopic' };
  const consumer = run('quick-start-consumer.js', env);
  try {
    await waitUntil(() => consumer.out().includes('Consumer Started.'), 10000, 'consumer start');
    const producer = run('quick-start-producer.js', env);
    const code = await Promise.race([producer.exited, new Promise<null>((r) => setTimeout(() => r(null), 15000).unref())]);
    assert.equal(code, 0, producer.out());
    assert.equal(producer.out().match(/SendResult \[sendStatus=SEND_OK/g)?.length, 5, producer.out());
    await waitUntil(() => /keys=OrderID002 tags=TagA reconsumeTimes=1/.test(consumer.out()), 20000, 'redelivery of OrderID002').catch((e) => { console.log(consumer.out()); throw e; });
    for (let i = 0; i < 5; i++) assert.match(consumer.out(), new RegExp(`keys=OrderID00${i} tags=TagA reconsumeTimes=0 body=Hello RocketMQ ${i}`));
  } finally {
    consumer.child.kill('SIGINT');
    const code = await Promise.race([consumer.exited, new Promise<null>((r) => setTimeout(() => r(null), 10000).unref())]);
    if (code === null) consumer.child.kill('SIGKILL');
  }
});
