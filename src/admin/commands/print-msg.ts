/**
 * printMsg: every message of a topic (optionally between two store times, filtered by tag
 * expression), queue by queue, with PULL_MESSAGE (11) from TOOLS_CONSUMER without committing.
 * Tag filtering happens on the broker (by hash) and again here by tag string, as a client does.
 */
import { RmqError } from '../../common/errors.js';
import type { MessageExt } from '../../message/message-record.js';
import { PROPERTY } from '../../message/message-const.js';
import { PermName } from '../../protocol/body/types.js';
import { parseBoolArg, parseTimestampArg, requireArg } from '../args.js';
import { TOOLS_CONSUMER_GROUP } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';
import { messageBody, messageId, messageJson } from './print-message.js';

const PULL_BATCH = 32;
/** A bound on what one invocation prints, so a huge topic cannot run away. */
const MAX_MESSAGES = 100_000;

function tagsOf(expr: string): Set<string> | null {
  const e = expr.trim();
  if (e === '' || e === '*') return null;
  return new Set(e.split('||').map((t) => t.trim()).filter(Boolean));
}

export const printMsg: AdminCommand = {
  name: 'printMsg',
  description: 'Print Message Detail.',
  options: [
    { flags: '-t, --topic <topic>', description: 'topic name', required: true },
    { flags: '-c, --charsetName <charset>', description: 'accepted for compatibility (bodies print as UTF-8)' },
    { flags: '-s, --subExpression <expr>', description: 'Subscribe Expression(eg: TagA || TagB)', default: '*' },
    { flags: '-b, --beginTimestamp <timestamp>', description: 'Begin timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]' },
    { flags: '-e, --endTimestamp <timestamp>', description: 'End timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]' },
    { flags: '-d, --printBody <bool>', description: 'print body', default: 'true' },
  ],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    const expr = str(opts, 'subExpression') ?? '*';
    const tags = tagsOf(expr);
    const printBody = parseBoolArg('-d', str(opts, 'printBody'), true);
    const begin = str(opts, 'beginTimestamp') ? parseTimestampArg('-b', str(opts, 'beginTimestamp')) : 0;
    const end = str(opts, 'endTimestamp') ? parseTimestampArg('-e', str(opts, 'endTimestamp')) : 0;
    const { route, targets } = await admin.topicMasters(topic);
    const lines: string[] = [];
    const msgs: MessageExt[] = [];
    for (const t of targets) {
      const qd = route.queueDatas.find((q) => q.brokerName === t.brokerName);
      if (!qd || (qd.perm & PermName.PERM_READ) === 0) continue;
      for (let queueId = 0; queueId < qd.readQueueNums; queueId++) {
        const mq = `MessageQueue [topic=${topic}, brokerName=${t.brokerName}, queueId=${queueId}]`;
        let from = begin > 0 ? await admin.searchOffset(t.addr, topic, queueId, begin) : await admin.getMinOffset(t.addr, topic, queueId);
        const to = end > 0 ? await admin.searchOffset(t.addr, topic, queueId, end) : await admin.getMaxOffset(t.addr, topic, queueId);
        lines.push(`minOffset=${from}, maxOffset=${to}, ${mq}`);
        while (from < to) {
          if (msgs.length >= MAX_MESSAGES) throw new RmqError('TOO_MANY', `more than ${MAX_MESSAGES} messages: narrow the range with -b/-e`);
          const r = await admin.pull(t.addr, TOOLS_CONSUMER_GROUP, topic, queueId, from, Math.min(PULL_BATCH, to - from), expr);
          if (r.status === 'FOUND') {
            for (const m of r.messages) {
              if (m.queueOffset >= to) continue;
              if (tags && !tags.has(m.properties[PROPERTY.TAGS] ?? '')) continue;
              msgs.push(m);
              const body = printBody ? messageBody(m).toString('utf8') : '';
              lines.push(`MSGID: ${messageId(m)} MessageExt [queueId=${m.queueId}, queueOffset=${m.queueOffset}, storeTimestamp=${m.storeTimestamp}, tags=${m.properties[PROPERTY.TAGS] ?? ''}, keys=${m.properties[PROPERTY.KEYS] ?? ''}, reconsumeTimes=${m.reconsumeTimes}] BODY: ${body}`);
            }
          } else if (r.status === 'NO_MATCHED_MSG') {
            lines.push(`${mq} no matched msg. status=${r.status}, offset=${r.nextBeginOffset}`);
          } else {
            lines.push(`${mq} print msg finished. status=${r.status}, offset=${r.nextBeginOffset}`);
            break;
          }
          if (r.nextBeginOffset <= from) break; // no progress: stop rather than spin
          from = r.nextBeginOffset;
        }
        lines.push('--------------------------------------------------------');
      }
    }
    return { text: lines.join('\n'), json: { topic, count: msgs.length, messages: msgs.map((m) => (printBody ? messageJson(m) : { ...messageJson(m), body: undefined })) } };
  },
};
