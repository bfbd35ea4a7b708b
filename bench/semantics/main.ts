/**
 * Message-semantics benchmark, end to end through the client SDK against a name server + broker in a
 * child process (so the client's CPU does not share the broker's event loop):
 *
 *  1. plain vs transactional sends, alternating phases in one run: DefaultMQProducer.send vs
 *     TransactionMQProducer.sendMessageInTransaction (half message, local transaction = COMMIT,
 *     END_TRANSACTION oneway, broker re-stores the committed copy and writes the op record). A
 *     transactional message counts once sendMessageInTransaction resolved; at the end the committed
 *     copies on the real topic are counted to confirm every one became visible.
 *  2. ordered consumption: a backlog on a topic with Q queues (keys spread by the hash selector) drained
 *     by an orderly push consumer (broker queue locks, one batch per queue at a time); msg/s overall
 *     and per queue.
 *
 *   node .build/tx/bench/semantics/main.js [--seconds 5] [--workers 64] [--size 256] [--rounds 2]
 *        [--orderMessages 20000] [--orderQueues 1,4] [--orderBatch 1]
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrokerController } from '../../src/broker/broker-controller.js';
import { loadBrokerConfig } from '../../src/broker/broker-config.js';
import { NamesrvController } from '../../src/namesrv/namesrv-controller.js';
import { DefaultMQProducer, DefaultMQPushConsumer, Message, SelectMessageQueueByHash, TransactionMQProducer } from '../../src/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1]! : def;
}

type ChildMsg = { ready?: { namesrvAddr: string }; count?: number };

async function child(dir: string): Promise<void> {
  const ns = new NamesrvController({ listenPort: 0, host: '127.0.0.1', kvConfigPath: join(dir, 'ns', 'kv.json'), configStorePath: join(dir, 'ns', 'ns.properties') });
  const { port: nsPort } = await ns.start();
  const namesrvAddr = `127.0.0.1:${nsPort}`;
  const broker = new BrokerController(loadBrokerConfig(undefined, { namesrvAddr, brokerIP1: '127.0.0.1', listenPort: 0, storePathRootDir: join(dir, 'broker'), flushDiskType: 'ASYNC_FLUSH' }), { host: '127.0.0.1' });
  await broker.start();
  const topics: Array<[string, number]> = [['SemPlain', 4], ['SemTx', 4], ...String(process.env.ORDER_QUEUES ?? '1,4').split(',').map((q) => [`SemOrder${q}`, Number(q)] as [string, number])];
  for (const [t, q] of topics) broker.topicConfigManager.updateTopicConfig({ topicName: t, readQueueNums: q, writeQueueNums: q, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
  await new Promise((r) => setTimeout(r, 1500)); // registration with the name server
  process.send!({ ready: { namesrvAddr } } satisfies ChildMsg);
  process.on('message', (m: { count?: string; stop?: boolean }) => {
    if (m.count) {
      let n = 0;
      for (let q = 0; q < 4; q++) n += broker.store.getMaxOffsetInQueue(m.count, q);
      process.send!({ count: n } satisfies ChildMsg);
    }
    if (m.stop) void broker.shutdown().then(() => ns.shutdown()).then(() => process.exit(0));
  });
}

async function runFor(seconds: number, workers: number, op: () => Promise<unknown>): Promise<{ n: number; ms: number }> {
  const end = Date.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < end) {
        await op();
        n++;
      }
    }),
  );
  return { n, ms: performance.now() - t0 };
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '5'));
  const workers = Number(arg('workers', '64'));
  const size = Number(arg('size', '256'));
  const rounds = Number(arg('rounds', '2'));
  const orderMessages = Number(arg('orderMessages', '20000'));
  const orderQueues = arg('orderQueues', '1,4');
  const orderBatch = Number(arg('orderBatch', '1'));
  const dir = mkdtempSync(join(tmpdir(), 'rmq-bench-semantics-'));
  const proc = fork(fileURLToPath(import.meta.url), ['--child', dir], { env: { ...process.env, RMQ_LOG_LEVEL: process.env.RMQ_LOG_LEVEL ?? 'warn', ORDER_QUEUES: orderQueues } });
  const inbox: ChildMsg[] = [];
  const waiters: Array<(m: ChildMsg) => void> = [];
  proc.on('message', (m: ChildMsg) => (waiters.length ? waiters.shift()!(m) : inbox.push(m)));
  const next = (): Promise<ChildMsg> => (inbox.length ? Promise.resolve(inbox.shift()!) : new Promise((r) => waiters.push(r)));
  const { ready } = await next();
  const namesrvAddr = ready!.namesrvAddr;
  const body = Buffer.alloc(size, 0x61);
  const results: Record<string, unknown> = { seconds, workers, size };
  try {
    const plain = new DefaultMQProducer({ producerGroup: 'SemPlainPG', namesrvAddr, compressMsgBodyOverHowmuch: 1 << 30 });
    const tx = new TransactionMQProducer({
      producerGroup: 'SemTxPG',
      namesrvAddr,
      compressMsgBodyOverHowmuch: 1 << 30,
      transactionListener: { executeLocalTransaction: () => 'COMMIT_MESSAGE', checkLocalTransaction: () => 'COMMIT_MESSAGE' },
    });
    await plain.start();
    await tx.start();
    // Warm-up (routes, connections, JIT).
    await runFor(1, workers, () => plain.send(new Message('SemPlain', body)));
    await runFor(1, workers, () => tx.sendMessageInTransaction(new Message('SemTx', body)));
    const rates: { plain: number[]; tx: number[] } = { plain: [], tx: [] };
    let txSent = 0;
    for (let r = 0; r < rounds; r++) {
      const p = await runFor(seconds, workers, () => plain.send(new Message('SemPlain', body)));
      rates.plain.push((p.n / p.ms) * 1000);
      const t = await runFor(seconds, workers, () => tx.sendMessageInTransaction(new Message('SemTx', body)));
      txSent += t.n;
      rates.tx.push((t.n / t.ms) * 1000);
      console.error(`round ${r + 1}: plain ${rates.plain[r]!.toFixed(0)} msg/s, transactional ${rates.tx[r]!.toFixed(0)} msg/s`);
    }
    // Every transactional message of the run (warm-up included) must be visible on the real topic.
    const deadline = Date.now() + 10_000;
    let visible = 0;
    for (;;) {
      proc.send({ count: 'SemTx' });
      visible = (await next()).count ?? 0;
      if (visible >= txSent || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    results.plainMsgPerSec = Math.round(avg(rates.plain));
    results.txCommittedMsgPerSec = Math.round(avg(rates.tx));
    results.txToPlainRatio = Number((avg(rates.tx) / avg(rates.plain)).toFixed(3));
    results.txVisibleCheck = visible >= txSent ? 'all committed copies visible' : `only ${visible} of >= ${txSent} visible`;
    await tx.shutdown();

    // Ordered consumption: backlog, then drain with an orderly consumer.
    const order: Record<string, unknown> = {};
    for (const q of orderQueues.split(',').map(Number)) {
      const topic = `SemOrder${q}`;
      const sel = new SelectMessageQueueByHash();
      let i = 0;
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (i < orderMessages) {
            const k = i++;
            await plain.send(new Message(topic, body, { keys: `k${k % 1000}` }), sel, k % 1000);
          }
        }),
      );
      let got = 0;
      let t0 = 0;
      let outOfOrder = 0;
      const lastStep = new Map<string, number>();
      const c = new DefaultMQPushConsumer({ consumerGroup: `SemOrderCG${q}`, namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', consumeMessageBatchMaxSize: orderBatch, pullBatchSize: 32 });
      c.subscribe(topic, '*');
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      c.registerMessageListenerOrderly((msgs) => {
        if (t0 === 0) t0 = performance.now();
        for (const m of msgs) {
          const key = m.keys ?? '';
          const prev = lastStep.get(key) ?? -1;
          if (m.queueOffset <= prev) outOfOrder++;
          lastStep.set(key, m.queueOffset);
        }
        got += msgs.length;
        if (got >= orderMessages) done();
        return 'SUCCESS';
      });
      await c.start();
      await Promise.race([finished, new Promise((r) => setTimeout(r, 120_000))]);
      const ms = performance.now() - t0;
      await c.shutdown();
      const rate = (got / ms) * 1000;
      order[`queues${q}`] = { messages: got, msgPerSec: Math.round(rate), msgPerSecPerQueue: Math.round(rate / q), outOfOrder };
      console.error(`ordered, ${q} queue(s): ${rate.toFixed(0)} msg/s (${(rate / q).toFixed(0)} per queue), batch ${orderBatch}`);
    }
    results.ordered = order;
    await plain.shutdown();
  } finally {
    proc.send({ stop: true });
    await new Promise((r) => proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(results));
  process.exit(0);
}

if (process.argv[2] === '--child') await child(process.argv[3]!);
else await main();
