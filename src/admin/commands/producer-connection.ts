/** producerConnection: GET_PRODUCER_CONNECTION_LIST (204) on the masters of the topic's route. */
import { requireArg } from '../args.js';
import type { Connection } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';

export const producerConnection: AdminCommand = {
  name: 'producerConnection',
  description: "Query producer's socket connection and client version.",
  options: [
    { flags: '-g, --producerGroup <group>', description: 'producer group name', required: true },
    { flags: '-t, --topic <topic>', description: 'topic name', required: true },
  ],
  async run(admin, opts) {
    const group = requireArg('-g', str(opts, 'producerGroup'));
    const topic = requireArg('-t', str(opts, 'topic'));
    const { targets } = await admin.topicMasters(topic);
    const seen = new Map<string, Connection>();
    for (const t of targets) for (const c of await admin.getProducerConnection(t.addr, group)) seen.set(c.clientId, c);
    const conns = [...seen.values()];
    const text = conns.map((c, i) => `${String(i + 1).padStart(4, '0')}  ${c.clientId.padEnd(32)} ${c.clientAddr.padEnd(22)} ${c.language.padEnd(8)} ${c.version}`).join('\n');
    return { text: text || `no producer of group ${group} is connected`, json: { group, topic, connectionSet: conns } };
  },
};
