/**
 * Broker metadata files under <storePathRootDir>/config/ (store-format.md §7): topics.json,
 * subscriptionGroup.json, consumerOffset.json, delayOffset.json.
 *
 * Writes go to `<file>.tmp`, then rename, after copying the previous content to `<file>.bak`, so a
 * crash mid-write leaves either the old or the new file. Loading reads `<file>`, and falls back to
 * `<file>.bak` when it is missing, empty or unparsable. Input is Java's fastjson output, which is not
 * strict JSON (unquoted integer map keys); output is standard JSON, which Java reads too.
 *
 * Periodic writers (consumer offsets every 5 s, delay offsets, the timer checkpoint every second) use
 * persistAsync: the same steps on the thread pool, so a busy disk never stalls the event loop (a
 * copyFileSync under write load took tens of milliseconds). Writes of one file are serialized, and a
 * later persist, of either kind, supersedes an async write that has not reached its rename yet.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../common/logger.js';
import { parseFastjson } from '../protocol/body/fastjson.js';
import type { DataVersion } from '../protocol/body/types.js';

export class JsonConfigFile {
  constructor(
    readonly path: string,
    private readonly log?: Logger,
  ) {}

  /** The parsed file, its .bak when the file is unusable, or undefined when neither exists. */
  load(): unknown {
    for (const p of [this.path, this.path + '.bak']) {
      if (!existsSync(p)) continue;
      let text: string;
      try {
        text = readFileSync(p, 'utf8');
      } catch (e) {
        this.log?.warn({ file: p, err: (e as Error).message }, 'config file unreadable');
        continue;
      }
      if (text.trim() === '') continue;
      try {
        return parseFastjson(text);
      } catch (e) {
        this.log?.warn({ file: p, err: (e as Error).message }, 'config file unparsable, trying the backup');
      }
    }
    return undefined;
  }

  /** Bumped by every persist; an async write gives up when it is no longer the latest. */
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();

  persistAsync(text: string): Promise<void> {
    const gen = ++this.generation;
    const next = this.chain.then(async () => {
      if (gen !== this.generation) return;
      await mkdir(dirname(this.path), { recursive: true });
      if (existsSync(this.path)) {
        try {
          await copyFile(this.path, this.path + '.bak');
        } catch (e) {
          this.log?.warn({ file: this.path, err: (e as Error).message }, 'could not write config backup');
        }
      }
      if (gen !== this.generation) return;
      const tmp = this.path + '.tmp-async';
      await writeFile(tmp, text);
      if (gen !== this.generation) return;
      await rename(tmp, this.path);
    });
    // the chain itself never rejects; the caller sees this write's outcome
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Resolves when no async write of this file is pending. */
  idle(): Promise<void> {
    return this.chain;
  }

  persist(text: string): void {
    this.generation++;
    mkdirSync(dirname(this.path), { recursive: true });
    if (existsSync(this.path)) {
      try {
        copyFileSync(this.path, this.path + '.bak');
      } catch (e) {
        this.log?.warn({ file: this.path, err: (e as Error).message }, 'could not write config backup');
      }
    }
    const tmp = this.path + '.tmp';
    writeFileSync(tmp, text);
    renameSync(tmp, this.path);
  }
}

/**
 * A JSON file written only when its state changed since the last write (consumer offsets, delay
 * offsets): the owner marks it dirty on every change; a failed write leaves it dirty for the next try.
 */
export class DirtyJsonFile {
  private dirty = false;

  constructor(
    readonly file: JsonConfigFile,
    private readonly encode: () => string,
    private readonly log?: Logger,
  ) {}

  markDirty(): void {
    this.dirty = true;
  }

  /** Writes the file if anything changed since the last write (or always with force). */
  persist(force = false): void {
    if (!this.dirty && !force) return;
    this.dirty = false;
    try {
      this.file.persist(this.encode());
    } catch (e) {
      this.failed(e as Error);
    }
  }

  /** The periodic write: as persist(), on the thread pool. */
  persistAsync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.file.persistAsync(this.encode()).catch((e: Error) => this.failed(e));
  }

  /** Waits for a pending periodic write. */
  idle(): Promise<void> {
    return this.file.idle();
  }

  private failed(e: Error): void {
    this.dirty = true;
    this.log?.error({ err: e.message }, `persisting ${basename(this.file.path)} failed`);
  }
}

export type { DataVersion };

export function newDataVersion(): DataVersion {
  return { stateVersion: 0, timestamp: Date.now(), counter: 0 };
}

export function nextDataVersion(v: DataVersion): void {
  v.timestamp = Date.now();
  v.counter++;
}

export function readDataVersion(raw: unknown): DataVersion | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  return { stateVersion: Number(r.stateVersion ?? 0) || 0, timestamp: Number(r.timestamp ?? 0) || 0, counter: Number(r.counter ?? 0) || 0 };
}
