/** deleteTopic: DELETE_TOPIC_IN_BROKER (215) on every master of the cluster, then DELETE_TOPIC_IN_NAMESRV (216). */
import { requireArg } from '../args.js';
import { NAMESPACE_ORDER_TOPIC_CONFIG } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';

export const deleteTopic: AdminCommand = {
  name: 'deleteTopic',
  description: 'Delete topic from broker and NameServer.',
  options: [
    { flags: '-t, --topic <topic>', description: 'topic name', required: true },
    { flags: '-c, --clusterName <clusterName>', description: 'delete topic from which cluster', required: true },
  ],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    const clusterName = requireArg('-c', str(opts, 'clusterName'));
    const masters = await admin.masterBrokers(clusterName);
    for (const m of masters) await admin.deleteTopicInBroker(m.addr, topic);
    await admin.deleteTopicInNamesrv(topic, clusterName);
    // The order config may not exist; its absence is not an error.
    await admin.deleteKvConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic).catch(() => undefined);
    return {
      text: `delete topic [${topic}] from cluster [${clusterName}] success.\ndelete topic [${topic}] from NameServer success.`,
      json: { topic, clusterName, brokers: masters.map((m) => ({ brokerName: m.brokerName, brokerAddr: m.addr })) },
    };
  },
};
