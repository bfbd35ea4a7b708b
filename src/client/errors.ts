/**
 * Client errors. Broker refusals arrive as RemotingResponseError (responseCode + remark, as Java's
 * MQBrokerException); problems found on this side (no route, bad argument, not started) are
 * MQClientError with a stable code.
 */
import { RmqError, RemotingResponseError } from '../common/errors.js';

export { RemotingResponseError };

export class MQClientError extends RmqError {
  constructor(code: string, message: string, opts: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'MQClientError';
  }
}

/** Codes a producer retries on another broker (DefaultMQProducer.retryResponseCodes). */
export const RETRY_RESPONSE_CODES = new Set([17, 14, 1, 16, 204, 205]);

export function isResponseError(e: unknown): e is RemotingResponseError {
  return e instanceof RemotingResponseError;
}

/**
 * The broker does not know this consumer's subscription (SUBSCRIPTION_NOT_EXIST,
 * SUBSCRIPTION_NOT_LATEST, SUBSCRIPTION_GROUP_NOT_EXIST): it restarted or expired the channel,
 * and a heartbeat fixes it.
 */
export function isUnknownConsumerError(e: unknown): boolean {
  return e instanceof RemotingResponseError && (e.responseCode === 24 || e.responseCode === 25 || e.responseCode === 26);
}
