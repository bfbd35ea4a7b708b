/**
 * SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320), SEND_REPLY_MESSAGE(_V2) (324/325),
 * remoting-protocol.md §6.1. V2 carries the same fields under one-letter keys a..n
 * (SendMessageRequestHeaderV2); both decode to the same long-named object.
 */
import { defineHeader, optional, required, topicRequestFields, withWireKeys, wireKey, type HeaderType } from '../header.js';

const sendMessageFields = {
  producerGroup: required.string,
  topic: required.string,
  defaultTopic: required.string,
  defaultTopicQueueNums: required.int,
  queueId: required.int,
  sysFlag: required.int,
  bornTimestamp: required.long,
  flag: required.int,
  properties: optional.string,
  reconsumeTimes: optional.int,
  unitMode: optional.boolean,
  maxReconsumeTimes: optional.int,
  batch: optional.boolean,
  brokerName: optional.string,
} as const;

/** Long name -> V2 short key, exactly SendMessageRequestHeaderV2's fields. */
export const SEND_MESSAGE_V2_KEYS = {
  producerGroup: 'a',
  topic: 'b',
  defaultTopic: 'c',
  defaultTopicQueueNums: 'd',
  queueId: 'e',
  sysFlag: 'f',
  bornTimestamp: 'g',
  flag: 'h',
  properties: 'i',
  reconsumeTimes: 'j',
  unitMode: 'k',
  maxReconsumeTimes: 'l',
  batch: 'm',
  brokerName: 'n',
} as const satisfies Record<keyof typeof sendMessageFields, string>;

/** V2 short key -> long name. */
export const SEND_MESSAGE_V2_NAMES: Readonly<Record<string, keyof typeof sendMessageFields>> = Object.fromEntries(
  Object.entries(SEND_MESSAGE_V2_KEYS).map(([name, key]) => [key, name as keyof typeof sendMessageFields]),
);

const { bname: _bname, ...topicFieldsWithoutBname } = topicRequestFields;

/** V1 has no brokerName field of its own: it travels as the common `bname` field. */
export const SendMessageRequestHeader = defineHeader('SendMessageRequestHeader', {
  ...sendMessageFields,
  brokerName: wireKey(optional.string, 'bname'),
  ...topicFieldsWithoutBname,
});
export type SendMessageRequestHeader = HeaderType<typeof SendMessageRequestHeader>;

/** Reads/writes a..n on the wire; the decoded object has the long names (SendMessageRequestHeader). */
export const SendMessageRequestHeaderV2 = defineHeader(
  'SendMessageRequestHeaderV2',
  withWireKeys({ ...sendMessageFields, ...topicRequestFields }, SEND_MESSAGE_V2_KEYS),
);

/** V1 wire key -> V2 wire key ("bname" -> "n", "producerGroup" -> "a", ...). */
const V1_TO_V2: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SEND_MESSAGE_V2_KEYS).map(([name, key]) => [name === 'brokerName' ? 'bname' : name, key]),
);
const V2_TO_V1: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(V1_TO_V2).map(([a, b]) => [b, a]));

/** Raw V1 extFields -> V2 (a..n); other keys unchanged. */
export function sendHeaderToV2(ext: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ext)) out[V1_TO_V2[k] ?? k] = v;
  return out;
}

/** Raw V2 extFields (a..n) -> V1; other keys unchanged. */
export function sendHeaderFromV2(ext: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ext)) out[V2_TO_V1[k] ?? k] = v;
  return out;
}

export const SendMessageResponseHeader = defineHeader('SendMessageResponseHeader', {
  msgId: required.string,
  queueId: required.int,
  queueOffset: required.long,
  transactionId: optional.string,
  batchUniqId: optional.string,
  recallHandle: optional.string,
  // Extra extFields a Java broker adds to every send response.
  MSG_REGION: optional.string,
  TRACE_ON: optional.string,
});
export type SendMessageResponseHeader = HeaderType<typeof SendMessageResponseHeader>;

/** SEND_REPLY_MESSAGE / _V2 (324/325): request-reply, plus where the request was stored. */
export const ReplyMessageRequestHeader = defineHeader('ReplyMessageRequestHeader', {
  producerGroup: required.string,
  topic: required.string,
  defaultTopic: required.string,
  defaultTopicQueueNums: required.int,
  queueId: required.int,
  sysFlag: required.int,
  bornTimestamp: required.long,
  flag: required.int,
  properties: optional.string,
  reconsumeTimes: optional.int,
  unitMode: optional.boolean,
  bornHost: required.string,
  storeHost: required.string,
  storeTimestamp: required.long,
  ...topicRequestFields,
});
export type ReplyMessageRequestHeader = HeaderType<typeof ReplyMessageRequestHeader>;

/** RECALL_MESSAGE (370, 5.x). */
export const RecallMessageRequestHeader = defineHeader('RecallMessageRequestHeader', {
  producerGroup: optional.string,
  topic: required.string,
  recallHandle: required.string,
  ...topicRequestFields,
});
export type RecallMessageRequestHeader = HeaderType<typeof RecallMessageRequestHeader>;

export const RecallMessageResponseHeader = defineHeader('RecallMessageResponseHeader', {
  msgId: required.string,
});
export type RecallMessageResponseHeader = HeaderType<typeof RecallMessageResponseHeader>;
