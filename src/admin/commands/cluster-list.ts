/**
 * clusterList: GET_BROKER_CLUSTER_INFO (106) from the name server, then GET_BROKER_RUNTIME_INFO (28)
 * from each broker for its version, TPS, page-cache wait, hours of messages kept and disk use.
 */
import { renderTable, type Cell } from '../../cli/format.js';
import { str, type AdminCommand } from '../command.js';

function firstNumber(v: string | undefined): number {
  const n = Number((v ?? '').trim().split(/\s+/)[0]);
  return Number.isFinite(n) ? n : 0;
}

function num(v: string | undefined): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

export const clusterList: AdminCommand = {
  name: 'clusterList',
  description: 'List cluster infos.',
  options: [
    { flags: '-m, --moreStats', description: 'Print more stats' },
    { flags: '-i, --interval <seconds>', description: 'accepted for compatibility; prints once' },
    { flags: '-c, --clusterName <clusterName>', description: 'which cluster' },
  ],
  async run(admin, opts) {
    const brokers = await admin.allBrokers(str(opts, 'clusterName'));
    const now = Date.now();
    const out: Array<Record<string, unknown>> = [];
    for (const b of brokers) {
      let kv: Record<string, string> = {};
      let error: string | undefined;
      try {
        kv = await admin.getBrokerRuntimeInfo(b.addr);
      } catch (err) {
        error = (err as Error).message;
      }
      const earliest = num(kv['earliestMessageTimeStamp']);
      out.push({
        clusterName: b.cluster,
        brokerName: b.brokerName,
        brokerId: b.brokerId,
        brokerAddr: b.addr,
        version: kv['brokerVersionDesc'] ?? '',
        inTps: firstNumber(kv['putTps']),
        outTps: firstNumber(kv['getTransferedTps']),
        pageCacheLockTimeMills: num(kv['pageCacheLockTimeMills']),
        hour: earliest > 0 ? (now - earliest) / 3_600_000 : 0,
        commitLogDiskRatio: num(kv['commitLogDiskRatio']),
        inTotalYest: num(kv['msgPutTotalTodayMorning']) - num(kv['msgPutTotalYesterdayMorning']),
        outTotalYest: num(kv['msgGetTotalTodayMorning']) - num(kv['msgGetTotalYesterdayMorning']),
        inTotalToday: num(kv['msgPutTotalTodayNow']) - num(kv['msgPutTotalTodayMorning']),
        outTotalToday: num(kv['msgGetTotalTodayNow']) - num(kv['msgGetTotalTodayMorning']),
        error,
      });
    }
    let text: string;
    if (opts['moreStats']) {
      text = renderTable({
        columns: ['Cluster Name', 'Broker Name', 'InTotalYest', 'OutTotalYest', 'InTotalToday', 'OutTotalToday'],
        rows: out.map((r) => [r['clusterName'], r['brokerName'], r['inTotalYest'], r['outTotalYest'], r['inTotalToday'], r['outTotalToday']] as Cell[]),
      });
    } else {
      text = renderTable({
        columns: ['Cluster Name', 'Broker Name', 'BID', 'Addr', 'Version', 'InTPS', 'OutTPS', 'PCWait(ms)', 'Hour', 'SPACE'],
        rows: out.map((r) => [
          r['clusterName'],
          r['brokerName'],
          r['brokerId'],
          r['brokerAddr'],
          r['error'] ? `unreachable: ${r['error']}` : r['version'],
          (r['inTps'] as number).toFixed(2),
          (r['outTps'] as number).toFixed(2),
          r['pageCacheLockTimeMills'],
          (r['hour'] as number).toFixed(2),
          (r['commitLogDiskRatio'] as number).toFixed(4),
        ] as Cell[]),
      });
    }
    return { text, json: { brokers: out } };
  },
};
