/**
 * "Why was this message not consumed?" for a message id and a consumer group, answered by one broker
 * from what it stores: where the message is (its topic, a half/transaction topic, the delay or timer
 * topics, the group's retry topic or DLQ), whether the group's subscription filters it out (tag or
 * SQL92), where the group's offset is on its queue, and what the message trace says (consume records
 * of the group). Request code 19003 WHY_NOT_CONSUMED (ours; RocketMQ does not use 19000-19099):
 *
 * | Request extFields | msgId (UNIQ_KEY or offset msg id), consumerGroup, topic (optional: narrows the search) |
 * | Response body     | JSON Diagnosis (below); SUCCESS also when the message is not found (found = false) |
 */
import { PROPERTY } from '../../message/message-const.js';
import { decodeOffsetMessageId } from '../../message/message-id.js';
import { decodeRecord, type MessageExt } from '../../message/message-record.js';
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { decodeTraceData } from '../../client/trace/trace-data.js';
import { isSqlType } from '../../filter/consumer-filter.js';
import type { BrokerController } from '../broker-controller.js';
import { SCHEDULE_TOPIC } from '../schedule-message-service.js';
import { TIMER_TOPIC } from '../timer/timer-message.js';
import { CHECK_MAX_TOPIC, HALF_TOPIC } from '../transaction/transaction-service.js';

export const WHY_NOT_CONSUMED = 19003;

export type Verdict =
  | 'NOT_FOUND'
  | 'TRANSACTION_NOT_COMMITTED'
  | 'TRANSACTION_MOVED_ASIDE'
  | 'TRANSACTION_ROLLED_BACK'
  | 'DELAYED'
  | 'FILTERED_BY_TAG'
  | 'FILTERED_BY_SQL'
  | 'IN_DLQ'
  | 'CONSUMED'
  | 'RETRYING'
  | 'NOT_REACHED'
  | 'NO_CONSUMER_ONLINE';

export interface Finding {
  kind: string;
  detail: string;
  /** When it happened or will happen, ms since the epoch. */
  at?: number;
}

export interface Diagnosis {
  msgId: string;
  consumerGroup: string;
  brokerName: string;
  found: boolean;
  topic?: string;
  queueId?: number;
  queueOffset?: number;
  verdict: Verdict;
  summary: string;
  findings: Finding[];
}

const iso = (t: number): string => new Date(t).toISOString();

export class WhyNotConsumedService {
  constructor(private readonly b: BrokerController) {}

  register(reg: (code: number, h: (req: RemotingCommand) => RemotingCommand) => void): void {
    reg(WHY_NOT_CONSUMED, (req) => this.handle(req));
  }

  handle(req: RemotingCommand): RemotingCommand {
    const ext = req.extFields as Record<string, string | undefined>;
    const msgId = (ext.msgId ?? '').trim();
    const group = (ext.consumerGroup ?? '').trim();
    if (!msgId || !group) return createResponse(req, ResponseCode.INVALID_PARAMETER, 'msgId and consumerGroup are required');
    try {
      const d = this.diagnose(msgId, group, ext.topic?.trim() || undefined);
      return createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(JSON.stringify(d)));
    } catch (e) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, `diagnosis failed: ${(e as Error).message}`);
    }
  }

  /** Copies of the message (by UNIQ_KEY) stored in `topic`. */
  private byKey(topic: string, uniq: string): MessageExt[] {
    const r = this.b.store.queryMessage(topic, uniq, 64, 0, Number.MAX_SAFE_INTEGER);
    const out: MessageExt[] = [];
    for (const rec of r.messages) {
      try {
        const m = decodeRecord(rec);
        if (m.topic === topic && m.properties[PROPERTY.UNIQ_KEY] === uniq) out.push(m);
      } catch {
        /* not a match */
      }
    }
    return out.sort((a, b) => a.commitLogOffset - b.commitLogOffset);
  }

  diagnose(msgIdIn: string, group: string, topicHint?: string): Diagnosis {
    const b = this.b;
    const findings: Finding[] = [];
    let msgId = msgIdIn;
    // An offset msg id names one record; its UNIQ_KEY finds the other copies.
    if (/^[0-9A-Fa-f]{32}$/.test(msgIdIn) || /^[0-9A-Fa-f]{56}$/.test(msgIdIn)) {
      try {
        const { physicalOffset } = decodeOffsetMessageId(msgIdIn);
        const rec = b.store.selectOneMessageByOffset(physicalOffset);
        if (rec) {
          const m = decodeRecord(rec);
          if (m.offsetMsgId.toUpperCase() === msgIdIn.toUpperCase() && m.properties[PROPERTY.UNIQ_KEY]) msgId = m.properties[PROPERTY.UNIQ_KEY]!;
        }
      } catch {
        /* not an offset id of this broker: treat it as a UNIQ_KEY */
      }
    }
    const info = b.consumerManager.getConsumerGroupInfo(group);
    const topics = new Set<string>();
    if (topicHint) topics.add(topicHint);
    else {
      for (const t of info?.subscriptionTable.keys() ?? []) if (!t.startsWith('%RETRY%')) topics.add(t);
      for (const t of b.consumerOffsetManager.whichTopicByConsumer(group)) if (!t.startsWith('%RETRY%')) topics.add(t);
    }
    const base: Omit<Diagnosis, 'verdict' | 'summary' | 'found'> = { msgId, consumerGroup: group, brokerName: b.config.brokerName, findings };
    const done = (verdict: Verdict, summary: string, found: boolean, extra: Partial<Diagnosis> = {}): Diagnosis => ({ ...base, ...extra, verdict, summary, found });

    // Where is it?
    let stored: MessageExt | undefined;
    for (const t of topics) {
      const copies = this.byKey(t, msgId);
      if (copies.length > 0) {
        stored = copies[0];
        break;
      }
    }
    const half = this.byKey(HALF_TOPIC, msgId);
    const moved = this.byKey(CHECK_MAX_TOPIC, msgId);
    const scheduled = this.byKey(SCHEDULE_TOPIC, msgId);
    const timers = this.byKey(TIMER_TOPIC, msgId);
    const retries = this.byKey(`%RETRY%${group}`, msgId);
    const dlq = this.byKey(`%DLQ%${group}`, msgId);
    if (!stored && half.length === 0 && scheduled.length === 0 && timers.length === 0 && dlq.length === 0 && retries.length === 0) {
      findings.push({ kind: 'search', detail: `searched topics ${[...topics].join(', ') || '(the group has no subscription or offsets here)'}, the transaction, delay, timer, retry and DLQ topics` });
      return done('NOT_FOUND', `no message ${msgId} on broker ${b.config.brokerName} for group ${group} (wrong id, another broker, another topic (-t), or expired by fileReservedTime)`, false);
    }
    const realTopicOf = (m: MessageExt): string => m.properties[PROPERTY.REAL_TOPIC] ?? m.topic;

    // Transactions: a half message without a committed copy.
    if (!stored && half.length > 0) {
      const h = half[0]!;
      findings.push({ kind: 'half', detail: `half message of producer group ${h.properties[PROPERTY.PGROUP] ?? '?'} for ${realTopicOf(h)}`, at: h.storeTimestamp });
      const open = b.transactionService.listHalfMessages(100_000).find((x) => x.msgId === msgId);
      if (open?.where === 'half') return done('TRANSACTION_NOT_COMMITTED', `transaction not committed yet (checked ${open.checkTimes} times); the producer has not sent END_TRANSACTION COMMIT`, true, { topic: realTopicOf(h) });
      if (open?.where === 'checkMax') return done('TRANSACTION_MOVED_ASIDE', `transaction never resolved: moved to ${CHECK_MAX_TOPIC} after ${open.checkTimes} checks (rmq admin resolveHalfMessage)`, true, { topic: realTopicOf(h) });
      if (moved.length > 0) findings.push({ kind: 'half', detail: `was moved to ${CHECK_MAX_TOPIC} and resolved by an operator`, at: moved[0]!.storeTimestamp });
      return done('TRANSACTION_ROLLED_BACK', 'transaction rolled back (or resolved without a commit): the message is never delivered', true, { topic: realTopicOf(h) });
    }

    // Delay levels and timers: parked until their time.
    if (!stored) {
      const sch = scheduled.find((m) => realTopicOf(m) !== `%RETRY%${group}`);
      if (sch) {
        const level = Number(sch.properties[PROPERTY.DELAY] ?? 0);
        const delay = b.delayLevels[level - 1] ?? 0;
        const at = sch.storeTimestamp + delay;
        findings.push({ kind: 'delayed', detail: `delay level ${level} (${delay} ms) for ${realTopicOf(sch)}`, at });
        return done('DELAYED', `delayed until ${iso(at)} (delay level ${level})`, true, { topic: realTopicOf(sch) });
      }
      const tm = timers[0];
      if (tm) {
        const at = Number(tm.properties[PROPERTY.TIMER_OUT_MS] ?? 0);
        findings.push({ kind: 'timer', detail: `timer message for ${realTopicOf(tm)}`, at });
        return done('DELAYED', `timer message, delivered at ${iso(at)}`, true, { topic: realTopicOf(tm) });
      }
    }

    const topic = stored?.topic ?? realTopicOf((retries[0] ?? dlq[0])!);
    const extra: Partial<Diagnosis> = stored ? { topic, queueId: stored.queueId, queueOffset: stored.queueOffset } : { topic };
    if (stored) findings.push({ kind: 'stored', detail: `stored in ${topic} queue ${stored.queueId} at offset ${stored.queueOffset}`, at: stored.storeTimestamp });

    // Trace records of this group (when producers/consumers trace).
    const consumedAt = this.traceFindings(msgId, group, findings);

    if (retries.length > 0) {
      const last = retries[retries.length - 1]!;
      findings.push({ kind: 'retried', detail: `redelivered through %RETRY%${group} ${retries.length} time(s), reconsumeTimes ${last.reconsumeTimes}`, at: last.storeTimestamp });
    }
    if (dlq.length > 0) {
      const d = dlq[0]!;
      findings.push({ kind: 'dlq', detail: `in %DLQ%${group} after ${d.reconsumeTimes} consume attempts`, at: d.storeTimestamp });
      return done('IN_DLQ', `in the dead-letter queue %DLQ%${group} since ${iso(d.storeTimestamp)} after ${d.reconsumeTimes} retries`, true, extra);
    }

    // Subscription filter.
    const sd = b.consumerManager.findSubscriptionData(group, topic);
    if (stored && sd) {
      const tag = stored.properties[PROPERTY.TAGS] ?? '';
      if (isSqlType(sd.expressionType)) {
        const sel = b.consumerFilterManager.compile(sd.subString);
        if (sel instanceof Error) findings.push({ kind: 'filter', detail: `the group's SQL92 expression does not parse: ${sel.message}` });
        else if (!sel.matches((n) => stored!.properties[n])) {
          findings.push({ kind: 'filter', detail: `SQL92 "${sd.subString}" is false for this message's properties` });
          return done('FILTERED_BY_SQL', `filtered out by the group's SQL92 selector "${sd.subString}"`, true, extra);
        }
      } else if (sd.subString !== '*' && sd.subString !== '' && !sd.tagsSet.includes(tag)) {
        findings.push({ kind: 'filter', detail: `message tag "${tag}", subscription "${sd.subString}"` });
        return done('FILTERED_BY_TAG', `filtered out by tag: the message has tag "${tag}", the group subscribes "${sd.subString}"`, true, extra);
      }
    } else if (!info || info.channels.size === 0) {
      findings.push({ kind: 'consumers', detail: `no consumer of group ${group} is connected to this broker` });
    }

    // Offsets.
    if (stored) {
      const off = b.consumerOffsetManager.queryOffset(group, topic, stored.queueId);
      if (off < 0) findings.push({ kind: 'offset', detail: `the group has committed no offset on ${topic} queue ${stored.queueId}` });
      else findings.push({ kind: 'offset', detail: `the group's offset on queue ${stored.queueId} is ${off}; the message is at ${stored.queueOffset}` });
      if (off > stored.queueOffset) {
        if (retries.length > 0 && consumedAt === undefined) return done('RETRYING', `consumed and failed; redelivered ${retries.length} time(s) through %RETRY%${group}`, true, extra);
        const by = consumedAt !== undefined ? ` (trace: consumed at ${iso(consumedAt)})` : '';
        return done('CONSUMED', `consumed: the group's offset (${off}) is past the message (${stored.queueOffset})${by}`, true, extra);
      }
      if (!info || info.channels.size === 0) return done('NO_CONSUMER_ONLINE', `not consumed yet and no consumer of ${group} is online`, true, extra);
      const lag = stored.queueOffset - Math.max(0, off);
      const lock = this.lockHolder(group, topic, stored.queueId);
      return done('NOT_REACHED', `not consumed yet: ${lag} message(s) ahead of it on queue ${stored.queueId}${lock}`, true, extra);
    }
    return done('RETRYING', `consumed and failed; redelivered ${retries.length} time(s) through %RETRY%${group}`, true, extra);
  }

  private lockHolder(group: string, topic: string, queueId: number): string {
    const info = this.b.consumerManager.getConsumerGroupInfo(group);
    if (!info) return '';
    const mq = { topic, brokerName: this.b.config.brokerName, queueId };
    for (const ch of info.channels.values()) if (this.b.rebalanceLockManager.isLocked(group, mq, ch.clientId)) return ` (queue locked by ${ch.clientId})`;
    return '';
  }

  /** Adds the trace records of the group about this message; returns when it was consumed successfully. */
  private traceFindings(msgId: string, group: string, findings: Finding[]): number | undefined {
    const traceTopic = this.b.config.msgTraceTopicName || 'RMQ_SYS_TRACE_TOPIC';
    let consumedAt: number | undefined;
    const r = this.b.store.queryMessage(traceTopic, msgId, 64, 0, Number.MAX_SAFE_INTEGER);
    const records = [];
    for (const rec of r.messages) {
      try {
        const m = decodeRecord(rec);
        if (m.topic !== traceTopic) continue;
        for (const t of decodeTraceData(m.body.toString('utf8'))) if (t.msgId === msgId) records.push(t);
      } catch {
        /* skip */
      }
    }
    const groupOf = new Map(records.filter((t) => t.type === 'SubBefore').map((t) => [t.requestId, t.groupName]));
    for (const t of records) {
      if (t.type === 'Pub') findings.push({ kind: 'trace', detail: `sent by producer group ${t.groupName} (${t.success ? 'ok' : 'failed'}, ${t.costTime} ms)`, at: t.timestamp });
      if (t.type === 'SubAfter' && groupOf.get(t.requestId) === group) {
        findings.push({ kind: 'trace', detail: `consumed by ${group}: ${t.success ? 'success' : 'failed'} in ${t.costTime} ms`, at: t.timestamp });
        if (t.success) consumedAt = t.timestamp;
      }
    }
    return consumedAt;
  }
}
