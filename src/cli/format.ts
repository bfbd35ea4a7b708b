/**
 * Output helpers shared by the CLI commands: aligned text tables in the spirit of mqadmin's
 * `#Column` headers, and one-line JSON for scripts (`--json`).
 */

export type Cell = string | number | boolean | null | undefined;

export interface Table {
  /** Column titles without the leading '#'. */
  columns: string[];
  rows: Cell[][];
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '';
  return String(c);
}

/**
 * Renders rows under `#Title` headers, each column padded to its widest cell (two spaces apart).
 * Numbers are left-aligned too, as mqadmin prints them.
 */
export function renderTable(t: Table): string {
  const header = t.columns.map((c) => `#${c}`);
  const body = t.rows.map((r) => t.columns.map((_, i) => cellText(r[i])));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

/** `key : value` lines with the keys padded, as mqadmin's brokerStatus prints a KVTable. */
export function renderKeyValues(kv: Record<string, Cell>): string {
  const keys = Object.keys(kv);
  const w = Math.max(0, ...keys.map((k) => k.length));
  return keys.map((k) => `${k.padEnd(w)} : ${cellText(kv[k])}`).join('\n');
}

/** JSON for `--json`: one line, Buffers as UTF-8 strings, bigint as a number string. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data).toString('utf8');
    }
    return v;
  });
}

/** "yyyy-MM-dd HH:mm:ss,SSS" in local time, as RocketMQ's tools print timestamps (UtilAll.formatDate). */
export function formatTimestamp(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '-';
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}
