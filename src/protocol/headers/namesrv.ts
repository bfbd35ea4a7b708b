/** Name server requests (remoting-protocol.md §5.4, §6.7, §6.8). */
import { defineHeader, optional, required, rpcRequestFields, topicRequestFields, type HeaderType } from '../header.js';

export const RegisterBrokerRequestHeader = defineHeader('RegisterBrokerRequestHeader', {
  brokerName: required.string,
  brokerAddr: required.string,
  clusterName: required.string,
  haServerAddr: required.string,
  brokerId: required.long,
  heartbeatTimeoutMillis: optional.long,
  enableActingMaster: optional.boolean,
  compressed: optional.boolean,
  /** CRC32 of the body & 0x7FFFFFFF; 0 = not checked. */
  bodyCrc32: optional.int,
  ...rpcRequestFields,
});
export type RegisterBrokerRequestHeader = HeaderType<typeof RegisterBrokerRequestHeader>;

export const RegisterBrokerResponseHeader = defineHeader('RegisterBrokerResponseHeader', {
  haServerAddr: optional.string,
  masterAddr: optional.string,
});
export type RegisterBrokerResponseHeader = HeaderType<typeof RegisterBrokerResponseHeader>;

export const UnRegisterBrokerRequestHeader = defineHeader('UnRegisterBrokerRequestHeader', {
  brokerName: required.string,
  brokerAddr: required.string,
  clusterName: required.string,
  brokerId: required.long,
  ...rpcRequestFields,
});
export type UnRegisterBrokerRequestHeader = HeaderType<typeof UnRegisterBrokerRequestHeader>;

export const GetRouteInfoRequestHeader = defineHeader('GetRouteInfoRequestHeader', {
  topic: required.string,
  acceptStandardJsonOnly: optional.boolean,
  ...topicRequestFields,
});
export type GetRouteInfoRequestHeader = HeaderType<typeof GetRouteInfoRequestHeader>;

export const DeleteTopicFromNamesrvRequestHeader = defineHeader('DeleteTopicFromNamesrvRequestHeader', {
  topic: required.string,
  clusterName: optional.string,
  ...rpcRequestFields,
});
export type DeleteTopicFromNamesrvRequestHeader = HeaderType<typeof DeleteTopicFromNamesrvRequestHeader>;

/** REGISTER_TOPIC_IN_NAMESRV (217, 5.x); body TopicRouteData. */
export const RegisterTopicRequestHeader = defineHeader('RegisterTopicRequestHeader', {
  topic: required.string,
  ...rpcRequestFields,
});
export type RegisterTopicRequestHeader = HeaderType<typeof RegisterTopicRequestHeader>;

export const GetTopicsByClusterRequestHeader = defineHeader('GetTopicsByClusterRequestHeader', {
  cluster: required.string,
  ...rpcRequestFields,
});
export type GetTopicsByClusterRequestHeader = HeaderType<typeof GetTopicsByClusterRequestHeader>;

/** QUERY_DATA_VERSION (322); body = the broker's DataVersion JSON. */
export const QueryDataVersionRequestHeader = defineHeader('QueryDataVersionRequestHeader', {
  brokerName: required.string,
  brokerAddr: required.string,
  clusterName: required.string,
  brokerId: required.long,
  ...rpcRequestFields,
});
export type QueryDataVersionRequestHeader = HeaderType<typeof QueryDataVersionRequestHeader>;

export const QueryDataVersionResponseHeader = defineHeader('QueryDataVersionResponseHeader', {
  changed: required.boolean,
});
export type QueryDataVersionResponseHeader = HeaderType<typeof QueryDataVersionResponseHeader>;

/** BROKER_HEARTBEAT (904, 5.x). */
export const BrokerHeartbeatRequestHeader = defineHeader('BrokerHeartbeatRequestHeader', {
  clusterName: required.string,
  brokerAddr: required.string,
  brokerName: required.string,
  brokerId: optional.long,
  epoch: optional.int,
  maxOffset: optional.long,
  confirmOffset: optional.long,
  heartbeatTimeoutMills: optional.long,
  electionPriority: optional.int,
  ...rpcRequestFields,
});
export type BrokerHeartbeatRequestHeader = HeaderType<typeof BrokerHeartbeatRequestHeader>;

export const PutKVConfigRequestHeader = defineHeader('PutKVConfigRequestHeader', {
  namespace: required.string,
  key: required.string,
  value: required.string,
  ...rpcRequestFields,
});
export type PutKVConfigRequestHeader = HeaderType<typeof PutKVConfigRequestHeader>;

export const GetKVConfigRequestHeader = defineHeader('GetKVConfigRequestHeader', {
  namespace: required.string,
  key: required.string,
  ...rpcRequestFields,
});
export type GetKVConfigRequestHeader = HeaderType<typeof GetKVConfigRequestHeader>;

export const GetKVConfigResponseHeader = defineHeader('GetKVConfigResponseHeader', {
  value: optional.string,
});
export type GetKVConfigResponseHeader = HeaderType<typeof GetKVConfigResponseHeader>;

export const DeleteKVConfigRequestHeader = defineHeader('DeleteKVConfigRequestHeader', {
  namespace: required.string,
  key: required.string,
  ...rpcRequestFields,
});
export type DeleteKVConfigRequestHeader = HeaderType<typeof DeleteKVConfigRequestHeader>;

export const GetKVListByNamespaceRequestHeader = defineHeader('GetKVListByNamespaceRequestHeader', {
  namespace: required.string,
  ...rpcRequestFields,
});
export type GetKVListByNamespaceRequestHeader = HeaderType<typeof GetKVListByNamespaceRequestHeader>;

export const WipeWritePermOfBrokerRequestHeader = defineHeader('WipeWritePermOfBrokerRequestHeader', {
  brokerName: required.string,
  ...rpcRequestFields,
});
export type WipeWritePermOfBrokerRequestHeader = HeaderType<typeof WipeWritePermOfBrokerRequestHeader>;

export const WipeWritePermOfBrokerResponseHeader = defineHeader('WipeWritePermOfBrokerResponseHeader', {
  wipeTopicCount: required.int,
});
export type WipeWritePermOfBrokerResponseHeader = HeaderType<typeof WipeWritePermOfBrokerResponseHeader>;

export const AddWritePermOfBrokerRequestHeader = defineHeader('AddWritePermOfBrokerRequestHeader', {
  brokerName: required.string,
  ...rpcRequestFields,
});
export type AddWritePermOfBrokerRequestHeader = HeaderType<typeof AddWritePermOfBrokerRequestHeader>;

export const AddWritePermOfBrokerResponseHeader = defineHeader('AddWritePermOfBrokerResponseHeader', {
  addTopicCount: required.int,
});
export type AddWritePermOfBrokerResponseHeader = HeaderType<typeof AddWritePermOfBrokerResponseHeader>;


/** GET_BROKER_MEMBER_GROUP (901, 5.x): the addresses of one broker group. */
export const GetBrokerMemberGroupRequestHeader = defineHeader('GetBrokerMemberGroupRequestHeader', {
  clusterName: required.string,
  brokerName: required.string,
  ...rpcRequestFields,
});
export type GetBrokerMemberGroupRequestHeader = HeaderType<typeof GetBrokerMemberGroupRequestHeader>;
