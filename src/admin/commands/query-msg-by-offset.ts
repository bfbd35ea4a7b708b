/** queryMsgByOffset: one PULL_MESSAGE (11) of the message at a queue offset on the named broker. */
import { RmqError } from '../../common/errors.js';
import { parseIntArg, requireArg } from '../args.js';
import { TOOLS_CONSUMER_GROUP } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';
import { messageJson, messageText } from './print-message.js';

export const queryMsgByOffset: AdminCommand = {
  name: 'queryMsgByOffset',
  description: 'Query Message by offset.',
  options: [
    { flags: '-t, --topic <topic>', description: 'topic name', required: true },
    { flags: '-b, --brokerName <brokerName>', description: 'Broker Name', required: true },
    { flags: '-i, --queueId <queueId>', description: 'Queue Id', required: true },
    { flags: '-o, --offset <offset>', description: 'Queue Offset', required: true },
    { flags: '-f, --bodyFormat <format>', description: 'accepted for compatibility (bodies print as UTF-8)' },
  ],
  async run(admin, opts) {
    const topic = requireArg('-t', str(opts, 'topic'));
    const brokerName = requireArg('-b', str(opts, 'brokerName'));
    const queueId = parseIntArg('-i', str(opts, 'queueId'));
    const offset = parseIntArg('-o', str(opts, 'offset'));
    const { targets } = await admin.topicMasters(topic);
    const target = targets.find((t) => t.brokerName === brokerName);
    if (!target) throw new RmqError('BROKER_NOT_FOUND', `broker ${brokerName} does not serve topic ${topic} (brokers: ${targets.map((t) => t.brokerName).join(', ') || 'none'})`);
    const r = await admin.pull(target.addr, TOOLS_CONSUMER_GROUP, topic, queueId, offset, 1);
    const m = r.messages[0];
    if (r.status !== 'FOUND' || !m) {
      throw new RmqError('NO_MESSAGE', `no message at ${topic}/${brokerName}/${queueId} offset ${offset} (${r.status}; queue holds ${r.minOffset}..${r.maxOffset - 1})`);
    }
    return { text: messageText(m), json: { message: messageJson(m) } };
  },
};
