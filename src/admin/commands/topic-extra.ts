/**
 * topicClusterList (the clusters serving a topic, from its route) and updateTopicPerm (the topic's
 * current config from GET_ALL_TOPIC_CONFIG, re-sent with the new perm via UPDATE_AND_CREATE_TOPIC).
 */
import { RmqError } from '../../common/errors.js';
import { parseIntArg, requireArg, UsageError } from '../args.js';
import { str, type AdminCommand } from '../command.js';

export const topicClusterList: AdminCommand = {
  name: 'topicClusterList',
  description: 'Get cluster info for topic.',
  options: [{ flags: '-t, --topic <topic>', description: 'topic name', required: true }],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    const route = await admin.getTopicRoute(topic);
    const clusters = [...new Set(route.brokerDatas.map((b) => b.cluster))].sort();
    return { text: clusters.join('\n'), json: { topic, clusters } };
  },
};

export const updateTopicPerm: AdminCommand = {
  name: 'updateTopicPerm',
  description: 'Update topic perm.',
  options: [
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'update the topic on which broker' },
    { flags: '-c, --clusterName <clusterName>', description: 'update the topic on which cluster' },
    { flags: '-t, --topic <topic>', description: 'topic name', required: true },
    { flags: '-p, --perm <perm>', description: "set topic's permission(2|4|6), intro[2:W; 4:R; 6:RW]", required: true },
  ],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    const perm = parseIntArg('-p', str(opts, 'perm'));
    if (![2, 4, 6].includes(perm)) throw new UsageError(`-p must be 2, 4 or 6, got ${perm}`);
    const targets = await admin.resolveTargets(str(opts, 'brokerAddr'), str(opts, 'clusterName'));
    const lines: string[] = [];
    const changed: Array<{ brokerAddr: string; oldPerm: number; perm: number }> = [];
    for (const t of targets) {
      const tc = (await admin.getAllTopicConfig(t.addr))[topic];
      if (!tc) throw new RmqError('TOPIC_NOT_EXIST', `topic ${topic} does not exist on broker ${t.addr}`);
      if (tc.perm === perm) {
        lines.push(`new perm equals to the old one! (${t.addr})`);
        continue;
      }
      await admin.createTopic(t.addr, { ...tc, topicName: topic, perm, topicSysFlag: tc.topicSysFlag ?? 0, order: tc.order ?? false, attributes: undefined });
      changed.push({ brokerAddr: t.addr, oldPerm: tc.perm, perm });
      lines.push(`update topic perm from ${tc.perm} to ${perm} in ${t.addr} success.`);
    }
    return { text: lines.join('\n'), json: { topic, changed } };
  },
};
