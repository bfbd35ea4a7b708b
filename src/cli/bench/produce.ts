/**
 * `rmq bench produce`: RocketMQ's benchmark Producer, on the client SDK. `-w` senders each wait for
 * their send to be acknowledged before the next (blocking sends), or with `--async` a window of
 * sends stays in flight (pipelined on the connection). Runs for `--seconds` or `-c` messages,
 * prints a progress line every second and a final report: msg/s, MB/s (10^6 bytes of body),
 * send latency p50/p99/p999/max, and the broker's CPU time per stored message (from its
 * GET_BROKER_RUNTIME_INFO counters before and after). `--json` prints the report as one JSON line.
 */
import { randomFillSync } from 'node:crypto';
import { AdminClient, resolveNamesrvAddr } from '../../admin/admin-client.js';
import { parseIntArg, UsageError } from '../../admin/args.js';
import { Message } from '../../client/message.js';
import { DefaultMQProducer } from '../../client/producer.js';
import { toJsonLine } from '../format.js';
import { errorMessage, reportError } from '../util.js';
import { brokerDelta, fmtInt, latencyMs, mbPerS, nowMs, rate, sampleBrokers, stampBody, startProgress } from './common.js';
import { Histogram } from './histogram.js';

export interface BenchProduceOptions {
  namesrvAddr?: string;
  topic?: string;
  threads?: string;
  size?: string;
  seconds?: string;
  count?: string;
  batch?: string;
  async?: boolean;
  window?: string;
  producers?: string;
  tags?: string;
  keyEnable?: boolean;
  group?: string;
  json?: boolean;
  quiet?: boolean;
}

export interface ProduceReport {
  mode: 'produce';
  topic: string;
  size: number;
  batch: number;
  concurrency: number;
  async: boolean;
  producers: number;
  msgs: number;
  errors: number;
  secs: number;
  msgs_per_s: number;
  mb_per_s: number;
  latency_ms: ReturnType<typeof latencyMs>;
  broker_cpu_us_per_msg: number | null;
  broker_cpu_pct: number | null;
  broker_rss_mb: number | null;
  /** This bench process's CPU while sending, % of one core (is the client the limit?). */
  client_cpu_pct: number | null;
  first_error?: string;
}

export async function runBenchProduce(opts: BenchProduceOptions): Promise<number> {
  const json = opts.json === true;
  const producers: DefaultMQProducer[] = [];
  let admin: AdminClient | undefined;
  try {
    const namesrvAddr = resolveNamesrvAddr(opts.namesrvAddr);
    const topic = opts.topic ?? 'BenchmarkTest';
    const size = parseIntArg('-s', opts.size, 1024);
    const batch = parseIntArg('--batch', opts.batch, 1);
    const threads = parseIntArg('-w', opts.threads, 32);
    const window = parseIntArg('--window', opts.window, 1000);
    const concurrency = opts.async ? window : threads;
    const nProducers = parseIntArg('--producers', opts.producers, 1);
    const count = opts.count === undefined ? Number.POSITIVE_INFINITY : parseIntArg('-c', opts.count);
    const seconds = opts.seconds === undefined ? (opts.count === undefined ? 10 : 3600) : parseIntArg('--seconds', opts.seconds);
    if (size < 1 || batch < 1 || concurrency < 1 || nProducers < 1 || seconds < 1 || count < 1) throw new UsageError('sizes, counts and durations must be positive');

    admin = new AdminClient({ namesrvAddr });
    for (let i = 0; i < nProducers; i++) {
      // Each producer gets its own client instance, so its own connection to the broker.
      const p = new DefaultMQProducer({
        producerGroup: opts.group ?? 'benchmark_producer',
        namesrvAddr,
        instanceName: `bench-${process.pid}-${i}`,
        sendMsgTimeout: 10_000,
        compressMsgBodyOverHowmuch: Math.max(4096, size + 1),
      });
      await p.start();
      producers.push(p);
    }
    // Warm the route (auto-create through TBW102 if needed) before the clock starts.
    const first = Buffer.alloc(size);
    randomFillSync(first);
    await producers[0]!.send(new Message(topic, first, { tags: opts.tags }));
    // Every master's counters: an auto-created topic may not be in the name server's routes yet.
    const brokerAddrs = (await admin.masterBrokers()).map((t) => t.addr);

    const total = new Histogram();
    const windowHist = new Histogram();
    let sent = 0;
    let acked = 0;
    let errors = 0;
    let firstError: string | undefined;
    const payload = Buffer.alloc(size);
    randomFillSync(payload);
    const before = await sampleBrokers(admin, brokerAddrs);
    const cpu0 = process.cpuUsage();
    const t0 = nowMs();
    const deadline = t0 + seconds * 1000;
    const stopProgress = startProgress('sent', () => ({ n: acked, errors, window: windowHist }), opts.quiet === true || json);
    let stopSignal = false;
    const onSig = (): void => {
      stopSignal = true;
    };
    process.once('SIGINT', onSig);

    // Each sender reuses its own bodies (as RocketMQ's benchmark reuses one body), so the bench
    // does not add a body's worth of garbage per message; a body is only rewritten (with its send
    // time stamp) once the send that carried it has been acknowledged.
    const makeMessage = (body: Buffer, seq: number): Message => {
      stampBody(body);
      return new Message(topic, body, { tags: opts.tags, keys: opts.keyEnable ? `key-${process.pid}-${seq}` : undefined });
    };
    let lastAck = t0;
    const slot = async (i: number): Promise<void> => {
      const p = producers[i % producers.length]!;
      const bodies = Array.from({ length: batch }, () => Buffer.from(payload));
      while (!stopSignal && sent < count && nowMs() < deadline) {
        const n = Math.min(batch, count - sent);
        sent += n;
        const start = nowMs();
        try {
          if (batch === 1) await p.send(makeMessage(bodies[0]!, sent));
          else {
            const msgs: Message[] = [];
            for (let k = 0; k < n; k++) msgs.push(makeMessage(bodies[k]!, sent - n + k));
            await p.send(msgs);
          }
          const end = nowMs();
          const us = (end - start) * 1000;
          total.record(us);
          windowHist.record(us);
          acked += n;
          lastAck = end;
        } catch (err) {
          errors += n;
          firstError ??= errorMessage(err);
          // Back off a little so a broker that is down is not hammered in a tight loop.
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, (_, i) => slot(i)));
    stopProgress();
    process.removeListener('SIGINT', onSig);
    const elapsed = lastAck - t0;
    const clientCpu = process.cpuUsage(cpu0);
    const after = await sampleBrokers(admin, brokerAddrs);
    const d = brokerDelta(before, after);
    const report: ProduceReport = {
      mode: 'produce',
      topic,
      size,
      batch,
      concurrency,
      async: opts.async === true,
      producers: nProducers,
      msgs: acked,
      errors,
      secs: Math.round(elapsed) / 1000,
      msgs_per_s: rate(acked, elapsed),
      mb_per_s: mbPerS(acked, size, elapsed),
      latency_ms: latencyMs(total),
      broker_cpu_us_per_msg: d && d.put > 0 ? Math.round((d.cpuMicros / d.put) * 100) / 100 : null,
      broker_cpu_pct: d && elapsed > 0 ? Math.round((d.cpuMicros / 1000 / (nowMs() - t0)) * 1000) / 10 : null,
      broker_rss_mb: d ? Math.round(d.rssBytes / 1048576) : null,
      client_cpu_pct: elapsed > 0 ? Math.round(((clientCpu.user + clientCpu.system) / 1000 / elapsed) * 1000) / 10 : null,
    };
    if (firstError) report.first_error = firstError;
    if (json) process.stdout.write(toJsonLine(report) + '\n');
    else {
      const l = report.latency_ms;
      process.stdout.write(
        [
          `produce ${topic}: ${fmtInt(acked)} msgs of ${size} B in ${report.secs.toFixed(2)} s (${opts.async ? `async window ${window}` : `${threads} senders`}, batch ${batch}, ${nProducers} producer(s))`,
          `  throughput  ${fmtInt(report.msgs_per_s)} msg/s  ${report.mb_per_s} MB/s${errors ? `  errors ${fmtInt(errors)} (first: ${firstError})` : ''}`,
          `  send RT ms  p50 ${l.p50}  p99 ${l.p99}  p999 ${l.p999}  max ${l.max}  mean ${l.mean}`,
          `  broker      ${report.broker_cpu_us_per_msg === null ? 'CPU not reported' : `${report.broker_cpu_us_per_msg} µs CPU per message, ${report.broker_cpu_pct}% of a core, RSS ${report.broker_rss_mb} MiB`}`,
          `  client      ${report.client_cpu_pct}% of a core (this process)`,
        ].join('\n') + '\n',
      );
    }
    return acked > 0 ? 0 : 1;
  } catch (err) {
    return reportError('bench produce', err, json);
  } finally {
    for (const p of producers) await p.shutdown().catch(() => undefined);
    admin?.close();
  }
}
