/**
 * Committed consumer offsets, persisted in config/consumerOffset.json every flushConsumerOffsetInterval
 * and at shutdown: `{"offsetTable":{"<topic>@<group>":{"<queueId>":<nextOffset>}}}`.
 * The offset is the next message to consume.
 */
import type { Logger } from '../common/logger.js';
import { DirtyJsonFile, JsonConfigFile, newDataVersion, nextDataVersion, readDataVersion, type DataVersion } from './config-file.js';

export const TOPIC_GROUP_SEPARATOR = '@';

export class ConsumerOffsetManager {
  /** "topic@group" -> queueId -> offset. */
  readonly offsetTable = new Map<string, Map<number, number>>();
  dataVersion: DataVersion = newDataVersion();
  private readonly state: DirtyJsonFile;

  constructor(
    filePath: string,
    private readonly log?: Logger,
  ) {
    this.state = new DirtyJsonFile(new JsonConfigFile(filePath, log), () => this.encode(true), log);
  }

  load(): void {
    const raw = this.state.file.load() as { offsetTable?: Record<string, unknown>; dataVersion?: unknown } | undefined;
    if (!raw || typeof raw !== 'object') return;
    this.offsetTable.clear();
    for (const [key, qs] of Object.entries(raw.offsetTable ?? {})) {
      if (!qs || typeof qs !== 'object') continue;
      const m = new Map<number, number>();
      for (const [q, off] of Object.entries(qs as Record<string, unknown>)) {
        const qid = Number(q);
        const o = Number(off);
        if (Number.isInteger(qid) && Number.isFinite(o)) m.set(qid, o);
      }
      this.offsetTable.set(key, m);
    }
    const dv = readDataVersion(raw.dataVersion);
    if (dv) this.dataVersion = dv;
  }

  encode(pretty = false): string {
    const offsetTable: Record<string, Record<string, number>> = {};
    for (const [k, m] of this.offsetTable) {
      const o: Record<string, number> = {};
      for (const [q, off] of m) o[q] = off;
      offsetTable[k] = o;
    }
    return JSON.stringify({ offsetTable, dataVersion: this.dataVersion }, null, pretty ? 1 : undefined);
  }

  /** Writes the file if anything changed since the last write (or always with force). */
  persist(force = false): void {
    this.state.persist(force);
  }

  /** The periodic write: as persist(), on the thread pool (config-file.ts). */
  persistAsync(): void {
    this.state.persistAsync();
  }

  /** Waits for a pending periodic write. */
  idle(): Promise<void> {
    return this.state.idle();
  }

  commitOffset(group: string, topic: string, queueId: number, offset: number): void {
    const key = topic + TOPIC_GROUP_SEPARATOR + group;
    let m = this.offsetTable.get(key);
    if (!m) {
      m = new Map();
      this.offsetTable.set(key, m);
    }
    if (m.get(queueId) !== offset) {
      m.set(queueId, offset);
      this.state.markDirty();
      nextDataVersion(this.dataVersion);
    }
  }

  /** The committed offset, or -1 when the group has none for this queue. */
  queryOffset(group: string, topic: string, queueId: number): number {
    return this.offsetTable.get(topic + TOPIC_GROUP_SEPARATOR + group)?.get(queueId) ?? -1;
  }

  queryOffsets(group: string, topic: string): Map<number, number> | undefined {
    return this.offsetTable.get(topic + TOPIC_GROUP_SEPARATOR + group);
  }

  /** Topics the group has offsets for. */
  whichTopicByConsumer(group: string): Set<string> {
    const out = new Set<string>();
    for (const key of this.offsetTable.keys()) {
      const i = key.indexOf(TOPIC_GROUP_SEPARATOR);
      if (i > 0 && key.slice(i + 1) === group) out.add(key.slice(0, i));
    }
    return out;
  }

  /** Groups with offsets on the topic. */
  whichGroupByTopic(topic: string): Set<string> {
    const out = new Set<string>();
    for (const key of this.offsetTable.keys()) {
      const i = key.indexOf(TOPIC_GROUP_SEPARATOR);
      if (i > 0 && key.slice(0, i) === topic) out.add(key.slice(i + 1));
    }
    return out;
  }

  removeOffsetsOfGroup(group: string): void {
    for (const key of [...this.offsetTable.keys()]) {
      if (key.endsWith(TOPIC_GROUP_SEPARATOR + group)) this.offsetTable.delete(key);
    }
    this.state.markDirty();
  }

  removeOffsetsOfTopic(topic: string): void {
    for (const key of [...this.offsetTable.keys()]) {
      if (key.startsWith(topic + TOPIC_GROUP_SEPARATOR)) this.offsetTable.delete(key);
    }
    this.state.markDirty();
  }
}
