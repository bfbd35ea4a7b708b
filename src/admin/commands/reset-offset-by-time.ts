/**
 * resetOffsetByTime: INVOKE_BROKER_TO_RESET_OFFSET (222) on each master of the topic, which moves the
 * group's offsets to the timestamp and tells online clients. When no consumer of the group is online
 * (206), falls back to what mqadmin's old command does: SEARCH_OFFSET_BY_TIMESTAMP per queue, then
 * UPDATE_CONSUMER_OFFSET (only backwards unless forced).
 */
import { renderTable } from '../../cli/format.js';
import { PermName } from '../../protocol/body/types.js';
import { parseBoolArg, parseTimestampArg, requireArg } from '../args.js';
import type { AdminClient, BrokerTarget, MessageQueue, TopicRouteData } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';

async function resetWithoutClients(admin: AdminClient, route: TopicRouteData, t: BrokerTarget, topic: string, group: string, timestamp: number, force: boolean): Promise<Array<[MessageQueue, number]>> {
  const current = new Map<number, number>();
  try {
    for (const o of (await admin.getConsumeStats(t.addr, group, topic)).offsets) current.set(o.mq.queueId, o.consumerOffset);
  } catch {
    // no stored offsets yet: every queue gets the searched offset
  }
  const qd = route.queueDatas.find((q) => q.brokerName === t.brokerName);
  if (!qd || (qd.perm & PermName.PERM_READ) === 0) return [];
  const out: Array<[MessageQueue, number]> = [];
  for (let queueId = 0; queueId < qd.readQueueNums; queueId++) {
    const offset = await admin.searchOffset(t.addr, topic, queueId, timestamp);
    const cur = current.get(queueId);
    if (force || cur === undefined || offset < cur) {
      await admin.updateConsumerOffset(t.addr, group, topic, queueId, offset);
      out.push([{ topic, brokerName: t.brokerName, queueId }, offset]);
    }
  }
  return out;
}

export const resetOffsetByTime: AdminCommand = {
  name: 'resetOffsetByTime',
  description: 'Reset consumer offset by timestamp(without client restart).',
  options: [
    { flags: '-g, --group <group>', description: 'set the consumer group', required: true },
    { flags: '-t, --topic <topic>', description: 'set the topic', required: true },
    { flags: '-s, --timestamp <timestamp>', description: 'set the timestamp[now|currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]', required: true },
    { flags: '-f, --force <bool>', description: 'set the force rollback by timestamp switch[true|false]', default: 'true' },
    { flags: '-c, --cplus', description: 'accepted for compatibility' },
  ],
  async run(admin, opts) {
    const group = requireArg('-g', str(opts, 'group'));
    const topic = requireArg('-t', str(opts, 'topic'));
    const timestampText = requireArg('-s', str(opts, 'timestamp'));
    const timestamp = parseTimestampArg('-s', timestampText);
    const force = parseBoolArg('-f', str(opts, 'force'), true);
    const { route, targets } = await admin.topicMasters(topic);
    const rows: Array<[MessageQueue, number]> = [];
    let clientsNotified = true;
    for (const t of targets) {
      const r = await admin.resetOffsetByTimestamp(t.addr, topic, group, timestamp, force);
      if (r) rows.push(...r);
      else {
        clientsNotified = false;
        rows.push(...(await resetWithoutClients(admin, route, t, topic, group, timestamp, force)));
      }
    }
    rows.sort((a, b) => a[0].brokerName.localeCompare(b[0].brokerName) || a[0].queueId - b[0].queueId);
    const head = `start reset consumer offset by specified, group[${group}], topic[${topic}], force[${force}], timestamp(string)[${timestampText}], timestamp(long)[${timestamp}]`;
    const table = renderTable({ columns: ['brokerName', 'queueId', 'offset'], rows: rows.map(([mq, o]) => [mq.brokerName, mq.queueId, o]) });
    return {
      text: `${head}\n${table}`,
      json: { group, topic, timestamp, force, clientsNotified, offsets: rows.map(([mq, offset]) => ({ brokerName: mq.brokerName, queueId: mq.queueId, offset })) },
    };
  },
};
