/** topicList: GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206); with -c also each topic's cluster and consumer groups. */
import { renderTable } from '../../cli/format.js';
import type { AdminCommand } from '../command.js';

export const topicList: AdminCommand = {
  name: 'topicList',
  description: 'Fetch all topic list from name server.',
  options: [{ flags: '-c, --clusterModel', description: 'print each topic with its cluster and consumer groups' }],
  async run(admin, opts) {
    if (!opts['clusterModel']) {
      const topics = await admin.getAllTopicList();
      return { text: topics.join('\n'), json: { topicList: topics } };
    }
    const info = await admin.getClusterInfo();
    const rows: Array<{ clusterName: string; topic: string; consumerGroups: string[] }> = [];
    for (const cluster of Object.keys(info.clusterAddrTable).sort()) {
      const topics = (await admin.getTopicsByCluster(cluster)).sort();
      const masters = await admin.masterBrokers(cluster);
      for (const topic of topics) {
        const groups = new Set<string>();
        for (const m of masters) {
          // Brokers without QUERY_TOPIC_CONSUME_BY_WHO just contribute no groups.
          for (const g of await admin.queryTopicConsumeByWho(m.addr, topic).catch(() => [] as string[])) groups.add(g);
        }
        rows.push({ clusterName: cluster, topic, consumerGroups: [...groups].sort() });
      }
    }
    const table = renderTable({
      columns: ['Cluster Name', 'Topic', 'Consumer Group'],
      rows: rows.flatMap((r) => (r.consumerGroups.length === 0 ? [[r.clusterName, r.topic, '']] : r.consumerGroups.map((g) => [r.clusterName, r.topic, g]))),
    });
    return { text: table, json: { topics: rows } };
  },
};
