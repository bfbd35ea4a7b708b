/**
 * Durable timers (RocketMQ 5.x TimerMessageStore, redesigned for millisecond precision).
 *
 * Flow: the send path parks a timer message in rmq_sys_wheel_timer queue 0 (timer-message.ts). This
 * service ingests that queue in order (woken by the store's arriving listener, and on start from where
 * it stopped), appends an ADD entry per parked message to the timer log (timer-log.ts) and keeps the
 * pending timers in memory: a min-heap by delivery time and an index by UNIQ_KEY (cancel / reschedule).
 * One timer is armed for the earliest delivery; when it fires, every due entry is re-put into
 * REAL_TOPIC / REAL_QID (never before its time: the broker clock is checked after the wake-up).
 *
 * Checkpoint (`<storePathRootDir>/config/timercheck`, JSON, every timerFlushIntervalMs and at
 * shutdown): `timerLogOffset` P (log end when written), `deliveredUpToMs` W and `timerQueueOffset` Q.
 * Invariant: every ADD before P due at or before W was delivered or cancelled (W stays below the
 * earliest pending or in-flight delivery). On start the log is replayed: an ADD is pending when it lies
 * at or after P or is due after W, unless a later CANCEL names its queue offset; parked messages beyond
 * the log (queue offsets from max(Q, last logged + 1)) are ingested again. So a timer is never lost;
 * one delivered shortly before a crash may be delivered again (at least once). Segments wholly before
 * P whose ADDs are all due at or before W are deleted.
 */
import { join } from 'node:path';
import type { Logger } from '../../common/logger.js';
import { PROPERTY } from '../../message/message-const.js';
import { decodeRecord, newRecordScan, scanRecord } from '../../message/message-record.js';
import { readInt64BE } from '../../message/int64.js';
import { getEncodedProperty } from '../../message/properties.js';
import type { MessageInner, MessageStore, PutMessageResult } from '../../store/types.js';
import { JsonConfigFile } from '../config-file.js';
import { appendProperty, removeProperties, reputRecord } from '../message-util.js';
import { MinHeap } from './min-heap.js';
import { TimerLog, TYPE_ADD, TYPE_CANCEL } from './timer-log.js';
import { TIMER_DEQUEUE_MS, TIMER_ENQUEUE_MS, TIMER_ROLL_TIMES, TIMER_TOPIC } from './timer-message.js';
import { readInt32BE } from '../../common/bytes.js';

export interface TimerServiceConfig {
  storePathRootDir: string;
  /** Timer log segment size, bytes (RocketMQ mappedFileSizeTimerLog, 100 MiB). */
  mappedFileSizeTimerLog: number;
  /** Checkpoint / log sync interval, ms (RocketMQ timerFlushIntervalMs, 1000). */
  timerFlushIntervalMs: number;
  /**
   * A pending timer whose parked record is older than this is parked again (same delivery time,
   * TIMER_ROLL_TIMES + 1), so commit-log retention (fileReservedTime) never removes it before its time:
   * delays longer than the retention work. Seconds; default 1 day.
   */
  timerRollWindowSec?: number;
}

const STATE_PENDING = 0;
const STATE_INFLIGHT = 1;
const STATE_DONE = 2;
const STATE_CANCELLED = 3;
const INGEST_BATCH = 256;
/** Entries taken per wake-up before yielding to the event loop. */
const DELIVER_BATCH = 256;
/** Deliveries in flight at most (puts not yet acknowledged by the store). */
const MAX_INFLIGHT = 8192;
const RETRY_BACKOFF_MS = 1000;

export interface TimerEntry {
  deliverMs: number;
  queueOffset: number;
  phyOffset: number;
  size: number;
  uniqKey: string;
  state: number;
  /** When the parked record was stored (decides when it must be rolled). */
  parkedMs: number;
}

/** Removes one `name` entry from an encoded properties string without decoding the rest. */
export function removeEncodedProperty(s: string, name: string): string {
  const needle = name + '\u0001';
  let from = 0;
  for (;;) {
    const i = s.indexOf(needle, from);
    if (i < 0) return s;
    if (i === 0 || s.charCodeAt(i - 1) === 2) {
      const end = s.indexOf('\u0002', i + needle.length);
      if (end < 0) return i === 0 ? '' : s.slice(0, i - 1);
      return s.slice(0, i) + s.slice(end + 1);
    }
    from = i + 1;
  }
}

function less(a: TimerEntry, b: TimerEntry): boolean {
  return a.deliverMs < b.deliverMs || (a.deliverMs === b.deliverMs && a.queueOffset < b.queueOffset);
}

const NEEDLE_OUT = Buffer.from(PROPERTY.TIMER_OUT_MS + '\u0001', 'latin1');
const NEEDLE_UNIQ = Buffer.from(PROPERTY.UNIQ_KEY + '\u0001', 'latin1');

/** Value of one property read straight from the record's bytes (a fresh string, nothing retained). */
function recordProperty(rec: Buffer, from: number, to: number, needle: Buffer): string | undefined {
  let i = rec.indexOf(needle, from);
  while (i >= 0 && i < to) {
    if (i === from || rec[i - 1] === 2) {
      const v = i + needle.length;
      let e = rec.indexOf(2, v);
      if (e < 0 || e > to) e = to;
      return e > v ? rec.toString('utf8', v, e) : undefined;
    }
    i = rec.indexOf(needle, i + 1);
  }
  return undefined;
}

/** Fields of a stored record the ingest needs, read without decoding the body or all properties. */
function parkedInfo(rec: Buffer): { phyOffset: number; storeTimestamp: number; outMs: number; uniqKey: string } {
  const r = scan;
  scanRecord(rec, 0, r);
  return {
    phyOffset: r.commitLogOffset,
    storeTimestamp: r.storeTimestamp,
    outMs: Number(recordProperty(rec, r.propertiesStart, r.propertiesEnd, NEEDLE_OUT)),
    uniqKey: recordProperty(rec, r.propertiesStart, r.propertiesEnd, NEEDLE_UNIQ) ?? '',
  };
}

/** Reused by parkedInfo and toRealMessage (both synchronous, never interleaved). */
const scan = newRecordScan();

/** What the checkpoint file holds: timer-log end, delivery progress, timer-topic consume offset. */
interface TimerCheckpoint {
  timerLogOffset: number;
  deliveredUpToMs: number;
  timerQueueOffset: number;
}

export interface TimerStats {
  pending: number;
  inflight: number;
  ingested: number;
  delivered: number;
  cancelled: number;
  rolled: number;
  redeliveredAfterRestart: number;
}

export class TimerMessageService {
  private readonly timerLog: TimerLog;
  private readonly checkpointFile: JsonConfigFile;
  private heap = new MinHeap<TimerEntry>(less);
  /** Pending (and in-flight) entries by UNIQ_KEY; an array when several share a key. */
  private readonly byKey = new Map<string, TimerEntry | TimerEntry[]>();
  private readonly inflight = new Set<TimerEntry>();
  private nextIngest = 0;
  private pendingCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Number.POSITIVE_INFINITY;
  private delivering = 0;
  private ingestScheduled = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private loaded = false;
  private readonly counters = { ingested: 0, delivered: 0, cancelled: 0, rolled: 0, redeliveredAfterRestart: 0 };
  private rollTimer: NodeJS.Timeout | undefined;
  private rolling = false;
  private lastCheckpoint: TimerCheckpoint = { timerLogOffset: -1, deliveredUpToMs: -1, timerQueueOffset: -1 };
  private checkpointing: Promise<void> | null = null;

  constructor(
    private readonly store: MessageStore,
    private readonly cfg: TimerServiceConfig,
    private readonly storeHost: () => Buffer,
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.timerLog = new TimerLog(join(cfg.storePathRootDir, 'timerlog'), cfg.mappedFileSizeTimerLog, log);
    this.checkpointFile = new JsonConfigFile(join(cfg.storePathRootDir, 'config', 'timercheck'), log);
  }

  get stats(): TimerStats {
    return { pending: this.pendingCount, inflight: this.inflight.size, ...this.counters };
  }

  /** Replays the timer log from the checkpoint and rebuilds the pending timers. */
  load(): void {
    const raw = this.checkpointFile.load() as Record<string, unknown> | undefined;
    const P = Number(raw?.timerLogOffset ?? 0) || 0;
    // An unreadable watermark counts nothing as delivered (duplicates rather than losses).
    const w = Number(raw?.deliveredUpToMs ?? -1);
    const W = Number.isFinite(w) ? w : -1;
    const Q = Number(raw?.timerQueueOffset ?? 0) || 0;
    const pending = new Map<number, TimerEntry>();
    let maxLoggedQO = -1;
    let afterCheckpoint = 0;
    const n = this.timerLog.load((e, pos) => {
      if (e.type === TYPE_ADD) {
        if (e.queueOffset > maxLoggedQO) maxLoggedQO = e.queueOffset;
        if (pos >= P || e.deliverMs > W) {
          pending.set(e.queueOffset, { deliverMs: e.deliverMs, queueOffset: e.queueOffset, phyOffset: e.phyOffset, size: e.size, uniqKey: e.uniqKey, state: STATE_PENDING, parkedMs: e.writeMs });
          if (pos >= P && e.deliverMs <= W) afterCheckpoint++;
        }
      } else if (e.type === TYPE_CANCEL) {
        pending.delete(e.queueOffset);
      }
    });
    const list = [...pending.values()];
    this.heap = MinHeap.from(list, less);
    for (const e of list) this.indexAdd(e);
    this.pendingCount = list.length;
    this.nextIngest = Math.max(Q, maxLoggedQO + 1);
    this.counters.redeliveredAfterRestart = afterCheckpoint;
    this.lastCheckpoint = { timerLogOffset: P, deliveredUpToMs: W, timerQueueOffset: Q };
    this.loaded = true;
    this.log?.info({ entries: n, pending: list.length, possiblyDeliveredBefore: afterCheckpoint, nextIngest: this.nextIngest }, 'timer log loaded');
  }

  start(): void {
    if (!this.loaded) this.load();
    this.stopped = false;
    this.ingest();
    this.arm();
    this.flushTimer = setInterval(() => void this.checkpointAsync(), Math.max(50, this.cfg.timerFlushIntervalMs));
    this.flushTimer.unref?.();
    const rollMs = this.rollWindowMs;
    this.rollTimer = setInterval(() => {
      if (this.rolling || this.stopped) return;
      this.rolling = true;
      void this.rollOld()
        .catch((e) => this.log?.error({ err: (e as Error).message }, 'timer roll failed'))
        .finally(() => (this.rolling = false));
    }, Math.min(60_000, Math.max(200, rollMs / 2)));
    this.rollTimer.unref?.();
  }

  private get rollWindowMs(): number {
    return Math.max(1, this.cfg.timerRollWindowSec ?? 86_400) * 1000;
  }

  /** Parks again every pending timer whose parked record is older than the roll window. */
  async rollOld(): Promise<number> {
    const now = this.now();
    const old: TimerEntry[] = [];
    this.heap.forEach((e) => {
      if (e.state === STATE_PENDING && now - e.parkedMs > this.rollWindowMs && e.deliverMs - now > 1000 && old.length < 10_000) old.push(e);
    });
    let n = 0;
    for (const e of old) {
      if (this.stopped) break;
      if (e.state !== STATE_PENDING) continue;
      const raw = this.store.getCommitLogData(e.phyOffset, e.size);
      if (!raw || raw.length !== e.size) continue;
      const msg = decodeRecord(raw);
      const times = Number(getEncodedProperty(msg.propertiesString, TIMER_ROLL_TIMES)) || 0;
      const inner = reputRecord(msg, this.storeHost(), {
        topic: TIMER_TOPIC,
        queueId: 0,
        properties: appendProperty(removeProperties(msg.propertiesString, [TIMER_ROLL_TIMES]), TIMER_ROLL_TIMES, String(times + 1)),
        tagsCode: e.deliverMs,
      });
      const r = await this.store.putMessage(inner);
      if (r.status !== 'PUT_OK' || !r.appendResult) {
        this.log?.warn({ uniqKey: e.uniqKey, status: r.status }, 'rolling a timer message failed, will retry');
        continue;
      }
      const newQO = r.appendResult.logicsOffset;
      // Old copy out (the new one, same key and time, is ingested from the timer topic). Had it been
      // cancelled meanwhile, the new copy is cancelled too.
      if (e.state === STATE_PENDING) this.cancelEntries([e]);
      else this.cancelEntries(this.find(e.uniqKey).filter((x) => x.queueOffset === newQO && x.state === STATE_PENDING));
      n++;
    }
    if (n) {
      this.counters.rolled += n;
      this.log?.info({ rolled: n }, 'timer messages parked again (older than the roll window)');
    }
    return n;
  }

  /** Stops delivering, waits for in-flight deliveries, writes the checkpoint, closes the log. */
  async shutdown(): Promise<void> {
    if (!this.loaded) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.rollTimer) clearInterval(this.rollTimer);
    for (let i = 0; (this.delivering > 0 || this.inflight.size > 0) && i < 500; i++) await new Promise((r) => setTimeout(r, 10));
    await this.checkpointing;
    try {
      this.checkpoint();
    } finally {
      this.timerLog.close();
      this.loaded = false;
    }
  }

  /** The store's arriving listener saw a record in the timer topic: ingest soon (batched). */
  onTimerTopicArriving(): void {
    if (this.ingestScheduled || this.stopped) return;
    this.ingestScheduled = true;
    setImmediate(() => {
      this.ingestScheduled = false;
      if (!this.stopped) this.ingest();
    });
  }

  /** Reads the timer topic from the next un-ingested offset to its end; returns entries added. */
  ingest(): number {
    const store = this.store;
    const max = store.getMaxOffsetInQueue(TIMER_TOPIC, 0);
    let off = this.nextIngest;
    const min = store.getMinOffsetInQueue(TIMER_TOPIC, 0);
    if (off < min) off = min;
    let added = 0;
    let earliest = Number.POSITIVE_INFINITY;
    const writeMs = this.now();
    while (off < max) {
      const r = store.getMessage('TIMER_MESSAGE_SERVICE', TIMER_TOPIC, 0, off, INGEST_BATCH, 4 * 1024 * 1024);
      if (r.status !== 'FOUND' || r.messages.length === 0) {
        if (r.nextBeginOffset > off) {
          off = r.nextBeginOffset;
          continue;
        }
        break;
      }
      for (let i = 0; i < r.messages.length; i++) {
        const rec = r.messages[i]!;
        let info;
        try {
          info = parkedInfo(rec);
        } catch (e) {
          this.log?.error({ queueOffset: r.queueOffsets[i], err: (e as Error).message }, 'undecodable parked timer message skipped');
          continue;
        }
        const out = info.outMs;
        const e: TimerEntry = {
          deliverMs: Number.isFinite(out) ? out : info.storeTimestamp,
          queueOffset: r.queueOffsets[i]!,
          phyOffset: info.phyOffset,
          size: rec.length,
          uniqKey: info.uniqKey,
          state: STATE_PENDING,
          parkedMs: info.storeTimestamp,
        };
        this.timerLog.append({ type: TYPE_ADD, queueOffset: e.queueOffset, deliverMs: e.deliverMs, phyOffset: e.phyOffset, size: e.size, writeMs, uniqKey: e.uniqKey });
        this.heap.push(e);
        this.indexAdd(e);
        this.pendingCount++;
        added++;
        if (e.deliverMs < earliest) earliest = e.deliverMs;
      }
      off = r.nextBeginOffset;
    }
    this.nextIngest = off;
    if (added > 0) {
      this.timerLog.flush();
      this.counters.ingested += added;
      if (earliest < this.armedAt) this.arm();
    }
    return added;
  }

  private indexAdd(e: TimerEntry): void {
    if (!e.uniqKey) return;
    const cur = this.byKey.get(e.uniqKey);
    if (cur === undefined) this.byKey.set(e.uniqKey, e);
    else if (Array.isArray(cur)) cur.push(e);
    else this.byKey.set(e.uniqKey, [cur, e]);
  }

  private indexRemove(e: TimerEntry): void {
    if (!e.uniqKey) return;
    const cur = this.byKey.get(e.uniqKey);
    if (cur === e) this.byKey.delete(e.uniqKey);
    else if (Array.isArray(cur)) {
      const i = cur.indexOf(e);
      if (i >= 0) cur.splice(i, 1);
      if (cur.length === 1) this.byKey.set(e.uniqKey, cur[0]!);
      else if (cur.length === 0) this.byKey.delete(e.uniqKey);
    }
  }

  /** Entries (pending or in flight) with this unique key, after catching up with the timer topic. */
  find(uniqKey: string): TimerEntry[] {
    this.ingest();
    const cur = this.byKey.get(uniqKey);
    return cur === undefined ? [] : Array.isArray(cur) ? [...cur] : [cur];
  }

  /**
   * Cancels every pending timer with this unique key. Returns how many were cancelled and how many
   * were already being delivered (too late to cancel).
   */
  cancel(uniqKey: string, except?: (e: TimerEntry) => boolean): { cancelled: TimerEntry[]; tooLate: number } {
    const todo: TimerEntry[] = [];
    let tooLate = 0;
    for (const e of this.find(uniqKey)) {
      if (except?.(e)) continue;
      if (e.state !== STATE_PENDING) tooLate++;
      else todo.push(e);
    }
    this.cancelEntries(todo);
    this.counters.cancelled += todo.length;
    return { cancelled: todo, tooLate };
  }

  /** CANCEL entries for these pending timers, written before returning. */
  private cancelEntries(list: TimerEntry[]): void {
    if (list.length === 0) return;
    const writeMs = this.now();
    for (const e of list) {
      e.state = STATE_CANCELLED;
      this.pendingCount--;
      this.indexRemove(e);
      this.timerLog.append({ type: TYPE_CANCEL, queueOffset: e.queueOffset, deliverMs: e.deliverMs, phyOffset: e.phyOffset, size: e.size, writeMs, uniqKey: e.uniqKey });
    }
    // A cancel must survive a crash as soon as it is acknowledged.
    this.timerLog.flush();
  }

  /**
   * Moves the pending timer(s) with this key to `deliverMs`: parks a copy with the new TIMER_OUT_MS
   * first, then cancels the old entries (a crash in between delivers twice rather than never).
   */
  async reschedule(uniqKey: string, deliverMs: number): Promise<{ status: 'OK'; queueOffset: number } | { status: 'NOT_FOUND' | 'TOO_LATE' | 'PUT_FAILED'; remark: string }> {
    const entries = this.find(uniqKey).filter((e) => e.state === STATE_PENDING);
    if (entries.length === 0) {
      const any = this.find(uniqKey).length > 0;
      return any ? { status: 'TOO_LATE', remark: `the timer message ${uniqKey} is being delivered` } : { status: 'NOT_FOUND', remark: `no pending timer message with unique key ${uniqKey}` };
    }
    const src = entries.reduce((a, b) => (b.queueOffset > a.queueOffset ? b : a));
    const raw = this.store.selectOneMessageByOffset(src.phyOffset);
    if (!raw) return { status: 'NOT_FOUND', remark: `the parked record of ${uniqKey} is no longer in the commit log` };
    const msg = decodeRecord(raw);
    const inner = reputRecord(msg, this.storeHost(), {
      topic: TIMER_TOPIC,
      queueId: 0,
      properties: appendProperty(removeProperties(msg.propertiesString, [PROPERTY.TIMER_OUT_MS]), PROPERTY.TIMER_OUT_MS, String(deliverMs)),
      tagsCode: deliverMs,
    });
    const r = await this.store.putMessage(inner);
    if (r.status !== 'PUT_OK' || !r.appendResult) return { status: 'PUT_FAILED', remark: r.remark ?? r.status };
    const newQO = r.appendResult.logicsOffset;
    this.cancel(uniqKey, (e) => e.queueOffset >= newQO);
    return { status: 'OK', queueOffset: newQO };
  }

  private arm(): void {
    if (this.stopped) return;
    let top = this.heap.peek();
    while (top && top.state !== STATE_PENDING) {
      this.heap.pop();
      top = this.heap.peek();
    }
    if (!top) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.armedAt = Number.POSITIVE_INFINITY;
      return;
    }
    if (this.inflight.size >= MAX_INFLIGHT) return; // re-armed when deliveries complete
    if (this.timer && this.armedAt <= top.deliverMs) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = top.deliverMs;
    const wait = Math.max(0, top.deliverMs - this.now());
    // setTimeout caps at 2^31-1 ms; a longer wait just re-arms on wake-up.
    this.timer = setTimeout(() => this.fire(), Math.min(wait, 0x7fffffff));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    if (this.stopped || this.inflight.size >= MAX_INFLIGHT) return;
    const now = this.now();
    const batch: TimerEntry[] = [];
    while (batch.length < DELIVER_BATCH && this.inflight.size < MAX_INFLIGHT) {
      const top = this.heap.peek();
      if (!top) break;
      if (top.state !== STATE_PENDING) {
        this.heap.pop();
        continue;
      }
      // Never early: the broker clock decides (a timer may wake a millisecond early).
      if (top.deliverMs > now) break;
      this.heap.pop();
      top.state = STATE_INFLIGHT;
      this.inflight.add(top);
      batch.push(top);
    }
    if (batch.length === 0) {
      this.arm();
      return;
    }
    this.delivering++;
    void this.deliverBatch(batch, now).finally(() => {
      this.delivering--;
      if (!this.stopped) this.arm();
    });
    // More due entries go out after other I/O had a turn; otherwise wait for the next one.
    const top = this.heap.peek();
    if (top && top.deliverMs <= this.now()) {
      if (!this.timer) {
        this.armedAt = top.deliverMs;
        this.timer = setTimeout(() => this.fire(), 0);
      }
    } else this.arm();
  }

  private async deliverBatch(batch: TimerEntry[], now: number): Promise<void> {
    const puts: Array<Promise<PutMessageResult> | undefined> = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      let inner: MessageInner | undefined;
      try {
        inner = this.toRealMessage(e, now);
      } catch (err) {
        this.log?.error({ uniqKey: e.uniqKey, queueOffset: e.queueOffset, err: (err as Error).message }, 'timer message cannot be read, dropped');
      }
      if (!inner) {
        this.finish(e);
        continue;
      }
      puts[i] = this.store.putMessage(inner).catch((err: Error) => ({ status: 'UNKNOWN_ERROR', remark: err.message }) as PutMessageResult);
    }
    for (let i = 0; i < batch.length; i++) {
      const p = puts[i];
      if (!p) continue;
      const e = batch[i]!;
      const r = await p;
      if (r.status === 'PUT_OK' || r.status === 'FLUSH_DISK_TIMEOUT' || r.status === 'FLUSH_SLAVE_TIMEOUT' || r.status === 'SLAVE_NOT_AVAILABLE') {
        this.finish(e);
        this.counters.delivered++;
      } else {
        this.log?.warn({ uniqKey: e.uniqKey, status: r.status, remark: r.remark }, 'delivering a timer message failed, will retry');
        const t = setTimeout(() => {
          this.inflight.delete(e);
          e.state = STATE_PENDING;
          this.heap.push(e);
          this.arm();
        }, RETRY_BACKOFF_MS);
        t.unref?.();
      }
    }
  }

  private finish(e: TimerEntry): void {
    e.state = STATE_DONE;
    this.inflight.delete(e);
    this.indexRemove(e);
    this.pendingCount--;
  }

  /** The parked record re-addressed to its real topic / queue, or undefined when it is gone. */
  private toRealMessage(e: TimerEntry, now: number): MessageInner | undefined {
    // One read of the known size; the record-by-offset path (two reads) only as a fallback.
    let raw = this.store.getCommitLogData(e.phyOffset, e.size);
    if (!raw || raw.length !== e.size || readInt32BE(raw, 0) !== e.size) raw = this.store.selectOneMessageByOffset(e.phyOffset);
    if (!raw) {
      this.log?.error({ uniqKey: e.uniqKey, phyOffset: e.phyOffset }, 'parked timer message no longer in the commit log, dropped');
      return undefined;
    }
    // Fields read in place (no full decode: this is the delivery hot path).
    const r = scan;
    try {
      scanRecord(raw, 0, r);
    } catch (err) {
      this.log?.error({ err, uniqKey: e.uniqKey, phyOffset: e.phyOffset }, 'parked timer message unreadable, dropped');
      return undefined;
    }
    const body = raw.subarray(r.bodyStart, r.bodyEnd);
    const props = raw.toString('utf8', r.propertiesStart, r.propertiesEnd);
    const realTopic = getEncodedProperty(props, PROPERTY.REAL_TOPIC);
    if (!realTopic) {
      this.log?.error({ uniqKey: e.uniqKey }, 'parked timer message without REAL_TOPIC dropped');
      return undefined;
    }
    const realQid = Number(getEncodedProperty(props, PROPERTY.REAL_QID) ?? '0');
    let out = removeEncodedProperty(removeEncodedProperty(props, PROPERTY.REAL_TOPIC), PROPERTY.REAL_QID);
    if (out.includes(TIMER_DEQUEUE_MS)) out = removeProperties(out, [TIMER_ENQUEUE_MS, TIMER_DEQUEUE_MS]);
    out = appendProperty(out, TIMER_ENQUEUE_MS, String(r.storeTimestamp));
    out = appendProperty(out, TIMER_DEQUEUE_MS, String(now));
    return {
      topic: realTopic,
      queueId: Number.isInteger(realQid) && realQid >= 0 ? realQid : 0,
      flag: r.flag,
      body,
      properties: out,
      sysFlag: r.sysFlag,
      bornTimestamp: r.bornTimestamp,
      bornHost: raw.subarray(r.bornHostAt, r.bornHostAt + ((r.sysFlag & 0x10) !== 0 ? 20 : 8)),
      storeHost: this.storeHost(),
      reconsumeTimes: r.reconsumeTimes,
      preparedTransactionOffset: r.preparedTransactionOffset,
    };
  }

  /** Writes the checkpoint (see the module comment) and drops fully delivered log segments. */
  checkpoint(): void {
    if (!this.loaded) return;
    const cp = this.checkpointState();
    this.timerLog.sync();
    if (this.unchanged(cp)) return;
    this.checkpointFile.persist(JSON.stringify(cp));
    this.checkpointWritten(cp);
  }

  /** The periodic checkpoint: the same, with the log's fdatasync off the event loop. */
  private checkpointAsync(): Promise<void> {
    if (this.checkpointing) return this.checkpointing;
    const p = (async () => {
      try {
        if (!this.loaded) return;
        // state first: whatever it claims was appended before the sync started
        const cp = this.checkpointState();
        await this.timerLog.syncAsync();
        if (!this.loaded || this.stopped || this.unchanged(cp)) return;
        await this.checkpointFile.persistAsync(JSON.stringify(cp));
        if (!this.loaded || this.stopped) return;
        this.checkpointWritten(cp);
      } catch (e) {
        this.log?.error({ err: (e as Error).message }, 'timer checkpoint failed');
      } finally {
        this.checkpointing = null;
      }
    })();
    this.checkpointing = p;
    return p;
  }

  private checkpointState(): TimerCheckpoint {
    this.timerLog.flush();
    const now = this.now();
    let W = now;
    let top = this.heap.peek();
    while (top && top.state !== STATE_PENDING) {
      this.heap.pop();
      top = this.heap.peek();
    }
    if (top) W = Math.min(W, top.deliverMs - 1);
    for (const e of this.inflight) W = Math.min(W, e.deliverMs - 1);
    return { timerLogOffset: this.timerLog.endOffset, deliveredUpToMs: W, timerQueueOffset: this.nextIngest };
  }

  private unchanged(cp: TimerCheckpoint): boolean {
    const lc = this.lastCheckpoint;
    return cp.timerLogOffset === lc.timerLogOffset && cp.deliveredUpToMs === lc.deliveredUpToMs && cp.timerQueueOffset === lc.timerQueueOffset;
  }

  /** After the checkpoint file holds `cp`: segments wholly delivered can go. */
  private checkpointWritten(cp: TimerCheckpoint): void {
    this.lastCheckpoint = cp;
    const n = this.timerLog.deleteDelivered(cp.timerLogOffset, cp.deliveredUpToMs);
    if (n) this.log?.info({ segments: n }, 'timer log segments deleted (delivered)');
  }

}
