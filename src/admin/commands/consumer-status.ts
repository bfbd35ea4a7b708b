/**
 * consumerStatus: each online member's own report (GET_CONSUMER_RUNNING_INFO, forwarded by the broker
 * to the client): without -i a line per client plus two checks mqadmin makes (same subscription in the
 * whole group; every queue owned by exactly one member); with -i that client's properties,
 * subscriptions and per-queue state.
 */
import { formatTimestamp, renderKeyValues, renderTable } from '../../cli/format.js';
import { RemotingResponseError } from '../../common/errors.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { parseBoolArg, requireArg } from '../args.js';
import type { AdminClient, ConsumerRunningInfo } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';
import { groupBrokers } from './group-brokers.js';

/** The group's online members and a broker that holds their channels. */
export async function groupMembers(admin: AdminClient, group: string): Promise<{ addr: string; clientIds: string[] }> {
  for (const b of await groupBrokers(admin, group)) {
    const cc = await admin.getConsumerConnection(b.addr, group);
    if (cc && cc.connectionSet.length > 0) return { addr: b.addr, clientIds: cc.connectionSet.map((c) => c.clientId).sort() };
  }
  throw new RemotingResponseError(ResponseCode.CONSUMER_NOT_ONLINE, `the consumer group[${group}] not online`);
}

function subscriptionKey(info: ConsumerRunningInfo): string {
  return info.subscriptionSet
    .map((s) => `${s.topic}:${s.expressionType ?? 'TAG'}:${s.subString}`)
    .sort()
    .join('|');
}

export const consumerStatus: AdminCommand = {
  name: 'consumerStatus',
  description: 'Query and display consumer\'s internal data structures.',
  options: [
    { flags: '-g, --consumerGroup <group>', description: 'consumer group name', required: true },
    { flags: '-i, --clientId <clientId>', description: 'The consumer\'s client id' },
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'broker address' },
    { flags: '-s, --jstack <bool>', description: 'accepted for compatibility (no thread dump in Node)' },
  ],
  async run(admin, opts) {
    const group = requireArg('-g', str(opts, 'consumerGroup'));
    parseBoolArg('-s', str(opts, 'jstack'), false);
    const members = await groupMembers(admin, group);
    const addr = str(opts, 'brokerAddr') ?? members.addr;
    const clientId = str(opts, 'clientId');
    if (clientId) {
      const info = await admin.getConsumerRunningInfo(addr, group, clientId);
      const queues = info.mqTable
        .slice()
        .sort((a, b) => a[0].topic.localeCompare(b[0].topic) || a[0].brokerName.localeCompare(b[0].brokerName) || a[0].queueId - b[0].queueId);
      const text = [
        '#Consumer Properties#',
        renderKeyValues(Object.fromEntries(Object.entries(info.properties).sort(([a], [b]) => a.localeCompare(b)))),
        '',
        '#Consumer Subscription#',
        renderTable({ columns: ['Topic', 'ExpressionType', 'SubExpression'], rows: info.subscriptionSet.map((s) => [s.topic, s.expressionType ?? 'TAG', s.subString]) }),
        '',
        '#Consumer Offset#',
        renderTable({
          columns: ['Topic', 'Broker Name', 'QID', 'Consumer Offset', 'Cached Msgs', 'Last Pull', 'Last Consume'],
          rows: queues.map(([mq, q]) => [
            mq.topic,
            mq.brokerName,
            mq.queueId,
            Number(q['commitOffset'] ?? 0),
            Number(q['cachedMsgCount'] ?? 0),
            formatTimestamp(Number(q['lastPullTimestamp'] ?? 0)),
            formatTimestamp(Number(q['lastConsumeTimestamp'] ?? 0)),
          ]),
        }),
      ].join('\n');
      return { text, json: { group, clientId, ...info, mqTable: queues.map(([mq, q]) => ({ ...mq, ...q })) } };
    }
    const infos: Array<{ clientId: string; info?: ConsumerRunningInfo; error?: string }> = [];
    for (const id of members.clientIds) {
      try {
        infos.push({ clientId: id, info: await admin.getConsumerRunningInfo(addr, group, id) });
      } catch (err) {
        infos.push({ clientId: id, error: (err as Error).message });
      }
    }
    const ok = infos.filter((x) => x.info);
    const sameSubscription = new Set(ok.map((x) => subscriptionKey(x.info!))).size <= 1;
    const owners = new Map<string, string[]>();
    for (const x of ok) for (const [mq] of x.info!.mqTable) {
      const k = `${mq.topic}/${mq.brokerName}/${mq.queueId}`;
      owners.set(k, [...(owners.get(k) ?? []), x.clientId]);
    }
    const doubleOwned = [...owners].filter(([, ids]) => ids.length > 1).map(([k, ids]) => ({ queue: k, clientIds: ids }));
    const table = renderTable({
      columns: ['Index', 'ClientId', 'Version', 'Queues', 'Status'],
      rows: infos.map((x, i) => [String(i + 1).padStart(3, '0'), x.clientId, x.info?.properties['PROP_CLIENT_VERSION'] ?? '', x.info ? x.info.mqTable.length : '', x.error ?? 'OK']),
    });
    const text = [
      table,
      '',
      sameSubscription ? 'Same subscription in the same group of consumer' : 'WARN: Different subscription in the same group of consumer!!!',
      doubleOwned.length === 0 ? 'Rebalance OK' : `WARN: Rebalance has been exception!!! ${doubleOwned.map((d) => `${d.queue} -> ${d.clientIds.join(', ')}`).join('; ')}`,
    ].join('\n');
    return {
      text,
      json: { group, sameSubscription, rebalanceOk: doubleOwned.length === 0, doubleOwned, clients: infos.map((x) => ({ clientId: x.clientId, version: x.info?.properties['PROP_CLIENT_VERSION'], queues: x.info?.mqTable.length, error: x.error })) },
    };
  },
};
