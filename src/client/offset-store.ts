/**
 * Consumer offsets: where each queue's consumption continues. Offsets are "next message to consume".
 * Clustering consumers keep them on the broker (RemoteBrokerOffsetStore: cached here, flushed every
 * persistConsumerOffsetInterval and on shutdown); broadcasting consumers keep them in a local JSON file
 * (LocalFileOffsetStore), one per client id and group.
 *
 * Local file, `<dir>/<clientId>/<group>/offsets.json` (standard JSON, written to .tmp then renamed,
 * the previous version kept as .bak):
 *   {"offsetTable":[{"topic":"T","brokerName":"broker-a","queueId":0,"offset":12}, ...]}
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, copyFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { componentLogger } from '../common/logger.js';
import { MessageQueue } from './message-queue.js';

const log = componentLogger('client');

export const ReadOffsetType = {
  READ_FROM_MEMORY: 'READ_FROM_MEMORY',
  READ_FROM_STORE: 'READ_FROM_STORE',
  MEMORY_FIRST_THEN_STORE: 'MEMORY_FIRST_THEN_STORE',
} as const;
export type ReadOffsetType = (typeof ReadOffsetType)[keyof typeof ReadOffsetType];

export interface OffsetStore {
  load(): Promise<void>;
  /** Records a new offset in memory; with `increaseOnly`, never moves backwards. */
  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void;
  /** The offset, or -1 when none is known (-2 on a store error for READ_FROM_STORE). */
  readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number>;
  /** Persists the offsets of these queues (the ones this client currently owns). */
  persistAll(mqs: MessageQueue[]): Promise<void>;
  persist(mq: MessageQueue): Promise<void>;
  removeOffset(mq: MessageQueue): void;
  /** Offsets of one topic, or of every topic when `topic` is undefined. */
  cloneOffsetTable(topic?: string): Map<MessageQueue, number>;
  /** Pushes an offset straight to the broker (lite pull commitSync, seek). */
  updateConsumeOffsetToBroker(mq: MessageQueue, offset: number, isOneway: boolean): Promise<void>;
}

interface Entry {
  mq: MessageQueue;
  offset: number;
}

abstract class MemoryOffsets {
  protected readonly table = new Map<string, Entry>();

  updateOffset(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    const e = this.table.get(mq.key);
    if (!e) this.table.set(mq.key, { mq, offset });
    else if (!increaseOnly || offset > e.offset) e.offset = offset;
  }

  removeOffset(mq: MessageQueue): void {
    this.table.delete(mq.key);
  }

  cloneOffsetTable(topic?: string): Map<MessageQueue, number> {
    const out = new Map<MessageQueue, number>();
    for (const e of this.table.values()) if (topic === undefined || e.mq.topic === topic) out.set(e.mq, e.offset);
    return out;
  }

  protected memory(mq: MessageQueue): number | undefined {
    return this.table.get(mq.key)?.offset;
  }
}

/** What RemoteBrokerOffsetStore needs from the client API (kept narrow so it is testable alone). */
export interface BrokerOffsetApi {
  /** Resolves the stored offset, or -1 when the broker has none (QUERY_NOT_FOUND). */
  queryConsumerOffset(mq: MessageQueue, group: string): Promise<number>;
  updateConsumerOffset(mq: MessageQueue, group: string, offset: number, oneway: boolean): Promise<void>;
}

export class RemoteBrokerOffsetStore extends MemoryOffsets implements OffsetStore {
  constructor(
    private readonly api: BrokerOffsetApi,
    readonly groupName: string,
  ) {
    super();
  }

  async load(): Promise<void> {}

  async readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number> {
    if (type !== ReadOffsetType.READ_FROM_STORE) {
      const m = this.memory(mq);
      if (m !== undefined) return m;
      if (type === ReadOffsetType.READ_FROM_MEMORY) return -1;
    }
    try {
      const off = await this.api.queryConsumerOffset(mq, this.groupName);
      if (off >= 0) this.updateOffset(mq, off, false);
      return off;
    } catch (e) {
      log.warn({ err: e, mq: mq.key }, 'query consumer offset failed');
      return -2;
    }
  }

  async persistAll(mqs: MessageQueue[]): Promise<void> {
    const owned = new Set(mqs.map((m) => m.key));
    const jobs: Promise<void>[] = [];
    for (const [key, e] of this.table) {
      if (!owned.has(key)) continue;
      jobs.push(this.updateConsumeOffsetToBroker(e.mq, e.offset, true).catch((err) => log.warn({ err, mq: key }, 'persist consumer offset failed')));
    }
    await Promise.all(jobs);
  }

  async persist(mq: MessageQueue): Promise<void> {
    const e = this.table.get(mq.key);
    if (e) await this.updateConsumeOffsetToBroker(mq, e.offset, true);
  }

  async updateConsumeOffsetToBroker(mq: MessageQueue, offset: number, isOneway: boolean): Promise<void> {
    await this.api.updateConsumerOffset(mq, this.groupName, offset, isOneway);
  }
}

export function defaultLocalOffsetStoreDir(): string {
  return process.env.ROCKETMQ_CLIENT_LOCAL_OFFSET_STORE_DIR ?? join(homedir(), '.rocketmq_offsets');
}

export class LocalFileOffsetStore extends MemoryOffsets implements OffsetStore {
  readonly storePath: string;

  constructor(clientId: string, readonly groupName: string, dir = defaultLocalOffsetStoreDir()) {
    super();
    this.storePath = join(dir, clientId, groupName, 'offsets.json');
  }

  async load(): Promise<void> {
    const data = this.readFile(this.storePath) ?? this.readFile(this.storePath + '.bak');
    if (!data) return;
    for (const e of data) this.table.set(e.mq.key, e);
  }

  private readFile(path: string): Entry[] | undefined {
    if (!existsSync(path)) return undefined;
    try {
      const j = JSON.parse(readFileSync(path, 'utf8')) as { offsetTable?: unknown };
      if (!Array.isArray(j.offsetTable)) throw new Error('offsetTable is not an array');
      const out: Entry[] = [];
      for (const o of j.offsetTable as Array<Record<string, unknown>>) {
        if (typeof o.topic !== 'string' || typeof o.brokerName !== 'string' || !Number.isInteger(o.queueId) || !Number.isInteger(o.offset)) continue;
        out.push({ mq: new MessageQueue(o.topic, o.brokerName, o.queueId as number), offset: o.offset as number });
      }
      return out;
    } catch (e) {
      log.warn({ err: e, path }, 'local offset file unreadable');
      return undefined;
    }
  }

  async readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<number> {
    if (type !== ReadOffsetType.READ_FROM_STORE) {
      const m = this.memory(mq);
      if (m !== undefined) return m;
      if (type === ReadOffsetType.READ_FROM_MEMORY) return -1;
    }
    const stored = this.readFile(this.storePath) ?? this.readFile(this.storePath + '.bak') ?? [];
    const e = stored.find((x) => x.mq.key === mq.key);
    if (!e) return -1;
    this.updateOffset(mq, e.offset, false);
    return e.offset;
  }

  async persistAll(mqs: MessageQueue[]): Promise<void> {
    if (mqs.length === 0) return;
    const owned = new Set(mqs.map((m) => m.key));
    const rows = [...this.table.values()]
      .filter((e) => owned.has(e.mq.key))
      .map((e) => ({ topic: e.mq.topic, brokerName: e.mq.brokerName, queueId: e.mq.queueId, offset: e.offset }));
    const text = JSON.stringify({ offsetTable: rows }, null, 2);
    mkdirSync(dirname(this.storePath), { recursive: true });
    const tmp = this.storePath + '.tmp';
    writeFileSync(tmp, text);
    if (existsSync(this.storePath)) copyFileSync(this.storePath, this.storePath + '.bak');
    renameSync(tmp, this.storePath);
  }

  async persist(mq: MessageQueue): Promise<void> {
    if (this.table.has(mq.key)) await this.persistAll([...this.table.values()].map((e) => e.mq));
  }

  async updateConsumeOffsetToBroker(): Promise<void> {
    // Broadcasting offsets never go to the broker.
  }
}
