// Best and median of each configuration in run.sh's output, with the host load seen before each run.
//   node bench/produce-consume/summarize.mjs results.txt
import { readFileSync } from 'node:fs';

const groups = new Map();
let load = null;
let hostcpu = null;
for (const line of readFileSync(process.argv[2], 'utf8').split('\n')) {
  if (line.startsWith('load ')) { load = Number(line.slice(5)); continue; }
  if (line.startsWith('hostcpu ')) { hostcpu = Number(line.slice(8)); continue; }
  const m = /^(\S+) (\{.*\})$/.exec(line);
  if (!m) { if (line.trim()) console.log(line.slice(0, 240)); continue; }
  let o;
  try { o = JSON.parse(m[2]); } catch { continue; }
  if (!groups.has(m[1])) groups.set(m[1], []);
  groups.get(m[1]).push({ o, load, hostcpu });
  hostcpu = null;
}
/**
 * CPU of everything but our broker and bench client during an `rmq bench` run, percent of one core:
 * the host's busy time minus the bench process and the broker (its CPU per message times the rate).
 */
function otherCpu(r) {
  const o = r.o;
  if (r.hostcpu === null || o.client_cpu_pct === undefined) return undefined;
  const rate = o.msgs_per_s ?? o.achieved_rate ?? 0;
  const broker = o.broker_cpu_pct ?? (o.broker_cpu_us_per_msg ?? 0) * rate / 1e4;
  return Math.max(0, Math.round(r.hostcpu - o.client_cpu_pct - broker));
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)];
for (const [label, runs] of groups) {
  if (runs[0].o.ready || runs[0].o.level !== undefined) continue; // rmq dev's ready line (or a log line)
  const rate = (o) => o.msgs_per_s ?? o.produce?.msgs_per_s ?? o.achieved_rate ?? 0;
  const rates = runs.map((r) => rate(r.o));
  console.log(`${label}: best ${Math.max(...rates)} msg/s, median ${median(rates)} (host load ${runs.map((r) => r.load).join(', ')})`);
  const p99s = runs.map(({ o }) => o.e2e_latency_ms?.p99 ?? o.e2e_ms?.p99).filter((v) => typeof v === 'number');
  if (p99s.length > 0) console.log(`   e2e p99: best ${Math.min(...p99s)} ms, median ${median(p99s)} ms`);
  for (const r of runs) {
    const o = r.o;
    if (o.error) console.log(`   error: ${o.error}`);
    else if (o.mode === 'latency' && o.e2e_latency_ms) console.log(`   e2e ms p50 ${o.e2e_latency_ms.p50} p99 ${o.e2e_latency_ms.p99} p999 ${o.e2e_latency_ms.p999}; ack p99 ${o.ack_latency_ms?.p99}; broker ${o.broker_cpu_us_per_msg} µs/msg; host CPU ${r.hostcpu ?? '?'}%`);
    else if (o.mode === 'latency') console.log(`   e2e ms p50 ${o.e2e_ms.p50} p99 ${o.e2e_ms.p99} p999 ${o.e2e_ms.p999}; other CPU ${o.cpu_pct.other}%`);
    else if (o.produce) console.log(`   produce ${o.produce.msgs_per_s} msg/s, consume ${o.consume.msgs_per_s} msg/s; other CPU ${o.produce.cpu_pct.other}% / ${o.consume.cpu_pct.other}%`);
    else {
      const l = o.latency_ms ?? o.e2e_latency_ms;
      console.log(`   ${o.msgs_per_s} msg/s, ${o.mb_per_s} MB/s, p50/p99/p999/max ${l.p50}/${l.p99}/${l.p999}/${l.max} ms, broker ${o.broker_cpu_us_per_msg} µs/msg, RSS ${o.broker_rss_mb} MiB, client CPU ${o.client_cpu_pct}%, other CPU ${otherCpu(r) ?? '?'}%`);
    }
  }
}
