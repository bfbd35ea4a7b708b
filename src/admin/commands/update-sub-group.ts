/** updateSubGroup: UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), body = SubscriptionGroupConfig JSON. */
import { parseAttributes, parseBoolArg, parseIntArg, requireArg, UsageError } from '../args.js';
import type { SubscriptionGroupConfig } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';

export const updateSubGroup: AdminCommand = {
  name: 'updateSubGroup',
  description: 'Update or create subscription group.',
  options: [
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'create subscription group to which broker' },
    { flags: '-c, --clusterName <clusterName>', description: 'create subscription group to which cluster' },
    { flags: '-g, --groupName <groupName>', description: 'consumer group name', required: true },
    { flags: '-s, --consumeEnable <bool>', description: 'consume enable' },
    { flags: '-m, --consumeFromMinEnable <bool>', description: 'from min offset' },
    { flags: '-d, --consumeBroadcastEnable <bool>', description: 'broadcast' },
    { flags: '-o, --consumeMessageOrderly <bool>', description: 'consume message orderly' },
    { flags: '-q, --retryQueueNums <n>', description: 'retry queue nums' },
    { flags: '-r, --retryMaxTimes <n>', description: 'retry max times' },
    { flags: '-p, --groupRetryPolicy <json>', description: 'the json string of retry policy' },
    { flags: '-i, --brokerId <id>', description: 'consumer from which broker id' },
    { flags: '-w, --whichBrokerWhenConsumeSlowly <id>', description: 'which broker id when consume slowly' },
    { flags: '-a, --notifyConsumerIdsChanged <bool>', description: 'notify consumerId changed' },
    { flags: '--attributes <attributes>', description: 'attribute(+a=b,+c=d,-e)' },
  ],
  async run(admin, opts) {
    const groupName = requireArg('-g', str(opts, 'groupName'));
    // mqadmin starts from SubscriptionGroupConfig's defaults with broadcast and from-min switched off.
    const config: SubscriptionGroupConfig = {
      groupName,
      consumeEnable: parseBoolArg('-s', str(opts, 'consumeEnable'), true),
      consumeFromMinEnable: parseBoolArg('-m', str(opts, 'consumeFromMinEnable'), false),
      consumeBroadcastEnable: parseBoolArg('-d', str(opts, 'consumeBroadcastEnable'), false),
      consumeMessageOrderly: parseBoolArg('-o', str(opts, 'consumeMessageOrderly'), false),
      retryQueueNums: parseIntArg('-q', str(opts, 'retryQueueNums'), 1),
      retryMaxTimes: parseIntArg('-r', str(opts, 'retryMaxTimes'), 16),
      brokerId: parseIntArg('-i', str(opts, 'brokerId'), 0),
      whichBrokerWhenConsumeSlowly: parseIntArg('-w', str(opts, 'whichBrokerWhenConsumeSlowly'), 1),
      notifyConsumerIdsChangedEnable: parseBoolArg('-a', str(opts, 'notifyConsumerIdsChanged'), true),
    };
    const policy = str(opts, 'groupRetryPolicy');
    if (policy) {
      try {
        config.groupRetryPolicy = JSON.parse(policy);
      } catch {
        throw new UsageError(`-p must be JSON, got ${policy}`);
      }
    }
    const attrs = parseAttributes(str(opts, 'attributes'));
    if (attrs.size > 0) config.attributes = Object.fromEntries(attrs);
    const targets = await admin.resolveTargets(str(opts, 'brokerAddr'), str(opts, 'clusterName'));
    const lines: string[] = [];
    for (const t of targets) {
      await admin.createSubscriptionGroup(t.addr, config);
      lines.push(`create subscription group to ${t.addr} success.`);
    }
    lines.push(`SubscriptionGroupConfig ${JSON.stringify(config)}`);
    return { text: lines.join('\n'), json: { subscriptionGroupConfig: config, brokers: targets.map((t) => ({ brokerName: t.brokerName, brokerAddr: t.addr })) } };
  },
};
