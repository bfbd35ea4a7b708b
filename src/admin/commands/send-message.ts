/**
 * sendMessage: one SEND_MESSAGE_V2 (310) to a queue of the topic (or the one given with -b/-i).
 * A topic without a route goes through TBW102's route, so the broker auto-creates it when allowed,
 * as a producer does.
 */
import { renderTable } from '../../cli/format.js';
import { RemotingResponseError, RmqError } from '../../common/errors.js';
import { encodeProperties } from '../../message/properties.js';
import { uniqueKeyGenerator } from '../../message/message-id.js';
import { PROPERTY } from '../../message/message-const.js';
import { PermName } from '../../protocol/body/types.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { parseIntArg, requireArg } from '../args.js';
import { DEFAULT_TOPIC, type TopicRouteData } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';
import { validateTopicName } from './update-topic.js';

const SEND_STATUS: Record<number, string> = {
  [ResponseCode.SUCCESS]: 'SEND_OK',
  [ResponseCode.FLUSH_DISK_TIMEOUT]: 'FLUSH_DISK_TIMEOUT',
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: 'FLUSH_SLAVE_TIMEOUT',
  [ResponseCode.SLAVE_NOT_AVAILABLE]: 'SLAVE_NOT_AVAILABLE',
};

export const sendMessage: AdminCommand = {
  name: 'sendMessage',
  description: 'Send a message.',
  options: [
    { flags: '-t, --topic <topic>', description: 'Topic name', required: true },
    { flags: '-p, --body <body>', description: 'UTF-8 string format of the message body', required: true },
    { flags: '-k, --key <keys>', description: 'Message keys' },
    { flags: '-c, --tags <tags>', description: 'Message tags' },
    { flags: '-b, --broker <brokerName>', description: 'Send message to target broker' },
    { flags: '-i, --qid <queueId>', description: 'Send message to target queue' },
    { flags: '-m, --msgTraceEnable <bool>', description: 'accepted for compatibility' },
  ],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    validateTopicName(topic);
    const body = Buffer.from(requireArg('-p', typeof opts['body'] === 'string' ? opts['body'] : undefined), 'utf8');
    const brokerName = str(opts, 'broker');
    const qid = str(opts, 'qid') === undefined ? undefined : parseIntArg('-i', str(opts, 'qid'));
    if (qid !== undefined && !brokerName) throw new RmqError('USAGE', '-i needs -b: a queue id is per broker');

    let route: TopicRouteData;
    let viaDefaultTopic = false;
    try {
      route = await admin.getTopicRoute(topic);
    } catch (err) {
      if (!(err instanceof RemotingResponseError && err.responseCode === ResponseCode.TOPIC_NOT_EXIST)) throw err;
      route = await admin.getTopicRoute(DEFAULT_TOPIC);
      viaDefaultTopic = true;
    }
    const candidates: Array<{ brokerName: string; addr: string; queueId: number }> = [];
    for (const qd of route.queueDatas) {
      if ((qd.perm & PermName.PERM_WRITE) === 0 || (brokerName && qd.brokerName !== brokerName)) continue;
      const addr = route.brokerDatas.find((b) => b.brokerName === qd.brokerName)?.brokerAddrs['0'];
      if (!addr) continue;
      // Through TBW102 the broker creates defaultTopicQueueNums (4) queues, so only those exist.
      const n = viaDefaultTopic ? Math.min(qd.writeQueueNums, 4) : qd.writeQueueNums;
      for (let q = 0; q < qd.writeQueueNums; q++) {
        if (qid === undefined ? q < n : q === qid) candidates.push({ brokerName: qd.brokerName, addr, queueId: q });
      }
    }
    if (candidates.length === 0) {
      throw new RmqError('NO_QUEUE', `no writable queue for topic ${topic}${brokerName ? ` on broker ${brokerName}` : ''}${qid !== undefined ? ` queue ${qid}` : ''}`);
    }
    const target = candidates[Math.floor(Math.random() * candidates.length)]!;
    const props: Record<string, string> = { [PROPERTY.UNIQ_KEY]: uniqueKeyGenerator.next(), [PROPERTY.WAIT]: 'true' };
    const tags = str(opts, 'tags');
    const keys = str(opts, 'key');
    if (tags) props[PROPERTY.TAGS] = tags;
    if (keys) props[PROPERTY.KEYS] = keys;
    const r = await admin.sendMessage(target.addr, target.brokerName, topic, target.queueId, body, encodeProperties(props));
    const sendStatus = SEND_STATUS[r.code] ?? `CODE_${r.code}`;
    const msgId = props[PROPERTY.UNIQ_KEY]!;
    const table = renderTable({
      columns: ['Broker Name', 'QID', 'Send Result', 'MsgId'],
      rows: [[target.brokerName, r.queueId, sendStatus, msgId]],
    });
    return { text: table, json: { sendStatus, msgId, offsetMsgId: r.msgId, topic, brokerName: target.brokerName, queueId: r.queueId, queueOffset: r.queueOffset } };
  },
};
