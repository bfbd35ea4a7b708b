/**
 * listHalfMessages / resolveHalfMessage: transactional half messages nobody resolved. Lists the ones
 * still being checked (`half`) and the ones moved to TRANS_CHECK_MAX_TIME_TOPIC after
 * transactionCheckMax checks (`checkMax`); an operator commits or rolls one back by its queue offset.
 * Broker request codes 19001 / 19002 are our own (src/broker/transaction/end-transaction-processor.ts).
 */
import { renderTable } from '../../cli/format.js';
import { TxRequestCode } from '../../broker/transaction/end-transaction-processor.js';
import type { HalfMessageInfo } from '../../broker/transaction/transaction-service.js';
import { parseIntArg, requireArg, UsageError } from '../args.js';
import type { BrokerTarget } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';

export const listHalfMessages: AdminCommand = {
  name: 'listHalfMessages',
  description: 'List unresolved transactional half messages (being checked, or moved aside after transactionCheckMax checks).',
  options: [
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'ask only this broker' },
    { flags: '-c, --clusterName <clusterName>', description: 'ask the masters of this cluster' },
    { flags: '-t, --topic <topic>', description: 'only half messages of this topic' },
    { flags: '--limit <n>', description: 'at most this many per broker and place', default: '1000' },
  ],
  async run(admin, opts) {
    const brokerAddr = str(opts, 'brokerAddr');
    const targets: BrokerTarget[] = brokerAddr ? await admin.resolveTargets(brokerAddr, undefined) : await admin.masterBrokers(str(opts, 'clusterName'));
    const topic = str(opts, 'topic');
    const limit = String(parseIntArg('--limit', str(opts, 'limit') ?? '1000'));
    const rows: Array<HalfMessageInfo & { brokerName: string; brokerAddr: string }> = [];
    for (const t of targets) {
      const res = await admin.invokeBroker(t.addr, TxRequestCode.LIST_HALF_MESSAGES, { limit });
      const body = JSON.parse(res.body?.toString('utf8') ?? '{}') as { halfMessages?: HalfMessageInfo[] };
      for (const h of body.halfMessages ?? []) if (!topic || h.topic === topic) rows.push({ ...h, brokerName: t.brokerName, brokerAddr: t.addr });
    }
    const text = renderTable({
      columns: ['Broker', 'Where', 'QueueOffset', 'Topic', 'ProducerGroup', 'MsgId', 'Keys', 'Checks', 'StoreTime'],
      rows: rows.map((h) => [h.brokerName, h.where, h.queueOffset, h.topic, h.producerGroup, h.msgId, h.keys, h.checkTimes, new Date(h.storeTimestamp).toISOString()]),
    });
    return { text, json: rows };
  },
};

export const resolveHalfMessage: AdminCommand = {
  name: 'resolveHalfMessage',
  description: 'Commit or roll back an unresolved half message by its queue offset (from listHalfMessages).',
  options: [
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'the broker holding it', required: true },
    { flags: '-o, --offset <queueOffset>', description: 'QueueOffset column of listHalfMessages', required: true },
    { flags: '-w, --where <where>', description: 'checkMax (moved aside, default) or half (still being checked)', default: 'checkMax' },
    { flags: '--commit', description: 'deliver it' },
    { flags: '--rollback', description: 'drop it' },
  ],
  async run(admin, opts) {
    const addr = requireArg('-b', str(opts, 'brokerAddr'));
    const offset = parseIntArg('-o', requireArg('-o', str(opts, 'offset')));
    const where = str(opts, 'where') ?? 'checkMax';
    if (where !== 'checkMax' && where !== 'half') throw new UsageError('-w must be checkMax or half');
    const commit = opts.commit === true;
    if (commit === (opts.rollback === true)) throw new UsageError('give exactly one of --commit or --rollback');
    await admin.invokeBroker(addr, TxRequestCode.RESOLVE_HALF_MESSAGE, { where, queueOffset: String(offset), commit: String(commit) });
    const result = commit ? 'COMMITTED' : 'ROLLED_BACK';
    return { text: renderTable({ columns: ['Broker', 'Where', 'QueueOffset', 'Result'], rows: [[addr, where, offset, result]] }), json: { brokerAddr: addr, where, queueOffset: offset, result } };
  },
};
