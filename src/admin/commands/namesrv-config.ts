/**
 * Name-server side commands: updateKvConfig / deleteKvConfig (PUT/DELETE_KV_CONFIG, every name
 * server), wipeWritePerm / addWritePerm (WIPE/ADD_WRITE_PERM_OF_BROKER), getNamesrvConfig /
 * updateNamesrvConfig (GET/UPDATE_NAMESRV_CONFIG).
 */
import { RmqError } from '../../common/errors.js';
import { requireArg } from '../args.js';
import { str, type AdminCommand } from '../command.js';

export const updateKvConfig: AdminCommand = {
  name: 'updateKvConfig',
  description: 'Create or update KV config.',
  options: [
    { flags: '-s, --namespace <namespace>', description: 'set the namespace', required: true },
    { flags: '-k, --key <key>', description: 'set the key name', required: true },
    { flags: '-v, --value <value>', description: 'set the key value', required: true },
  ],
  async run(admin, opts) {
    const namespace = requireArg('-s', str(opts, 'namespace'));
    const key = requireArg('-k', str(opts, 'key'));
    const value = requireArg('-v', str(opts, 'value'));
    await admin.putKvConfig(namespace, key, value);
    return { text: 'create or update kv config to namespace success.', json: { namespace, key, value } };
  },
};

export const deleteKvConfig: AdminCommand = {
  name: 'deleteKvConfig',
  description: 'Delete KV config.',
  options: [
    { flags: '-s, --namespace <namespace>', description: 'set the namespace', required: true },
    { flags: '-k, --key <key>', description: 'set the key name', required: true },
  ],
  async run(admin, opts) {
    const namespace = requireArg('-s', str(opts, 'namespace'));
    const key = requireArg('-k', str(opts, 'key'));
    await admin.deleteKvConfig(namespace, key);
    return { text: 'delete kv config from namespace success.', json: { namespace, key } };
  },
};

function permCommand(name: 'wipeWritePerm' | 'addWritePerm'): AdminCommand {
  const verb = name === 'wipeWritePerm' ? 'wipe' : 'add';
  return {
    name,
    description: `${verb === 'wipe' ? 'Wipe' : 'Add'} write perm of broker in all name server you defined in the -n param.`,
    options: [{ flags: '-b, --brokerName <brokerName>', description: 'broker name', required: true }],
    async run(admin, opts) {
      const brokerName = requireArg('-b', str(opts, 'brokerName'));
      const results = verb === 'wipe' ? await admin.wipeWritePerm(brokerName) : await admin.addWritePerm(brokerName);
      const text = results
        .map((r) => (r.error === undefined ? `${verb} write perm of broker[${brokerName}] in name server[${r.namesrvAddr}] OK, ${r.count}` : `${verb} write perm of broker[${brokerName}] in name server[${r.namesrvAddr}] Failed: ${r.error}`))
        .join('\n');
      if (results.every((r) => r.error !== undefined)) throw new RmqError('FAILED', text);
      return { text, json: { brokerName, results } };
    },
  };
}

export const wipeWritePerm = permCommand('wipeWritePerm');
export const addWritePerm = permCommand('addWritePerm');

export const getNamesrvConfig: AdminCommand = {
  name: 'getNamesrvConfig',
  description: 'Get configs of name server.',
  options: [],
  async run(admin) {
    const all = await admin.getNamesrvConfig();
    const text = all
      .map((n) => [`============${n.namesrvAddr}============`, ...Object.entries(n.config).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k.padEnd(50)}=  ${v}`)].join('\n'))
      .join('\n\n');
    return { text, json: { namesrvs: all } };
  },
};

export const updateNamesrvConfig: AdminCommand = {
  name: 'updateNamesrvConfig',
  description: 'Update configs of name server.',
  options: [
    { flags: '-k, --key <key>', description: 'config key', required: true },
    { flags: '-v, --value <value>', description: 'config value', required: true },
  ],
  async run(admin, opts) {
    const key = requireArg('-k', str(opts, 'key'));
    const value = requireArg('-v', str(opts, 'value'));
    await admin.updateNamesrvConfig({ [key]: value });
    return { text: `update name server config success!${admin.namesrvAddrs.join(';')}\n${key} : ${value}`, json: { key, value, namesrvs: admin.namesrvAddrs } };
  },
};
