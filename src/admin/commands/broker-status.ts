/** brokerStatus: GET_BROKER_RUNTIME_INFO (28) of one broker (-b) or every broker of a cluster (-c). */
import { renderKeyValues } from '../../cli/format.js';
import { UsageError } from '../args.js';
import { str, type AdminCommand } from '../command.js';

function sorted(kv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(kv).sort(([a], [b]) => a.localeCompare(b)));
}

export const brokerStatus: AdminCommand = {
  name: 'brokerStatus',
  description: 'Fetch broker runtime status data.',
  options: [
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'Broker address' },
    { flags: '-c, --clusterName <clusterName>', description: 'which cluster' },
  ],
  async run(admin, opts) {
    const brokerAddr = str(opts, 'brokerAddr');
    const clusterName = str(opts, 'clusterName');
    if (brokerAddr) {
      const table = sorted(await admin.getBrokerRuntimeInfo(brokerAddr));
      return { text: renderKeyValues(table), json: { brokerAddr, table } };
    }
    if (!clusterName) throw new UsageError('one of -b brokerAddr or -c clusterName is required');
    const brokers = await admin.allBrokers(clusterName);
    const parts: string[] = [];
    const json: Array<{ brokerName: string; brokerAddr: string; table: Record<string, string> }> = [];
    for (const b of brokers) {
      const table = sorted(await admin.getBrokerRuntimeInfo(b.addr));
      json.push({ brokerName: b.brokerName, brokerAddr: b.addr, table });
      const w = Math.max(0, ...Object.keys(table).map((k) => k.length));
      parts.push(Object.entries(table).map(([k, v]) => `${b.addr.padEnd(22)} ${k.padEnd(w)} : ${v}`).join('\n'));
    }
    return { text: parts.join('\n'), json: { brokers: json } };
  },
};
