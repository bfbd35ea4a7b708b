/**
 * deleteSubGroup: DELETE_SUBSCRIPTIONGROUP (207) on one broker or every master of a cluster; in
 * cluster mode also the group's %RETRY% and %DLQ% topics, as mqadmin does.
 */
import { parseBoolArg, requireArg } from '../args.js';
import { str, type AdminCommand } from '../command.js';

export const deleteSubGroup: AdminCommand = {
  name: 'deleteSubGroup',
  description: 'Delete subscription group from broker.',
  options: [
    { flags: '-b, --brokerAddr <brokerAddr>', description: 'delete subscription group from which broker' },
    { flags: '-c, --clusterName <clusterName>', description: 'delete subscription group from which cluster' },
    { flags: '-g, --groupName <groupName>', description: 'subscription group name', required: true },
    { flags: '-r, --removeOffset <bool>', description: 'remove offset', default: 'false' },
  ],
  async run(admin, opts) {
    const groupName = requireArg('-g', str(opts, 'groupName'));
    const cleanOffset = parseBoolArg('-r', str(opts, 'removeOffset'), false);
    const clusterName = str(opts, 'clusterName');
    const brokerAddr = str(opts, 'brokerAddr');
    const targets = await admin.resolveTargets(brokerAddr, clusterName);
    const lines: string[] = [];
    for (const t of targets) {
      await admin.deleteSubscriptionGroup(t.addr, groupName, cleanOffset);
      lines.push(`delete subscription group [${groupName}] from broker [${t.addr}] in cluster [${clusterName ?? t.cluster ?? ''}] success.`);
    }
    const deletedTopics: string[] = [];
    if (!brokerAddr && clusterName) {
      for (const topic of [`%RETRY%${groupName}`, `%DLQ%${groupName}`]) {
        // Either topic may never have been created; that is not an error here.
        try {
          for (const t of targets) await admin.deleteTopicInBroker(t.addr, topic);
          await admin.deleteTopicInNamesrv(topic, clusterName);
          deletedTopics.push(topic);
          lines.push(`delete topic [${topic}] from cluster [${clusterName}] success.`);
        } catch {
          /* ignored */
        }
      }
    }
    return { text: lines.join('\n'), json: { groupName, cleanOffset, brokers: targets.map((t) => ({ brokerName: t.brokerName, brokerAddr: t.addr })), deletedTopics } };
  },
};
