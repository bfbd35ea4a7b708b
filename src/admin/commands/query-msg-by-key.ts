/** queryMsgByKey: QUERY_MESSAGE (12) by key on every master of the topic, keeping exact key matches. */
import { renderTable } from '../../cli/format.js';
import type { MessageExt } from '../../message/message-record.js';
import { parseIntArg, parseTimestampArg, requireArg } from '../args.js';
import { str, type AdminCommand } from '../command.js';
import { messageId, messageJson } from './print-message.js';

export const queryMsgByKey: AdminCommand = {
  name: 'queryMsgByKey',
  description: 'Query Message by Key.',
  options: [
    { flags: '-t, --topic <topic>', description: 'Topic name', required: true },
    { flags: '-k, --msgKey <key>', description: 'Message Key', required: true },
    { flags: '-b, --beginTimestamp <ms>', description: 'Begin timestamp(ms). default:0' },
    { flags: '-e, --endTimestamp <ms>', description: 'End timestamp(ms). default: no limit' },
    { flags: '-m, --maxNum <n>', description: 'The maximum number of messages returned by the query, default:64' },
    { flags: '-c, --cluster <cluster>', description: 'accepted for compatibility' },
  ],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    const key = requireArg('-k', str(opts, 'msgKey'));
    const begin = str(opts, 'beginTimestamp') ? parseTimestampArg('-b', str(opts, 'beginTimestamp')) : 0;
    const end = str(opts, 'endTimestamp') ? parseTimestampArg('-e', str(opts, 'endTimestamp')) : Number.MAX_SAFE_INTEGER;
    const maxNum = parseIntArg('-m', str(opts, 'maxNum'), 64);
    const { targets } = await admin.topicMasters(topic);
    const msgs: MessageExt[] = [];
    for (const t of targets) {
      for (const m of await admin.queryMessage(t.addr, topic, key, maxNum, begin, end)) {
        // The index matches by hash: keep messages that really carry the key (KEYS is space-separated).
        const keys = (m.properties['KEYS'] ?? '').split(' ');
        if (m.topic === topic && keys.includes(key)) msgs.push(m);
      }
    }
    const shown = msgs.slice(0, maxNum);
    const table = renderTable({ columns: ['Message ID', 'QID', 'Offset'], rows: shown.map((m) => [messageId(m), m.queueId, m.queueOffset]) });
    return { text: table, json: { topic, key, messages: shown.map(messageJson) } };
  },
};
