/**
 * `rmq admin <command>` (alias `mqadmin`): mqadmin's commands and flags, the name server from -n or
 * NAMESRV_ADDR; a table by default, one JSON line with --json.
 */
import { Command, Option } from 'commander';
import { AdminClient, resolveNamesrvAddr } from '../admin/admin-client.js';
import { parseIntArg } from '../admin/args.js';
import type { AdminCommand, OptionValues } from '../admin/command.js';
import { adminCommands } from '../admin/commands/index.js';
import { toJsonLine } from './format.js';
import { exitAfterFlush, reportError } from './util.js';

export async function runAdminCommand(cmd: AdminCommand, opts: OptionValues): Promise<number> {
  const json = opts['json'] === true;
  let admin: AdminClient | undefined;
  try {
    const namesrvAddr = resolveNamesrvAddr(typeof opts['namesrvAddr'] === 'string' ? opts['namesrvAddr'] : undefined);
    admin = new AdminClient({ namesrvAddr, timeoutMs: parseIntArg('--timeout', typeof opts['timeout'] === 'string' ? opts['timeout'] : undefined, 3000) });
    const r = await cmd.run(admin, opts);
    process.stdout.write(`${json ? toJsonLine(r.json) : r.text}\n`);
    return 0;
  } catch (err) {
    return reportError(`admin ${cmd.name}`, err, json);
  } finally {
    admin?.close();
  }
}

export function addAdminCommands(program: Command): Command {
  const admin = program
    .command('admin')
    .description("mqadmin's commands (name server from -n or NAMESRV_ADDR)")
    .usage('<command> [options]');
  for (const c of adminCommands) {
    const sub = admin.command(c.name).description(c.description);
    for (const a of c.aliases ?? []) sub.alias(a);
    for (const o of c.options) {
      const opt = new Option(o.flags, o.description + (o.required ? ' (required)' : ''));
      if (o.default !== undefined) opt.default(o.default);
      sub.addOption(opt);
    }
    sub.option('-n, --namesrvAddr <addr>', 'name server address list, e.g. 127.0.0.1:9876;127.0.0.2:9876 (default: $NAMESRV_ADDR)');
    sub.option('--json', 'print the result as one JSON line');
    sub.option('--timeout <ms>', 'per-request timeout in milliseconds', '3000');
    sub.action(async (opts: OptionValues) => {
      exitAfterFlush(await runAdminCommand(c, opts));
    });
  }
  return admin;
}
