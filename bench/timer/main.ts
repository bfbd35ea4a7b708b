/**
 * Timer-message benchmark: schedules timer messages at a steady rate against a broker running in a
 * child process and measures how late they are delivered.
 *
 *   node .build/timer/bench/timer/main.js [--rate 50000] [--total 1000000] [--minDelay 20000]
 *        [--maxDelay 40000] [--window 4000] [--queues 4] [--size 64]
 *
 * The parent sends SEND_MESSAGE_V2 with TIMER_DELAY_MS (uniform in [minDelay, maxDelay]) through one
 * pipelined connection (at most --window in flight) at --rate per second, and pulls the real topic all
 * along. Lateness = store timestamp of the delivered message - its TIMER_OUT_MS (both on the broker's
 * clock, so this is the broker's own lateness, not the consumer's pull latency). The broker's pending
 * count (GET_BROKER_RUNTIME_INFO timerPendingCount) is sampled every second; lateness percentiles are
 * reported overall and for deliveries made while at least 100 000 timers were pending, with the
 * broker's CPU per timer (independent of what else runs on the machine).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerController } from '../../src/broker/broker-controller.js';
import { loadBrokerConfig } from '../../src/broker/broker-config.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { SendMessageRequestHeaderV2 } from '../../src/protocol/headers/send-message.js';
import { PullMessageRequestHeader } from '../../src/protocol/headers/pull-message.js';
import { uniqueKeyGenerator } from '../../src/message/message-id.js';
import { readInt64BE } from '../../src/message/int64.js';
import { getEncodedProperty } from '../../src/message/properties.js';

const TOPIC = 'TimerBench';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

async function child(dir: string): Promise<void> {
  const broker = new BrokerController(
    loadBrokerConfig(undefined, { namesrvAddr: '', brokerIP1: '127.0.0.1', listenPort: 0, storePathRootDir: dir, flushDiskType: 'ASYNC_FLUSH', maxTransferCountOnMessageInMemory: 1024, maxTransferBytesOnMessageInMemory: 4 * 1024 * 1024 }),
    { host: '127.0.0.1' },
  );
  const { port } = await broker.start();
  const queues = Number(process.env.BENCH_QUEUES ?? 4);
  broker.topicConfigManager.updateTopicConfig({ topicName: TOPIC, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
  process.send!({ port });
  process.on('message', (m: { stop?: boolean }) => {
    if (m.stop) void broker.shutdown().then(() => process.exit(0));
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(xs: number[]): string {
  const s = Float64Array.from(xs).sort();
  const a = Array.from(s);
  return `n=${a.length} p50=${percentile(a, 50)} p90=${percentile(a, 90)} p99=${percentile(a, 99)} p99.9=${percentile(a, 99.9)} max=${a[a.length - 1] ?? NaN} ms`;
}

async function main(): Promise<void> {
  const rate = arg('rate', 50_000);
  const total = arg('total', 1_000_000);
  const minDelay = arg('minDelay', 20_000);
  const maxDelay = arg('maxDelay', 40_000);
  const window = arg('window', 4000);
  const queues = arg('queues', 4);
  const size = arg('size', 64);
  const dir = mkdtempSync(join(tmpdir(), 'rmq-timer-bench-'));
  const cp = fork(fileURLToPath(import.meta.url), ['child', dir], { env: { ...process.env, RMQ_LOG_LEVEL: process.env.RMQ_LOG_LEVEL ?? 'warn', BENCH_QUEUES: String(queues) }, execArgv: ['--max-old-space-size=8192', ...(process.env.BENCH_BROKER_FLAGS ? process.env.BENCH_BROKER_FLAGS.split(' ') : []), ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROF] : [])] });
  const port = await new Promise<number>((r) => cp.once('message', (m: { port: number }) => r(m.port)));
  const addr = `127.0.0.1:${port}`;
  const client = new RemotingClient();
  const body = Buffer.alloc(size, 'x');
  console.error(`timer bench: ${total} timers at ${rate}/s, delay ${minDelay}..${maxDelay} ms, window ${window}, broker pid ${cp.pid}`);

  // ---- delivery watcher: pull every queue of the real topic continuously
  const lateness: number[] = [];
  const latenessAt100k: number[] = [];
  let delivered = 0;
  let early = 0;
  let pendingNow = 0;
  let sendingDone = false;
  const nextOffset = new Array<number>(queues).fill(0);
  const pullLoop = async (q: number): Promise<void> => {
    while (delivered < total) {
      const ext = PullMessageRequestHeader.encode({ consumerGroup: 'BenchCG', topic: TOPIC, queueId: q, queueOffset: nextOffset[q]!, maxMsgNums: 1024, sysFlag: 0x2 | 0x4, commitOffset: 0, suspendTimeoutMillis: 1000, subscription: '*', subVersion: 0, expressionType: 'TAG' });
      let res;
      try {
        res = await client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE, ext), 5000);
      } catch {
        continue;
      }
      if (res.code === ResponseCode.SUCCESS && res.body) {
        const b = res.body;
        let off = 0;
        while (off < b.length) {
          const sz = b.readInt32BE(off);
          const sysFlag = b.readInt32BE(off + 36);
          const stPos = off + 48 + (sysFlag & 0x10 ? 20 : 8);
          const storeTs = readInt64BE(b, stPos);
          let p = stPos + 8 + (sysFlag & 0x20 ? 20 : 8) + 12;
          const bodyLen = b.readInt32BE(p);
          p += 4 + bodyLen;
          const tl = b[p]!;
          p += 1 + tl;
          const pl = b.readInt16BE(p);
          const props = b.toString('utf8', p + 2, p + 2 + pl);
          const out = Number(getEncodedProperty(props, 'TIMER_OUT_MS'));
          const late = storeTs - out;
          if (late < 0) early++;
          lateness.push(late);
          if (pendingNow >= 100_000) latenessAt100k.push(late);
          delivered++;
          off += sz;
        }
        nextOffset[q] = Number(res.extFields.nextBeginOffset);
      } else if (res.code === ResponseCode.PULL_OFFSET_MOVED || res.code === ResponseCode.PULL_RETRY_IMMEDIATELY) {
        nextOffset[q] = Number(res.extFields.nextBeginOffset);
      }
    }
  };
  const pulls = Array.from({ length: queues }, (_, q) => pullLoop(q));
  const brokerCpu = async (): Promise<number> => {
    const res = await client.invoke(addr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO, {}), 3000);
    return Number((JSON.parse(res.body?.toString() ?? '{}') as { table?: Record<string, string> }).table?.processCpuMicros ?? 0);
  };
  const cpuStart = await brokerCpu();

  let maxPending = 0;
  const sampler = setInterval(() => {
    void client
      .invoke(addr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO, {}), 3000)
      .then((res) => {
        const table = (JSON.parse(res.body?.toString() ?? '{}') as { table?: Record<string, string> }).table ?? {};
        pendingNow = Number(table.timerPendingCount ?? 0);
        if (pendingNow > maxPending) maxPending = pendingNow;
        const l = lateness.slice(-5000).sort((a, b) => a - b);
        console.error(`  sent ${sent} delivered ${delivered} pending ${pendingNow} recent p99 lateness ${percentile(l, 99)} ms`);
      })
      .catch(() => undefined);
  }, 1000);

  // ---- scheduler: `rate` per second in 10 ms slices, at most `window` in flight
  let sent = 0;
  let acked = 0;
  let inFlight = 0;
  let failed = 0;
  const start = Date.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const shouldHave = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate));
      while (sent < shouldHave && inFlight < window) {
        const delay = minDelay + Math.floor(Math.random() * (maxDelay - minDelay + 1));
        const ext = SendMessageRequestHeaderV2.encode({
          producerGroup: 'BenchPG',
          topic: TOPIC,
          defaultTopic: 'TBW102',
          defaultTopicQueueNums: queues,
          queueId: sent % queues,
          sysFlag: 0,
          bornTimestamp: Date.now(),
          flag: 0,
          properties: `UNIQ_KEY\u0001${uniqueKeyGenerator.next()}\u0002TIMER_DELAY_MS\u0001${delay}\u0002WAIT\u0001false`,
        });
        sent++;
        inFlight++;
        client
          .invoke(addr, createRequest(RequestCode.SEND_MESSAGE_V2, ext, body), 10_000)
          .then((res) => {
            if (res.code === ResponseCode.SUCCESS) acked++;
            else failed++;
          })
          .catch(() => failed++)
          .finally(() => {
            inFlight--;
          });
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  const schedSeconds = (Date.now() - start) / 1000;
  sendingDone = true;
  console.error(`scheduled ${acked} (failed ${failed}) in ${schedSeconds.toFixed(1)} s = ${Math.round(acked / schedSeconds)}/s`);
  const deadline = Date.now() + maxDelay + 60_000;
  while (delivered < acked && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  clearInterval(sampler);
  const cpuUsed = (await brokerCpu()) - cpuStart;
  const result = {
    // Broker process CPU (user + system) per timer: receive + park + ingest + deliver + serve the pulls.
    brokerCpuMicrosPerTimer: Math.round(cpuUsed / Math.max(1, acked)),
    timers: acked,
    failedSends: failed,
    targetRate: rate,
    scheduleRate: Math.round(acked / schedSeconds),
    delayMs: [minDelay, maxDelay],
    maxPending,
    delivered,
    early,
    lateness: summary(lateness),
    latenessWhile100kPending: summary(latenessAt100k),
  };
  console.log(JSON.stringify(result, null, 1));
  void sendingDone;
  client.close();
  cp.send({ stop: true });
  await new Promise((r) => cp.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  await Promise.race([Promise.all(pulls), new Promise((r) => setTimeout(r, 100))]);
  process.exit(0);
}

if (process.argv[2] === 'child') void child(process.argv[3]!);
else void main();
