/**
 * consumeMessage: reads messages with PULL_MESSAGE (11) without committing offsets, queue by queue
 * from the minimum offset (or -o, or the offset at -s) up to the maximum (or the offset at -e),
 * at most -c messages in all, as mqadmin's pull-consumer version does.
 */
import { RmqError } from '../../common/errors.js';
import type { MessageExt } from '../../message/message-record.js';
import { PermName } from '../../protocol/body/types.js';
import { parseIntArg, parseTimestampArg, requireArg, UsageError } from '../args.js';
import { TOOLS_CONSUMER_GROUP } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';
import { messageJson, messageText } from './print-message.js';

const PULL_BATCH = 32;

export const consumeMessage: AdminCommand = {
  name: 'consumeMessage',
  description: 'Consume message.',
  options: [
    { flags: '-t, --topic <topic>', description: 'Topic name', required: true },
    { flags: '-b, --brokerName <brokerName>', description: 'Broker name' },
    { flags: '-i, --queueId <queueId>', description: 'Queue Id' },
    { flags: '-o, --offset <offset>', description: 'Queue offset' },
    { flags: '-g, --consumerGroup <group>', description: 'Consumer group name' },
    { flags: '-s, --beginTimestamp <timestamp>', description: 'Begin timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]' },
    { flags: '-e, --endTimestamp <timestamp>', description: 'End timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]' },
    { flags: '-c, --MessageNumber <n>', description: 'Number of message to be consumed', default: '128' },
  ],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    const brokerName = str(opts, 'brokerName');
    const queueId = str(opts, 'queueId') === undefined ? undefined : parseIntArg('-i', str(opts, 'queueId'));
    const startOffset = str(opts, 'offset') === undefined ? undefined : parseIntArg('-o', str(opts, 'offset'));
    if (queueId !== undefined && !brokerName) throw new UsageError('Please set the brokerName before queueId!');
    if (startOffset !== undefined && queueId === undefined) throw new UsageError('Please set queueId before offset!');
    const count = parseIntArg('-c', str(opts, 'MessageNumber'), 128);
    if (count <= 0) throw new UsageError('Please input a positive messageNumber!');
    const group = str(opts, 'consumerGroup') ?? TOOLS_CONSUMER_GROUP;
    const now = Date.now();
    const begin = str(opts, 'beginTimestamp') ? parseTimestampArg('-s', str(opts, 'beginTimestamp')) : 0;
    const end = str(opts, 'endTimestamp') ? parseTimestampArg('-e', str(opts, 'endTimestamp')) : 0;
    if (begin > now) throw new UsageError('Please set the beginTimestamp before now!');
    if (end > now) throw new UsageError('Please set the endTimestamp before now!');
    if (end > 0 && begin > end) throw new UsageError('Please make sure that the beginTimestamp is less than or equal to the endTimestamp');

    const { route, targets } = await admin.topicMasters(topic);
    const queues: Array<{ brokerName: string; addr: string; queueId: number }> = [];
    for (const t of targets) {
      if (brokerName && t.brokerName !== brokerName) continue;
      const qd = route.queueDatas.find((q) => q.brokerName === t.brokerName);
      if (!qd || (qd.perm & PermName.PERM_READ) === 0) continue;
      for (let q = 0; q < qd.readQueueNums; q++) if (queueId === undefined || q === queueId) queues.push({ brokerName: t.brokerName, addr: t.addr, queueId: q });
    }
    if (queues.length === 0) throw new RmqError('NO_QUEUE', `no readable queue for topic ${topic}${brokerName ? ` on broker ${brokerName}` : ''}`);

    const msgs: MessageExt[] = [];
    const notes: string[] = [];
    for (const q of queues) {
      if (msgs.length >= count) break;
      let from = startOffset ?? (begin > 0 ? await admin.searchOffset(q.addr, topic, q.queueId, begin) : await admin.getMinOffset(q.addr, topic, q.queueId));
      const to = end > 0 ? await admin.searchOffset(q.addr, topic, q.queueId, end) : await admin.getMaxOffset(q.addr, topic, q.queueId);
      while (from < to && msgs.length < count) {
        const r = await admin.pull(q.addr, group, topic, q.queueId, from, Math.min(PULL_BATCH, count - msgs.length, to - from));
        if (r.status === 'FOUND') {
          for (const m of r.messages) if (m.queueOffset < to && msgs.length < count) msgs.push(m);
        } else if (r.status !== 'NO_MATCHED_MSG') {
          notes.push(`${q.brokerName}/${q.queueId} print msg finished. status=${r.status}, offset=${r.nextBeginOffset}`);
          break;
        }
        if (r.nextBeginOffset <= from) break; // no progress: stop rather than spin
        from = r.nextBeginOffset;
      }
    }
    const text = [...msgs.map((m) => `Consume ok\n${messageText(m)}`), ...notes].join('\n\n');
    return { text: text || 'no message', json: { topic, count: msgs.length, messages: msgs.map(messageJson) } };
  },
};
