/** updateTopic: UPDATE_AND_CREATE_TOPIC (17) on one broker (-b) or every master of a cluster (-c). */
import { formatAttributes, parseAttributes, parseBoolArg, parseIntArg, permToString, requireArg, UsageError } from '../args.js';
import { NAMESPACE_ORDER_TOPIC_CONFIG, type TopicConfigRequest } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';

/** TopicSysFlag bits. */
const FLAG_UNIT = 0x1;
const FLAG_UNIT_SUB = 0x2;

/** TopicValidator: letters, digits, '%', '|', '_' and '-', at most 127 characters. */
export function validateTopicName(topic: string): void {
  if (topic.length > 127) throw new UsageError(`topic name is longer than 127 characters: ${topic}`);
  if (!/^[%|a-zA-Z0-9_-]+$/.test(topic)) {
    throw new UsageError(`topic name "${topic}" contains illegal characters (allowed: ^[%|a-zA-Z0-9_-]+$)`);
  }
}

export const updateTopic: AdminCommand = {
  name: 'updateTopic',
  description: 'Update or create topic.',
  options: [
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'create topic to which broker' },
    { flags: '-c, --clusterName <clusterName>', description: 'create topic to which cluster' },
    { flags: '-t, --topic <topic>', description: 'topic name', required: true },
    { flags: '-r, --readQueueNums <n>', description: 'set read queue nums', default: '8' },
    { flags: '-w, --writeQueueNums <n>', description: 'set write queue nums', default: '8' },
    { flags: '-p, --perm <perm>', description: "set topic's permission(2|4|6), intro[2:W 4:R; 6:RW]", default: '6' },
    { flags: '-o, --order <bool>', description: "set topic's order(true|false)", default: 'false' },
    { flags: '-u, --unit <bool>', description: 'is unit topic (true|false)', default: 'false' },
    { flags: '-s, --hasUnitSub <bool>', description: 'has unit sub (true|false)', default: 'false' },
    { flags: '-a, --attributes <attributes>', description: 'attribute(+a=b,+c=d,-e), e.g. +message.type=FIFO' },
  ],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    validateTopicName(topic);
    const readQueueNums = parseIntArg('-r', str(opts, 'readQueueNums'), 8);
    const writeQueueNums = parseIntArg('-w', str(opts, 'writeQueueNums'), 8);
    if (readQueueNums <= 0 || writeQueueNums <= 0) throw new UsageError('queue numbers must be positive');
    const perm = parseIntArg('-p', str(opts, 'perm'), 6);
    if (perm < 0 || perm > 15) throw new UsageError(`-p must be a permission bit set (2, 4 or 6), got ${perm}`);
    const order = parseBoolArg('-o', str(opts, 'order'), false);
    let topicSysFlag = 0;
    if (parseBoolArg('-u', str(opts, 'unit'), false)) topicSysFlag |= FLAG_UNIT;
    if (parseBoolArg('-s', str(opts, 'hasUnitSub'), false)) topicSysFlag |= FLAG_UNIT_SUB;
    const attrs = parseAttributes(str(opts, 'attributes'));
    const tc: TopicConfigRequest = {
      topicName: topic,
      readQueueNums,
      writeQueueNums,
      perm,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag,
      order,
      attributes: attrs.size > 0 ? formatAttributes(attrs) : undefined,
    };
    const brokerAddr = str(opts, 'brokerAddr');
    const clusterName = str(opts, 'clusterName');
    const targets = await admin.resolveTargets(brokerAddr, clusterName);
    if (targets.length === 0) throw new UsageError(`cluster ${clusterName} has no master broker`);
    const lines: string[] = [];
    for (const t of targets) {
      await admin.createTopic(t.addr, tc);
      lines.push(`create topic to ${t.addr} success.`);
    }
    // An ordered topic's queue layout lives in the name server's KV store (ORDER_TOPIC_CONFIG).
    let orderConf: string | undefined;
    if (order && !brokerAddr) {
      orderConf = targets.map((t) => `${t.brokerName}:${writeQueueNums}`).join(';');
      await admin.putKvConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic, orderConf);
      lines.push(`set cluster orderConf. isOrder=${order}, orderConf=[${orderConf}]`);
    }
    const attributes = Object.fromEntries([...attrs].filter(([k]) => k.startsWith('+')).map(([k, v]) => [k.slice(1), v]));
    lines.push(
      `TopicConfig [topicName=${topic}, readQueueNums=${readQueueNums}, writeQueueNums=${writeQueueNums}, perm=${permToString(perm)}, ` +
        `topicFilterType=SINGLE_TAG, topicSysFlag=${topicSysFlag}, order=${order}, attributes=${JSON.stringify(attributes)}]`,
    );
    return {
      text: lines.join('\n'),
      json: {
        topicConfig: { ...tc, attributes },
        brokers: targets.map((t) => ({ brokerName: t.brokerName, brokerAddr: t.addr })),
        orderConf,
      },
    };
  },
};
