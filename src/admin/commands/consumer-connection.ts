/** consumerConnection: GET_CONSUMER_CONNECTION_LIST (203): the group's clients and subscriptions. */
import { renderTable } from '../../cli/format.js';
import { RemotingResponseError } from '../../common/errors.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { requireArg } from '../args.js';
import type { ConsumerConnection } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';
import { groupBrokerAddrs } from './group-brokers.js';

export const consumerConnection: AdminCommand = {
  name: 'consumerConnection',
  description: "Query consumer's socket connection, client version and subscription.",
  options: [
    { flags: '-g, --consumerGroup <group>', description: 'consumer group name', required: true },
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'broker address' },
  ],
  async run(admin, opts) {
    const group = requireArg('-g', str(opts, 'consumerGroup'));
    const addrs = await groupBrokerAddrs(admin, group, str(opts, 'brokerAddr'));
    let cc: ConsumerConnection | null = null;
    for (const addr of addrs) {
      const c = await admin.getConsumerConnection(addr, group);
      if (!c) continue;
      if (!cc) cc = c;
      else {
        // Same group on several brokers: merge the client lists.
        for (const conn of c.connectionSet) {
          if (!cc.connectionSet.some((x) => x.clientId === conn.clientId)) cc.connectionSet.push(conn);
        }
        Object.assign(cc.subscriptionTable, c.subscriptionTable);
      }
    }
    if (!cc || cc.connectionSet.length === 0) {
      throw new RemotingResponseError(ResponseCode.CONSUMER_NOT_ONLINE, `the consumer group[${group}] not online`);
    }
    const conns = renderTable({
      columns: ['ClientId', 'ClientAddr', 'Language', 'Version'],
      rows: cc.connectionSet.map((c) => [c.clientId, c.clientAddr, c.language, c.version]),
    });
    const subs = renderTable({
      columns: ['Topic', 'SubExpression'],
      rows: Object.values(cc.subscriptionTable).map((s) => [s.topic, s.subString]),
    });
    const text = `${conns}\n\nBelow is subscription:\n${subs}\n\nConsumeType: ${cc.consumeType}\nMessageModel: ${cc.messageModel}\nConsumeFromWhere: ${cc.consumeFromWhere}`;
    return { text, json: { group, ...cc } };
  },
};
