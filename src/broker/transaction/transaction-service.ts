/**
 * Minimal broker side of transactional messages (store-format.md §10), used by the 5.x proxy:
 * half messages, commit / rollback, and check-back of unresolved half messages.
 *
 * - prepare: the message is stored in `RMQ_SYS_TRANS_HALF_TOPIC` queue 0 with `REAL_TOPIC` / `REAL_QID`,
 *   `TRAN_MSG=true`, `PGROUP` and `__transactionId__`; its transaction bits are cleared.
 * - commit: a copy goes to the real topic/queue with sysFlag COMMIT, `TRAN_MSG` / `REAL_*` removed,
 *   preparedTransactionOffset = the half record's commit-log offset; then an op record.
 * - rollback: the op record only.
 * - op record: `RMQ_SYS_TRANS_OP_HALF_TOPIC` queue 0, tag `d`, body = the half queue offset as decimal text.
 * - check: every transactionCheckInterval the half queue is scanned from the check offset (committed as
 *   group CID_RMQ_SYS_TRANS); each unresolved half message older than transactionTimeOut (or its
 *   CHECK_IMMUNITY_TIME_IN_SECONDS) is offered to the check listeners (the proxy asks the producer over
 *   telemetry) with TRANSACTION_CHECK_TIMES counted; after transactionCheckMax checks it is dropped
 *   (logged). The resolved set is rebuilt from the op queue at start.
 *
 * Not done here: END_TRANSACTION / CHECK_TRANSACTION_STATE over remoting for 4.x producers (the remoting
 * send path still refuses prepared messages).
 */
import type { Logger } from '../../common/logger.js';
import { javaStringHashCode } from '../../common/java-hash.js';
import { PROPERTY, SYS_FLAG, resetTransactionType } from '../../message/message-const.js';
import { decodeRecord, type MessageExt } from '../../message/message-record.js';
import type { MessageInner, PutMessageResult } from '../../store/types.js';
import type { BrokerController } from '../broker-controller.js';
import { appendProperty, removeProperties, socketAddressBytes } from '../message-util.js';
import { PERM_READ, PERM_WRITE } from '../topic-config-manager.js';

export const HALF_TOPIC = 'RMQ_SYS_TRANS_HALF_TOPIC';
export const OP_TOPIC = 'RMQ_SYS_TRANS_OP_HALF_TOPIC';
export const TRANS_GROUP = 'CID_RMQ_SYS_TRANS';

/** Returns true when some producer was asked. */
export type TransactionCheckListener = (half: MessageExt, producerGroup: string, checkTimes: number) => boolean;

export type EndResult = { status: 'OK' } | { status: 'NOT_FOUND' | 'ILLEGAL' | 'STORE_FAILED'; remark: string };

export class TransactionService {
  private readonly resolved = new Set<number>();
  private readonly checkTimes = new Map<number, number>();
  readonly listeners: TransactionCheckListener[] = [];
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly b: BrokerController,
    private readonly log?: Logger,
  ) {}

  start(): void {
    const tcm = this.b.topicConfigManager;
    for (const t of [HALF_TOPIC, OP_TOPIC]) if (!tcm.get(t)) tcm.createTopicInSendMessageBackMethod(t, 1, PERM_READ | PERM_WRITE);
    const store = this.b.store;
    let off = store.getMinOffsetInQueue(OP_TOPIC, 0);
    const max = store.getMaxOffsetInQueue(OP_TOPIC, 0);
    while (off < max) {
      const r = store.getMessage(TRANS_GROUP, OP_TOPIC, 0, off, 256, 4 << 20);
      for (const rec of r.messages) {
        try {
          for (const s of decodeRecord(rec).body.toString('utf8').split(',')) if (s.trim()) this.resolved.add(Number(s));
        } catch {
          /* unreadable op record: its half message may be checked again (at-least-once) */
        }
      }
      if (r.nextBeginOffset <= off) break;
      off = r.nextBeginOffset;
    }
    const interval = Math.max(100, this.b.config.transactionCheckInterval);
    this.timer = setInterval(() => void this.check(), interval);
    this.timer.unref?.();
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
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
    return this.b.store.putMessage({
      ...msg,
      topic: HALF_TOPIC,
      queueId: 0,
      properties: props,
      sysFlag: resetTransactionType(msg.sysFlag, SYS_FLAG.TRANSACTION_NOT_TYPE),
      tagsCode: undefined,
    });
  }

  /** Commits or rolls back the half message at this commit-log offset. */
  async end(commitLogOffset: number, commit: boolean, producerGroup?: string): Promise<EndResult> {
    const b = this.b;
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
    if (this.resolved.has(m.queueOffset)) return { status: 'OK' };
    if (commit) {
      const realTopic = m.properties[PROPERTY.REAL_TOPIC] ?? '';
      const realQid = Number(m.properties[PROPERTY.REAL_QID] ?? 0);
      const props = removeProperties(m.propertiesString, [PROPERTY.REAL_TOPIC, PROPERTY.REAL_QID, PROPERTY.TRAN_MSG, PROPERTY.TRANSACTION_CHECK_TIMES]);
      const inner: MessageInner = {
        topic: realTopic,
        queueId: realQid,
        flag: m.flag,
        body: Buffer.from(m.body),
        properties: props,
        sysFlag: resetTransactionType(m.sysFlag, SYS_FLAG.TRANSACTION_COMMIT),
        bornTimestamp: m.bornTimestamp,
        bornHost: socketAddressBytes(m.bornHost),
        storeHost: b.storeHost,
        reconsumeTimes: m.reconsumeTimes,
        preparedTransactionOffset: m.commitLogOffset,
      };
      const r = await b.putMessage(inner);
      if (r.status !== 'PUT_OK') return { status: 'STORE_FAILED', remark: r.remark ?? r.status };
      b.stats.onPut(1, r.appendResult?.wroteBytes ?? 0);
    }
    await this.writeOp(m.queueOffset);
    return { status: 'OK' };
  }

  private async writeOp(halfOffset: number): Promise<void> {
    this.resolved.add(halfOffset);
    this.checkTimes.delete(halfOffset);
    const b = this.b;
    await b.store.putMessage({
      topic: OP_TOPIC,
      queueId: 0,
      flag: 0,
      body: Buffer.from(String(halfOffset)),
      properties: `${PROPERTY.TAGS}\u0001d`,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: b.storeHost,
      storeHost: b.storeHost,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      tagsCode: javaStringHashCode('d'),
    });
  }

  /** One check pass over the half queue. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const b = this.b;
      const store = b.store;
      const now = Date.now();
      let off = Math.max(b.consumerOffsetManager.queryOffset(TRANS_GROUP, HALF_TOPIC, 0), store.getMinOffsetInQueue(HALF_TOPIC, 0));
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
          let m: MessageExt;
          try {
            m = decodeRecord(r.messages[i]!);
          } catch {
            continue;
          }
          const immunity = Number(m.properties[PROPERTY.CHECK_IMMUNITY_TIME_IN_SECONDS] ?? 0) * 1000;
          const age = now - m.storeTimestamp;
          if (age < Math.max(b.config.transactionTimeOut, immunity)) {
            if (firstOpen < 0) firstOpen = qo;
            continue;
          }
          const times = (this.checkTimes.get(qo) ?? Number(m.properties[PROPERTY.TRANSACTION_CHECK_TIMES] ?? 0)) + 1;
          if (times > b.config.transactionCheckMax) {
            this.log?.warn({ halfOffset: qo, uniqKey: m.properties[PROPERTY.UNIQ_KEY] }, 'half message checked transactionCheckMax times, discarded');
            await this.writeOp(qo);
            continue;
          }
          if (firstOpen < 0) firstOpen = qo;
          this.checkTimes.set(qo, times);
          m.properties[PROPERTY.TRANSACTION_CHECK_TIMES] = String(times);
          const group = m.properties[PROPERTY.PGROUP] ?? '';
          let asked = false;
          for (const l of this.listeners) {
            try {
              asked = l(m, group, times) || asked;
            } catch (e) {
              this.log?.warn({ err: (e as Error).message }, 'transaction check listener failed');
            }
          }
          if (!asked) this.log?.debug({ group, halfOffset: qo }, 'check transaction: no producer online');
        }
        off = r.nextBeginOffset;
      }
      b.consumerOffsetManager.commitOffset(TRANS_GROUP, HALF_TOPIC, 0, firstOpen >= 0 ? firstOpen : off);
    } catch (e) {
      this.log?.error({ err: (e as Error).message }, 'transaction check failed');
    } finally {
      this.checking = false;
    }
  }
}
