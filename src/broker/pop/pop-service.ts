/**
 * Pop consumption (RocketMQ 5.x): the broker hands out messages to a group and remembers them as
 * invisible until they are acked or their invisible time runs out; then they come back with the
 * delivery attempt counted (reconsumeTimes + 1).
 *
 * Non-FIFO (PopMessageProcessor + PopReviveService in Java):
 *   - pop reads from the group's offset of each queue and advances it at once (committed in the
 *     ConsumerOffsetManager, persisted with consumerOffset.json); a checkpoint (CK) naming the popped queue
 *     offsets is appended to the revive log `rmq_sys_REVIVE_LOG_<cluster>` (queue 0) in the commit log.
 *   - ack appends an ACK record to the revive log; a CK with every offset acked is done.
 *   - a CK whose revive time (popTime + invisibleTime) passed is revived: each un-acked message is re-stored
 *     in `%RETRY%<group>_<topic>` with reconsumeTimes + 1 (or in `%DLQ%<group>` once reconsumeTimes would
 *     exceed the group's retryMaxTimes). Pop reads that retry topic too (first with popFromRetryProbability).
 *   - the revive offset (first revive-log entry still needed) is committed as group
 *     CID_RMQ_SYS_REVIVE_GROUP; at start the log is replayed from there, so neither open checkpoints nor
 *     acks are lost by a restart (docs/formats/pop-revive.md).
 * FIFO (order = true, ConsumerOrderInfoManager in Java): a queue with popped, un-acked messages gives
 * nothing else out until they are all acked (then the offset advances) or their invisible time ends (then
 * the same messages come back first, attempt + 1). A pop repeating the batch's attemptId gets the same
 * messages again without counting an attempt. FIFO state is in memory; the committed offset is durable,
 * so after a restart an un-acked FIFO batch is delivered again (at-least-once).
 *
 * Receipt handle / extraInfo (space-separated, remoting-protocol.md §6.10):
 *   `startOffset popTime invisibleTime reviveQid retryFlag brokerName queueId queueOffset`
 * retryFlag 0 = the topic itself, 1 = `%RETRY%<group>_<topic>`.
 */
import { totalmem } from 'node:os';
import type { Logger } from '../../common/logger.js';
import { PROPERTY, SYS_FLAG } from '../../message/message-const.js';
import { decodeRecord, type MessageExt } from '../../message/message-record.js';
import type { MessageFilter, MessageInner } from '../../store/types.js';
import { compileSql } from '../../filter/index.js';
import type { BrokerController } from '../broker-controller.js';
import { buildSubscriptionData } from '../client-managers.js';
import { appendProperty, brokerRecord, removeProperties, reputRecord } from '../message-util.js';
import { TagCodeFilter } from '../processors/pull-message-processor.js';
import { MinHeap } from '../timer/min-heap.js';
import { PERM_READ, PERM_WRITE, isReadable } from '../topic-config-manager.js';
import { readInt32BE, writeInt32BE } from '../../common/bytes.js';

export const REVIVE_GROUP = 'CID_RMQ_SYS_REVIVE_GROUP';
export const REVIVE_QUEUE_NUM = 8;
export const CK_TAG = 'ck';
export const ACK_TAG = 'ack';

export function reviveTopicOf(cluster: string): string {
  return `rmq_sys_REVIVE_LOG_${cluster}`;
}
export function popRetryTopic(group: string, topic: string): string {
  return `%RETRY%${group}_${topic}`;
}

export interface PopConfig {
  /** Probability of reading the retry topic before the normal queues (RocketMQ popFromRetryProbability 20). */
  popFromRetryProbability: number;
  /** How often expired checkpoints are looked for, ms. */
  reviveScanIntervalMs: number;
  /** Largest batch for one pop. */
  maxPopBatch: number;
}

export const DEFAULT_POP_CONFIG: PopConfig = { popFromRetryProbability: 20, reviveScanIntervalMs: 100, maxPopBatch: 32 };

export interface PopRequest {
  group: string;
  topic: string;
  /** -1 = any readable queue. */
  queueId: number;
  maxMsgNums: number;
  invisibleTime: number;
  /** Long polling, ms (0 = answer at once). */
  pollTime: number;
  /** 'TAG' (default) or 'SQL92'. */
  expType?: string;
  exp?: string;
  order?: boolean;
  attemptId?: string;
  /** 0 MIN, 1 MAX (default). */
  initMode?: number;
}

export interface PoppedMessage {
  /** The stored record (for FIFO redelivery a copy with RECONSUMETIMES patched). */
  record: Buffer;
  msg: MessageExt;
  /** Topic as the consumer sees it (RETRY_TOPIC restored). */
  topic: string;
  /** 1-based. */
  deliveryAttempt: number;
  extraInfo: string;
  queueId: number;
  queueOffset: number;
  retryFlag: number;
}

export type PopStatus = 'FOUND' | 'NO_MESSAGE' | 'TOPIC_NOT_EXIST' | 'GROUP_NOT_EXIST' | 'NO_PERMISSION' | 'BAD_FILTER' | 'BAD_QUEUE';

export interface PopResult {
  status: PopStatus;
  messages: PoppedMessage[];
  popTime: number;
  invisibleTime: number;
  remark?: string;
  restNum: number;
}

export type AckStatus = 'OK' | 'INVALID_HANDLE' | 'EXPIRED';

export interface ExtraInfo {
  startOffset: number;
  popTime: number;
  invisibleTime: number;
  reviveQid: number;
  retryFlag: number;
  brokerName: string;
  queueId: number;
  queueOffset: number;
}

export function buildExtraInfo(e: ExtraInfo): string {
  return `${e.startOffset} ${e.popTime} ${e.invisibleTime} ${e.reviveQid} ${e.retryFlag} ${e.brokerName} ${e.queueId} ${e.queueOffset}`;
}

/** Parses an extraInfo / receipt handle (extra trailing fields, e.g. the proxy's commit-log offset, are ignored). */
export function parseExtraInfo(s: string): ExtraInfo | undefined {
  const p = s.trim().split(' ');
  if (p.length < 8) return undefined;
  const n = (i: number): number => Number(p[i]);
  const e: ExtraInfo = { startOffset: n(0), popTime: n(1), invisibleTime: n(2), reviveQid: n(3), retryFlag: n(4), brokerName: p[5]!, queueId: n(6), queueOffset: n(7) };
  for (const v of [e.startOffset, e.popTime, e.invisibleTime, e.reviveQid, e.retryFlag, e.queueId, e.queueOffset]) if (!Number.isInteger(v)) return undefined;
  return e;
}

/** An open non-FIFO checkpoint. */
interface CheckPoint {
  key: string;
  group: string;
  /** Store topic (the retry topic for retried messages). */
  topic: string;
  queueId: number;
  startOffset: number;
  popTime: number;
  invisibleTime: number;
  offsets: number[];
  acked: Set<number>;
  /** Position of the CK record in the revive queue (-1 until written). */
  reviveOffset: number;
  done: boolean;
}

/** In-flight FIFO batch of one group/topic/queue. */
interface OrderState {
  /** Un-acked queue offsets of the batch, ascending. */
  inflight: number[];
  /** Offset to commit once every inflight offset is acked. */
  nextOffset: number;
  invisibleUntil: number;
  popTime: number;
  attemptId?: string;
  /** Deliveries so far per offset. */
  attempts: Map<number, number>;
}

interface Waiter {
  topics: Set<string>;
  wake: () => void;
}

const ckKey = (group: string, topic: string, queueId: number, startOffset: number, popTime: number): string =>
  `${group}\u0001${topic}\u0001${queueId}\u0001${startOffset}\u0001${popTime}`;

/** Offset of RECONSUMETIMES in a record (after the two hosts, whose sizes depend on sysFlag). */
function reconsumeTimesPos(rec: Buffer): number {
  const sysFlag = readInt32BE(rec, 36);
  const born = sysFlag & SYS_FLAG.BORNHOST_V6 ? 20 : 8;
  const store = sysFlag & SYS_FLAG.STOREHOST_V6 ? 20 : 8;
  return 48 + born + 8 + store;
}

class SqlFilter implements MessageFilter {
  constructor(private readonly sel: ReturnType<typeof compileSql>) {}
  isMatchedByConsumeQueue(): boolean {
    return true;
  }
  isMatchedByCommitLog(record: Buffer): boolean {
    try {
      const props = decodeRecord(record).properties;
      return this.sel.matches((name: string) => props[name]);
    } catch {
      return false;
    }
  }
}

export class PopMessageService {
  readonly config: PopConfig;
  readonly reviveTopic: string;
  private readonly cks = new Map<string, CheckPoint>();
  private readonly heap = new MinHeap<CheckPoint>((a, b) => a.popTime + a.invisibleTime < b.popTime + b.invisibleTime);
  private readonly order = new Map<string, OrderState>();
  private readonly waiters = new Set<Waiter>();
  private readonly filterCache = new Map<string, MessageFilter | Error>();
  private timer: NodeJS.Timeout | undefined;
  private reviving = false;
  private rr = 0;
  /** Revive-log records still being written (their offsets are unknown yet). */
  private pendingWrites = 0;
  private started = false;
  /** Counters for runtime info. */
  readonly stats = { popped: 0, acked: 0, revived: 0, dlq: 0 };

  constructor(
    private readonly b: BrokerController,
    config: Partial<PopConfig> = {},
    private readonly log?: Logger,
  ) {
    this.config = { ...DEFAULT_POP_CONFIG, ...config };
    this.reviveTopic = reviveTopicOf(b.config.brokerClusterName);
  }

  get brokerName(): string {
    return this.b.config.brokerName;
  }

  /** Creates the revive topic, replays the revive log, starts the revive scan. */
  async start(): Promise<void> {
    const tcm = this.b.topicConfigManager;
    if (!tcm.get(this.reviveTopic)) tcm.createTopicInSendMessageBackMethod(this.reviveTopic, REVIVE_QUEUE_NUM, PERM_READ | PERM_WRITE);
    this.replay();
    this.started = true;
    this.timer = setInterval(() => void this.reviveTick(), Math.max(10, this.config.reviveScanIntervalMs));
    this.timer.unref?.();
  }

  async shutdown(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    for (const w of [...this.waiters]) w.wake();
    this.commitReviveOffset();
  }

  get openCheckpoints(): number {
    return this.cks.size;
  }
  get pollingNum(): number {
    return this.waiters.size;
  }

  // ---------------------------------------------------------------- replay

  private replay(): void {
    const store = this.b.store;
    const topic = this.reviveTopic;
    let offset = Math.max(this.b.consumerOffsetManager.queryOffset(REVIVE_GROUP, topic, 0), store.getMinOffsetInQueue(topic, 0));
    const max = store.getMaxOffsetInQueue(topic, 0);
    let cks = 0;
    let acks = 0;
    const acksFor = new Map<string, number[]>();
    while (offset < max) {
      const r = store.getMessage(REVIVE_GROUP, topic, 0, offset, 256, 4 * 1024 * 1024);
      if (r.messages.length === 0) {
        if (r.nextBeginOffset <= offset) break;
        offset = r.nextBeginOffset;
        continue;
      }
      for (let i = 0; i < r.messages.length; i++) {
        try {
          const m = decodeRecord(r.messages[i]!);
          const j = JSON.parse(m.body.toString('utf8')) as Record<string, unknown>;
          const tag = m.properties[PROPERTY.TAGS];
          if (tag === CK_TAG) {
            const ck: CheckPoint = {
              key: ckKey(String(j.c), String(j.t), Number(j.q), Number(j.so), Number(j.pt)),
              group: String(j.c),
              topic: String(j.t),
              queueId: Number(j.q),
              startOffset: Number(j.so),
              popTime: Number(j.pt),
              invisibleTime: Number(j.it),
              offsets: (j.d as number[]).map((d) => Number(j.so) + d),
              acked: new Set(),
              reviveOffset: r.queueOffsets[i]!,
              done: false,
            };
            this.cks.set(ck.key, ck);
            cks++;
          } else if (tag === ACK_TAG) {
            const key = ckKey(String(j.c), String(j.t), Number(j.q), Number(j.so), Number(j.pt));
            const list = acksFor.get(key) ?? [];
            for (const o of j.ao as number[]) list.push(Number(o));
            acksFor.set(key, list);
            acks++;
          }
        } catch (e) {
          this.log?.warn({ offset: r.queueOffsets[i], err: (e as Error).message }, 'revive log: unreadable record skipped');
        }
      }
      offset = r.nextBeginOffset;
    }
    for (const [key, offs] of acksFor) {
      const ck = this.cks.get(key);
      if (!ck) continue;
      for (const o of offs) ck.acked.add(o);
    }
    for (const ck of [...this.cks.values()]) {
      if (ck.offsets.every((o) => ck.acked.has(o))) {
        ck.done = true;
        this.cks.delete(ck.key);
      } else this.heap.push(ck);
    }
    if (cks || acks) this.log?.info({ checkpoints: cks, acks, open: this.cks.size }, 'pop revive log replayed');
  }

  /** Commits the first revive-log offset still needed (open checkpoints), or the end of the log. */
  private commitReviveOffset(): void {
    if (this.pendingWrites > 0) return;
    let min = this.b.store.getMaxOffsetInQueue(this.reviveTopic, 0);
    for (const ck of this.cks.values()) if (ck.reviveOffset >= 0 && ck.reviveOffset < min) min = ck.reviveOffset;
    this.b.consumerOffsetManager.commitOffset(REVIVE_GROUP, this.reviveTopic, 0, min);
  }

  private async writeRevive(tag: string, body: Record<string, unknown>, keys: string): Promise<number> {
    const b = this.b;
    const msg = brokerRecord(b.storeHost, this.reviveTopic, tag, Buffer.from(JSON.stringify(body)), `\u0002${PROPERTY.KEYS}\u0001${keys}`);
    this.pendingWrites++;
    try {
      const r = await b.store.putMessage(msg);
      if (r.status !== 'PUT_OK' || !r.appendResult) {
        this.log?.error({ status: r.status, tag }, 'revive log append failed');
        return -1;
      }
      return r.appendResult.logicsOffset;
    } finally {
      this.pendingWrites--;
    }
  }

  /** Appends a revive record (synchronously, in order) and records the CK's offset when written. */
  private writeReviveAsync(ck: CheckPoint | undefined, tag: string, body: Record<string, unknown>, keys: string): void {
    this.writeRevive(tag, body, keys).then(
      (off) => {
        if (ck) ck.reviveOffset = off < 0 ? 0 : off;
      },
      (e: Error) => {
        this.log?.error({ tag, err: e.message }, 'revive log append failed');
        if (ck) ck.reviveOffset = 0;
      },
    );
  }

  // ---------------------------------------------------------------- pop

  private filterOf(topic: string, expType: string | undefined, exp: string | undefined): MessageFilter | Error {
    const type = (expType ?? 'TAG').toUpperCase();
    const key = type + '\u0000' + topic + '\u0000' + (exp ?? '*');
    let f = this.filterCache.get(key);
    if (!f) {
      try {
        f = type === 'SQL92' || type === 'SQL' ? new SqlFilter(compileSql(exp ?? 'TRUE')) : new TagCodeFilter(buildSubscriptionData(topic, exp, 'TAG', 0));
      } catch (e) {
        f = e as Error;
      }
      if (this.filterCache.size > 10_000) this.filterCache.clear();
      this.filterCache.set(key, f);
    }
    return f;
  }

  /** Pops, long-polling up to req.pollTime when nothing is there; `signal` ends the wait early. */
  async pop(req: PopRequest, signal?: { aborted: boolean; onabort?: () => void }): Promise<PopResult> {
    let r = await this.popOnce(req);
    if (r.status !== 'NO_MESSAGE' || req.pollTime <= 0 || !this.started) return r;
    const deadline = Date.now() + req.pollTime;
    const retry = popRetryTopic(req.group, req.topic);
    while (Date.now() < deadline && !signal?.aborted && this.started) {
      await new Promise<void>((resolve) => {
        const w: Waiter = {
          topics: new Set([req.topic, retry]),
          wake: () => {
            this.waiters.delete(w);
            clearTimeout(t);
            resolve();
          },
        };
        const t = setTimeout(w.wake, Math.max(0, deadline - Date.now()));
        this.waiters.add(w);
        if (signal) signal.onabort = w.wake;
      });
      if (signal?.aborted) break;
      r = await this.popOnce(req);
      if (r.status !== 'NO_MESSAGE') return r;
    }
    return r;
  }

  /** Store listener hook: a message landed in topic/queue; wakes long-polling pops of that topic. */
  notifyMessageArriving(topic: string): void {
    if (this.waiters.size === 0) return;
    for (const w of [...this.waiters]) if (w.topics.has(topic)) w.wake();
  }

  private wakeTopic(topic: string): void {
    // An ack of a FIFO batch frees the queue for the next messages.
    setImmediate(() => this.notifyMessageArriving(topic));
  }

  async popOnce(req: PopRequest): Promise<PopResult> {
    const b = this.b;
    const now = Date.now();
    const empty = (status: PopStatus, remark?: string): PopResult => ({ status, messages: [], popTime: now, invisibleTime: req.invisibleTime, remark, restNum: 0 });
    if (!isReadable(b.config.brokerPermission)) return empty('NO_PERMISSION', `the broker[${b.config.brokerIP1}] pop message is forbidden`);
    const tc = b.topicConfigManager.get(req.topic);
    if (!tc) return empty('TOPIC_NOT_EXIST', `topic[${req.topic}] not exist, apply first please!`);
    if (!isReadable(tc.perm)) return empty('NO_PERMISSION', `the topic[${req.topic}] peeking message is forbidden`);
    const sg = b.subscriptionGroupManager.findSubscriptionGroupConfig(req.group);
    if (!sg) return empty('GROUP_NOT_EXIST', `subscription group [${req.group}] does not exist`);
    if (!sg.consumeEnable) return empty('NO_PERMISSION', `subscription group no permission, ${req.group}`);
    if (req.queueId >= tc.readQueueNums) return empty('BAD_QUEUE', `queueId[${req.queueId}] is illegal, topic:[${req.topic}] topicConfig.readQueueNums:[${tc.readQueueNums}]`);
    const filter = this.filterOf(req.topic, req.expType, req.exp);
    if (filter instanceof Error) return empty('BAD_FILTER', `parse the consumer's subscription failed: ${filter.message}`);
    const max = Math.max(1, Math.min(req.maxMsgNums, this.config.maxPopBatch));
    const out: PoppedMessage[] = [];
    const retryTopic = popRetryTopic(req.group, req.topic);
    const hasRetry = !req.order && b.topicConfigManager.get(retryTopic) !== undefined;
    const retryFirst = hasRetry && Math.random() * 100 < this.config.popFromRetryProbability;
    if (retryFirst) await this.popQueue(req, retryTopic, 0, 1, max - out.length, now, filter, out);
    const n = tc.readQueueNums;
    const start = req.queueId >= 0 ? req.queueId : this.rr++ % n;
    const count = req.queueId >= 0 ? 1 : n;
    for (let i = 0; i < count && out.length < max; i++) {
      const qid = (start + i) % n;
      if (req.order) this.popOrderQueue(req, qid, max - out.length, now, filter, out);
      else await this.popQueue(req, req.topic, qid, 0, max - out.length, now, filter, out);
    }
    if (hasRetry && !retryFirst && out.length < max) await this.popQueue(req, retryTopic, 0, 1, max - out.length, now, filter, out);
    if (out.length === 0) return empty('NO_MESSAGE', 'no new message');
    this.stats.popped += out.length;
    b.stats.onGet(out.length);
    return { status: 'FOUND', messages: out, popTime: now, invisibleTime: req.invisibleTime, restNum: 0 };
  }

  /** The offset a group starts from in a queue it never consumed. */
  private initOffset(group: string, topic: string, qid: number, initMode: number | undefined): number {
    const store = this.b.store;
    const min = store.getMinOffsetInQueue(topic, qid);
    if (initMode === 0 || topic.startsWith('%RETRY%')) return min;
    const maxOff = store.getMaxOffsetInQueue(topic, qid);
    // RocketMQ (initMode MAX) still starts at the first message while that is in memory: approximated
    // by its commit-log distance from the end being below 40 % of RAM (accessMessageInMemoryMaxRatio).
    if (maxOff > min) {
      const phy = store.getCommitLogOffsetInQueue(topic, qid, min);
      if (phy >= 0 && store.getMaxPhyOffset() - phy < totalmem() * 0.4) return min;
    }
    void group;
    return maxOff;
  }

  private popOffset(group: string, topic: string, qid: number, initMode: number | undefined): number {
    const com = this.b.consumerOffsetManager;
    let off = com.queryOffset(group, topic, qid);
    if (off < 0) {
      off = this.initOffset(group, topic, qid, initMode);
      com.commitOffset(group, topic, qid, off);
    }
    return off;
  }

  private read(group: string, topic: string, qid: number, offset: number, n: number, filter?: MessageFilter) {
    return this.b.store.getMessage(group, topic, qid, offset, n, this.b.config.maxTransferBytesOnMessageInMemory * 4, filter);
  }

  private async popQueue(req: PopRequest, topic: string, qid: number, retryFlag: number, n: number, now: number, filter: MessageFilter, out: PoppedMessage[]): Promise<void> {
    const com = this.b.consumerOffsetManager;
    const offset = this.popOffset(req.group, topic, qid, req.initMode);
    if (offset >= this.b.store.getMaxOffsetInQueue(topic, qid)) return;
    const r = this.read(req.group, topic, qid, offset, n, filter);
    if (r.nextBeginOffset !== offset && r.status !== 'OFFSET_FOUND_NULL') com.commitOffset(req.group, topic, qid, r.nextBeginOffset);
    if (r.messages.length === 0) return;
    // Offset advanced and checkpoint registered synchronously: a concurrent pop cannot take these again.
    const ck: CheckPoint = {
      key: ckKey(req.group, topic, qid, r.queueOffsets[0]!, now),
      group: req.group,
      topic,
      queueId: qid,
      startOffset: r.queueOffsets[0]!,
      popTime: now,
      invisibleTime: req.invisibleTime,
      offsets: r.queueOffsets.slice(),
      acked: new Set(),
      reviveOffset: -1,
      done: false,
    };
    if (this.cks.has(ck.key)) ck.key += '\u0001' + Math.random();
    this.cks.set(ck.key, ck);
    this.heap.push(ck);
    for (let i = 0; i < r.messages.length; i++) {
      const rec = r.messages[i]!;
      let msg: MessageExt;
      try {
        msg = decodeRecord(rec);
      } catch (e) {
        this.log?.error({ topic, qid, offset: r.queueOffsets[i], err: (e as Error).message }, 'pop: corrupt record skipped');
        ck.acked.add(r.queueOffsets[i]!);
        continue;
      }
      const queueOffset = r.queueOffsets[i]!;
      out.push({
        record: rec,
        msg,
        topic: retryFlag ? (msg.properties[PROPERTY.RETRY_TOPIC] ?? req.topic) : msg.topic,
        deliveryAttempt: msg.reconsumeTimes + 1,
        extraInfo: buildExtraInfo({ startOffset: ck.startOffset, popTime: now, invisibleTime: req.invisibleTime, reviveQid: 0, retryFlag, brokerName: this.brokerName, queueId: qid, queueOffset }),
        queueId: qid,
        queueOffset,
        retryFlag,
      });
    }
    const body = { so: ck.startOffset, d: ck.offsets.map((o) => o - ck.startOffset), n: ck.offsets.length, pt: now, it: req.invisibleTime, c: req.group, t: topic, q: qid, bn: this.brokerName, ro: 0 };
    // The record is appended now (in order, before any later offset commit is persisted); its write
    // completes in the background, so a receive does not wait one disk write per queue.
    this.writeReviveAsync(ck, CK_TAG, body, `${req.group}${topic}${qid}${ck.startOffset}${now}`);
  }

  private orderKey(group: string, topic: string, qid: number): string {
    return group + '\u0001' + topic + '\u0001' + qid;
  }

  private popOrderQueue(req: PopRequest, qid: number, n: number, now: number, filter: MessageFilter, out: PoppedMessage[]): void {
    const key = this.orderKey(req.group, req.topic, qid);
    let st = this.order.get(key);
    let offsets: number[];
    let records: Buffer[];
    if (st && st.inflight.length > 0) {
      const sameAttempt = req.attemptId !== undefined && req.attemptId === st.attemptId;
      if (!sameAttempt && now < st.invisibleUntil) return;
      if (!sameAttempt) for (const o of st.inflight) st.attempts.set(o, (st.attempts.get(o) ?? 1) + 1);
      offsets = [];
      records = [];
      for (const o of st.inflight) {
        const r = this.read(req.group, req.topic, qid, o, 1);
        if (r.messages.length === 1 && r.queueOffsets[0] === o) {
          offsets.push(o);
          records.push(r.messages[0]!);
        }
      }
      st.inflight = offsets.slice();
      if (offsets.length === 0) {
        this.finishOrder(req.group, req.topic, qid, st);
        return;
      }
    } else {
      const offset = this.popOffset(req.group, req.topic, qid, req.initMode);
      if (offset >= this.b.store.getMaxOffsetInQueue(req.topic, qid)) return;
      const r = this.read(req.group, req.topic, qid, offset, n, filter);
      if (r.messages.length === 0) {
        if (r.nextBeginOffset !== offset && r.status !== 'OFFSET_FOUND_NULL') this.b.consumerOffsetManager.commitOffset(req.group, req.topic, qid, r.nextBeginOffset);
        return;
      }
      offsets = r.queueOffsets.slice();
      records = r.messages;
      st = { inflight: offsets.slice(), nextOffset: r.nextBeginOffset, invisibleUntil: 0, popTime: now, attempts: new Map() };
      for (const o of offsets) st.attempts.set(o, 1);
      this.order.set(key, st);
    }
    st.popTime = now;
    st.invisibleUntil = now + req.invisibleTime;
    st.attemptId = req.attemptId;
    for (let i = 0; i < offsets.length; i++) {
      const o = offsets[i]!;
      const attempt = st.attempts.get(o) ?? 1;
      let rec = records[i]!;
      if (attempt > 1) {
        rec = Buffer.from(rec);
        writeInt32BE(rec, attempt - 1, reconsumeTimesPos(rec));
      }
      let msg: MessageExt;
      try {
        msg = decodeRecord(rec);
      } catch (e) {
        this.log?.error({ topic: req.topic, qid, offset: o, err: (e as Error).message }, 'pop: corrupt record skipped');
        continue;
      }
      out.push({
        record: rec,
        msg,
        topic: req.topic,
        deliveryAttempt: msg.reconsumeTimes + 1,
        extraInfo: buildExtraInfo({ startOffset: offsets[0]!, popTime: now, invisibleTime: req.invisibleTime, reviveQid: 0, retryFlag: 0, brokerName: this.brokerName, queueId: qid, queueOffset: o }),
        queueId: qid,
        queueOffset: o,
        retryFlag: 0,
      });
    }
  }

  private finishOrder(group: string, topic: string, qid: number, st: OrderState): void {
    this.b.consumerOffsetManager.commitOffset(group, topic, qid, st.nextOffset);
    this.order.delete(this.orderKey(group, topic, qid));
    this.wakeTopic(topic);
  }

  // ---------------------------------------------------------------- ack / change invisible time

  private storeTopicOf(group: string, topic: string, retryFlag: number): string {
    return retryFlag === 1 ? popRetryTopic(group, topic) : topic;
  }

  /** Acks one message. OK also for a repeated ack of a still-valid handle. */
  async ack(group: string, topic: string, e: ExtraInfo): Promise<AckStatus> {
    const st = this.order.get(this.orderKey(group, topic, e.queueId));
    if (e.retryFlag === 0 && st) {
      const i = st.inflight.indexOf(e.queueOffset);
      if (i >= 0) {
        st.inflight.splice(i, 1);
        st.attempts.delete(e.queueOffset);
        this.stats.acked++;
        if (st.inflight.length === 0) this.finishOrder(group, topic, e.queueId, st);
        return 'OK';
      }
    }
    const storeTopic = this.storeTopicOf(group, topic, e.retryFlag);
    const ck = this.cks.get(ckKey(group, storeTopic, e.queueId, e.startOffset, e.popTime));
    if (!ck || ck.done || !ck.offsets.includes(e.queueOffset)) {
      return Date.now() < e.popTime + e.invisibleTime ? 'OK' : 'EXPIRED';
    }
    if (ck.acked.has(e.queueOffset)) return 'OK';
    ck.acked.add(e.queueOffset);
    this.stats.acked++;
    if (ck.acked.size >= ck.offsets.length) {
      ck.done = true;
      this.cks.delete(ck.key);
    }
    const body = { ao: [e.queueOffset], so: ck.startOffset, c: group, t: storeTopic, q: e.queueId, pt: ck.popTime, bn: this.brokerName, rq: 0 };
    this.writeReviveAsync(undefined, ACK_TAG, body, `${group}${storeTopic}${e.queueId}${e.queueOffset}`);
    return 'OK';
  }

  /** New invisible time counted from now; returns the new extraInfo. */
  async changeInvisibleTime(group: string, topic: string, e: ExtraInfo, invisibleTime: number): Promise<{ status: AckStatus; extraInfo?: ExtraInfo }> {
    const now = Date.now();
    const st = this.order.get(this.orderKey(group, topic, e.queueId));
    if (e.retryFlag === 0 && st && st.inflight.includes(e.queueOffset)) {
      st.invisibleUntil = now + invisibleTime;
      return { status: 'OK', extraInfo: { ...e, popTime: now, invisibleTime } };
    }
    const storeTopic = this.storeTopicOf(group, topic, e.retryFlag);
    const old = this.cks.get(ckKey(group, storeTopic, e.queueId, e.startOffset, e.popTime));
    if (!old || old.done || !old.offsets.includes(e.queueOffset) || old.acked.has(e.queueOffset)) {
      return { status: Date.now() < e.popTime + e.invisibleTime ? 'INVALID_HANDLE' : 'EXPIRED' };
    }
    // New single-message checkpoint first, then the ack of the old one: a crash between the two
    // redelivers (at-least-once) rather than losing the message.
    let popTime = now;
    while (this.cks.has(ckKey(group, storeTopic, e.queueId, e.queueOffset, popTime))) popTime++;
    const ck: CheckPoint = {
      key: ckKey(group, storeTopic, e.queueId, e.queueOffset, popTime),
      group,
      topic: storeTopic,
      queueId: e.queueId,
      startOffset: e.queueOffset,
      popTime,
      invisibleTime,
      offsets: [e.queueOffset],
      acked: new Set(),
      reviveOffset: -1,
      done: false,
    };
    this.cks.set(ck.key, ck);
    this.heap.push(ck);
    const body = { so: ck.startOffset, d: [0], n: 1, pt: popTime, it: invisibleTime, c: group, t: storeTopic, q: e.queueId, bn: this.brokerName, ro: 0 };
    this.writeReviveAsync(ck, CK_TAG, body, `${group}${storeTopic}${e.queueId}${e.queueOffset}${popTime}`);
    old.acked.add(e.queueOffset);
    if (old.acked.size >= old.offsets.length) {
      old.done = true;
      this.cks.delete(old.key);
    }
    this.writeReviveAsync(undefined, ACK_TAG, { ao: [e.queueOffset], so: old.startOffset, c: group, t: storeTopic, q: e.queueId, pt: old.popTime, bn: this.brokerName, rq: 0 }, `${group}${storeTopic}${e.queueId}${e.queueOffset}`);
    return { status: 'OK', extraInfo: { ...e, startOffset: e.queueOffset, popTime, invisibleTime } };
  }

  /** Whether the group would get something from this topic now (NOTIFICATION). */
  hasMessage(group: string, topic: string, queueId: number): boolean {
    const tc = this.b.topicConfigManager.get(topic);
    if (!tc) return false;
    const store = this.b.store;
    const com = this.b.consumerOffsetManager;
    const retry = popRetryTopic(group, topic);
    if (this.b.topicConfigManager.get(retry)) {
      const off = com.queryOffset(group, retry, 0);
      if (store.getMaxOffsetInQueue(retry, 0) > Math.max(off, 0)) return true;
    }
    for (let q = 0; q < tc.readQueueNums; q++) {
      if (queueId >= 0 && q !== queueId) continue;
      const off = com.queryOffset(group, topic, q);
      if (store.getMaxOffsetInQueue(topic, q) > (off < 0 ? this.initOffset(group, topic, q, 1) : off)) return true;
    }
    return false;
  }

  /** Waits up to pollTime for hasMessage. */
  async notification(group: string, topic: string, queueId: number, pollTime: number): Promise<boolean> {
    if (this.hasMessage(group, topic, queueId) || pollTime <= 0) return this.hasMessage(group, topic, queueId);
    await new Promise<void>((resolve) => {
      const w: Waiter = {
        topics: new Set([topic, popRetryTopic(group, topic)]),
        wake: () => {
          this.waiters.delete(w);
          clearTimeout(t);
          resolve();
        },
      };
      const t = setTimeout(w.wake, pollTime);
      this.waiters.add(w);
    });
    return this.hasMessage(group, topic, queueId);
  }

  // ---------------------------------------------------------------- revive

  private async reviveTick(): Promise<void> {
    if (this.reviving || !this.started) return;
    this.reviving = true;
    try {
      const now = Date.now();
      let n = 0;
      while (this.heap.size > 0 && n < 1000) {
        const ck = this.heap.peek()!;
        if (ck.done || !this.cks.has(ck.key)) {
          this.heap.pop();
          continue;
        }
        if (ck.popTime + ck.invisibleTime > now || ck.reviveOffset < 0) break;
        this.heap.pop();
        await this.revive(ck);
        n++;
      }
      this.commitReviveOffset();
    } catch (e) {
      this.log?.error({ err: (e as Error).message }, 'pop revive failed');
    } finally {
      this.reviving = false;
    }
  }

  private async revive(ck: CheckPoint): Promise<void> {
    const b = this.b;
    for (const o of ck.offsets) {
      if (ck.acked.has(o)) continue;
      const r = this.read(ck.group, ck.topic, ck.queueId, o, 1);
      if (r.messages.length !== 1 || r.queueOffsets[0] !== o) continue; // deleted by retention
      let m: MessageExt;
      try {
        m = decodeRecord(r.messages[0]!);
      } catch {
        continue;
      }
      const origTopic = m.properties[PROPERTY.RETRY_TOPIC] ?? m.topic;
      const sg = b.subscriptionGroupManager.findSubscriptionGroupConfig(ck.group);
      const maxTimes = sg?.retryMaxTimes ?? b.config.maxReconsumeTimes;
      let props = m.propertiesString;
      if (m.properties[PROPERTY.RETRY_TOPIC] === undefined) props = appendProperty(props, PROPERTY.RETRY_TOPIC, origTopic);
      props = removeProperties(props, [PROPERTY.POP_CK, PROPERTY.DELAY]);
      let topic = popRetryTopic(ck.group, origTopic);
      if (m.reconsumeTimes + 1 > maxTimes) {
        topic = '%DLQ%' + ck.group;
        props = withDlqOrigin(props, m, origTopic);
        this.stats.dlq++;
      } else this.stats.revived++;
      b.topicConfigManager.createTopicInSendMessageBackMethod(topic, 1, PERM_READ | PERM_WRITE);
      const pr = await b.store.putMessage(this.reput(m, topic, props, m.reconsumeTimes + 1));
      if (pr.status !== 'PUT_OK') {
        // Try again on the next scan.
        this.log?.warn({ status: pr.status, topic }, 'pop revive: re-put failed, will retry');
        ck.popTime = Date.now() - ck.invisibleTime + 1000;
        this.heap.push(ck);
        return;
      }
      ck.acked.add(o);
    }
    ck.done = true;
    this.cks.delete(ck.key);
  }

  /** A stored record put again under `topic` (revive to the retry topic, or the DLQ). */
  private reput(m: MessageExt, topic: string, properties: string, reconsumeTimes: number): MessageInner {
    return reputRecord(m, this.b.storeHost, { topic, queueId: 0, properties, reconsumeTimes, preparedTransactionOffset: 0 });
  }

  /** A message is moved to %DLQ%<group> (proxy ForwardMessageToDeadLetterQueue, max attempts reached). */
  async forwardToDlq(group: string, topic: string, e: ExtraInfo): Promise<AckStatus> {
    const b = this.b;
    const storeTopic = this.storeTopicOf(group, topic, e.retryFlag);
    const r = this.read(group, storeTopic, e.queueId, e.queueOffset, 1);
    if (r.messages.length !== 1 || r.queueOffsets[0] !== e.queueOffset) return 'INVALID_HANDLE';
    const m = decodeRecord(r.messages[0]!);
    const props = withDlqOrigin(removeProperties(m.propertiesString, [PROPERTY.POP_CK, PROPERTY.DELAY]), m, m.properties[PROPERTY.RETRY_TOPIC] ?? m.topic);
    const dlq = '%DLQ%' + group;
    b.topicConfigManager.createTopicInSendMessageBackMethod(dlq, 1, PERM_READ | PERM_WRITE);
    const pr = await b.store.putMessage(this.reput(m, dlq, props, m.reconsumeTimes));
    if (pr.status !== 'PUT_OK') return 'INVALID_HANDLE';
    this.stats.dlq++;
    return this.ack(group, topic, e);
  }

  /** PEEK_MESSAGE: messages from the group's offset, without checkpoints. */
  peek(group: string, topic: string, queueId: number, max: number): MessageExt[] {
    const tc = this.b.topicConfigManager.get(topic);
    if (!tc) return [];
    const out: MessageExt[] = [];
    for (let q = 0; q < tc.readQueueNums && out.length < max; q++) {
      if (queueId >= 0 && q !== queueId) continue;
      const off = Math.max(0, this.b.consumerOffsetManager.queryOffset(group, topic, q));
      const r = this.read(group, topic, q, off, max - out.length);
      for (const rec of r.messages) out.push(decodeRecord(rec));
    }
    return out;
  }
}

/** The DLQ's origin properties (topic, message id) appended to a record's properties. */
function withDlqOrigin(props: string, m: MessageExt, originTopic: string): string {
  const p = appendProperty(props, PROPERTY.DLQ_ORIGIN_TOPIC, originTopic);
  return appendProperty(p, PROPERTY.DLQ_ORIGIN_MESSAGE_ID, m.properties[PROPERTY.UNIQ_KEY] ?? m.offsetMsgId);
}
