/**
 * QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15), GET_CONSUMER_LIST_BY_GROUP (38).
 */
import { totalmem } from 'node:os';
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { QueryConsumerOffsetRequestHeader, UpdateConsumerOffsetRequestHeader } from '../../protocol/headers/consumer-offset.js';
import { GetConsumerListByGroupRequestHeader } from '../../protocol/headers/consumer.js';
import { fastjsonBody } from '../../protocol/body/fastjson.js';
import type { RemotingConnection } from '../../remoting/types.js';
import type { BrokerController } from '../broker-controller.js';

/** Share of RAM the page cache is assumed to hold (Java's accessMessageInMemoryMaxRatio, 40 %). */
const IN_MEMORY_RATIO = 0.4;

export class ConsumerManageProcessor {
  constructor(private readonly b: BrokerController) {}

  register(reg: (code: number, h: (req: RemotingCommand, conn: RemotingConnection) => RemotingCommand | null) => void): void {
    reg(RequestCode.QUERY_CONSUMER_OFFSET, (req) => this.queryConsumerOffset(req));
    reg(RequestCode.UPDATE_CONSUMER_OFFSET, (req) => this.updateConsumerOffset(req));
    reg(RequestCode.GET_CONSUMER_LIST_BY_GROUP, (req) => this.getConsumerListByGroup(req));
  }

  /** Whether the record at queue offset 0 is likely still in the page cache (a new queue). */
  private firstMessageInMemory(topic: string, queueId: number): boolean {
    const phy = this.b.store.getCommitLogOffsetInQueue(topic, queueId, 0);
    if (phy < 0) return true;
    return this.b.store.getMaxPhyOffset() - phy <= totalmem() * IN_MEMORY_RATIO;
  }

  queryConsumerOffset(req: RemotingCommand): RemotingCommand {
    const h = QueryConsumerOffsetRequestHeader.decodeCommand(req);
    const offset = this.b.consumerOffsetManager.queryOffset(h.consumerGroup, h.topic, h.queueId);
    if (offset >= 0) return createResponse(req, ResponseCode.SUCCESS, undefined, { offset: String(offset) });
    const minOffset = this.b.store.getMinOffsetInQueue(h.topic, h.queueId);
    // A group that never committed on a queue whose head is still in memory starts at 0 (new topic),
    // unless the 5.x client asked not to.
    if (h.setZeroIfNotFound !== false && minOffset <= 0 && this.firstMessageInMemory(h.topic, h.queueId)) {
      return createResponse(req, ResponseCode.SUCCESS, undefined, { offset: '0' });
    }
    return createResponse(req, ResponseCode.QUERY_NOT_FOUND, 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first');
  }

  updateConsumerOffset(req: RemotingCommand): RemotingCommand {
    const h = UpdateConsumerOffsetRequestHeader.decodeCommand(req);
    if (!this.b.topicConfigManager.get(h.topic)) {
      return createResponse(req, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist, apply first please!`);
    }
    this.b.consumerOffsetManager.commitOffset(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
    return createResponse(req, ResponseCode.SUCCESS);
  }

  getConsumerListByGroup(req: RemotingCommand): RemotingCommand {
    const h = GetConsumerListByGroupRequestHeader.decodeCommand(req);
    const g = this.b.consumerManager.getConsumerGroupInfo(h.consumerGroup);
    if (!g || g.channels.size === 0) return createResponse(req, ResponseCode.SYSTEM_ERROR, `no consumer for this group, ${h.consumerGroup}`);
    const consumerIdList = [...g.channels.values()].map((c) => c.clientId);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, fastjsonBody({ consumerIdList }));
  }
}
