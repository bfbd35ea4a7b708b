/**
 * skipAccumulatedMessage (INVOKE_BROKER_TO_RESET_OFFSET with timestamp -1: every queue of the group
 * jumps to its max offset) and cloneGroupOffset (the source group's offsets from GET_CONSUME_STATS
 * written for the destination group with UPDATE_CONSUMER_OFFSET).
 */
import { renderTable } from '../../cli/format.js';
import { parseBoolArg, requireArg } from '../args.js';
import type { MessageQueue } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';

export const skipAccumulatedMessage: AdminCommand = {
  name: 'skipAccumulatedMessage',
  description: 'Skip all messages that are accumulated (not consumed) currently.',
  options: [
    { flags: '-g, --group <group>', description: 'set the consumer group', required: true },
    { flags: '-t, --topic <topic>', description: 'set the topic', required: true },
    { flags: '-f, --force <bool>', description: 'set the force rollback by timestamp switch[true|false]', default: 'true' },
    { flags: '-c, --cluster <cluster>', description: 'accepted for compatibility' },
  ],
  async run(admin, opts) {
    const group = requireArg('-g', str(opts, 'group'));
    const topic = requireArg('-t', str(opts, 'topic'));
    const force = parseBoolArg('-f', str(opts, 'force'), true);
    const { targets } = await admin.topicMasters(topic);
    const rows: Array<[MessageQueue, number]> = [];
    for (const t of targets) {
      const r = await admin.resetOffsetByTimestamp(t.addr, topic, group, -1, force);
      if (r) rows.push(...r);
      else {
        // No consumer online on a broker that will not reset then: set each queue to its max offset.
        const stats = await admin.getTopicStats(t.addr, topic);
        for (const o of stats.offsets) {
          await admin.updateConsumerOffset(t.addr, group, topic, o.mq.queueId, o.maxOffset);
          rows.push([o.mq, o.maxOffset]);
        }
      }
    }
    rows.sort((a, b) => a[0].brokerName.localeCompare(b[0].brokerName) || a[0].queueId - b[0].queueId);
    return {
      text: renderTable({ columns: ['brokerName', 'queueId', 'offset'], rows: rows.map(([mq, o]) => [mq.brokerName, mq.queueId, o]) }),
      json: { group, topic, offsets: rows.map(([mq, offset]) => ({ brokerName: mq.brokerName, queueId: mq.queueId, offset })) },
    };
  },
};

export const cloneGroupOffset: AdminCommand = {
  name: 'cloneGroupOffset',
  description: 'Clone offset from other group.',
  options: [
    { flags: '-s, --srcGroup <group>', description: 'set source consumer group', required: true },
    { flags: '-d, --destGroup <group>', description: 'set destination consumer group', required: true },
    { flags: '-t, --topic <topic>', description: 'set the topic', required: true },
    { flags: '-o, --offline <bool>', description: 'accepted for compatibility' },
  ],
  async run(admin, opts) {
    const src = requireArg('-s', str(opts, 'srcGroup'));
    const dest = requireArg('-d', str(opts, 'destGroup'));
    const topic = requireArg('-t', str(opts, 'topic'));
    const { targets } = await admin.topicMasters(topic);
    const cloned: Array<{ brokerName: string; queueId: number; offset: number }> = [];
    for (const t of targets) {
      const stats = await admin.getConsumeStats(t.addr, src, topic);
      for (const o of stats.offsets) {
        if (o.mq.topic !== topic) continue;
        await admin.updateConsumerOffset(t.addr, dest, topic, o.mq.queueId, o.consumerOffset);
        cloned.push({ brokerName: o.mq.brokerName, queueId: o.mq.queueId, offset: o.consumerOffset });
      }
    }
    return { text: `clone group offset success. srcGroup[${src}], destGroup=[${dest}], topic[${topic}]`, json: { srcGroup: src, destGroup: dest, topic, offsets: cloned } };
  },
};
