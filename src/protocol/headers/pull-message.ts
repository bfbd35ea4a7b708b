/** PULL_MESSAGE (11) / LITE_PULL_MESSAGE (361), remoting-protocol.md §6.2. */
import { defineHeader, optional, required, topicRequestFields, type HeaderType } from '../header.js';

/** PullSysFlag bits. */
export const PullSysFlag = {
  COMMIT_OFFSET: 0x1,
  SUSPEND: 0x2,
  SUBSCRIPTION: 0x4,
  CLASS_FILTER: 0x8,
  LITE_PULL: 0x10,
} as const;

export const PullMessageRequestHeader = defineHeader('PullMessageRequestHeader', {
  consumerGroup: required.string,
  topic: required.string,
  queueId: required.int,
  queueOffset: required.long,
  maxMsgNums: required.int,
  sysFlag: required.int,
  commitOffset: required.long,
  suspendTimeoutMillis: required.long,
  subscription: optional.string,
  subVersion: required.long,
  expressionType: optional.string,
  maxMsgBytes: optional.int,
  requestSource: optional.int,
  proxyFrowardClientId: optional.string,
  ...topicRequestFields,
});
export type PullMessageRequestHeader = HeaderType<typeof PullMessageRequestHeader>;

export const PullMessageResponseHeader = defineHeader('PullMessageResponseHeader', {
  suggestWhichBrokerId: required.long,
  nextBeginOffset: required.long,
  minOffset: required.long,
  maxOffset: required.long,
  offsetDelta: optional.long,
  topicSysFlag: optional.int,
  groupSysFlag: optional.int,
  forbiddenType: optional.int,
});
export type PullMessageResponseHeader = HeaderType<typeof PullMessageResponseHeader>;
