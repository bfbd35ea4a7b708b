/**
 * rocketmq-ts: an Apache RocketMQ-compatible message queue for Node.js.
 *
 * Client SDK (producer, push consumer, lite pull consumer) and message types.
 */
export * from './client/index.js';
export { PROPERTY as MessageConst, SYS_FLAG as MessageSysFlag } from './message/message-const.js';
export { RmqError } from './common/errors.js';

// Server-side exports (name server, broker, admin) are added below by their modules.
export { NamesrvController, type NamesrvControllerOptions } from './namesrv/namesrv-controller.js';
export { defaultNamesrvConfig, type NamesrvConfig } from './namesrv/namesrv-config.js';
