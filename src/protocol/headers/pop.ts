/**
 * 5.x pop family (remoting-protocol.md §6.10). Codes are above 32767, so these travel with JSON
 * headers only.
 */
import { defineHeader, optional, required, topicRequestFields, type HeaderType } from '../header.js';

export const PopMessageRequestHeader = defineHeader('PopMessageRequestHeader', {
  consumerGroup: required.string,
  topic: required.string,
  /** -1 = any queue. */
  queueId: required.int,
  maxMsgNums: required.int,
  invisibleTime: required.long,
  pollTime: required.long,
  bornTime: required.long,
  /** 0 MIN, 1 MAX. */
  initMode: required.int,
  expType: optional.string,
  exp: optional.string,
  order: optional.boolean,
  attemptId: optional.string,
  ...topicRequestFields,
});
export type PopMessageRequestHeader = HeaderType<typeof PopMessageRequestHeader>;

export const PopMessageResponseHeader = defineHeader('PopMessageResponseHeader', {
  popTime: required.long,
  invisibleTime: required.long,
  reviveQid: required.int,
  restNum: required.long,
  startOffsetInfo: optional.string,
  msgOffsetInfo: optional.string,
  orderCountInfo: optional.string,
});
export type PopMessageResponseHeader = HeaderType<typeof PopMessageResponseHeader>;

export const AckMessageRequestHeader = defineHeader('AckMessageRequestHeader', {
  consumerGroup: required.string,
  topic: required.string,
  queueId: required.int,
  extraInfo: required.string,
  offset: required.long,
  ...topicRequestFields,
});
export type AckMessageRequestHeader = HeaderType<typeof AckMessageRequestHeader>;

export const ChangeInvisibleTimeRequestHeader = defineHeader('ChangeInvisibleTimeRequestHeader', {
  consumerGroup: required.string,
  topic: required.string,
  queueId: required.int,
  extraInfo: required.string,
  offset: required.long,
  invisibleTime: required.long,
  ...topicRequestFields,
});
export type ChangeInvisibleTimeRequestHeader = HeaderType<typeof ChangeInvisibleTimeRequestHeader>;

export const ChangeInvisibleTimeResponseHeader = defineHeader('ChangeInvisibleTimeResponseHeader', {
  popTime: required.long,
  invisibleTime: required.long,
  reviveQid: required.int,
});
export type ChangeInvisibleTimeResponseHeader = HeaderType<typeof ChangeInvisibleTimeResponseHeader>;

export const NotificationRequestHeader = defineHeader('NotificationRequestHeader', {
  consumerGroup: required.string,
  topic: required.string,
  queueId: required.int,
  pollTime: required.long,
  bornTime: required.long,
  order: optional.boolean,
  attemptId: optional.string,
  ...topicRequestFields,
});
export type NotificationRequestHeader = HeaderType<typeof NotificationRequestHeader>;

export const NotificationResponseHeader = defineHeader('NotificationResponseHeader', {
  hasMsg: required.boolean,
  pollingFull: optional.boolean,
});
export type NotificationResponseHeader = HeaderType<typeof NotificationResponseHeader>;

export const PeekMessageRequestHeader = defineHeader('PeekMessageRequestHeader', {
  topic: required.string,
  queueId: required.int,
  maxMsgNums: required.int,
  consumerGroup: required.string,
  ...topicRequestFields,
});
export type PeekMessageRequestHeader = HeaderType<typeof PeekMessageRequestHeader>;

export const PollingInfoRequestHeader = defineHeader('PollingInfoRequestHeader', {
  consumerGroup: required.string,
  topic: required.string,
  queueId: required.int,
  ...topicRequestFields,
});
export type PollingInfoRequestHeader = HeaderType<typeof PollingInfoRequestHeader>;

export const PollingInfoResponseHeader = defineHeader('PollingInfoResponseHeader', {
  pollingNum: required.int,
});
export type PollingInfoResponseHeader = HeaderType<typeof PollingInfoResponseHeader>;
