/**
 * The MQAdmin part of RocketMQ's producer and consumer API (MQAdminImpl): queue offsets by queue
 * and time, and looking messages up by id or key.
 */
import { decodeOffsetMessageId } from '../message/message-id.js';
import { decodeRecords } from '../message/message-record.js';
import { PROPERTY } from '../message/message-const.js';
import { MQClientError } from './errors.js';
import type { MessageExt } from './message.js';
import type { MessageQueue } from './message-queue.js';
import type { MQClientInstance } from './mq-client-instance.js';
import { brokerAddrFor } from './consumer-common.js';
import { recordToMessageExt } from './pulled-messages.js';

export interface QueryResult {
  indexLastUpdateTimestamp: number;
  messageList: MessageExt[];
}

export class MQAdminImpl {
  constructor(private readonly instance: MQClientInstance) {}

  private get timeout(): number {
    return this.instance.config.mqClientApiTimeout;
  }

  async maxOffset(mq: MessageQueue): Promise<number> {
    return this.instance.api.getMaxOffset(await brokerAddrFor(this.instance, mq), mq, this.timeout);
  }

  async minOffset(mq: MessageQueue): Promise<number> {
    return this.instance.api.getMinOffset(await brokerAddrFor(this.instance, mq), mq, this.timeout);
  }

  /** The first offset whose message was stored at or after `timestamp` (ms). */
  async searchOffset(mq: MessageQueue, timestamp: number): Promise<number> {
    return this.instance.api.searchOffset(await brokerAddrFor(this.instance, mq), mq, timestamp, this.timeout);
  }

  async earliestMsgStoreTime(mq: MessageQueue): Promise<number> {
    return this.instance.api.getEarliestMsgStoretime(await brokerAddrFor(this.instance, mq), mq, this.timeout);
  }

  private brokerNameOf(addr: string): string {
    for (const [name, addrs] of this.instance.brokerAddrTable) if (Object.values(addrs).includes(addr)) return name;
    return '';
  }

  /**
   * A message by its offset message id (broker address + commit-log offset). Given a topic, a
   * client message id (UNIQ_KEY) is also accepted and looked up through the broker's index.
   */
  async viewMessage(msgId: string, topic?: string): Promise<MessageExt> {
    let decoded: ReturnType<typeof decodeOffsetMessageId> | undefined;
    try {
      decoded = decodeOffsetMessageId(msgId);
    } catch {
      decoded = undefined;
    }
    if (decoded) {
      const addr = `${decoded.address}:${decoded.port}`;
      try {
        const [r] = decodeRecords(await this.instance.api.viewMessage(addr, decoded.physicalOffset, this.timeout));
        if (r) return recordToMessageExt(r, this.brokerNameOf(addr));
      } catch (e) {
        if (!topic) throw e;
      }
    }
    if (topic) {
      const m = await this.queryMessageByUniqKey(topic, msgId);
      if (m) return m;
    }
    throw new MQClientError('NO_MESSAGE', `query message by id finished, but no message: ${msgId}`);
  }

  async queryMessageByUniqKey(topic: string, uniqKey: string, begin = 0, end = Number.MAX_SAFE_INTEGER): Promise<MessageExt | undefined> {
    const r = await this.query(topic, uniqKey, 32, begin, end, true);
    return r.messageList.sort((a, b) => a.storeTimestamp - b.storeTimestamp)[0];
  }

  /** Messages of `topic` whose KEYS contain `key`, stored between `begin` and `end` (ms). */
  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryResult> {
    return this.query(topic, key, maxNum, begin, end, false);
  }

  private async query(topic: string, key: string, maxNum: number, begin: number, end: number, uniqueKey: boolean): Promise<QueryResult> {
    await this.instance.updateTopicRouteInfoFromNameServer(topic);
    const route = this.instance.topicRouteTable.get(topic);
    if (!route) throw new MQClientError('NO_ROUTE', `The topic[${topic}] not matched route info`);
    let indexLastUpdateTimestamp = 0;
    const messageList: MessageExt[] = [];
    await Promise.all(
      route.brokerDatas.map(async (bd) => {
        const addr = bd.brokerAddrs['0'] ?? Object.values(bd.brokerAddrs)[0];
        if (!addr) return;
        const r = await this.instance.api.queryMessage(addr, { topic, key, maxNum, beginTimestamp: begin, endTimestamp: end }, uniqueKey, this.timeout * 5);
        indexLastUpdateTimestamp = Math.max(indexLastUpdateTimestamp, r.indexLastUpdateTimestamp);
        if (!r.body) return;
        for (const rec of decodeRecords(r.body)) {
          const m = recordToMessageExt(rec, bd.brokerName);
          // The index matches hashes; keep exact matches only, as the Java client does.
          const ok = uniqueKey ? m.msgId === key : (m.properties[PROPERTY.KEYS] ?? '').split(' ').includes(key);
          if (ok && m.topic === topic) messageList.push(m);
        }
      }),
    );
    if (messageList.length === 0 && !uniqueKey) throw new MQClientError('NO_MESSAGE', `query message by key finished, but no message: ${key}`);
    return { indexLastUpdateTimestamp, messageList };
  }
}

/**
 * The MQAdmin methods every producer and consumer offers (as DefaultMQProducer / DefaultMQPushConsumer /
 * DefaultLitePullConsumer do in RocketMQ); a subclass names the client instance that serves them.
 */
export abstract class MQAdminClient {
  protected abstract adminInstance(): MQClientInstance | undefined;

  private adminImpl(): MQAdminImpl {
    const instance = this.adminInstance();
    if (!instance || !instance.isStarted) throw new MQClientError('SERVICE_STATE', 'The client is not started');
    return new MQAdminImpl(instance);
  }

  /** Next offset to be written in the queue. */
  maxOffset(mq: MessageQueue): Promise<number> {
    return this.adminImpl().maxOffset(mq);
  }

  minOffset(mq: MessageQueue): Promise<number> {
    return this.adminImpl().minOffset(mq);
  }

  /** The first offset whose message was stored at or after `timestamp` (ms). */
  searchOffset(mq: MessageQueue, timestamp: number): Promise<number> {
    return this.adminImpl().searchOffset(mq, timestamp);
  }

  earliestMsgStoreTime(mq: MessageQueue): Promise<number> {
    return this.adminImpl().earliestMsgStoreTime(mq);
  }

  /** A message by offset message id, or (with its topic) by client message id. */
  viewMessage(msgId: string, topic?: string): Promise<MessageExt> {
    return this.adminImpl().viewMessage(msgId, topic);
  }

  /** Messages of a topic with `key` in KEYS, stored between `begin` and `end` (ms). */
  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): Promise<QueryResult> {
    return this.adminImpl().queryMessage(topic, key, maxNum, begin, end);
  }
}
