/** topicRoute: GET_ROUTEINFO_BY_TOPIC (105), printed as JSON (mqadmin's form) or a table with -l. */
import { renderTable } from '../../cli/format.js';
import { permToString, requireArg } from '../args.js';
import { str, type AdminCommand } from '../command.js';

export const topicRoute: AdminCommand = {
  name: 'topicRoute',
  description: 'Examine topic route info.',
  options: [
    { flags: '-t, --topic <topic>', description: 'topic name', required: true },
    { flags: '-l, --list', description: 'Use list format to print data' },
  ],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    const route = await admin.getTopicRoute(topic);
    let text: string;
    if (opts['list']) {
      const rows = route.brokerDatas
        .slice()
        .sort((a, b) => a.brokerName.localeCompare(b.brokerName))
        .map((bd) => {
          const qd = route.queueDatas.find((q) => q.brokerName === bd.brokerName);
          const addrs = Object.entries(bd.brokerAddrs).map(([id, a]) => `${id}:${a}`).join(',');
          return [bd.cluster, bd.brokerName, addrs, qd?.readQueueNums, qd?.writeQueueNums, qd ? `${qd.perm}(${permToString(qd.perm)})` : ''];
        });
      text = renderTable({ columns: ['ClusterName', 'BrokerName', 'BrokerAddrs', 'ReadQueue', 'WriteQueue', 'Perm'], rows });
    } else {
      text = JSON.stringify(route, null, 2);
    }
    return { text, json: route };
  },
};
