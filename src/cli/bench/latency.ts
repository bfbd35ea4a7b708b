/**
 * `rmq bench latency`: end-to-end latency at a steady rate. One producer sends `--rate` msg/s
 * (paced on a 1 ms timer, sends pipelined) for `--seconds` while a push consumer in the same
 * process receives; end-to-end latency = receive time - send time (stamped in the body, one clock),
 * ack latency = send acknowledged - send time. The first `--warmup` seconds are not counted.
 * A fresh topic per run, so there is no backlog.
 */
import { AdminClient, resolveNamesrvAddr } from '../../admin/admin-client.js';
import { parseIntArg, UsageError } from '../../admin/args.js';
import { Message } from '../../client/message.js';
import { DefaultMQProducer } from '../../client/producer.js';
import { DefaultMQPushConsumer } from '../../client/push-consumer.js';
import { toJsonLine } from '../format.js';
import { errorMessage, reportError } from '../util.js';
import { brokerDelta, fmtInt, latencyMs, nowMs, readStamp, sampleBrokers, stampBody, startProgress } from './common.js';
import { Histogram } from './histogram.js';

export interface BenchLatencyOptions {
  namesrvAddr?: string;
  topic?: string;
  rate?: string;
  seconds?: string;
  size?: string;
  warmup?: string;
  json?: boolean;
  quiet?: boolean;
}

export async function runBenchLatency(opts: BenchLatencyOptions): Promise<number> {
  const json = opts.json === true;
  let admin: AdminClient | undefined;
  let producer: DefaultMQProducer | undefined;
  let consumer: DefaultMQPushConsumer | undefined;
  try {
    const namesrvAddr = resolveNamesrvAddr(opts.namesrvAddr);
    const rateTarget = parseIntArg('--rate', opts.rate, 10_000);
    const seconds = parseIntArg('--seconds', opts.seconds, 10);
    const size = parseIntArg('-s', opts.size, 1024);
    const warmupS = parseIntArg('--warmup', opts.warmup, 1);
    if (rateTarget < 1 || seconds < 1 || size < 16 || warmupS < 0 || warmupS >= seconds) throw new UsageError('need --rate >= 1, -s >= 16, 0 <= --warmup < --seconds');
    const topic = opts.topic ?? `BenchLatency_${Date.now()}`;
    const group = `benchmark_latency_${Date.now()}`;
    admin = new AdminClient({ namesrvAddr });

    producer = new DefaultMQProducer({ producerGroup: 'benchmark_latency_producer', namesrvAddr, instanceName: `bench-lat-p-${process.pid}`, compressMsgBodyOverHowmuch: 1 << 30 });
    await producer.start();
    const p = producer;
    // Creates the topic (through TBW102) before the consumer looks for its route.
    await p.send(new Message(topic, Buffer.alloc(size)));

    const e2e = new Histogram();
    const ack = new Histogram();
    const windowHist = new Histogram();
    let received = 0;
    let countFrom = Number.POSITIVE_INFINITY; // send time from which samples count (after warm-up)
    consumer = new DefaultMQPushConsumer({
      consumerGroup: group,
      namesrvAddr,
      instanceName: `bench-lat-c-${process.pid}`,
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      consumeMessageBatchMaxSize: 32,
      consumeThreadMax: 64,
      consumeThreadMin: 1,
    });
    consumer.subscribe(topic, '*');
    consumer.registerMessageListener(async (msgs) => {
      const t = nowMs();
      for (const m of msgs) {
        received++;
        const sent = readStamp(m.body);
        if (sent === undefined) continue;
        const us = (t - sent) * 1000;
        windowHist.record(us);
        if (sent >= countFrom) e2e.record(us);
      }
      return 'CONSUME_SUCCESS' as const;
    });
    await consumer.start();
    // Ready when a probe message comes back (the consumer owns its queues and is polling).
    const readyBy = nowMs() + 30_000;
    while (received === 0) {
      if (nowMs() > readyBy) throw new UsageError('the consumer received nothing within 30 s');
      const b = Buffer.alloc(size);
      stampBody(b);
      await p.send(new Message(topic, b));
      await new Promise((r) => setTimeout(r, 100));
    }
    received = 0;

    const brokerAddrs = (await admin.masterBrokers()).map((t) => t.addr);
    const before = await sampleBrokers(admin, brokerAddrs);
    let sent = 0;
    let acked = 0;
    let errors = 0;
    let firstError: string | undefined;
    const total = rateTarget * seconds;
    const stopProgress = startProgress('received', () => ({ n: received, errors, window: windowHist }), opts.quiet === true || json);
    const t0 = nowMs();
    countFrom = t0 + warmupS * 1000;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(total, Math.floor(((nowMs() - t0) / 1000) * rateTarget));
        while (sent < due) {
          sent++;
          const body = Buffer.alloc(size);
          const t = nowMs();
          stampBody(body, t);
          p.send(new Message(topic, body)).then(
            () => {
              acked++;
              if (t >= countFrom) ack.record((nowMs() - t) * 1000);
            },
            (err: unknown) => {
              errors++;
              firstError ??= errorMessage(err);
            },
          );
        }
        if (sent >= total) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    const sendSecs = (nowMs() - t0) / 1000;
    // Let the tail arrive (bounded).
    const drainBy = nowMs() + 10_000;
    while (received + errors < sent && nowMs() < drainBy) await new Promise((r) => setTimeout(r, 10));
    stopProgress();
    const after = await sampleBrokers(admin, brokerAddrs);
    const d = brokerDelta(before, after);
    const report = {
      mode: 'latency',
      topic,
      size,
      rate: rateTarget,
      achieved_rate: Math.round(sent / sendSecs),
      sent,
      acked,
      received,
      errors,
      warmup_s: warmupS,
      e2e_latency_ms: latencyMs(e2e),
      ack_latency_ms: latencyMs(ack),
      broker_cpu_us_per_msg: d && d.put > 0 ? Math.round((d.cpuMicros / d.put) * 100) / 100 : null,
      broker_rss_mb: d ? Math.round(d.rssBytes / 1048576) : null,
      ...(firstError ? { first_error: firstError } : {}),
    };
    if (json) process.stdout.write(toJsonLine(report) + '\n');
    else {
      const e = report.e2e_latency_ms;
      const a = report.ack_latency_ms;
      process.stdout.write(
        [
          `latency ${topic}: ${fmtInt(sent)} msgs of ${size} B at ${fmtInt(report.achieved_rate)} msg/s (target ${fmtInt(rateTarget)}), received ${fmtInt(received)}, errors ${errors}`,
          `  e2e ms  p50 ${e.p50}  p99 ${e.p99}  p999 ${e.p999}  max ${e.max}  (first ${warmupS} s not counted)`,
          `  ack ms  p50 ${a.p50}  p99 ${a.p99}  p999 ${a.p999}  max ${a.max}`,
          `  broker  ${report.broker_cpu_us_per_msg === null ? 'CPU not reported' : `${report.broker_cpu_us_per_msg} µs CPU per message (sent and delivered), RSS ${report.broker_rss_mb} MiB`}`,
        ].join('\n') + '\n',
      );
    }
    return received > 0 ? 0 : 1;
  } catch (err) {
    return reportError('bench latency', err, json);
  } finally {
    await consumer?.shutdown().catch(() => undefined);
    await producer?.shutdown().catch(() => undefined);
    admin?.close();
  }
}
