/**
 * consumerProgress: GET_CONSUME_STATS (208) of a group on its brokers (per-queue broker offset,
 * consumer offset and lag), or with no -g a summary line per subscription group.
 */
import { formatTimestamp, renderTable } from '../../cli/format.js';
import { RemotingResponseError } from '../../common/errors.js';
import type { AdminClient, QueueConsumeOffset } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';
import { groupBrokers } from './group-brokers.js';
import { groupMembers } from './consumer-status.js';
import { parseBoolArg } from '../args.js';

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

/** Queue ("topic/broker/qid") -> the IP part of the client id of the member holding it. */
async function queueOwners(admin: AdminClient, group: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let members;
  try {
    members = await groupMembers(admin, group);
  } catch {
    return out; // nobody online: every queue shows N/A
  }
  for (const id of members.clientIds) {
    try {
      for (const [mq] of (await admin.getConsumerRunningInfo(members.addr, group, id)).mqTable) out.set(`${mq.topic}/${mq.brokerName}/${mq.queueId}`, id.split('@')[0]!);
    } catch {
      // a member that does not answer owns nothing we can show
    }
  }
  return out;
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
    { flags: '-s, --showClientIP <bool>', description: 'Show Client IP per Queue' },
    { flags: '-c, --cluster <cluster>', description: 'accepted for compatibility' },
  ],
  async run(admin, opts) {
    const group = str(opts, 'groupName');
    if (group) {
      const { offsets, consumeTps } = await groupStats(admin, group, str(opts, 'topicName'));
      // -s true: which member holds each queue, from the members' own reports (as mqadmin does).
      const showClientIP = parseBoolArg('-s', str(opts, 'showClientIP'), false);
      const owner = showClientIP ? await queueOwners(admin, group) : new Map<string, string>();
      const ownerOf = (mq: { topic: string; brokerName: string; queueId: number }): string => owner.get(`${mq.topic}/${mq.brokerName}/${mq.queueId}`) ?? 'N/A';
      let diffTotal = 0;
      const rows = offsets.map((o) => {
        const diff = Math.max(0, o.brokerOffset - o.consumerOffset);
        diffTotal += diff;
        const base = [o.mq.topic, o.mq.brokerName, o.mq.queueId, o.brokerOffset, o.consumerOffset];
        const last = [diff, o.lastTimestamp > 0 ? formatTimestamp(o.lastTimestamp) : 'N/A'];
        return showClientIP ? [...base, ownerOf(o.mq), ...last] : [...base, ...last];
      });
      const columns = ['Topic', 'Broker Name', 'QID', 'Broker Offset', 'Consumer Offset', ...(showClientIP ? ['Client IP'] : []), 'Diff', 'LastTime'];
      const table = renderTable({ columns, rows });
      return {
        text: `${table}\n\nConsume TPS: ${consumeTps.toFixed(2)}\nConsume Diff Total: ${diffTotal}`,
        json: {
          group,
          consumeTps,
          diffTotal,
          offsets: offsets.map((o) => ({
            topic: o.mq.topic,
            brokerName: o.mq.brokerName,
            queueId: o.mq.queueId,
            brokerOffset: o.brokerOffset,
            consumerOffset: o.consumerOffset,
            ...(showClientIP ? { clientIp: ownerOf(o.mq) } : {}),
            diff: Math.max(0, o.brokerOffset - o.consumerOffset),
            lastTimestamp: o.lastTimestamp,
          })),
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
