/** The client SDK's public API. */
export { Message, MessageExt, SendStatus, type MessageOptions, type SendResult } from './message.js';
export { MessageQueue, compareMessageQueue } from './message-queue.js';
export { DefaultMQProducer, type ProducerOptions, type SendCallback } from './producer.js';
export {
  TransactionMQProducer,
  LocalTransactionState,
  type TransactionListener,
  type TransactionSendResult,
  type TransactionProducerOptions,
} from './transaction-producer.js';
export {
  DefaultMQPushConsumer,
  ConsumeConcurrentlyStatus,
  ConsumeOrderlyStatus,
  type ConsumeOrderlyContext,
  type MessageListenerOrderly,
  type ConsumeConcurrentlyContext,
  type MessageListenerConcurrently,
  type MessageListenerConcurrentlyObject,
  type PushConsumerOptions,
} from './push-consumer.js';
export { DefaultLitePullConsumer, type LitePullConsumerOptions } from './lite-pull-consumer.js';
export {
  AllocateMessageQueueAveragely,
  AllocateMessageQueueAveragelyByCircle,
  AllocateMessageQueueConsistentHash,
  allocateStrategyByName,
  type AllocateMessageQueueStrategy,
} from './allocate.js';
export {
  SelectMessageQueueByHash,
  SelectMessageQueueByRandom,
  type MessageQueueSelector,
  type MessageQueueSelectorObject,
} from './selectors.js';
export { MessageModel, ConsumeFromWhere } from './consumer-common.js';
export { LocalFileOffsetStore, RemoteBrokerOffsetStore, ReadOffsetType, type OffsetStore } from './offset-store.js';
export { MQClientError, RemotingResponseError } from './errors.js';
export { MQClientInstance, MQClientManager, setDefaultTransportFactory } from './mq-client-instance.js';
export type { QueryResult } from './mq-admin.js';
export type { ClientConfig } from './client-config.js';
export type { ClientTransport } from './transport.js';
export { buildSubscriptionData, type SubscriptionData } from './subscription.js';
export { MessageSelector, type ExpressionType } from './message-selector.js';
export { withDelay, withDeliverTime, type RecallResult } from './timer-message.js';
