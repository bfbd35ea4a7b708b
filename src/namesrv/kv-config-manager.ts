/**
 * Name server KV config (PUT/GET/DELETE_KV_CONFIG, GET_KVLIST_BY_NAMESPACE), persisted as Java's
 * kvConfig.json: `{"configTable":{"<namespace>":{"<key>":"<value>"}}}`. Writes go to a temporary file
 * that is then renamed over the old one, so a crash leaves either the old or the new file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../common/logger.js';
import { componentLogger } from '../common/logger.js';
import { parseFastjson } from '../protocol/body/fastjson.js';

/** Namespace whose entries (topic -> "brokerName:queueNums;...") mark ordered topics. */
export const ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

export class KVConfigManager {
  private readonly table = new Map<string, Map<string, string>>();
  private readonly path: string;
  private readonly log: Logger;

  constructor(path: string, logger?: Logger) {
    this.path = path;
    this.log = logger ?? componentLogger('namesrv');
  }

  /** Loads the file if present. A corrupt file is logged and left alone (not overwritten until the next change). */
  load(): void {
    if (!existsSync(this.path)) return;
    try {
      const o = parseFastjson(readFileSync(this.path, 'utf8')) as { configTable?: Record<string, Record<string, unknown>> } | null;
      for (const [ns, kv] of Object.entries(o?.configTable ?? {})) {
        const m = new Map<string, string>();
        for (const [k, v] of Object.entries(kv ?? {})) m.set(k, String(v));
        this.table.set(ns, m);
      }
      this.log.info({ path: this.path, namespaces: this.table.size }, 'kv config loaded');
    } catch (e) {
      this.log.error({ path: this.path, err: (e as Error).message }, 'kv config file unreadable; starting empty');
    }
  }

  put(namespace: string, key: string, value: string): void {
    let m = this.table.get(namespace);
    if (m === undefined) {
      m = new Map();
      this.table.set(namespace, m);
    }
    m.set(key, value);
    this.persist();
  }

  get(namespace: string, key: string): string | undefined {
    return this.table.get(namespace)?.get(key);
  }

  delete(namespace: string, key: string): void {
    const m = this.table.get(namespace);
    if (m === undefined || !m.delete(key)) return;
    this.persist();
  }

  /** All entries of a namespace, or undefined when it has none. */
  getKVListByNamespace(namespace: string): Record<string, string> | undefined {
    const m = this.table.get(namespace);
    if (m === undefined || m.size === 0) return undefined;
    return Object.fromEntries(m);
  }

  private persist(): void {
    const configTable: Record<string, Record<string, string>> = {};
    for (const [ns, m] of this.table) if (m.size > 0) configTable[ns] = Object.fromEntries(m);
    const text = JSON.stringify({ configTable }, null, 2);
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, this.path);
    } catch (e) {
      this.log.error({ path: this.path, err: (e as Error).message }, 'kv config not persisted');
      throw e;
    }
  }
}
