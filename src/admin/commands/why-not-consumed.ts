/**
 * whyNotConsumed: asks each master broker (or -b) why a message was not consumed by a group: stored,
 * filtered out by tag or SQL92, delayed until T, consumed (trace) at T, retried N times, in the DLQ,
 * transaction not committed... (broker request code 19003, src/broker/diagnosis/why-not-consumed.ts).
 */
import { renderTable } from '../../cli/format.js';
import { WHY_NOT_CONSUMED, type Diagnosis } from '../../broker/diagnosis/why-not-consumed.js';
import { requireArg } from '../args.js';
import type { BrokerTarget } from '../admin-client.js';
import { str, type AdminCommand } from '../command.js';

export const whyNotConsumed: AdminCommand = {
  name: 'whyNotConsumed',
  description: 'Explain why a message was (not) consumed by a consumer group.',
  options: [
    { flags: '-i, --msgId <msgId>', description: 'message id (UNIQ_KEY or offset msg id)', required: true },
    { flags: '-g, --consumerGroup <group>', description: 'consumer group', required: true },
    { flags: '-t, --topic <topic>', description: 'topic of the message (default: the topics the group consumes)' },
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'ask only this broker' },
  ],
  async run(admin, opts) {
    const msgId = requireArg('-i', str(opts, 'msgId'));
    const group = requireArg('-g', str(opts, 'consumerGroup'));
    const topic = str(opts, 'topic');
    const brokerAddr = str(opts, 'brokerAddr');
    const targets: BrokerTarget[] = brokerAddr ? await admin.resolveTargets(brokerAddr, undefined) : await admin.masterBrokers();
    const all: Diagnosis[] = [];
    for (const t of targets) {
      const ext: Record<string, string> = { msgId, consumerGroup: group };
      if (topic) ext.topic = topic;
      const res = await admin.invokeBroker(t.addr, WHY_NOT_CONSUMED, ext);
      all.push(JSON.parse(res.body?.toString('utf8') ?? '{}') as Diagnosis);
    }
    const found = all.filter((d) => d.found);
    const shown = found.length > 0 ? found : all.slice(0, 1);
    const text = shown
      .map((d) =>
        [
          `${d.brokerName}: ${d.verdict} - ${d.summary}`,
          d.findings.length > 0 ? renderTable({ columns: ['Step', 'Time', 'Detail'], rows: d.findings.map((f) => [f.kind, f.at ? new Date(f.at).toISOString() : '', f.detail]) }) : '',
        ].filter(Boolean).join('\n'),
      )
      .join('\n\n');
    return { text: text || `no broker answered for ${msgId}`, json: shown };
  },
};
