/**
 * Shared parts of `rmq bench produce|consume`: the bench payload stamp (send time inside the body,
 * for end-to-end latency), broker counters read through GET_BROKER_RUNTIME_INFO before and after a
 * run (CPU time per message, RSS), the live progress line and the final report.
 */
import { performance } from 'node:perf_hooks';
import type { AdminClient } from '../../admin/admin-client.js';
import { Histogram } from './histogram.js';
import { readUInt32BE, writeUInt32BE } from '../../common/bytes.js';

/** "RMQB" at body offset 0, then the send time (epoch ms, float64 LE) at offset 4. */
export const STAMP_MAGIC = 0x524d5142;
export const STAMP_BYTES = 12;

/** Wall-clock ms with sub-ms precision (same clock in producer and consumer processes on one host). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function stampBody(body: Buffer, t = nowMs()): void {
  if (body.length < STAMP_BYTES) return;
  writeUInt32BE(body, STAMP_MAGIC, 0);
  body.writeDoubleLE(t, 4);
}

/** Send time from a stamped body, or undefined. */
export function readStamp(body: Buffer): number | undefined {
  if (body.length < STAMP_BYTES || readUInt32BE(body, 0) !== STAMP_MAGIC) return undefined;
  return body.readDoubleLE(4);
}

export interface BrokerSample {
  addr: string;
  cpuMicros: number;
  put: number;
  get: number;
  rss: number;
}

/** Counters of each broker (best effort: a broker that does not report them is skipped). */
export async function sampleBrokers(admin: AdminClient, addrs: string[]): Promise<BrokerSample[]> {
  const out: BrokerSample[] = [];
  for (const addr of addrs) {
    try {
      const kv = await admin.getBrokerRuntimeInfo(addr);
      const cpu = Number(kv['processCpuMicros']);
      if (!Number.isFinite(cpu)) continue;
      out.push({
        addr,
        cpuMicros: cpu,
        put: Number(kv['msgPutTotal'] ?? kv['putMessageTimesTotal'] ?? kv['msgPutTotalTodayNow'] ?? 0),
        get: Number(kv['msgGetTotal'] ?? kv['msgGetTotalTodayNow'] ?? 0),
        rss: Number(kv['rss'] ?? 0),
      });
    } catch {
      // not reachable or not ours: no broker figures
    }
  }
  return out;
}

export interface BrokerDelta {
  cpuMicros: number;
  put: number;
  get: number;
  /** Largest RSS seen at the end, bytes. */
  rssBytes: number;
}

export function brokerDelta(before: BrokerSample[], after: BrokerSample[]): BrokerDelta | undefined {
  let cpu = 0;
  let put = 0;
  let get = 0;
  let rss = 0;
  let n = 0;
  for (const a of after) {
    const b = before.find((x) => x.addr === a.addr);
    if (!b) continue;
    n++;
    cpu += a.cpuMicros - b.cpuMicros;
    put += a.put - b.put;
    get += a.get - b.get;
    rss = Math.max(rss, a.rss);
  }
  return n === 0 ? undefined : { cpuMicros: cpu, put, get, rssBytes: rss };
}

const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d;

export interface LatencySummary {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Percentiles in ms of a histogram recorded in µs. */
export function latencyMs(h: Histogram): LatencySummary {
  const ms = (us: number): number => round(us / 1000, 3);
  return { p50: ms(h.percentile(0.5)), p99: ms(h.percentile(0.99)), p999: ms(h.percentile(0.999)), max: ms(h.max), mean: ms(h.mean) };
}

export function rate(n: number, ms: number): number {
  return ms > 0 ? round(n / (ms / 1000)) : 0;
}

export function mbPerS(n: number, size: number, ms: number): number {
  return ms > 0 ? round((n * size) / 1e6 / (ms / 1000), 1) : 0;
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * Prints a progress line to stderr every second: count, rate over the last second, latency of the
 * last second. `tick` returns the current totals; the window histogram is reset after each line.
 */
export function startProgress(label: string, tick: () => { n: number; errors: number; window: Histogram }, quiet: boolean): () => void {
  if (quiet) return () => undefined;
  const t0 = nowMs();
  let lastN = 0;
  let lastT = t0;
  const timer = setInterval(() => {
    const t = nowMs();
    const { n, errors, window } = tick();
    const r = rate(n - lastN, t - lastT);
    const lat = window.count > 0 ? `  p50 ${(window.percentile(0.5) / 1000).toFixed(2)} ms  p99 ${(window.percentile(0.99) / 1000).toFixed(2)} ms  max ${(window.max / 1000).toFixed(2)} ms` : '';
    process.stderr.write(`[${((t - t0) / 1000).toFixed(0).padStart(4)}s] ${label} ${fmtInt(n).padStart(11)}  ${fmtInt(r).padStart(9)} msg/s${lat}${errors ? `  errors ${errors}` : ''}\n`);
    window.reset();
    lastN = n;
    lastT = t;
  }, 1000);
  return () => clearInterval(timer);
}
