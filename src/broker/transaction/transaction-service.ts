/**
 * Broker side of transactional messages (store-format.md §10), for 4.x remoting producers
 * (END_TRANSACTION / CHECK_TRANSACTION_STATE) and the 5.x proxy (check listeners).
 *
 * - prepare: the message is stored in `RMQ_SYS_TRANS_HALF_TOPIC` queue 0 with `REAL_TOPIC` / `REAL_QID`,
 *   `TRAN_MSG=true`, `PGROUP` and `__transactionId__`; its transaction bits are cleared.
 * - commit: a copy goes to the real topic/queue with sysFlag COMMIT, `TRAN_MSG` / `REAL_*` removed,
 *   preparedTransactionOffset = the half record's commit-log offset; then an op record.
 * - rollback: the op record only.
 * - op record: `RMQ_SYS_TRANS_OP_HALF_TOPIC` queue 0, tag `d`, body = the half queue offset as decimal
 *   text. Our own tag `m` (ignored by Apache brokers, which only read `d`) marks an operator's
 *   resolution of a message moved to `TRANS_CHECK_MAX_TIME_TOPIC`; its body is that topic's queue offset.
 * - check: every transactionCheckInterval the half queue is scanned from the check offset (committed as
 *   group CID_RMQ_SYS_TRANS, persisted with the consumer offsets); each unresolved half message older
 *   than transactionTimeOut (or its CHECK_IMMUNITY_TIME_IN_SECONDS) is checked: CHECK_TRANSACTION_STATE
 *   (oneway) to one live remoting producer channel of its `PGROUP`, and the check listeners (the proxy
 *   asks a 5.x producer over telemetry). TRANSACTION_CHECK_TIMES counts the checks (persisted in
 *   config/transactionCheckTimes.json). After transactionCheckMax checks the half message is copied to
 *   `TRANS_CHECK_MAX_TIME_TOPIC` (queue 0, REAL_TOPIC/REAL_QID/PGROUP kept) and an op written: an
 *   operator lists and resolves it (admin listHalfMessages / resolveHalfMessage).
 * - restart: the resolved sets are rebuilt from the op queue; everything below the check offset is
 *   resolved by construction (the check offset is the first unresolved half message).
 *
 * Exactly once: an END_TRANSACTION for a half message that is already resolved (or being resolved) is
 * acknowledged without storing a second copy.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../common/logger.js';
import { PROPERTY, SYS_FLAG, resetTransactionType } from '../../message/message-const.js';
import { decodeRecord, encodeRecord, type MessageExt } from '../../message/message-record.js';
import { createRequest, markOneway } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import type { MessageInner, PutMessageResult } from '../../store/types.js';
import type { BrokerController } from '../broker-controller.js';
import { appendProperty, brokerRecord, encodePropertiesStored, removeProperties, reputRecord, socketAddressBytes } from '../message-util.js';
import { PERM_READ, PERM_WRITE } from '../topic-config-manager.js';

export const HALF_TOPIC = 'RMQ_SYS_TRANS_HALF_TOPIC';
export const OP_TOPIC = 'RMQ_SYS_TRANS_OP_HALF_TOPIC';
export const CHECK_MAX_TOPIC = 'TRANS_CHECK_MAX_TIME_TOPIC';
export const TRANS_GROUP = 'CID_RMQ_SYS_TRANS';
/** Op tag for a half message's commit/rollback (Apache). */
export const OP_TAG_DONE = 'd';
/** Op tag (ours) for an operator's resolution of a message in TRANS_CHECK_MAX_TIME_TOPIC. */
export const OP_TAG_MOVED_RESOLVED = 'm';

/** Returns true when some producer was asked. */
export type TransactionCheckListener = (half: MessageExt, producerGroup: string, checkTimes: number) => boolean;

export type EndResult = { status: 'OK' } | { status: 'NOT_FOUND' | 'ILLEGAL' | 'STORE_FAILED'; remark: string };

/** One half message as listed for an operator. */
export interface HalfMessageInfo {
  /** `half` = still in RMQ_SYS_TRANS_HALF_TOPIC, being checked; `checkMax` = moved aside after transactionCheckMax checks. */
  where: 'half' | 'checkMax';
  /** Queue offset in its topic (queue 0): the handle for resolveHalfMessage. */
  queueOffset: number;
  commitLogOffset: number;
  topic: string;
  queueId: number;
  producerGroup: string;
  msgId: string;
  keys: string;
  tags: string;
  storeTimestamp: number;
  checkTimes: number;
}

interface RecentHalf {
  queueOffset: number;
  producerGroup: string;
  committed: MessageInner;
  bytes: number;
}

/** `props` without one property, cut out of the encoded string (no decode/encode). */
function withoutProperty(props: string, name: string): string {
  let i = props.startsWith(name + '\u0001') ? 0 : props.indexOf('\u0002' + name + '\u0001');
  if (i < 0) return props;
  if (i > 0) i++;
  const end = props.indexOf('\u0002', i);
  if (end < 0) return i === 0 ? '' : props.slice(0, i - 1);
  return props.slice(0, i) + props.slice(end + 1);
}

const RECENT_MAX = 50_000;
const RECENT_MAX_BYTES = 64 << 20;

export class TransactionService {
  /** Resolved half queue offsets at or above the check offset. */
  private readonly resolved = new Set<number>();
  /** Half queue offsets whose END_TRANSACTION is being applied. */
  private readonly resolving = new Set<number>();
  /** Resolved queue offsets of TRANS_CHECK_MAX_TIME_TOPIC. */
  private readonly resolvedMoved = new Set<number>();
  private readonly checkTimes = new Map<number, number>();
  private checkTimesDirty = false;
  readonly listeners: TransactionCheckListener[] = [];
  /**
   * Recently prepared half messages by commit-log offset, with their committed form ready: END_TRANSACTION
   * for them needs no commit-log read or decode. Bounded (RECENT_MAX entries / RECENT_MAX_BYTES); older
   * ones are read back from the store.
   */
  private readonly recent = new Map<number, RecentHalf>();
  private recentBytes = 0;
  /** Op records waiting to be written together (one record, offsets joined by ','). */
  private pendingOps: number[] = [];
  private opFlush: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private rr = 0;
  /** Counters for admin/diagnosis. */
  readonly counters = { prepared: 0, committed: 0, rolledBack: 0, checks: 0, movedAside: 0 };

  constructor(
    private readonly b: BrokerController,
    private readonly log?: Logger,
  ) {}

  private get checkTimesFile(): string {
    return join(this.b.configDir(), 'transactionCheckTimes.json');
  }

  start(): void {
    const tcm = this.b.topicConfigManager;
    for (const t of [HALF_TOPIC, OP_TOPIC, CHECK_MAX_TOPIC]) if (!tcm.get(t)) tcm.createTopicInSendMessageBackMethod(t, 1, PERM_READ | PERM_WRITE);
    const store = this.b.store;
    let off = store.getMinOffsetInQueue(OP_TOPIC, 0);
    const max = store.getMaxOffsetInQueue(OP_TOPIC, 0);
    while (off < max) {
      const r = store.getMessage(TRANS_GROUP, OP_TOPIC, 0, off, 256, 4 << 20);
      for (const rec of r.messages) {
        try {
          const m = decodeRecord(rec);
          const into = m.properties[PROPERTY.TAGS] === OP_TAG_MOVED_RESOLVED ? this.resolvedMoved : this.resolved;
          for (const s of m.body.toString('utf8').split(',')) if (s.trim()) into.add(Number(s));
        } catch {
          /* unreadable op record: its half message may be checked again (at-least-once) */
        }
      }
      if (r.nextBeginOffset <= off) break;
      off = r.nextBeginOffset;
    }
    const base = this.checkOffset();
    for (const o of this.resolved) if (o < base) this.resolved.delete(o);
    try {
      if (existsSync(this.checkTimesFile)) {
        const o = JSON.parse(readFileSync(this.checkTimesFile, 'utf8')) as Record<string, number>;
        for (const [k, v] of Object.entries(o)) if (Number(k) >= base && Number.isFinite(v)) this.checkTimes.set(Number(k), v);
      }
    } catch (e) {
      this.log?.warn({ err: (e as Error).message }, 'transactionCheckTimes.json unreadable, check counts start again');
    }
    const interval = Math.max(100, this.b.config.transactionCheckInterval);
    this.timer = setInterval(() => void this.check(), interval);
    this.timer.unref?.();
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.persistCheckTimes();
  }

  private checkOffset(): number {
    return Math.max(this.b.consumerOffsetManager.queryOffset(TRANS_GROUP, HALF_TOPIC, 0), this.b.store.getMinOffsetInQueue(HALF_TOPIC, 0));
  }

  /**
   * Moves the check offset over the resolved prefix of the half queue, so the resolved set stays small
   * between check passes when transactions end in order (the usual case at high rates).
   */
  private advanceCheckOffset(): void {
    const start = this.checkOffset();
    let o = start;
    while (this.resolved.has(o)) {
      this.resolved.delete(o);
      if (this.checkTimes.delete(o)) this.checkTimesDirty = true;
      o++;
    }
    if (o !== start) this.b.consumerOffsetManager.commitOffset(TRANS_GROUP, HALF_TOPIC, 0, o);
  }

  private isResolved(halfOffset: number): boolean {
    return halfOffset < this.checkOffset() || this.resolved.has(halfOffset);
  }

  private persistCheckTimes(): void {
    if (!this.checkTimesDirty) return;
    try {
      const tmp = this.checkTimesFile + '.tmp';
      writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.checkTimes)));
      renameSync(tmp, this.checkTimesFile);
      this.checkTimesDirty = false;
    } catch (e) {
      this.log?.warn({ err: (e as Error).message }, 'persisting transactionCheckTimes.json failed');
    }
  }

  /** Stores a half message. `msg` is the message as sent (real topic/queue, PREPARED flag). */
  async prepare(msg: MessageInner, producerGroup: string): Promise<PutMessageResult> {
    let props = msg.properties;
    props = appendProperty(props, PROPERTY.REAL_TOPIC, msg.topic);
    props = appendProperty(props, PROPERTY.REAL_QID, String(msg.queueId));
    if (!props.includes(PROPERTY.TRAN_MSG + '\u0001')) props = appendProperty(props, PROPERTY.TRAN_MSG, 'true');
    if (!props.includes(PROPERTY.PGROUP + '\u0001')) props = appendProperty(props, PROPERTY.PGROUP, producerGroup);
    const uniq = /UNIQ_KEY\u0001([^\u0002]*)/.exec(props)?.[1];
    if (uniq && !props.includes(PROPERTY.TRANSACTION_ID + '\u0001')) props = appendProperty(props, PROPERTY.TRANSACTION_ID, uniq);
    this.counters.prepared++;
    const r = await this.b.store.putMessage({
      ...msg,
      topic: HALF_TOPIC,
      queueId: 0,
      properties: props,
      sysFlag: resetTransactionType(msg.sysFlag, SYS_FLAG.TRANSACTION_NOT_TYPE),
      tagsCode: undefined,
    });
    const a = r.appendResult;
    if (r.status === 'PUT_OK' && a) {
      // The committed copy: the message as sent, without TRAN_MSG, under its real topic and queue.
      let committedProps = withoutProperty(msg.properties, PROPERTY.TRAN_MSG);
      if (uniq && !committedProps.includes(PROPERTY.TRANSACTION_ID + '\u0001')) committedProps = appendProperty(committedProps, PROPERTY.TRANSACTION_ID, uniq);
      const pg = /(?:^|\u0002)PGROUP\u0001([^\u0002]*)/.exec(props)?.[1] ?? producerGroup;
      const bytes = msg.body.length + committedProps.length * 2 + 256;
      this.recent.set(a.wroteOffset, {
        queueOffset: a.logicsOffset,
        producerGroup: pg,
        bytes,
        committed: {
          topic: msg.topic,
          queueId: msg.queueId,
          flag: msg.flag,
          // A copy: the request body is a view into the socket's read chunk, which must not be kept alive.
          body: Buffer.from(msg.body),
          properties: committedProps,
          sysFlag: resetTransactionType(msg.sysFlag, SYS_FLAG.TRANSACTION_COMMIT),
          bornTimestamp: msg.bornTimestamp,
          bornHost: msg.bornHost,
          storeHost: this.b.storeHost,
          reconsumeTimes: msg.reconsumeTimes,
          preparedTransactionOffset: a.wroteOffset,
        },
      });
      this.recentBytes += bytes;
      while (this.recent.size > RECENT_MAX || this.recentBytes > RECENT_MAX_BYTES) {
        const [k, v] = this.recent.entries().next().value as [number, RecentHalf];
        this.recent.delete(k);
        this.recentBytes -= v.bytes;
      }
    }
    return r;
  }

  private forgetRecent(commitLogOffset: number): void {
    const v = this.recent.get(commitLogOffset);
    if (v) {
      this.recent.delete(commitLogOffset);
      this.recentBytes -= v.bytes;
    }
  }

  /** END_TRANSACTION for a half message still in the recent cache. */
  private async endRecent(commitLogOffset: number, h: RecentHalf, commit: boolean, producerGroup?: string, halfQueueOffset?: number): Promise<EndResult> {
    if (producerGroup !== undefined && h.producerGroup !== producerGroup) {
      return { status: 'ILLEGAL', remark: `the producer group ${producerGroup} differs from the half message's ${h.producerGroup}` };
    }
    if (halfQueueOffset !== undefined && halfQueueOffset !== h.queueOffset) {
      return { status: 'ILLEGAL', remark: `the transaction state table offset ${halfQueueOffset} differs from the half message's queue offset ${h.queueOffset}` };
    }
    const storeCopy = async (): Promise<PutMessageResult> => {
      const r = await this.b.putMessage({ ...h.committed });
      if (r.status === 'PUT_OK') this.b.stats.onPut(1, r.appendResult?.wroteBytes ?? 0);
      return r;
    };
    return this.resolveOnce(h.queueOffset, commitLogOffset, commit ? storeCopy : undefined);
  }

  /**
   * Resolves the half message at queue offset `qo` once: stores its committed copy (`storeCopy`, when
   * committing), then the op record, then advances the check progress.
   */
  private async resolveOnce(qo: number, commitLogOffset: number, storeCopy: (() => Promise<PutMessageResult>) | undefined): Promise<EndResult> {
    if (this.isResolved(qo) || this.resolving.has(qo)) return { status: 'OK' };
    this.resolving.add(qo);
    try {
      if (storeCopy) {
        const r = await storeCopy();
        if (r.status !== 'PUT_OK') return { status: 'STORE_FAILED', remark: r.remark ?? r.status };
        this.counters.committed++;
      } else {
        this.counters.rolledBack++;
      }
      this.forgetRecent(commitLogOffset);
      await this.writeOp(OP_TAG_DONE, qo);
      this.resolved.add(qo);
      if (this.checkTimes.delete(qo)) this.checkTimesDirty = true;
      this.advanceCheckOffset();
      return { status: 'OK' };
    } finally {
      this.resolving.delete(qo);
    }
  }

  /**
   * Commits or rolls back the half message at this commit-log offset. `producerGroup` (must equal
   * PGROUP) and `halfQueueOffset` (must equal the record's queue offset) are checked when given.
   */
  async end(commitLogOffset: number, commit: boolean, producerGroup?: string, halfQueueOffset?: number): Promise<EndResult> {
    const b = this.b;
    const cached = this.recent.get(commitLogOffset);
    if (cached) return this.endRecent(commitLogOffset, cached, commit, producerGroup, halfQueueOffset);
    const raw = b.store.selectOneMessageByOffset(commitLogOffset);
    if (!raw) return { status: 'NOT_FOUND', remark: `no half message at commit-log offset ${commitLogOffset}` };
    let m: MessageExt;
    try {
      m = decodeRecord(raw);
    } catch (e) {
      return { status: 'ILLEGAL', remark: (e as Error).message };
    }
    if (m.topic !== HALF_TOPIC) return { status: 'ILLEGAL', remark: `the message at ${commitLogOffset} is not a half message` };
    if (producerGroup !== undefined && m.properties[PROPERTY.PGROUP] !== undefined && m.properties[PROPERTY.PGROUP] !== producerGroup) {
      return { status: 'ILLEGAL', remark: `the producer group ${producerGroup} differs from the half message's ${m.properties[PROPERTY.PGROUP]}` };
    }
    if (halfQueueOffset !== undefined && halfQueueOffset !== m.queueOffset) {
      return { status: 'ILLEGAL', remark: `the transaction state table offset ${halfQueueOffset} differs from the half message's queue offset ${m.queueOffset}` };
    }
    return this.resolveOnce(m.queueOffset, commitLogOffset, commit ? () => this.storeCommitted(m) : undefined);
  }

  /** Stores the committed copy of a half message (or of a moved-aside one) under its real topic. */
  private async storeCommitted(m: MessageExt): Promise<PutMessageResult> {
    const b = this.b;
    const realTopic = m.properties[PROPERTY.REAL_TOPIC] ?? '';
    const realQid = Number(m.properties[PROPERTY.REAL_QID] ?? 0);
    if (!realTopic) return { status: 'MESSAGE_ILLEGAL', remark: 'the half message has no REAL_TOPIC' };
    const props = removeProperties(m.propertiesString, [PROPERTY.REAL_TOPIC, PROPERTY.REAL_QID, PROPERTY.TRAN_MSG, PROPERTY.TRANSACTION_CHECK_TIMES]);
    const inner = reputRecord(m, b.storeHost, {
      topic: realTopic,
      queueId: realQid,
      properties: props,
      sysFlag: resetTransactionType(m.sysFlag, SYS_FLAG.TRANSACTION_COMMIT),
      preparedTransactionOffset: m.commitLogOffset,
    });
    const r = await b.putMessage(inner);
    if (r.status === 'PUT_OK') b.stats.onPut(1, r.appendResult?.wroteBytes ?? 0);
    return r;
  }

  /**
   * Records a resolution in the op topic. `d` ops are gathered for one turn of the event loop and written
   * as one record whose body lists the offsets, each followed by ',' (the 5.x batched form), so
   * concurrent END_TRANSACTIONs cost one op append together; the promise settles once it is stored.
   */
  private writeOp(tag: string, offset: number): Promise<void> {
    if (tag !== OP_TAG_DONE) return this.putOp(tag, String(offset));
    this.pendingOps.push(offset);
    if (!this.opFlush) {
      this.opFlush = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        const offsets = this.pendingOps;
        this.pendingOps = [];
        this.opFlush = undefined;
        return this.putOp(tag, offsets.length === 1 ? String(offsets[0]) : offsets.join(',') + ',');
      });
    }
    return this.opFlush;
  }

  private async putOp(tag: string, body: string): Promise<void> {
    const b = this.b;
    const r = await b.store.putMessage(brokerRecord(b.storeHost, OP_TOPIC, tag, Buffer.from(body)));
    if (r.status !== 'PUT_OK') this.log?.warn({ tag, body, status: r.status }, 'op record not stored; the half message may be checked again');
  }

  /** The half message re-encoded with its real topic/queue and check count (CHECK_TRANSACTION_STATE body). */
  private checkBody(m: MessageExt, times: number): Buffer {
    const props = { ...m.properties, [PROPERTY.TRANSACTION_CHECK_TIMES]: String(times) };
    return encodeRecord({
      topic: m.properties[PROPERTY.REAL_TOPIC] ?? m.topic,
      queueId: Number(m.properties[PROPERTY.REAL_QID] ?? m.queueId),
      flag: m.flag,
      queueOffset: m.queueOffset,
      physicalOffset: m.commitLogOffset,
      sysFlag: m.sysFlag,
      bornTimestamp: m.bornTimestamp,
      bornHost: socketAddressBytes(m.bornHost),
      storeTimestamp: m.storeTimestamp,
      storeHost: socketAddressBytes(m.storeHost),
      reconsumeTimes: m.reconsumeTimes,
      preparedTransactionOffset: m.preparedTransactionOffset,
      body: m.body,
      properties: encodePropertiesStored(props),
    });
  }

  /** CHECK_TRANSACTION_STATE (oneway) to one live remoting producer channel of the group. */
  private askRemotingProducer(m: MessageExt, group: string, times: number): boolean {
    const chans = this.b.producerManager.getGroup(group).filter((c) => !c.conn.closed);
    if (chans.length === 0) return false;
    const ch = chans[this.rr++ % chans.length]!;
    const uniq = m.properties[PROPERTY.UNIQ_KEY] ?? '';
    const ext: Record<string, string> = {
      tranStateTableOffset: String(m.queueOffset),
      commitLogOffset: String(m.commitLogOffset),
      msgId: uniq,
      transactionId: m.properties[PROPERTY.TRANSACTION_ID] ?? uniq,
      offsetMsgId: m.offsetMsgId,
      topic: m.properties[PROPERTY.REAL_TOPIC] ?? '',
      bname: this.b.config.brokerName,
    };
    const req = markOneway(createRequest(RequestCode.CHECK_TRANSACTION_STATE, ext, this.checkBody(m, times)));
    ch.conn.invokeOneway(req).catch((e: Error) => this.log?.warn({ group, clientId: ch.clientId, err: e.message }, 'CHECK_TRANSACTION_STATE failed'));
    return true;
  }

  /** Copies a half message that was checked transactionCheckMax times to TRANS_CHECK_MAX_TIME_TOPIC. */
  private async moveAside(m: MessageExt, times: number): Promise<boolean> {
    const b = this.b;
    const props = encodePropertiesStored({ ...m.properties, [PROPERTY.TRANSACTION_CHECK_TIMES]: String(times) });
    const r = await b.store.putMessage(reputRecord(m, b.storeHost, {
      topic: CHECK_MAX_TOPIC,
      queueId: 0,
      properties: props,
      sysFlag: resetTransactionType(m.sysFlag, SYS_FLAG.TRANSACTION_NOT_TYPE),
      preparedTransactionOffset: m.commitLogOffset,
    }));
    if (r.status !== 'PUT_OK') {
      this.log?.error({ status: r.status, halfOffset: m.queueOffset }, 'moving a half message to TRANS_CHECK_MAX_TIME_TOPIC failed; it stays in the half queue');
      return false;
    }
    this.counters.movedAside++;
    this.log?.warn(
      { halfOffset: m.queueOffset, uniqKey: m.properties[PROPERTY.UNIQ_KEY], group: m.properties[PROPERTY.PGROUP], checkMaxOffset: r.appendResult?.logicsOffset },
      'half message checked transactionCheckMax times, moved to TRANS_CHECK_MAX_TIME_TOPIC for an operator (admin listHalfMessages / resolveHalfMessage)',
    );
    return true;
  }

  /** One check pass over the half queue. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const b = this.b;
      const store = b.store;
      const now = Date.now();
      let off = this.checkOffset();
      const max = store.getMaxOffsetInQueue(HALF_TOPIC, 0);
      let firstOpen = -1;
      while (off < max) {
        const r = store.getMessage(TRANS_GROUP, HALF_TOPIC, 0, off, 64, 4 << 20);
        if (r.messages.length === 0) {
          if (r.nextBeginOffset <= off) break;
          off = r.nextBeginOffset;
          continue;
        }
        for (let i = 0; i < r.messages.length; i++) {
          const qo = r.queueOffsets[i]!;
          if (this.resolved.has(qo)) continue;
          if (this.resolving.has(qo)) {
            if (firstOpen < 0) firstOpen = qo;
            continue;
          }
          let m: MessageExt;
          try {
            m = decodeRecord(r.messages[i]!);
          } catch {
            continue;
          }
          const immunity = Number(m.properties[PROPERTY.CHECK_IMMUNITY_TIME_IN_SECONDS] ?? 0) * 1000;
          const age = now - m.storeTimestamp;
          if (age > b.config.fileReservedTime * 3_600_000) {
            // Older than the commit log keeps files: it is about to be deleted, stop checking it (as Apache).
            this.log?.info({ halfOffset: qo, uniqKey: m.properties[PROPERTY.UNIQ_KEY] }, 'half message older than fileReservedTime, no longer checked');
            continue;
          }
          if (age < Math.max(b.config.transactionTimeOut, immunity)) {
            if (firstOpen < 0) firstOpen = qo;
            continue;
          }
          const times = (this.checkTimes.get(qo) ?? Number(m.properties[PROPERTY.TRANSACTION_CHECK_TIMES] ?? 0)) + 1;
          if (times > b.config.transactionCheckMax) {
            if (await this.moveAside(m, times - 1)) {
              this.forgetRecent(m.commitLogOffset);
              await this.writeOp(OP_TAG_DONE, qo);
              this.resolved.add(qo);
              this.checkTimes.delete(qo);
              this.checkTimesDirty = true;
              continue;
            }
            if (firstOpen < 0) firstOpen = qo;
            continue;
          }
          if (firstOpen < 0) firstOpen = qo;
          m.properties[PROPERTY.TRANSACTION_CHECK_TIMES] = String(times);
          const group = m.properties[PROPERTY.PGROUP] ?? '';
          let asked = this.askRemotingProducer(m, group, times);
          for (const l of this.listeners) {
            try {
              asked = l(m, group, times) || asked;
            } catch (e) {
              this.log?.warn({ err: (e as Error).message }, 'transaction check listener failed');
            }
          }
          if (asked) {
            this.checkTimes.set(qo, times);
            this.checkTimesDirty = true;
            this.counters.checks++;
          } else {
            // Unlike Apache, a pass with no producer online is not counted: producers that are down
            // for a while (a crash, a deploy) must not push their half messages aside.
            this.log?.debug({ group, halfOffset: qo }, 'check transaction: no producer online');
          }
        }
        off = r.nextBeginOffset;
      }
      // Never backwards: resolutions during this pass may have moved the offset past firstOpen.
      const next = Math.max(firstOpen >= 0 ? firstOpen : off, this.checkOffset());
      b.consumerOffsetManager.commitOffset(TRANS_GROUP, HALF_TOPIC, 0, next);
      for (const o of this.resolved) if (o < next) this.resolved.delete(o);
      for (const o of this.checkTimes.keys()) {
        if (o < next) {
          this.checkTimes.delete(o);
          this.checkTimesDirty = true;
        }
      }
      this.persistCheckTimes();
    } catch (e) {
      this.log?.error({ err: (e as Error).message }, 'transaction check failed');
    } finally {
      this.checking = false;
    }
  }

  private infoOf(m: MessageExt, where: 'half' | 'checkMax', checkTimes: number): HalfMessageInfo {
    return {
      where,
      queueOffset: m.queueOffset,
      commitLogOffset: m.commitLogOffset,
      topic: m.properties[PROPERTY.REAL_TOPIC] ?? '',
      queueId: Number(m.properties[PROPERTY.REAL_QID] ?? 0),
      producerGroup: m.properties[PROPERTY.PGROUP] ?? '',
      msgId: m.properties[PROPERTY.UNIQ_KEY] ?? '',
      keys: m.properties[PROPERTY.KEYS] ?? '',
      tags: m.properties[PROPERTY.TAGS] ?? '',
      storeTimestamp: m.storeTimestamp,
      checkTimes,
    };
  }

  private scan(topic: string, from: number, limit: number, visit: (m: MessageExt) => boolean): void {
    const store = this.b.store;
    let off = Math.max(from, store.getMinOffsetInQueue(topic, 0));
    const max = store.getMaxOffsetInQueue(topic, 0);
    let n = 0;
    while (off < max && n < limit) {
      const r = store.getMessage(TRANS_GROUP, topic, 0, off, 64, 4 << 20);
      for (const rec of r.messages) {
        try {
          if (visit(decodeRecord(rec))) n++;
        } catch {
          /* skip an unreadable record */
        }
      }
      if (r.nextBeginOffset <= off) break;
      off = r.nextBeginOffset;
    }
  }

  /** Unresolved half messages (still being checked) and moved-aside ones nobody resolved yet. */
  listHalfMessages(limit = 1000): HalfMessageInfo[] {
    const out: HalfMessageInfo[] = [];
    this.scan(HALF_TOPIC, this.checkOffset(), limit, (m) => {
      if (this.resolved.has(m.queueOffset)) return false;
      out.push(this.infoOf(m, 'half', this.checkTimes.get(m.queueOffset) ?? Number(m.properties[PROPERTY.TRANSACTION_CHECK_TIMES] ?? 0)));
      return true;
    });
    this.scan(CHECK_MAX_TOPIC, 0, limit, (m) => {
      if (this.resolvedMoved.has(m.queueOffset)) return false;
      out.push(this.infoOf(m, 'checkMax', Number(m.properties[PROPERTY.TRANSACTION_CHECK_TIMES] ?? 0)));
      return true;
    });
    return out;
  }

  /**
   * Operator resolution. `where` = checkMax: the message at this queue offset of
   * TRANS_CHECK_MAX_TIME_TOPIC; `half`: the half message at this half queue offset (no need to wait
   * for the checks to run out).
   */
  async resolve(where: 'half' | 'checkMax', queueOffset: number, commit: boolean): Promise<EndResult> {
    const store = this.b.store;
    if (where === 'half') {
      const r = store.getMessage(TRANS_GROUP, HALF_TOPIC, 0, queueOffset, 1, 4 << 20);
      const rec = r.messages[0];
      if (!rec || r.queueOffsets[0] !== queueOffset) return { status: 'NOT_FOUND', remark: `no half message at queue offset ${queueOffset}` };
      return this.end(decodeRecord(rec).commitLogOffset, commit);
    }
    const r = store.getMessage(TRANS_GROUP, CHECK_MAX_TOPIC, 0, queueOffset, 1, 4 << 20);
    const rec = r.messages[0];
    if (!rec || r.queueOffsets[0] !== queueOffset) return { status: 'NOT_FOUND', remark: `no message at queue offset ${queueOffset} of ${CHECK_MAX_TOPIC}` };
    if (this.resolvedMoved.has(queueOffset) || this.resolving.has(-1 - queueOffset)) return { status: 'OK' };
    this.resolving.add(-1 - queueOffset);
    try {
      if (commit) {
        const p = await this.storeCommitted(decodeRecord(rec));
        if (p.status !== 'PUT_OK') return { status: 'STORE_FAILED', remark: p.remark ?? p.status };
        this.counters.committed++;
      } else {
        this.counters.rolledBack++;
      }
      await this.writeOp(OP_TAG_MOVED_RESOLVED, queueOffset);
      this.resolvedMoved.add(queueOffset);
      return { status: 'OK' };
    } finally {
      this.resolving.delete(-1 - queueOffset);
    }
  }
}
