/**
 * recallMessage / rescheduleMessage: cancel or move a pending timer message (RECALL_MESSAGE 370) by its
 * message id (UNIQ_KEY) or 5.x recall handle. Without -b every master of the topic is asked; the one
 * holding the timer answers.
 */
import { renderTable } from '../../cli/format.js';
import { RemotingResponseError } from '../../common/errors.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { parseIntArg, requireArg, UsageError } from '../args.js';
import type { AdminClient, BrokerTarget } from '../admin-client.js';
import { str, type AdminCommand, type CommandResult, type OptionValues } from '../command.js';

async function recall(admin: AdminClient, opts: OptionValues, extra: Record<string, string>, verb: string): Promise<CommandResult> {
  const topic = requireArg('-t', str(opts, 'topic'));
  const msgId = requireArg('-i', str(opts, 'msgId'));
  const brokerAddr = str(opts, 'brokerAddr');
  const targets: BrokerTarget[] = brokerAddr ? [{ brokerName: brokerAddr, addr: brokerAddr }] : (await admin.topicMasters(topic)).targets;
  let notFound: RemotingResponseError | undefined;
  for (const t of targets) {
    const res = await admin.invokeBroker(t.addr, RequestCode.RECALL_MESSAGE, { topic, recallHandle: msgId, ...extra }, undefined, [ResponseCode.QUERY_NOT_FOUND]);
    if (res.code === ResponseCode.QUERY_NOT_FOUND) {
      notFound = new RemotingResponseError(res.code, res.remark);
      continue;
    }
    const row: Record<string, string> = { Topic: topic, MsgId: res.extFields.msgId ?? msgId, Broker: t.brokerName, Result: verb };
    if (res.extFields.deliverTimeMs) row.DeliverTime = new Date(Number(res.extFields.deliverTimeMs)).toISOString();
    if (res.extFields.recallHandle) row.RecallHandle = res.extFields.recallHandle;
    const text = renderTable({ columns: Object.keys(row), rows: [Object.values(row)] });
    return { text, json: { topic, msgId: row.MsgId, brokerName: t.brokerName, result: verb, deliverTimeMs: res.extFields.deliverTimeMs ? Number(res.extFields.deliverTimeMs) : undefined, recallHandle: res.extFields.recallHandle } };
  }
  throw notFound ?? new RemotingResponseError(ResponseCode.QUERY_NOT_FOUND, `no master of topic ${topic} holds a pending timer message ${msgId}`);
}

export const recallMessage: AdminCommand = {
  name: 'recallMessage',
  description: 'Cancel a pending timer message (TIMER_DELIVER_MS / TIMER_DELAY_*) by message id or recall handle.',
  options: [
    { flags: '-t, --topic <topic>', description: 'topic of the message', required: true },
    { flags: '-i, --msgId <msgId>', description: 'message id (UNIQ_KEY) or recall handle', required: true },
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'ask only this broker' },
  ],
  run: (admin, opts) => recall(admin, opts, {}, 'RECALLED'),
};

export const rescheduleMessage: AdminCommand = {
  name: 'rescheduleMessage',
  description: 'Move a pending timer message to another delivery time (-d epoch ms, or --delay ms from now).',
  options: [
    { flags: '-t, --topic <topic>', description: 'topic of the message', required: true },
    { flags: '-i, --msgId <msgId>', description: 'message id (UNIQ_KEY) or recall handle', required: true },
    { flags: '-d, --deliverTime <epochMs>', description: 'new delivery time, ms since the epoch' },
    { flags: '--delay <ms>', description: 'new delivery time as a delay from now (broker clock), ms' },
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'ask only this broker' },
  ],
  run(admin, opts) {
    const at = str(opts, 'deliverTime');
    const delay = str(opts, 'delay');
    if ((at === undefined) === (delay === undefined)) throw new UsageError('give exactly one of -d <epochMs> or --delay <ms>');
    const extra: Record<string, string> = at !== undefined ? { deliverTimeMs: String(parseIntArg('-d', at)) } : { delayTimeMs: String(parseIntArg('--delay', delay)) };
    return recall(admin, opts, extra, 'RESCHEDULED');
  },
};
