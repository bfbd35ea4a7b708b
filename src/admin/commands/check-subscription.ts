/**
 * checkSubscription: members of a consumer group that subscribe a topic differently (or not at all).
 * The broker keeps one subscription per group and topic, so such a group silently misses messages;
 * brokers flag it in GET_CONSUMER_CONNECTION_LIST (`subscriptionConflicts`), listed here.
 */
import { renderTable } from '../../cli/format.js';
import { RemotingResponseError } from '../../common/errors.js';
import { ResponseCode } from '../../protocol/response-code.js';
import type { SubscriptionConflict } from '../../protocol/body/types.js';
import { requireArg } from '../args.js';
import { str, type AdminCommand } from '../command.js';
import { groupBrokerAddrs } from './group-brokers.js';

type Variant = SubscriptionConflict['variants'][number];

export const checkSubscription: AdminCommand = {
  name: 'checkSubscription',
  description: 'List members of a consumer group whose subscriptions differ (messages would be lost).',
  options: [
    { flags: '-g, --consumerGroup <group>', description: 'consumer group name', required: true },
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'broker address' },
  ],
  async run(admin, opts) {
    const group = requireArg('-g', str(opts, 'consumerGroup'));
    const addrs = await groupBrokerAddrs(admin, group, str(opts, 'brokerAddr'));
    const byTopic = new Map<string, Map<string, Variant>>();
    const members = new Set<string>();
    let online = false;
    for (const addr of addrs) {
      const body = await admin.getConsumerConnection(addr, group);
      if (!body) continue;
      online = true;
      for (const c of body.connectionSet) members.add(c.clientId);
      for (const c of body.subscriptionConflicts ?? []) {
        let m = byTopic.get(c.topic);
        if (!m) {
          m = new Map();
          byTopic.set(c.topic, m);
        }
        for (const v of c.variants) {
          const key = v.expressionType + '\u0000' + v.subString;
          const cur = m.get(key);
          if (cur) cur.clientIds = [...new Set([...cur.clientIds, ...v.clientIds])].sort();
          else m.set(key, { ...v, clientIds: [...v.clientIds].sort() });
        }
      }
    }
    if (!online) throw new RemotingResponseError(ResponseCode.CONSUMER_NOT_ONLINE, `the consumer group[${group}] not online`);
    const conflicts = [...byTopic].map(([topic, m]) => ({ topic, variants: [...m.values()] }));
    if (conflicts.length === 0) {
      return { text: `Consumer group ${group}: all ${members.size} member(s) subscribe alike.`, json: { group, consistent: true, members: members.size, conflicts } };
    }
    const rows: string[][] = [];
    for (const c of conflicts) for (const v of c.variants) rows.push([c.topic, v.expressionType, v.subString, v.clientIds.join(', ')]);
    const text = `Consumer group ${group}: members subscribe differently; the broker keeps one subscription per group and topic, so some members miss messages.\n\n${renderTable({ columns: ['Topic', 'Type', 'Expression', 'Clients'], rows })}`;
    return { text, json: { group, consistent: false, members: members.size, conflicts } };
  },
};
