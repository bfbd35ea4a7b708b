/**
 * Stored message (MessageExt) <-> apache.rocketmq.v2.Message, following the 5.x proxy's mapping
 * (grpc-v2.md §7, §8): message_id = UNIQ_KEY, tag = TAGS, keys = KEYS (space-separated), message_group =
 * __SHARDINGKEY, delivery_timestamp = TIMER_DELIVER_MS, born_host = __BORNHOST, trace_context =
 * TRACE_CONTEXT; every other property not in RocketMQ's system set is a user property, both ways, so a
 * message keeps its properties, keys and tags between 4.x and 5.x clients.
 */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { PROPERTY, SYS_FLAG } from '../message/message-const.js';
import type { MessageExt } from '../message/message-record.js';
import { DigestType, Encoding, MessageType, toDuration, toTimestamp } from './proto.js';

export const BORN_HOST_PROP = '__BORNHOST';
export const TRACE_CONTEXT_PROP = 'TRACE_CONTEXT';

/** MessageConst.STRING_HASH_SET plus 5.x system keys: never shown as user properties. */
export const SYSTEM_PROPERTIES = new Set<string>([
  'TRACE_ON', 'MSG_REGION', 'KEYS', 'TAGS', 'WAIT', 'DELAY', 'RETRY_TOPIC', 'REAL_TOPIC', 'REAL_QID', 'TRAN_MSG', 'PGROUP',
  'MIN_OFFSET', 'MAX_OFFSET', 'BUYER_ID', 'ORIGIN_MESSAGE_ID', 'TRANSFER_FLAG', 'CORRECTION_FLAG', 'MQ2_FLAG',
  'RECONSUME_TIME', 'UNIQ_KEY', 'MAX_RECONSUME_TIMES', 'CONSUME_START_TIME', 'POP_CK', 'POP_CK_OFFSET', '1ST_POP_TIME',
  'TRAN_PREPARED_QUEUE_OFFSET', 'DUP_INFO', 'EXTEND_UNIQ_INFO', 'INSTANCE_ID', 'CORRELATION_ID', 'REPLY_TO_CLIENT', 'TTL',
  'ARRIVE_TIME', 'PUSH_REPLY_TIME', 'CLUSTER', 'MSG_TYPE', '__SHARDINGKEY', '__transactionId__', 'CHECK_IMMUNITY_TIME_IN_SECONDS',
  'TIMER_DELIVER_MS', 'TIMER_DELAY_SEC', 'TIMER_DELAY_MS', 'TIMER_OUT_MS', 'TIMER_ENQUEUE_MS', 'TIMER_DEQUEUE_MS', 'TIMER_ROLL_TIMES',
  'TIMER_DEL_UNIQKEY', '__BORNHOST', 'TRACE_CONTEXT', 'DLQ_ORIGIN_TOPIC', 'DLQ_ORIGIN_MESSAGE_ID', 'INNER_MULTI_DISPATCH',
  'INNER_MULTI_QUEUE_OFFSET', 'INNER_NUM', 'SHARDING_KEY', '__STARTDELIVERTIME',
]);

export interface ProtoMessage {
  topic: { resourceNamespace?: string; name: string };
  userProperties: Record<string, string>;
  systemProperties: Record<string, unknown>;
  body: Buffer;
}

function hostString(a: { address: string; port: number }): string {
  return `${a.address}:${a.port}`;
}

export interface DeliveryInfo {
  receiptHandle?: string;
  deliveryAttempt?: number;
  invisibleMs?: number;
  /** Topic to show (RETRY_TOPIC restored). */
  topic?: string;
}

/** A stored message as a v2 Message (body digest MD5, body inflated when stored compressed). */
export function toProtoMessage(m: MessageExt, d: DeliveryInfo = {}): ProtoMessage {
  const p = m.properties;
  let body = m.body;
  if (m.sysFlag & SYS_FLAG.COMPRESSED) {
    try {
      body = inflateSync(body);
    } catch {
      /* leave as stored; the client flags the digest */
    }
  }
  const userProperties: Record<string, string> = {};
  for (const k of Object.keys(p)) if (!SYSTEM_PROPERTIES.has(k)) userProperties[k] = p[k]!;
  const group = p[PROPERTY.SHARDING_KEY];
  const deliverMs = p[PROPERTY.TIMER_DELIVER_MS] ?? p[PROPERTY.TIMER_OUT_MS];
  let type: number = MessageType.NORMAL;
  if (group) type = MessageType.FIFO;
  else if (deliverMs || p[PROPERTY.DELAY]) type = MessageType.DELAY;
  else if (p[PROPERTY.TRAN_MSG] === 'true') type = MessageType.TRANSACTION;
  const sp: Record<string, unknown> = {
    keys: (p[PROPERTY.KEYS] ?? '').split(' ').filter(Boolean),
    messageId: p[PROPERTY.UNIQ_KEY] ?? m.offsetMsgId,
    bodyDigest: { type: DigestType.MD5, checksum: createHash('md5').update(body).digest('hex').toUpperCase() },
    bodyEncoding: Encoding.IDENTITY,
    messageType: type,
    bornTimestamp: toTimestamp(m.bornTimestamp),
    bornHost: p[BORN_HOST_PROP] ?? m.bornHost.address,
    storeTimestamp: toTimestamp(m.storeTimestamp),
    storeHost: hostString(m.storeHost),
    queueId: m.queueId,
    queueOffset: m.queueOffset,
  };
  if (p[PROPERTY.TAGS] !== undefined) sp.tag = p[PROPERTY.TAGS];
  if (group) sp.messageGroup = group;
  if (deliverMs && Number.isFinite(Number(deliverMs))) sp.deliveryTimestamp = toTimestamp(Number(deliverMs));
  if (p[TRACE_CONTEXT_PROP]) sp.traceContext = p[TRACE_CONTEXT_PROP];
  if (d.receiptHandle !== undefined) sp.receiptHandle = d.receiptHandle;
  if (d.deliveryAttempt !== undefined) sp.deliveryAttempt = d.deliveryAttempt;
  if (d.invisibleMs !== undefined) sp.invisibleDuration = toDuration(d.invisibleMs);
  if (p[PROPERTY.DLQ_ORIGIN_TOPIC]) sp.deadLetterQueue = { topic: p[PROPERTY.DLQ_ORIGIN_TOPIC], messageId: p[PROPERTY.DLQ_ORIGIN_MESSAGE_ID] ?? '' };
  return { topic: { resourceNamespace: '', name: d.topic ?? p[PROPERTY.RETRY_TOPIC] ?? m.topic }, userProperties, systemProperties: sp, body };
}
