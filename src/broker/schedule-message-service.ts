/**
 * Delayed messages (store-format.md §8). A message with property DELAY = level (1..18) is stored in
 * SCHEDULE_TOPIC_XXXX queue level-1 with REAL_TOPIC / REAL_QID holding its destination; its consume-
 * queue tagsCode is the due time. This service scans each level's queue from the offset kept in
 * config/delayOffset.json (`{"offsetTable":{"<level>":<offset>}}`) and re-puts due messages into their
 * real topic/queue, dropping DELAY. Due time is computed from the record's store timestamp + the
 * level's delay, so it does not depend on the consume queue's tagsCode surviving a rebuild.
 * First scan 1 s after start, then every 100 ms, or sooner when a head-of-queue message falls due.
 */
import type { Logger } from '../common/logger.js';
import { decodeRecord, type MessageExt } from '../message/message-record.js';
import { PROPERTY } from '../message/message-const.js';
import { getEncodedProperty } from '../message/properties.js';
import type { MessageInner, MessageStore } from '../store/types.js';
import { DirtyJsonFile, JsonConfigFile } from './config-file.js';
import { appendProperty, removeProperties, reputRecord } from './message-util.js';
import { TopicValidator } from './topic-config-manager.js';

export const SCHEDULE_TOPIC = TopicValidator.SCHEDULE_TOPIC;
const FIRST_DELAY_MS = 1000;
const SCAN_INTERVAL_MS = 100;
const BATCH = 32;

export class ScheduleMessageService {
  /** level (1-based) -> next offset to deliver in queue level-1. */
  readonly offsetTable = new Map<number, number>();
  private readonly state: DirtyJsonFile;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  /** Earliest due time seen at the head of a level queue in the last scan. */
  private nextDue = Number.POSITIVE_INFINITY;

  constructor(
    private readonly store: MessageStore,
    /** Delay of each level in ms, index = level - 1. */
    readonly delayLevels: number[],
    filePath: string,
    private readonly storeHost: () => Buffer,
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.state = new DirtyJsonFile(new JsonConfigFile(filePath, log), () => this.encode(true), log);
  }

  get maxDelayLevel(): number {
    return this.delayLevels.length;
  }

  load(): void {
    const raw = this.state.file.load() as { offsetTable?: Record<string, unknown> } | undefined;
    if (!raw || typeof raw !== 'object') return;
    for (const [k, v] of Object.entries(raw.offsetTable ?? {})) {
      const level = Number(k);
      const off = Number(v);
      if (Number.isInteger(level) && level >= 1 && Number.isFinite(off)) this.offsetTable.set(level, off);
    }
  }

  encode(pretty = false): string {
    const offsetTable: Record<string, number> = {};
    for (const [k, v] of [...this.offsetTable].sort((a, b) => a[0] - b[0])) offsetTable[k] = v;
    return JSON.stringify({ offsetTable }, null, pretty ? 1 : undefined);
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

  start(): void {
    this.stopped = false;
    this.timer = setTimeout(() => this.tick(), FIRST_DELAY_MS);
    this.timer.unref?.();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // Let an in-flight scan finish so the offsets we persist match what was re-put.
    for (let i = 0; this.running && i < 100; i++) await new Promise((r) => setTimeout(r, 10));
    await this.state.idle();
    this.persist(true);
  }

  /** Due time (ms) of a message stored at `storeTimestamp` with `level`. */
  dueTime(level: number, storeTimestamp: number): number {
    return storeTimestamp + (this.delayLevels[level - 1] ?? 0);
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = true;
    this.scanAll()
      .catch((e) => this.log?.error({ err: (e as Error).message }, 'delay scan failed'))
      .finally(() => {
        this.running = false;
        if (!this.stopped) {
          // Wake for the earliest head-of-queue due time when it comes before the next regular scan.
          const wait = Math.max(0, Math.min(SCAN_INTERVAL_MS, this.nextDue - this.now()));
          this.timer = setTimeout(() => this.tick(), wait);
          this.timer.unref?.();
        }
      });
  }

  /** One pass over every level; exposed for tests. */
  async scanAll(): Promise<void> {
    this.nextDue = Number.POSITIVE_INFINITY;
    for (let level = 1; level <= this.delayLevels.length && !this.stopped; level++) await this.deliverLevel(level);
  }

  private async deliverLevel(level: number): Promise<void> {
    const queueId = level - 1;
    let offset = this.offsetTable.get(level) ?? 0;
    const max = this.store.getMaxOffsetInQueue(SCHEDULE_TOPIC, queueId);
    if (offset >= max) return;
    const min = this.store.getMinOffsetInQueue(SCHEDULE_TOPIC, queueId);
    if (offset < min) offset = min;
    for (;;) {
      const r = this.store.getMessage('SCHEDULE_MESSAGE_SERVICE', SCHEDULE_TOPIC, queueId, offset, BATCH, 4 * 1024 * 1024);
      if (r.status !== 'FOUND' || r.messages.length === 0) {
        // A gap (e.g. retention) moves us forward; otherwise wait for the next scan.
        if (r.status === 'OFFSET_TOO_SMALL' || r.status === 'NO_MATCHED_MESSAGE') {
          if (r.nextBeginOffset > offset) this.setOffset(level, r.nextBeginOffset);
        }
        return;
      }
      const now = this.now();
      for (let i = 0; i < r.messages.length; i++) {
        let msg: MessageExt;
        try {
          msg = decodeRecord(r.messages[i]!);
        } catch (e) {
          this.log?.error({ level, offset: r.queueOffsets[i], err: (e as Error).message }, 'undecodable delayed message skipped');
          this.setOffset(level, r.queueOffsets[i]! + 1);
          continue;
        }
        const due = this.dueTime(level, msg.storeTimestamp);
        if (due > now) {
          if (due < this.nextDue) this.nextDue = due;
          return;
        }
        const ok = await this.redeliver(msg);
        if (!ok) return;
        this.setOffset(level, r.queueOffsets[i]! + 1);
      }
      offset = this.offsetTable.get(level) ?? offset;
      if (offset >= this.store.getMaxOffsetInQueue(SCHEDULE_TOPIC, queueId)) return;
    }
  }

  private setOffset(level: number, offset: number): void {
    this.offsetTable.set(level, offset);
    this.state.markDirty();
  }

  /** Re-puts one due message into REAL_TOPIC / REAL_QID. Returns false to retry it on a later scan. */
  private async redeliver(msg: MessageExt): Promise<boolean> {
    const realTopic = getEncodedProperty(msg.propertiesString, PROPERTY.REAL_TOPIC);
    const realQid = Number(getEncodedProperty(msg.propertiesString, PROPERTY.REAL_QID) ?? '0');
    if (!realTopic) {
      this.log?.error({ offsetMsgId: msg.offsetMsgId }, 'delayed message without REAL_TOPIC dropped');
      return true;
    }
    const inner = reputRecord(msg, this.storeHost(), {
      topic: realTopic,
      queueId: Number.isInteger(realQid) ? realQid : 0,
      properties: removeProperties(msg.propertiesString, [PROPERTY.DELAY]),
    });
    const res = await this.store.putMessage(inner);
    if (res.status === 'PUT_OK') return true;
    this.log?.warn({ topic: realTopic, status: res.status, remark: res.remark }, 're-putting a delayed message failed, will retry');
    return false;
  }
}

/**
 * Rewrites a message carrying DELAY for the schedule topic (CommitLog.putMessage in Java): returns the
 * level used, or 0 when the message is not delayed. Level above the max is clamped.
 */
export function applyDelayLevel(msg: MessageInner, delayLevels: number[], now: number): number {
  const raw = getEncodedProperty(msg.properties, PROPERTY.DELAY);
  if (raw === undefined) return 0;
  let level = Number(raw);
  if (!Number.isInteger(level) || level <= 0) return 0;
  const tran = msg.sysFlag & 0xc;
  if (tran !== 0 && tran !== 0x8) return 0; // prepared/rollback halves are never delayed
  if (level > delayLevels.length) level = delayLevels.length;
  let props = msg.properties;
  // A message that was delayed before (a retry) still carries REAL_TOPIC/REAL_QID: replace them.
  const hasReal = props.includes(PROPERTY.REAL_TOPIC + '\u0001') || props.includes(PROPERTY.REAL_QID + '\u0001');
  if (level !== Number(raw) || hasReal) {
    props = appendProperty(removeProperties(props, [PROPERTY.DELAY, PROPERTY.REAL_TOPIC, PROPERTY.REAL_QID]), PROPERTY.DELAY, String(level));
  }
  props = appendProperty(props, PROPERTY.REAL_TOPIC, msg.topic);
  props = appendProperty(props, PROPERTY.REAL_QID, String(msg.queueId));
  msg.properties = props;
  msg.topic = SCHEDULE_TOPIC;
  msg.queueId = level - 1;
  msg.tagsCode = now + delayLevels[level - 1]!;
  return level;
}
