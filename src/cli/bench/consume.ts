/**
 * `rmq bench consume`: RocketMQ's benchmark Consumer on the client SDK. By default a new consumer
 * group reads the topic from the first offset (draining the backlog `rmq bench produce` left), and
 * stops at `-c` messages, after `--idle` ms without a message, or at `--seconds`. Reports msg/s and
 * MB/s between the first and the last message, end-to-end latency (send time stamped in the body by
 * `rmq bench produce`, else the born timestamp), and the broker's CPU time per message read.
 */
import { AdminClient, resolveNamesrvAddr } from '../../admin/admin-client.js';
import { parseIntArg, UsageError } from '../../admin/args.js';
import type { MessageExt } from '../../client/message.js';
import { DefaultLitePullConsumer } from '../../client/lite-pull-consumer.js';
import { DefaultMQPushConsumer } from '../../client/push-consumer.js';
import { toJsonLine } from '../format.js';
import { reportError } from '../util.js';
import { brokerDelta, fmtInt, latencyMs, mbPerS, nowMs, rate, readStamp, sampleBrokers, startProgress } from './common.js';
import { Histogram } from './histogram.js';

export interface BenchConsumeOptions {
  namesrvAddr?: string;
  topic?: string;
  group?: string;
  from?: string;
  seconds?: string;
  count?: string;
  idle?: string;
  mode?: string;
  batch?: string;
  json?: boolean;
  quiet?: boolean;
}

export interface ConsumeReport {
  mode: 'consume';
  consumer: string;
  topic: string;
  group: string;
  msgs: number;
  bytes: number;
  secs: number;
  msgs_per_s: number;
  mb_per_s: number;
  e2e_latency_ms: ReturnType<typeof latencyMs>;
  broker_cpu_us_per_msg: number | null;
  broker_rss_mb: number | null;
  /** This process's CPU over the whole run (idle tail included), % of one core. */
  client_cpu_pct: number | null;
}

export async function runBenchConsume(opts: BenchConsumeOptions): Promise<number> {
  const json = opts.json === true;
  let admin: AdminClient | undefined;
  let stop: (() => Promise<void>) | undefined;
  try {
    const namesrvAddr = resolveNamesrvAddr(opts.namesrvAddr);
    const topic = opts.topic ?? 'BenchmarkTest';
    const group = opts.group ?? `benchmark_consumer_${Date.now()}`;
    const seconds = parseIntArg('--seconds', opts.seconds, 60);
    const count = opts.count === undefined ? Number.POSITIVE_INFINITY : parseIntArg('-c', opts.count);
    const idleMs = parseIntArg('--idle', opts.idle, 3000);
    const batch = parseIntArg('--batch', opts.batch, 32);
    const mode = opts.mode ?? 'push';
    const from = opts.from ?? 'first';
    if (from !== 'first' && from !== 'last') throw new UsageError('--from must be first or last');
    if (mode !== 'push' && mode !== 'pull') throw new UsageError(`--mode must be push or pull, got ${mode}`);

    admin = new AdminClient({ namesrvAddr });
    const { targets } = await admin.topicMasters(topic);
    const brokerAddrs = targets.map((t) => t.addr);

    const total = new Histogram();
    const windowHist = new Histogram();
    let n = 0;
    let bytes = 0;
    let firstAt = 0;
    let lastAt = 0;
    const onMessages = (msgs: MessageExt[]): void => {
      const t = nowMs();
      if (firstAt === 0) firstAt = t;
      lastAt = t;
      for (const m of msgs) {
        n++;
        bytes += m.body.length;
        const sent = readStamp(m.body) ?? m.bornTimestamp;
        const us = Math.max(0, (t - sent) * 1000);
        total.record(us);
        windowHist.record(us);
      }
    };

    const before = await sampleBrokers(admin, brokerAddrs);
    const cpu0 = process.cpuUsage();
    const t0 = nowMs();
    let finished = false;
    if (mode === 'pull') {
      const lite = new DefaultLitePullConsumer({
        consumerGroup: group,
        namesrvAddr,
        instanceName: `bench-consume-${process.pid}`,
        consumeFromWhere: from === 'first' ? 'CONSUME_FROM_FIRST_OFFSET' : 'CONSUME_FROM_LAST_OFFSET',
        pullBatchSize: batch,
        pullThresholdForAll: 50_000,
      });
      lite.subscribe(topic, '*');
      await lite.start();
      const polling = (async () => {
        while (!finished) {
          const msgs = await lite.poll(200);
          if (msgs.length > 0) onMessages(msgs);
        }
      })();
      stop = async () => {
        finished = true;
        await polling.catch(() => undefined);
        await lite.shutdown();
      };
    } else {
      const consumer = new DefaultMQPushConsumer({
        consumerGroup: group,
        namesrvAddr,
        instanceName: `bench-consume-${process.pid}`,
        consumeFromWhere: from === 'first' ? 'CONSUME_FROM_FIRST_OFFSET' : 'CONSUME_FROM_LAST_OFFSET',
        consumeMessageBatchMaxSize: batch,
        pullBatchSize: 32,
        consumeThreadMax: 64,
        consumeThreadMin: 1,
        pullThresholdForQueue: 10_000,
      });
      consumer.subscribe(topic, '*');
      consumer.registerMessageListener(async (msgs) => {
        onMessages(msgs);
        return 'CONSUME_SUCCESS' as const;
      });
      await consumer.start();
      stop = () => consumer.shutdown();
    }

    const stopProgress = startProgress('received', () => ({ n, errors: 0, window: windowHist }), opts.quiet === true || json);
    await new Promise<void>((resolve) => {
      const onSig = (): void => finish();
      const tick = setInterval(() => {
        const t = nowMs();
        if (n >= count || t - t0 > seconds * 1000 || (firstAt > 0 && t - lastAt > idleMs)) finish();
      }, 20);
      function finish(): void {
        clearInterval(tick);
        process.removeListener('SIGINT', onSig);
        resolve();
      }
      process.once('SIGINT', onSig);
    });
    stopProgress();
    const elapsed = lastAt - firstAt;
    const clientCpu = process.cpuUsage(cpu0);
    const runMs = nowMs() - t0;
    await stop();
    stop = undefined;
    const after = await sampleBrokers(admin, brokerAddrs);
    const d = brokerDelta(before, after);
    const size = n > 0 ? bytes / n : 0;
    const report: ConsumeReport = {
      mode: 'consume',
      consumer: mode,
      topic,
      group,
      msgs: n,
      bytes,
      secs: Math.round(elapsed) / 1000,
      msgs_per_s: rate(n, elapsed),
      mb_per_s: mbPerS(n, size, elapsed),
      e2e_latency_ms: latencyMs(total),
      broker_cpu_us_per_msg: d && d.get > 0 ? Math.round((d.cpuMicros / d.get) * 100) / 100 : null,
      broker_rss_mb: d ? Math.round(d.rssBytes / 1048576) : null,
      client_cpu_pct: runMs > 0 ? Math.round(((clientCpu.user + clientCpu.system) / 1000 / runMs) * 1000) / 10 : null,
    };
    if (json) process.stdout.write(toJsonLine(report) + '\n');
    else {
      const l = report.e2e_latency_ms;
      process.stdout.write(
        [
          `consume ${topic} as ${group}: ${fmtInt(n)} msgs (${fmtInt(bytes)} B) in ${report.secs.toFixed(2)} s`,
          `  throughput  ${fmtInt(report.msgs_per_s)} msg/s  ${report.mb_per_s} MB/s`,
          `  e2e ms      p50 ${l.p50}  p99 ${l.p99}  p999 ${l.p999}  max ${l.max}  (send to receive; a drained backlog includes its wait)`,
          `  broker      ${report.broker_cpu_us_per_msg === null ? 'CPU not reported' : `${report.broker_cpu_us_per_msg} µs CPU per message read, RSS ${report.broker_rss_mb} MiB`}`,
        ].join('\n') + '\n',
      );
    }
    return n > 0 ? 0 : 1;
  } catch (err) {
    return reportError('bench consume', err, json);
  } finally {
    await stop?.().catch(() => undefined);
    admin?.close();
  }
}
