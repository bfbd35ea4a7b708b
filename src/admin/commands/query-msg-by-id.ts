/**
 * queryMsgById: an offset message id names the broker and commit-log offset, so the message comes
 * from VIEW_MESSAGE_BY_ID (33) on that broker; a client id (UNIQ_KEY) needs -t and is looked up
 * with QUERY_MESSAGE (12, `_UNIQUE_KEY_QUERY`) on the topic's brokers.
 */
import { RmqError } from '../../common/errors.js';
import { decodeOffsetMessageId } from '../../message/message-id.js';
import type { MessageExt } from '../../message/message-record.js';
import { requireArg } from '../args.js';
import type { AdminClient } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';
import { messageJson, messageText } from './print-message.js';

const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

async function byUniqueKey(admin: AdminClient, topic: string, key: string): Promise<MessageExt[]> {
  const { targets } = await admin.topicMasters(topic);
  const found: MessageExt[] = [];
  for (const t of targets) {
    for (const m of await admin.queryMessage(t.addr, topic, key, 32, 0, MAX_TIMESTAMP, true)) {
      if (m.properties['UNIQ_KEY'] === key || m.offsetMsgId === key) found.push(m);
    }
  }
  return found;
}

export async function findMessageById(admin: AdminClient, id: string, topic: string | undefined): Promise<MessageExt> {
  if (topic) {
    const found = await byUniqueKey(admin, topic, id);
    if (found.length > 0) return found[0]!;
  }
  let decoded;
  try {
    decoded = decodeOffsetMessageId(id);
  } catch {
    throw new RmqError('NO_MESSAGE', topic ? `message ${id} not found in topic ${topic}` : `${id} is not an offset message id; pass -t TOPIC to look it up as a client message id`);
  }
  const addr = decoded.address.includes(':') ? `[${decoded.address}]:${decoded.port}` : `${decoded.address}:${decoded.port}`;
  return admin.viewMessage(addr, decoded.physicalOffset, topic);
}

export const queryMsgById: AdminCommand = {
  name: 'queryMsgById',
  description: 'Query Message by Id.',
  options: [
    { flags: '-i, --msgId <msgId>', description: 'Message Id (offset id, or client id with -t); comma-separated for several', required: true },
    { flags: '-t, --topic <topic>', description: 'topic name' },
    { flags: '-g, --consumerGroup <group>', description: 'accepted for compatibility' },
    { flags: '-d, --clientId <clientId>', description: 'accepted for compatibility' },
    { flags: '-s, --sendMessage <bool>', description: 'accepted for compatibility' },
    { flags: '-u, --unitName <unitName>', description: 'accepted for compatibility' },
    { flags: '-f, --bodyFormat <format>', description: 'accepted for compatibility (bodies print as UTF-8)' },
    { flags: '-c, --cluster <cluster>', description: 'accepted for compatibility' },
  ],
  async run(admin, opts) {
    const ids = requireArg('-i', str(opts, 'msgId')).split(',').map((s) => s.trim()).filter(Boolean);
    const topic = str(opts, 'topic');
    const msgs: MessageExt[] = [];
    for (const id of ids) msgs.push(await findMessageById(admin, id, topic));
    return { text: msgs.map(messageText).join('\n\n'), json: { messages: msgs.map(messageJson) } };
  },
};
