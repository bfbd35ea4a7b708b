/**
 * consumerProgress: GET_CONSUME_STATS (208) of a group on its brokers (per-queue broker offset,
 * consumer offset and lag), or with no -g a summary line per subscription group.
 */
import { formatTimestamp, renderTable } from '../../cli/format.js';
import { RemotingResponseError } from '../../common/errors.js';
import type { AdminClient, QueueConsumeOffset } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';
import { groupBrokers } from './group-brokers.js';

async function groupStats(admin: AdminClient, group: string, topic: string | undefined): Promise<{ offsets: QueueConsumeOffset[]; consumeTps: number }> {
  const offsets: QueueConsumeOffset[] = [];
  let consumeTps = 0;
  let answered = 0;
  let lastErr: unknown;
  for (const b of await groupBrokers(admin, group)) {
    try {
      const s = await admin.getConsumeStats(b.addr, group, topic);
      offsets.push(...s.offsets);
      consumeTps += s.consumeTps;
      answered++;
    } catch (err) {
      lastErr = err;
    }
  }
  if (answered === 0 && lastErr) throw lastErr;
  offsets.sort((a, b) => a.mq.topic.localeCompare(b.mq.topic) || a.mq.brokerName.localeCompare(b.mq.brokerName) || a.mq.queueId - b.mq.queueId);
  return { offsets, consumeTps };
}

/** Groups every broker creates for itself (MixAll's system consumer groups): not listed. */
const SYSTEM_GROUPS = new Set([
  'TOOLS_CONSUMER',
  'FILTERSRV_CONSUMER',
  '__MONITOR_CONSUMER',
  'CLIENT_INNER_PRODUCER',
  'SELF_TEST_C_GROUP',
  'CID_ONS-HTTP-PROXY',
  'CID_ONSAPI_OWNER',
  'CID_ONSAPI_PERMISSION',
  'CID_ONSAPI_PULL',
]);

function isSystemGroup(g: string): boolean {
  return SYSTEM_GROUPS.has(g) || g.startsWith('CID_RMQ_SYS_');
}

export const consumerProgress: AdminCommand = {
  name: 'consumerProgress',
  description: "Query consumer's progress, speed.",
  options: [
    { flags: '-g, --groupName <groupName>', description: 'consumer group name' },
    { flags: '-t, --topicName <topic>', description: 'topic name' },
    { flags: '-s, --showClientIP <bool>', description: 'accepted for compatibility' },
    { flags: '-c, --cluster <cluster>', description: 'accepted for compatibility' },
  ],
  async run(admin, opts) {
    const group = str(opts, 'groupName');
    if (group) {
      const { offsets, consumeTps } = await groupStats(admin, group, str(opts, 'topicName'));
      let diffTotal = 0;
      const rows = offsets.map((o) => {
        const diff = Math.max(0, o.brokerOffset - o.consumerOffset);
        diffTotal += diff;
        return [o.mq.topic, o.mq.brokerName, o.mq.queueId, o.brokerOffset, o.consumerOffset, diff, o.lastTimestamp > 0 ? formatTimestamp(o.lastTimestamp) : 'N/A'];
      });
      const table = renderTable({ columns: ['Topic', 'Broker Name', 'QID', 'Broker Offset', 'Consumer Offset', 'Diff', 'LastTime'], rows });
      return {
        text: `${table}\n\nConsume TPS: ${consumeTps.toFixed(2)}\nConsume Diff Total: ${diffTotal}`,
        json: {
          group,
          consumeTps,
          diffTotal,
          offsets: offsets.map((o) => ({ topic: o.mq.topic, brokerName: o.mq.brokerName, queueId: o.mq.queueId, brokerOffset: o.brokerOffset, consumerOffset: o.consumerOffset, diff: Math.max(0, o.brokerOffset - o.consumerOffset), lastTimestamp: o.lastTimestamp })),
        },
      };
    }
    // No group: one line per subscription group known to the masters.
    const groups = new Set<string>();
    for (const b of await admin.masterBrokers()) {
      for (const g of Object.keys(await admin.getAllSubscriptionGroups(b.addr))) if (!isSystemGroup(g)) groups.add(g);
    }
    const out: Array<Record<string, unknown>> = [];
    for (const g of [...groups].sort()) {
      let count = 0;
      let version = '';
      let consumeType = '';
      let messageModel = '';
      for (const b of await groupBrokers(admin, g)) {
        const cc = await admin.getConsumerConnection(b.addr, g).catch(() => null);
        if (cc && cc.connectionSet.length > 0) {
          count = cc.connectionSet.length;
          version = String(cc.connectionSet[0]!.version);
          consumeType = String(cc.consumeType ?? '');
          messageModel = String(cc.messageModel ?? '');
          break;
        }
      }
      let tps = 0;
      let diffTotal = 0;
      try {
        const s = await groupStats(admin, g, undefined);
        tps = s.consumeTps;
        for (const o of s.offsets) diffTotal += Math.max(0, o.brokerOffset - o.consumerOffset);
      } catch (err) {
        // A group no broker has stats for shows zero lag, as mqadmin does; network errors still fail.
        if (!(err instanceof RemotingResponseError)) throw err;
      }
      out.push({ group: g, count, version: count > 0 ? version : 'OFFLINE', consumeType, messageModel, consumeTps: tps, diffTotal });
    }
    const table = renderTable({
      columns: ['Group', 'Count', 'Version', 'Type', 'Model', 'TPS', 'Diff Total'],
      rows: out.map((r) => [r['group'], r['count'], r['version'], r['consumeType'], r['messageModel'], (r['consumeTps'] as number).toFixed(0), r['diffTotal']] as Array<string | number>),
    });
    return { text: table, json: { groups: out } };
  },
};
