// rocketmq-ts as a peer of /work/shared/peers/bench.mjs (interface: that folder's README.md,
// "Adding a broker"): the same harness that measured NATS, RabbitMQ and Redis drives our broker
// through our client SDK.
//
//   npm run build
//   node /work/shared/peers/bench.mjs --peer ./bench/peer-adapter.mjs --size 1024 --count 200000
//   RMQ_FLUSH_DISK_TYPE=SYNC_FLUSH node /work/shared/peers/bench.mjs --peer ./bench/peer-adapter.mjs ...
//   node /work/shared/peers/bench.mjs --peer ./bench/peer-adapter.mjs --mode latency --rate 5000
//
// By default the adapter starts `rmq dev` (name server + broker in one process) in a temporary data
// directory, warms it up (see warmUp), and stops it on close(); its PID goes to `pidFile` so bench.mjs
// can count its CPU.
// With NAMESRV_ADDR set it uses that cluster instead (then RMQ_PID_FILE may name the broker's PID file).
// Environment: RMQ_DIST (compiled tree, default ../dist), RMQ_FLUSH_DISK_TYPE (ASYNC_FLUSH | SYNC_FLUSH),
// RMQ_QUEUES (queues of the bench topic, default 8), RMQ_NODE_FLAGS (node flags for `rmq dev`, e.g.
// --single-threaded-gc, as bench/produce-consume/run.sh passes).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = resolve(process.env.RMQ_DIST ?? join(here, '..', 'dist'));
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const flushDiskType = process.env.RMQ_FLUSH_DISK_TYPE ?? 'ASYNC_FLUSH';
const queues = Number(process.env.RMQ_QUEUES ?? 8);

export const pidFile = process.env.NAMESRV_ADDR ? process.env.RMQ_PID_FILE : join(tmpdir(), `rmq-peer-adapter-${process.pid}.pid`);

// Starts `rmq dev --json` on free ports; resolves with its ready line (addresses, start-up time).
function startDev(dataDir) {
  return new Promise((resolveStart, reject) => {
    const nodeFlags = (process.env.RMQ_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeFlags, join(dist, 'src', 'cli', 'main.js'), 'dev', '--json', '--no-proxy', '--data', dataDir,
      '--namesrv-port', '0', '--broker-port', '0', `flushDiskType=${flushDiskType}`], {
      stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RMQ_LOG_LEVEL: process.env.RMQ_LOG_LEVEL ?? 'warn' },
    });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`rmq dev did not start within 20 s:\n${out}`)); }, 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{"ready":true'));
      if (line) { clearTimeout(timer); resolveStart({ child, ...JSON.parse(line) }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`rmq dev exited with ${code}:\n${out}`)); });
  });
}

function stopChild(child) {
  return new Promise((res) => {
    if (child.exitCode !== null) return res();
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => { clearTimeout(t); res(); });
    child.kill('SIGTERM');
  });
}

// A freshly started broker (and this process's client code) runs interpreted until V8 has compiled
// its hot paths, which takes a noticeable share of a one-second run; the servers it is compared with
// are native code. So before the harness measures anything, WARMUP_MSGS sends go through the same
// paths to a separate topic, as they would have in any broker that has been up for a while.
// RMQ_PEER_WARMUP=0 skips it.
const WARMUP_MSGS = Number(process.env.RMQ_PEER_WARMUP_MSGS ?? 60_000);
async function warmUp(namesrvAddr, DefaultMQProducer, Message) {
  const p = new DefaultMQProducer({ producerGroup: 'peer_bench_warmup', namesrvAddr, instanceName: `peer-warmup-${process.pid}`, compressMsgBodyOverHowmuch: 1 << 30, sendMsgTimeout: 30_000 });
  await p.start();
  try {
    const topic = 'peer_bench_warmup';
    const body = Buffer.alloc(1024, 1);
    await p.send(new Message(topic, body)); // creates the topic
    let sent = 0, done = 0, failed;
    await new Promise((resolveAll) => {
      const more = () => {
        while (sent < WARMUP_MSGS && sent - done < 1000) {
          sent++;
          p.send(new Message(topic, body)).then(() => { done++; if (done === WARMUP_MSGS) resolveAll(); else more(); }, (e) => { failed ??= e; done++; if (done === WARMUP_MSGS) resolveAll(); else more(); });
        }
      };
      more();
    });
    if (failed) throw failed;
  } finally {
    await p.shutdown();
  }
}

export async function open() {
  const { AdminClient } = await load('src/admin/admin-client.js');
  const { DefaultMQProducer } = await load('src/client/producer.js');
  const { DefaultMQPushConsumer } = await load('src/client/push-consumer.js');
  const { Message } = await load('src/client/message.js');
  const version = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')).version;

  let dev, dataDir, namesrvAddr = process.env.NAMESRV_ADDR;
  if (!namesrvAddr) {
    dataDir = mkdtempSync(join(tmpdir(), 'rmq-peer-'));
    dev = await startDev(dataDir);
    namesrvAddr = dev.namesrvAddr;
    writeFileSync(pidFile, `${dev.child.pid}\n`);
  }
  const admin = new AdminClient({ namesrvAddr, timeoutMs: 5000 });
  const clients = [];
  let topic, seq = 0;
  if (dev && process.env.RMQ_PEER_WARMUP !== '0') await warmUp(namesrvAddr, DefaultMQProducer, Message);

  return {
    client: `rocketmq-ts ${version} client SDK (remoting with ROCKETMQ binary headers, SEND_MESSAGE_V2, push consumer; body compression off)`,
    durability: flushDiskType === 'SYNC_FLUSH'
      ? 'commit log, SYNC_FLUSH: the send is acknowledged after the commit log is fsynced (group commit)'
      : 'commit log, ASYNC_FLUSH: the send is acknowledged once written to the mapped file (page cache), flushed every 500 ms',

    async reset() {
      // A fresh topic per run: the commit log is append-only, so "empty" means a new topic.
      topic = `peer_bench_${Date.now()}`;
      for (const b of await admin.masterBrokers()) {
        await admin.createTopic(b.addr, { topicName: topic, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
      }
      const deadline = Date.now() + 10_000;
      for (;;) {
        try { await admin.getTopicRoute(topic); break; } catch (e) {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    },

    async producer() {
      const p = new DefaultMQProducer({
        producerGroup: 'peer_bench_producer', namesrvAddr, instanceName: `peer-${process.pid}-${seq++}`,
        compressMsgBodyOverHowmuch: 1 << 30, sendMsgTimeout: 30_000,
      });
      await p.start();
      clients.push(p);
      await p.fetchPublishMessageQueues(topic);
      return (buf, done) => { p.send(new Message(topic, buf)).then(() => done(), done); };
    },

    async consume(onMessage) {
      const c = new DefaultMQPushConsumer({
        consumerGroup: `peer_bench_consumer_${Date.now()}`, namesrvAddr, instanceName: `peer-${process.pid}-${seq++}`,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', consumeMessageBatchMaxSize: 32, pullBatchSize: 32,
        consumeThreadMax: 64, consumeThreadMin: 1, pullThresholdForQueue: 10_000,
      });
      c.subscribe(topic, '*');
      c.registerMessageListener((msgs) => { for (const m of msgs) onMessage(m.body); return 'CONSUME_SUCCESS'; });
      await c.start();
      clients.push(c);
      return async () => { await c.shutdown(); };
    },

    async close() {
      for (const c of clients) await c.shutdown().catch(() => {});
      if (topic) {
        for (const b of await admin.masterBrokers().catch(() => [])) await admin.deleteTopicInBroker(b.addr, topic).catch(() => {});
        await admin.deleteTopicInNamesrv(topic).catch(() => {});
      }
      admin.close();
      if (dev) {
        await stopChild(dev.child);
        rmSync(pidFile, { force: true });
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
