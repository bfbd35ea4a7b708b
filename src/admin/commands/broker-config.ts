/** getBrokerConfig / updateBrokerConfig: GET_BROKER_CONFIG (26) and UPDATE_BROKER_CONFIG (25). */
import { requireArg, parseBoolArg, UsageError } from '../args.js';
import type { AdminClient, BrokerTarget } from '../admin-client.js';
import { str, type AdminCommand, type OptionValues } from '../command.js';

async function targetsOf(admin: AdminClient, opts: OptionValues, withSlaves: boolean): Promise<BrokerTarget[]> {
  const b = str(opts, 'brokerAddr');
  const c = str(opts, 'clusterName');
  if (!b && !c) throw new UsageError('one of -b brokerAddr or -c clusterName is required');
  if (b || !withSlaves) return admin.resolveTargets(b, c);
  return admin.allBrokers(c);
}

export const getBrokerConfig: AdminCommand = {
  name: 'getBrokerConfig',
  description: 'Get broker config by cluster or special broker.',
  options: [
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'get which broker' },
    { flags: '-c, --clusterName <clusterName>', description: 'get which cluster' },
  ],
  async run(admin, opts) {
    const out: Array<{ brokerName: string; brokerAddr: string; config: Record<string, string> }> = [];
    for (const t of await targetsOf(admin, opts, true)) out.push({ brokerName: t.brokerName, brokerAddr: t.addr, config: await admin.getBrokerConfig(t.addr) });
    const text = out
      .map((b) => [`============${b.brokerAddr}============`, ...Object.entries(b.config).sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => `${k.padEnd(50)}=  ${v}`)].join('\n'))
      .join('\n\n');
    return { text, json: { brokers: out } };
  },
};

export const updateBrokerConfig: AdminCommand = {
  name: 'updateBrokerConfig',
  description: "Update broker's config.",
  options: [
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'update which broker' },
    { flags: '-c, --clusterName <clusterName>', description: 'update which cluster' },
    { flags: '-a, --updateAllBroker <bool>', description: 'update all brokers include slave (with -c)' },
    { flags: '-k, --key <key>', description: 'config key', required: true },
    { flags: '-v, --value <value>', description: 'config value', required: true },
  ],
  async run(admin, opts) {
    const key = requireArg('-k', str(opts, 'key'));
    const value = typeof opts['value'] === 'string' ? opts['value'].trim() : requireArg('-v', undefined);
    const all = parseBoolArg('-a', str(opts, 'updateAllBroker'), false);
    const targets = await targetsOf(admin, opts, all);
    const lines: string[] = [];
    for (const t of targets) {
      await admin.updateBrokerConfig(t.addr, { [key]: value });
      lines.push(`update broker config success, ${t.addr}`);
    }
    return { text: lines.join('\n'), json: { key, value, brokers: targets.map((t) => ({ brokerName: t.brokerName, brokerAddr: t.addr })) } };
  },
};
