/**
 * Admin requests on the broker (remoting-protocol.md §5.5, §6.9): topics, subscription groups,
 * stats and connections.
 */
import { defineHeader, optional, required, rpcRequestFields, topicRequestFields, type HeaderType } from '../header.js';

export const CreateTopicRequestHeader = defineHeader('CreateTopicRequestHeader', {
  topic: required.string,
  defaultTopic: required.string,
  readQueueNums: required.int,
  writeQueueNums: required.int,
  perm: required.int,
  /** "SINGLE_TAG" or "MULTI_TAG". */
  topicFilterType: required.string,
  topicSysFlag: optional.int,
  order: required.boolean,
  /** 5.x, "+key=value,+key2=value2" (a leading "-" deletes). */
  attributes: optional.string,
  force: optional.boolean,
  ...topicRequestFields,
});
export type CreateTopicRequestHeader = HeaderType<typeof CreateTopicRequestHeader>;

export const DeleteTopicRequestHeader = defineHeader('DeleteTopicRequestHeader', {
  topic: required.string,
  ...topicRequestFields,
});
export type DeleteTopicRequestHeader = HeaderType<typeof DeleteTopicRequestHeader>;

/** GET_TOPIC_CONFIG (351, 5.x). */
export const GetTopicConfigRequestHeader = defineHeader('GetTopicConfigRequestHeader', {
  topic: required.string,
  ...topicRequestFields,
});
export type GetTopicConfigRequestHeader = HeaderType<typeof GetTopicConfigRequestHeader>;

export const DeleteSubscriptionGroupRequestHeader = defineHeader('DeleteSubscriptionGroupRequestHeader', {
  groupName: required.string,
  cleanOffset: optional.boolean,
  ...rpcRequestFields,
});
export type DeleteSubscriptionGroupRequestHeader = HeaderType<typeof DeleteSubscriptionGroupRequestHeader>;

/** GET_SUBSCRIPTIONGROUP_CONFIG (352, 5.x). */
export const GetSubscriptionGroupConfigRequestHeader = defineHeader('GetSubscriptionGroupConfigRequestHeader', {
  group: required.string,
  ...rpcRequestFields,
});
export type GetSubscriptionGroupConfigRequestHeader = HeaderType<typeof GetSubscriptionGroupConfigRequestHeader>;

export const GetTopicStatsInfoRequestHeader = defineHeader('GetTopicStatsInfoRequestHeader', {
  topic: required.string,
  ...topicRequestFields,
});
export type GetTopicStatsInfoRequestHeader = HeaderType<typeof GetTopicStatsInfoRequestHeader>;

export const GetConsumeStatsRequestHeader = defineHeader('GetConsumeStatsRequestHeader', {
  consumerGroup: required.string,
  topic: optional.string,
  /** 5.x, comma-separated. */
  topicList: optional.string,
  ...topicRequestFields,
});
export type GetConsumeStatsRequestHeader = HeaderType<typeof GetConsumeStatsRequestHeader>;

export const GetConsumerConnectionListRequestHeader = defineHeader('GetConsumerConnectionListRequestHeader', {
  consumerGroup: required.string,
  ...rpcRequestFields,
});
export type GetConsumerConnectionListRequestHeader = HeaderType<typeof GetConsumerConnectionListRequestHeader>;

export const GetProducerConnectionListRequestHeader = defineHeader('GetProducerConnectionListRequestHeader', {
  producerGroup: required.string,
  ...rpcRequestFields,
});
export type GetProducerConnectionListRequestHeader = HeaderType<typeof GetProducerConnectionListRequestHeader>;

/** QUERY_TOPIC_CONSUME_BY_WHO (300). */
export const QueryTopicConsumeByWhoRequestHeader = defineHeader('QueryTopicConsumeByWhoRequestHeader', {
  topic: required.string,
  ...topicRequestFields,
});
export type QueryTopicConsumeByWhoRequestHeader = HeaderType<typeof QueryTopicConsumeByWhoRequestHeader>;

/** QUERY_TOPICS_BY_CONSUMER (343). */
export const QueryTopicsByConsumerRequestHeader = defineHeader('QueryTopicsByConsumerRequestHeader', {
  group: required.string,
  ...rpcRequestFields,
});
export type QueryTopicsByConsumerRequestHeader = HeaderType<typeof QueryTopicsByConsumerRequestHeader>;

/** GET_BROKER_CONFIG (26) response: the config's data version as JSON text. */
export const GetBrokerConfigResponseHeader = defineHeader('GetBrokerConfigResponseHeader', {
  version: required.string,
});
export type GetBrokerConfigResponseHeader = HeaderType<typeof GetBrokerConfigResponseHeader>;

/** GET_BROKER_CONSUME_STATS (317). */
export const GetConsumeStatsInBrokerHeader = defineHeader('GetConsumeStatsInBrokerHeader', {
  isOrder: required.boolean,
  ...rpcRequestFields,
});
export type GetConsumeStatsInBrokerHeader = HeaderType<typeof GetConsumeStatsInBrokerHeader>;

/** CLONE_GROUP_OFFSET (314). */
export const CloneGroupOffsetRequestHeader = defineHeader('CloneGroupOffsetRequestHeader', {
  srcGroup: required.string,
  destGroup: required.string,
  topic: optional.string,
  offline: optional.boolean,
  ...rpcRequestFields,
});
export type CloneGroupOffsetRequestHeader = HeaderType<typeof CloneGroupOffsetRequestHeader>;

/** QUERY_CONSUME_TIME_SPAN (303). */
export const QueryConsumeTimeSpanRequestHeader = defineHeader('QueryConsumeTimeSpanRequestHeader', {
  topic: required.string,
  group: required.string,
  ...topicRequestFields,
});
export type QueryConsumeTimeSpanRequestHeader = HeaderType<typeof QueryConsumeTimeSpanRequestHeader>;

/** QUERY_CORRECTION_OFFSET (308). */
export const QueryCorrectionOffsetHeader = defineHeader('QueryCorrectionOffsetHeader', {
  filterGroups: optional.string,
  compareGroup: required.string,
  topic: required.string,
  ...topicRequestFields,
});
export type QueryCorrectionOffsetHeader = HeaderType<typeof QueryCorrectionOffsetHeader>;

/** QUERY_SUBSCRIPTION_BY_CONSUMER (345). */
export const QuerySubscriptionByConsumerRequestHeader = defineHeader('QuerySubscriptionByConsumerRequestHeader', {
  group: required.string,
  topic: optional.string,
  ...rpcRequestFields,
});
export type QuerySubscriptionByConsumerRequestHeader = HeaderType<typeof QuerySubscriptionByConsumerRequestHeader>;

/** VIEW_BROKER_STATS_DATA (315), e.g. statsName "TOPIC_PUT_NUMS", statsKey "<topic>". */
export const ViewBrokerStatsDataRequestHeader = defineHeader('ViewBrokerStatsDataRequestHeader', {
  statsName: required.string,
  statsKey: required.string,
  ...rpcRequestFields,
});
export type ViewBrokerStatsDataRequestHeader = HeaderType<typeof ViewBrokerStatsDataRequestHeader>;

/** RESUME_CHECK_HALF_MESSAGE (323). */
export const ResumeCheckHalfMessageRequestHeader = defineHeader('ResumeCheckHalfMessageRequestHeader', {
  topic: optional.string,
  msgId: optional.string,
  ...rpcRequestFields,
});
export type ResumeCheckHalfMessageRequestHeader = HeaderType<typeof ResumeCheckHalfMessageRequestHeader>;

/** QUERY_CONSUME_QUEUE (321). */
export const QueryConsumeQueueRequestHeader = defineHeader('QueryConsumeQueueRequestHeader', {
  topic: optional.string,
  queueId: optional.int,
  index: optional.long,
  count: optional.int,
  consumerGroup: optional.string,
  ...topicRequestFields,
});
export type QueryConsumeQueueRequestHeader = HeaderType<typeof QueryConsumeQueueRequestHeader>;

/** UPDATE_AND_GET_GROUP_FORBIDDEN (353, 5.x). */
export const UpdateGroupForbiddenRequestHeader = defineHeader('UpdateGroupForbiddenRequestHeader', {
  group: required.string,
  topic: required.string,
  readable: optional.boolean,
  ...topicRequestFields,
});
export type UpdateGroupForbiddenRequestHeader = HeaderType<typeof UpdateGroupForbiddenRequestHeader>;
