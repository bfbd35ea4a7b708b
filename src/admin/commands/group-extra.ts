/**
 * getConsumerConfig (the subscription group's config on each master, from
 * GET_ALL_SUBSCRIPTIONGROUP_CONFIG) and allocateMQ (how AllocateMessageQueueAveragely splits the
 * topic's readable queues among the given client ids, computed here as a consumer would).
 */
import { RmqError } from '../../common/errors.js';
import { AllocateMessageQueueAveragely } from '../../client/allocate.js';
import { topicRouteToSubscribeInfo } from '../../client/route.js';
import { requireArg } from '../args.js';
import type { SubscriptionGroupConfig } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';

export const getConsumerConfig: AdminCommand = {
  name: 'getConsumerConfig',
  description: 'Get consumer config by subscription group name.',
  options: [{ flags: '-g, --groupName <group>', description: 'subscription group name', required: true }],
  async run(admin, opts) {
    const group = requireArg('-g', str(opts, 'groupName'));
    const found: Array<{ clusterName: string; brokerName: string; config: SubscriptionGroupConfig }> = [];
    for (const b of await admin.masterBrokers()) {
      const config = (await admin.getAllSubscriptionGroups(b.addr))[group];
      if (config) found.push({ clusterName: b.cluster ?? '', brokerName: b.brokerName, config });
    }
    if (found.length === 0) throw new RmqError('GROUP_NOT_FOUND', `subscription group ${group} not found on any broker`);
    const text = found
      .map((f) =>
        [
          `=============================${f.clusterName}:${f.brokerName}=============================`,
          ...Object.entries(f.config).map(([k, v]) => `${k.padEnd(40)}=  ${v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`),
        ].join('\n'),
      )
      .join('\n');
    return { text, json: { group, brokers: found } };
  },
};

export const allocateMQ: AdminCommand = {
  name: 'allocateMQ',
  description: 'Allocate MQ.',
  options: [
    { flags: '-t, --topic <topic>', description: 'topic name', required: true },
    { flags: '-i, --ipList <ids>', description: 'comma-separated client ids', required: true },
  ],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    const ids = requireArg('-i', str(opts, 'ipList')).split(',').map((s) => s.trim()).filter(Boolean);
    const route = await admin.getTopicRoute(topic);
    const mqs = topicRouteToSubscribeInfo(topic, route);
    const strategy = new AllocateMessageQueueAveragely();
    const result: Record<string, Array<{ topic: string; brokerName: string; queueId: number }>> = {};
    for (const id of ids) {
      result[id] = strategy.allocate('', id, mqs, ids).map((mq) => ({ topic: mq.topic, brokerName: mq.brokerName, queueId: mq.queueId }));
    }
    return { text: JSON.stringify({ result }), json: { result } };
  },
};
