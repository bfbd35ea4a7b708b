/**
 * An mqadmin sub-command: its name and flags as mqadmin spells them, and a run function that
 * returns both renderings (text table for people, JSON for scripts). The CLI (src/cli/admin.ts)
 * turns each into a commander sub-command with `-n`, `--json` and `--timeout` added.
 */
import type { AdminClient } from './admin-client.js';

export interface AdminOption {
  /** commander flags, e.g. "-t, --topic <topic>" or "-c, --clusterModel". */
  flags: string;
  description: string;
  required?: boolean;
  default?: string;
}

export interface CommandResult {
  /** What a person reads (tables, key : value lines). */
  text: string;
  /** What `--json` prints, on one line. */
  json: unknown;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface AdminCommand {
  /** mqadmin's spelling. */
  name: string;
  /** Other accepted spellings. */
  aliases?: string[];
  description: string;
  options: AdminOption[];
  run(admin: AdminClient, opts: OptionValues): Promise<CommandResult>;
}

/** The string value of an option (commander gives `true` for a flag given without a value). */
export function str(opts: OptionValues, key: string): string | undefined {
  const v = opts[key];
  if (v === undefined || v === false) return undefined;
  if (v === true) return 'true';
  const t = v.trim();
  return t === '' ? undefined : t;
}
