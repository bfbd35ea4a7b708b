/** Every `rmq admin` sub-command, in the order `rmq admin --help` lists them. */
import type { AdminCommand } from '../command.js';
import { brokerStatus } from './broker-status.js';
import { clusterList } from './cluster-list.js';
import { consumeMessage } from './consume-message.js';
import { consumerConnection } from './consumer-connection.js';
import { consumerProgress } from './consumer-progress.js';
import { consumerStatus } from './consumer-status.js';
import { deleteSubGroup } from './delete-sub-group.js';
import { deleteTopic } from './delete-topic.js';
import { queryMsgById } from './query-msg-by-id.js';
import { queryMsgByKey } from './query-msg-by-key.js';
import { queryMsgByOffset } from './query-msg-by-offset.js';
import { resetOffsetByTime } from './reset-offset-by-time.js';
import { sendMessage } from './send-message.js';
import { topicList } from './topic-list.js';
import { topicRoute } from './topic-route.js';
import { topicStatus } from './topic-status.js';
import { updateSubGroup } from './update-sub-group.js';
import { updateTopic } from './update-topic.js';
import { getBrokerConfig, updateBrokerConfig } from './broker-config.js';
import { addWritePerm, deleteKvConfig, getNamesrvConfig, updateKvConfig, updateNamesrvConfig, wipeWritePerm } from './namesrv-config.js';
import { printMsg } from './print-msg.js';
import { cloneGroupOffset, skipAccumulatedMessage } from './offset-extra.js';
import { allocateMQ, getConsumerConfig } from './group-extra.js';
import { decodeMessageId } from './decode-message-id.js';
import { producerConnection } from './producer-connection.js';
import { queryMsgByUniqueKey } from './query-msg-by-unique-key.js';
import { topicClusterList, updateTopicPerm } from './topic-extra.js';
import { recallMessage, rescheduleMessage } from './timer-recall.js';
import { checkSubscription } from './check-subscription.js';
import { listHalfMessages, resolveHalfMessage } from './half-messages.js';
import { queryMsgTraceById } from './trace.js';
import { whyNotConsumed } from './why-not-consumed.js';

export const adminCommands: readonly AdminCommand[] = [
  updateTopic,
  deleteTopic,
  topicList,
  topicRoute,
  topicStatus,
  clusterList,
  brokerStatus,
  updateSubGroup,
  deleteSubGroup,
  consumerProgress,
  consumerConnection,
  consumerStatus,
  queryMsgById,
  queryMsgByKey,
  queryMsgByOffset,
  resetOffsetByTime,
  sendMessage,
  consumeMessage,
  // more of mqadmin's commands
  updateTopicPerm,
  topicClusterList,
  queryMsgByUniqueKey,
  printMsg,
  decodeMessageId,
  getConsumerConfig,
  allocateMQ,
  skipAccumulatedMessage,
  cloneGroupOffset,
  producerConnection,
  getBrokerConfig,
  updateBrokerConfig,
  updateKvConfig,
  deleteKvConfig,
  wipeWritePerm,
  addWritePerm,
  getNamesrvConfig,
  updateNamesrvConfig,
  // timer messages and subscription checks
  recallMessage,
  rescheduleMessage,
  checkSubscription,
  // transactions
  listHalfMessages,
  resolveHalfMessage,
  // message trace and diagnosis
  queryMsgTraceById,
  whyNotConsumed,
];
