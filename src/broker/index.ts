/** The broker's public API. */
export { BrokerController, type BrokerControllerOptions } from './broker-controller.js';
export {
  loadBrokerConfig,
  defaultBrokerConfig,
  validateBrokerConfig,
  applyBrokerConfig,
  parseDelayLevels,
  storeConfigOf,
  brokerConfigToProperties,
  localAddress,
  type BrokerConfig,
} from './broker-config.js';
export { TopicConfigManager, TopicValidator, topicNameProblem, PERM_READ, PERM_WRITE, PERM_INHERIT, PERM_PRIORITY } from './topic-config-manager.js';
export { SubscriptionGroupManager } from './subscription-group-manager.js';
export { ConsumerOffsetManager } from './consumer-offset-manager.js';
export { ScheduleMessageService, SCHEDULE_TOPIC } from './schedule-message-service.js';
