/**
 * queryMsgTraceById: the trace records of a message (Pub, SubBefore, SubAfter, EndTransaction) from the
 * trace topic, found through the broker index by message id (trace messages carry every traced msgId in
 * KEYS). Output columns follow mqadmin's: type, group, client/store host, time, cost, status.
 */
import { renderTable } from '../../cli/format.js';
import { decodeTraceData, TRACE_TOPIC_DEFAULT, type TraceRecord } from '../../client/trace/trace-data.js';
import { requireArg } from '../args.js';
import type { AdminClient } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';

/** Every trace record about `msgId` in `traceTopic`, oldest first. */
export async function queryTraceRecords(admin: AdminClient, msgId: string, traceTopic = TRACE_TOPIC_DEFAULT): Promise<TraceRecord[]> {
  const { targets } = await admin.topicMasters(traceTopic);
  const out: TraceRecord[] = [];
  const seen = new Set<string>();
  for (const t of targets) {
    let msgs;
    try {
      msgs = await admin.queryMessage(t.addr, traceTopic, msgId, 64, 0, Number.MAX_SAFE_INTEGER);
    } catch {
      continue; // QUERY_NOT_FOUND on this broker
    }
    for (const m of msgs) {
      const k = `${t.addr}/${m.commitLogOffset}`;
      if (seen.has(k)) continue;
      seen.add(k);
      for (const r of decodeTraceData(m.body.toString('utf8'))) if (r.msgId === msgId) out.push(r);
    }
  }
  // SubAfter records carry no group: take it from the SubBefore of the same request.
  const groups = new Map(out.filter((r) => r.type === 'SubBefore').map((r) => [r.requestId, r.groupName]));
  for (const r of out) if (r.type === 'SubAfter' && !r.groupName) r.groupName = groups.get(r.requestId) ?? '';
  const order = { Pub: 0, EndTransaction: 1, SubBefore: 2, SubAfter: 3 } as const;
  return out.sort((a, b) => a.timestamp - b.timestamp || order[a.type] - order[b.type]);
}

export const queryMsgTraceById: AdminCommand = {
  name: 'queryMsgTraceById',
  description: 'Show the message trace (send, consume) of a message id from the trace topic.',
  options: [
    { flags: '-i, --msgId <msgId>', description: 'message id (UNIQ_KEY)', required: true },
    { flags: '-t, --traceTopic <traceTopic>', description: 'trace topic', default: TRACE_TOPIC_DEFAULT },
  ],
  async run(admin, opts) {
    const msgId = requireArg('-i', str(opts, 'msgId'));
    const records = await queryTraceRecords(admin, msgId, str(opts, 'traceTopic') ?? TRACE_TOPIC_DEFAULT);
    const rows = records.map((r) => {
      const host = r.type === 'Pub' || r.type === 'EndTransaction' ? r.storeHost : r.clientHost;
      const status = r.type === 'SubBefore' ? `retry ${r.retryTimes}` : r.type === 'EndTransaction' ? r.transactionState : r.success ? 'success' : 'failed';
      return [r.type, r.groupName, r.topic, host, r.timestamp ? new Date(r.timestamp).toISOString() : '', r.type === 'SubBefore' ? '' : `${r.costTime}ms`, status];
    });
    const text = rows.length === 0 ? `no trace found for ${msgId}` : renderTable({ columns: ['Type', 'Group', 'Topic', 'Host', 'Time', 'Cost', 'Status'], rows });
    return { text, json: records };
  },
};
