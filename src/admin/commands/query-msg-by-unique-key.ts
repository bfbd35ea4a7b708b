/** queryMsgByUniqueKey: QUERY_MESSAGE (12) with `_UNIQUE_KEY_QUERY` on the topic's masters. */
import { requireArg } from '../args.js';
import { str, type AdminCommand } from '../command.js';
import { messageJson, messageText } from './print-message.js';
import { findMessageById } from './query-msg-by-id.js';

export const queryMsgByUniqueKey: AdminCommand = {
  name: 'queryMsgByUniqueKey',
  description: 'Query Message by Unique key.',
  options: [
    { flags: '-i, --msgId <msgId>', description: 'Message Id (the client id, UNIQ_KEY)', required: true },
    { flags: '-t, --topic <topic>', description: 'The topic of msg', required: true },
    { flags: '-g, --consumerGroup <group>', description: 'accepted for compatibility' },
    { flags: '-d, --clientId <clientId>', description: 'accepted for compatibility' },
    { flags: '-a, --showAll', description: 'accepted for compatibility' },
  ],
  async run(admin, opts) {
    const id = requireArg('-i', str(opts, 'msgId'));
    const topic = requireArg('-t', str(opts, 'topic'));
    const m = await findMessageById(admin, id, topic);
    return { text: messageText(m), json: { message: messageJson(m) } };
  },
};
