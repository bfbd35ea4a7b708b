/**
 * Broker counters for GET_BROKER_RUNTIME_INFO: messages/bytes put and got, TPS over 10 s / 1 min /
 * 10 min windows (sampled once a second), and the broker's CPU time per stored message.
 * CPU per message = process CPU time (user + system, process.cpuUsage()) divided by messages stored,
 * reported both since the previous runtime-info request (what `rmq bench` reads before and after a
 * run) and cumulatively since boot (processCpuMicros / msgPutTotal).
 */
export class BrokerStats {
  msgPutTotal = 0;
  msgPutBytesTotal = 0;
  msgGetTotal = 0;
  private readonly samples: Array<{ t: number; put: number; get: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private lastCpuMicros: number;
  private lastCpuPut = 0;
  private todayMorningPut = 0;
  private todayMorningGet = 0;
  private yesterdayMorningPut = 0;
  private yesterdayMorningGet = 0;
  private day = new Date().getDate();
  readonly bootTimestamp = Date.now();

  constructor() {
    const u = process.cpuUsage();
    this.lastCpuMicros = u.user + u.system;
  }

  onPut(msgs: number, bytes: number): void {
    this.msgPutTotal += msgs;
    this.msgPutBytesTotal += bytes;
  }

  onGet(msgs: number): void {
    this.msgGetTotal += msgs;
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private sample(): void {
    const now = Date.now();
    this.samples.push({ t: now, put: this.msgPutTotal, get: this.msgGetTotal });
    if (this.samples.length > 601) this.samples.shift();
    const d = new Date(now).getDate();
    if (d !== this.day) {
      this.day = d;
      this.yesterdayMorningPut = this.todayMorningPut;
      this.yesterdayMorningGet = this.todayMorningGet;
      this.todayMorningPut = this.msgPutTotal;
      this.todayMorningGet = this.msgGetTotal;
    }
  }

  private tps(windowSec: number, field: 'put' | 'get'): number {
    const n = this.samples.length;
    if (n === 0) return 0;
    const last = { t: Date.now(), put: this.msgPutTotal, get: this.msgGetTotal };
    const first = this.samples[Math.max(0, n - windowSec)]!;
    const dt = (last.t - first.t) / 1000;
    return dt > 0 ? (last[field] - first[field]) / dt : 0;
  }

  private tpsTriple(field: 'put' | 'get'): string {
    return [10, 60, 600].map((w) => this.tps(w, field).toFixed(2)).join(' ');
  }

  /** Runtime-info entries owned by the broker (the store adds its own). */
  runtimeInfo(): Record<string, string> {
    const u = process.cpuUsage();
    const cpuMicros = u.user + u.system;
    const dCpu = cpuMicros - this.lastCpuMicros;
    const dPut = this.msgPutTotal - this.lastCpuPut;
    this.lastCpuMicros = cpuMicros;
    this.lastCpuPut = this.msgPutTotal;
    const up = Date.now() - this.bootTimestamp;
    const s = Math.floor(up / 1000);
    return {
      msgPutTotalTodayNow: String(this.msgPutTotal - 0),
      msgGetTotalTodayNow: String(this.msgGetTotal),
      msgPutTotalTodayMorning: String(this.todayMorningPut),
      msgGetTotalTodayMorning: String(this.todayMorningGet),
      msgPutTotalYesterdayMorning: String(this.yesterdayMorningPut),
      msgGetTotalYesterdayMorning: String(this.yesterdayMorningGet),
      msgPutBytesTotal: String(this.msgPutBytesTotal),
      putTps: this.tpsTriple('put'),
      getTransferedTps: this.tpsTriple('get'),
      getFoundTps: this.tpsTriple('get'),
      getMissTps: '0.00 0.00 0.00',
      getTotalTps: this.tpsTriple('get'),
      // Thread-pool figures of the Java broker that admin tools print; one event loop here.
      sendThreadPoolQueueSize: '0',
      sendThreadPoolQueueCapacity: '10000',
      pullThreadPoolQueueSize: '0',
      pullThreadPoolQueueCapacity: '100000',
      sendThreadPoolQueueHeadWaitTimeMills: '0',
      pullThreadPoolQueueHeadWaitTimeMills: '0',
      pageCacheLockTimeMills: '0',
      startAcceptSendRequestTimeStamp: '0',
      bootTimestamp: String(this.bootTimestamp),
      runtime: `[ ${Math.floor(s / 86400)} days, ${Math.floor((s % 86400) / 3600)} hours, ${Math.floor((s % 3600) / 60)} minutes, ${s % 60} seconds ]`,
      processCpuMicros: String(cpuMicros),
      msgPutTotal: String(this.msgPutTotal),
      msgGetTotal: String(this.msgGetTotal),
      brokerCpuMicrosPerMsg: dPut > 0 ? (dCpu / dPut).toFixed(2) : '0',
      brokerCpuMicrosPerMsgSinceBoot: this.msgPutTotal > 0 ? (cpuMicros / this.msgPutTotal).toFixed(2) : '0',
      rss: String(process.memoryUsage.rss()),
    };
  }
}
