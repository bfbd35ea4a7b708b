/**
 * Timer messages on the send path (RocketMQ 5.x HookUtils.transformTimerMessage, with millisecond
 * precision and relative delays on the broker's clock).
 *
 * A message carrying TIMER_DELAY_SEC, TIMER_DELAY_MS (relative, computed on receipt from the broker's
 * clock, so a producer's clock skew does not matter) or TIMER_DELIVER_MS (absolute) and no DELAY level
 * is parked: topic -> rmq_sys_wheel_timer queue 0, REAL_TOPIC / REAL_QID keep the destination,
 * TIMER_OUT_MS the delivery time. A time not in the future is delivered at once (not parked). A delay
 * beyond timerMaxDelaySec is refused. A message that already has TIMER_OUT_MS (a delivered timer message
 * being retried or forwarded) is not parked again; a DELAY level wins over timer properties.
 */
import { PROPERTY } from '../../message/message-const.js';
import { getEncodedProperty } from '../../message/properties.js';
import type { MessageInner } from '../../store/types.js';
import { appendProperty, removeProperties } from '../message-util.js';

export const TIMER_TOPIC = 'rmq_sys_wheel_timer';
export const TIMER_ENQUEUE_MS = 'TIMER_ENQUEUE_MS';
export const TIMER_DEQUEUE_MS = 'TIMER_DEQUEUE_MS';
export const TIMER_ROLL_TIMES = 'TIMER_ROLL_TIMES';

export type TimerTransform = { kind: 'none' } | { kind: 'parked'; deliverMs: number } | { kind: 'illegal'; remark: string };

const NONE: TimerTransform = { kind: 'none' };
const INT = /^[+-]?\d{1,18}$/;

export function timerIllegalRemark(maxDelayMs: number): string {
  return `timer message illegal, the delay time should not be bigger than the max delay ${maxDelayMs}ms; or if set del msg, the delay time should be bigger than the current time`;
}

/** Rewrites `msg` in place when it is a timer message to park. */
export function applyTimerProperties(msg: MessageInner, clock: () => number, maxDelayMs: number): TimerTransform {
  const p = msg.properties;
  // Cheap exit for the common case: no timer property at all.
  if (!p.includes('TIMER_')) return NONE;
  const tran = msg.sysFlag & 0xc;
  if (tran !== 0 && tran !== 0x8) return NONE;
  if (msg.topic === TIMER_TOPIC) return NONE;
  const level = getEncodedProperty(p, PROPERTY.DELAY);
  if (level !== undefined && Number(level) > 0) {
    msg.properties = removeProperties(p, [PROPERTY.TIMER_DELIVER_MS, PROPERTY.TIMER_DELAY_SEC, PROPERTY.TIMER_DELAY_MS]);
    return NONE;
  }
  if (getEncodedProperty(p, PROPERTY.TIMER_OUT_MS) !== undefined) return NONE;
  const sec = getEncodedProperty(p, PROPERTY.TIMER_DELAY_SEC);
  const ms = sec === undefined ? getEncodedProperty(p, PROPERTY.TIMER_DELAY_MS) : undefined;
  const abs = sec === undefined && ms === undefined ? getEncodedProperty(p, PROPERTY.TIMER_DELIVER_MS) : undefined;
  const raw = sec ?? ms ?? abs;
  if (raw === undefined) return NONE;
  if (!INT.test(raw.trim())) return { kind: 'illegal', remark: `timer message illegal, ${sec !== undefined ? 'TIMER_DELAY_SEC' : ms !== undefined ? 'TIMER_DELAY_MS' : 'TIMER_DELIVER_MS'}="${raw}" is not an integer` };
  const v = Number(raw.trim());
  const now = clock(); // read only for timer messages: a clock read per send is measurable
  const deliverMs = sec !== undefined ? now + v * 1000 : ms !== undefined ? now + v : v;
  if (deliverMs <= now) return NONE;
  if (deliverMs - now > maxDelayMs) return { kind: 'illegal', remark: timerIllegalRemark(maxDelayMs) };
  let props = p;
  props = appendProperty(props, PROPERTY.TIMER_OUT_MS, String(deliverMs));
  props = appendProperty(props, PROPERTY.REAL_TOPIC, msg.topic);
  props = appendProperty(props, PROPERTY.REAL_QID, String(msg.queueId));
  msg.properties = props;
  msg.topic = TIMER_TOPIC;
  msg.queueId = 0;
  // The timer topic's consume-queue tag code is the delivery time (as the schedule topic's).
  msg.tagsCode = deliverMs;
  return { kind: 'parked', deliverMs };
}

/**
 * RocketMQ 5.x recall handle: base64url("v1 <topic> <brokerName> <deliverMs> <uniqKey>").
 * Our broker also accepts a bare UNIQ_KEY where a handle is expected.
 */
export function buildRecallHandle(topic: string, brokerName: string, deliverMs: number, uniqKey: string): string {
  return Buffer.from(['v1', topic, brokerName, String(deliverMs), uniqKey].join(' '), 'utf8').toString('base64url');
}

export interface RecallHandle {
  topic: string;
  brokerName: string;
  deliverMs: number;
  uniqKey: string;
}

/** Decodes a v1 recall handle, or undefined when `s` is not one (e.g. a bare unique key). */
export function decodeRecallHandle(s: string): RecallHandle | undefined {
  if (!s || !/^[A-Za-z0-9_-]+=*$/.test(s)) return undefined;
  const raw = Buffer.from(s, 'base64url').toString('utf8');
  const items = raw.split(' ');
  if (items[0] !== 'v1' || items.length < 5) return undefined;
  const deliverMs = Number(items[3]);
  return { topic: items[1]!, brokerName: items[2]!, deliverMs: Number.isFinite(deliverMs) ? deliverMs : -1, uniqKey: items[4]! };
}
