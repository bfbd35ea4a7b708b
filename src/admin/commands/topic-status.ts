/** topicStatus: GET_TOPIC_STATS_INFO (202) on every master serving the topic. */
import { formatTimestamp, renderTable } from '../../cli/format.js';
import { requireArg } from '../args.js';
import type { QueueTopicOffset } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';

export const topicStatus: AdminCommand = {
  name: 'topicStatus',
  description: 'Examine topic Status info.',
  options: [
    { flags: '-t, --topic <topic>', description: 'topic name', required: true },
    { flags: '-c, --cluster <cluster>', description: 'cluster name (accepted for compatibility)' },
  ],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    const { targets } = await admin.topicMasters(topic);
    const offsets: QueueTopicOffset[] = [];
    let topicPutTps = 0;
    for (const t of targets) {
      const stats = await admin.getTopicStats(t.addr, topic);
      offsets.push(...stats.offsets);
      topicPutTps += stats.topicPutTps ?? 0;
    }
    const table = renderTable({
      columns: ['Broker Name', 'QID', 'Min Offset', 'Max Offset', 'Last Updated'],
      rows: offsets.map((o) => [o.mq.brokerName, o.mq.queueId, o.minOffset, o.maxOffset, formatTimestamp(o.lastUpdateTimestamp)]),
    });
    return {
      text: table,
      json: {
        topic,
        topicPutTps,
        offsets: offsets.map((o) => ({ brokerName: o.mq.brokerName, queueId: o.mq.queueId, minOffset: o.minOffset, maxOffset: o.maxOffset, lastUpdateTimestamp: o.lastUpdateTimestamp })),
      },
    };
  },
};
