/** Helpers shared by the store's tests and bench: message factories and small-store configs. */
import { encodeSocketAddress } from '../message/socket-address.js';
import { encodeProperties, type Properties } from '../message/properties.js';
import { DEFAULT_STORE_CONFIG, type MessageInner, type MessageStoreConfig } from './types.js';

export const STORE_HOST = encodeSocketAddress('127.0.0.1', 10911);
export const BORN_HOST = encodeSocketAddress('127.0.0.1', 50418);

export function testConfig(root: string, over: Partial<MessageStoreConfig> = {}): MessageStoreConfig {
  return {
    ...DEFAULT_STORE_CONFIG,
    storePathRootDir: root,
    mappedFileSizeCommitLog: 64 * 1024,
    mappedFileSizeConsumeQueue: 20 * 100,
    flushIntervalCommitLog: 50,
    flushIntervalConsumeQueue: 50,
    maxHashSlotNum: 1000,
    maxIndexNum: 4000,
    maxMessageSize: 16 * 1024,
    cleanResourceInterval: 3_600_000,
    ...over,
  };
}

export function makeMessage(topic: string, queueId: number, body: string | Buffer, props: Properties = {}, extra: Partial<MessageInner> = {}): MessageInner {
  return {
    topic,
    queueId,
    flag: 0,
    body: typeof body === 'string' ? Buffer.from(body) : body,
    properties: encodeProperties(props),
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000,
    bornHost: BORN_HOST,
    storeHost: STORE_HOST,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    ...extra,
  };
}
