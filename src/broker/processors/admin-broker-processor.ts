/**
 * Admin requests on the broker (AdminBrokerProcessor): topics, subscription groups, offsets, stats,
 * connections, broker config and runtime info, offset reset. One handler per request code.
 */
import { createRequest, createResponse, markOneway, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import {
  CreateTopicRequestHeader,
  DeleteSubscriptionGroupRequestHeader,
  DeleteTopicRequestHeader,
  GetConsumeStatsRequestHeader,
  GetConsumerConnectionListRequestHeader,
  GetProducerConnectionListRequestHeader,
  GetSubscriptionGroupConfigRequestHeader,
  GetTopicConfigRequestHeader,
  GetTopicStatsInfoRequestHeader,
  QueryTopicConsumeByWhoRequestHeader,
  QueryTopicsByConsumerRequestHeader,
} from '../../protocol/headers/admin.js';
import {
  GetEarliestMsgStoretimeRequestHeader,
  GetMaxOffsetRequestHeader,
  GetMinOffsetRequestHeader,
  ResetOffsetRequestHeader,
  SearchOffsetRequestHeader,
} from '../../protocol/headers/consumer-offset.js';
import { ConsumeMessageDirectlyResultRequestHeader, GetConsumerRunningInfoRequestHeader } from '../../protocol/headers/consumer.js';
import { fastjsonBody, parseFastjson } from '../../protocol/body/fastjson.js';
import { decodeOffsetMessageId } from '../../message/message-id.js';
import { consumeStatsJson, messageQueueMap, topicStatsTableJson } from '../../protocol/body/message-queue-map.js';
import type { Connection, MessageQueue, OffsetWrapper, TopicOffset } from '../../protocol/body/types.js';
import type { RemotingConnection } from '../../remoting/types.js';
import { parsePropertiesFile } from '../../common/properties-file.js';
import type { BrokerController } from '../broker-controller.js';
import { applyBrokerConfig, brokerConfigToProperties, validateBrokerConfig } from '../broker-config.js';
import { readSubscriptionGroupConfig } from '../subscription-group-manager.js';
import { topicNameProblem, TopicValidator, type TopicConfig } from '../topic-config-manager.js';

type Handler = (req: RemotingCommand, conn: RemotingConnection) => Promise<RemotingCommand | null> | RemotingCommand | null;

/** Topic attributes this broker accepts, with their allowed values (undefined = any). */
const TOPIC_ATTRIBUTES: Record<string, string[] | undefined> = {
  'message.type': ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION', 'MIXED'],
  'queue.type': ['SimpleCQ', 'BatchCQ'],
  'cleanup.policy': ['DELETE', 'COMPACTION'],
};

/** Applies "+k=v,+k2=v2,-k3" to existing attributes; throws on a malformed or unsupported entry. */
export function applyTopicAttributes(current: Record<string, string> | undefined, spec: string): Record<string, string> {
  const out = { ...(current ?? {}) };
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (part.startsWith('+')) {
      const eq = part.indexOf('=');
      if (eq < 2) throw new Error(`bad attribute "${part}", expected +key=value`);
      const k = part.slice(1, eq);
      const v = part.slice(eq + 1);
      if (!(k in TOPIC_ATTRIBUTES)) throw new Error(`unsupported attribute key: ${k}`);
      const allowed = TOPIC_ATTRIBUTES[k];
      if (allowed && !allowed.includes(v)) throw new Error(`value ${v} of attribute ${k} is not one of ${allowed.join(', ')}`);
      out[k] = v;
    } else if (part.startsWith('-')) {
      delete out[part.slice(1)];
    } else {
      throw new Error(`bad attribute "${part}", expected +key=value or -key`);
    }
  }
  return out;
}

export class AdminBrokerProcessor {
  constructor(private readonly b: BrokerController) {}

  register(reg: (code: number, h: Handler) => void): void {
    const R = RequestCode;
    reg(R.UPDATE_AND_CREATE_TOPIC, (req) => this.updateAndCreateTopic(req));
    reg(R.DELETE_TOPIC_IN_BROKER, (req) => this.deleteTopic(req));
    reg(R.GET_ALL_TOPIC_CONFIG, (req) => this.ok(req, Buffer.from(JSON.stringify(this.b.topicConfigManager.wrapper()))));
    reg(R.GET_TOPIC_CONFIG, (req) => this.getTopicConfig(req));
    reg(R.GET_TOPIC_NAME_LIST, (req) => this.ok(req, fastjsonBody({ topicList: [...this.b.topicConfigManager.table.keys()], brokerAddr: this.b.brokerAddr })));
    reg(R.GET_SYSTEM_TOPIC_LIST_FROM_BROKER, (req) => this.systemTopicList(req));
    reg(R.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, (req) => this.updateAndCreateSubscriptionGroup(req));
    reg(R.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, (req) => this.ok(req, Buffer.from(this.b.subscriptionGroupManager.encode())));
    reg(R.GET_SUBSCRIPTIONGROUP_CONFIG, (req) => this.getSubscriptionGroupConfig(req));
    reg(R.DELETE_SUBSCRIPTIONGROUP, (req) => this.deleteSubscriptionGroup(req));
    reg(R.GET_MAX_OFFSET, (req) => this.getMaxOffset(req));
    reg(R.GET_MIN_OFFSET, (req) => this.getMinOffset(req));
    reg(R.SEARCH_OFFSET_BY_TIMESTAMP, (req) => this.searchOffsetByTimestamp(req));
    reg(R.GET_EARLIEST_MSG_STORETIME, (req) => this.getEarliestMsgStoretime(req));
    reg(R.GET_BROKER_RUNTIME_INFO, (req) => this.ok(req, fastjsonBody({ table: this.b.runtimeInfo() })));
    reg(R.GET_TOPIC_STATS_INFO, (req) => this.getTopicStatsInfo(req));
    reg(R.GET_CONSUME_STATS, (req) => this.getConsumeStats(req));
    reg(R.GET_CONSUMER_CONNECTION_LIST, (req) => this.getConsumerConnectionList(req));
    reg(R.GET_PRODUCER_CONNECTION_LIST, (req) => this.getProducerConnectionList(req));
    reg(R.QUERY_TOPIC_CONSUME_BY_WHO, (req) => this.queryTopicConsumeByWho(req));
    reg(R.QUERY_TOPICS_BY_CONSUMER, (req) => this.queryTopicsByConsumer(req));
    reg(R.GET_BROKER_CONFIG, (req) => this.getBrokerConfig(req));
    reg(R.UPDATE_BROKER_CONFIG, (req) => this.updateBrokerConfig(req));
    reg(R.INVOKE_BROKER_TO_RESET_OFFSET, (req) => this.resetOffset(req));
    reg(R.GET_ALL_CONSUMER_OFFSET, (req) => this.ok(req, Buffer.from(this.b.consumerOffsetManager.encode())));
    reg(R.GET_ALL_DELAY_OFFSET, (req) => this.ok(req, Buffer.from(this.b.scheduleMessageService.encode())));
    reg(R.GET_CONSUMER_RUNNING_INFO, (req) => this.getConsumerRunningInfo(req));
    reg(R.CONSUME_MESSAGE_DIRECTLY, (req) => this.consumeMessageDirectly(req));
  }

  /** Forwards an admin request to one consumer client (Java's callConsumer) and relays its answer. */
  private async callConsumer(req: RemotingCommand, group: string, clientId: string, body?: Buffer): Promise<RemotingCommand> {
    const info = this.b.consumerManager.findChannelByClientId(group, clientId);
    if (!info || info.conn.closed) return createResponse(req, ResponseCode.SYSTEM_ERROR, `The Consumer <${clientId}> not online`);
    try {
      const res = await info.conn.invoke(createRequest(req.code, { ...req.extFields }, body ?? req.body), 5000);
      return createResponse(req, res.code, res.remark, res.extFields, res.body);
    } catch (e) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, `invoke consumer <${clientId}> failed: ${(e as Error).message}`);
    }
  }

  /** GET_CONSUMER_RUNNING_INFO from an admin tool: asked of the client itself. */
  getConsumerRunningInfo(req: RemotingCommand): Promise<RemotingCommand> {
    const h = GetConsumerRunningInfoRequestHeader.decodeCommand(req);
    return this.callConsumer(req, h.consumerGroup, h.clientId);
  }

  /** CONSUME_MESSAGE_DIRECTLY: the broker attaches the stored record (by offset msgId), the client consumes it. */
  consumeMessageDirectly(req: RemotingCommand): Promise<RemotingCommand> | RemotingCommand {
    const h = ConsumeMessageDirectlyResultRequestHeader.decodeCommand(req);
    if (!h.clientId) return createResponse(req, ResponseCode.SYSTEM_ERROR, 'clientId is required');
    let body: Buffer | undefined;
    if (h.msgId) {
      let offset: number;
      try {
        offset = decodeOffsetMessageId(h.msgId).physicalOffset;
      } catch (e) {
        return createResponse(req, ResponseCode.SYSTEM_ERROR, (e as Error).message);
      }
      body = this.b.store.selectOneMessageByOffset(offset) ?? undefined;
      if (!body) return createResponse(req, ResponseCode.SYSTEM_ERROR, `no message found for msgId ${h.msgId}`);
    }
    return this.callConsumer(req, h.consumerGroup, h.clientId, body);
  }

  private ok(req: RemotingCommand, body?: Buffer, ext: Record<string, string> = {}): RemotingCommand {
    return createResponse(req, ResponseCode.SUCCESS, undefined, ext, body);
  }

  updateAndCreateTopic(req: RemotingCommand): RemotingCommand {
    const h = CreateTopicRequestHeader.decodeCommand(req);
    const problem = topicNameProblem(h.topic);
    if (problem) return createResponse(req, ResponseCode.SYSTEM_ERROR, problem);
    if (h.topic === this.b.config.brokerClusterName) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, `the topic[${h.topic}] is conflict with system reserved words.`);
    }
    if (h.readQueueNums < 0 || h.writeQueueNums < 0 || h.readQueueNums > 65535 || h.writeQueueNums > 65535) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, `invalid queue numbers read=${h.readQueueNums} write=${h.writeQueueNums}`);
    }
    const existing = this.b.topicConfigManager.get(h.topic);
    const tc: TopicConfig = {
      topicName: h.topic,
      readQueueNums: h.readQueueNums,
      writeQueueNums: h.writeQueueNums,
      perm: h.perm,
      topicFilterType: h.topicFilterType === 'MULTI_TAG' ? 'MULTI_TAG' : 'SINGLE_TAG',
      topicSysFlag: h.topicSysFlag ?? 0,
      order: h.order,
    };
    if (h.attributes !== undefined && h.attributes !== '') {
      try {
        tc.attributes = applyTopicAttributes(existing?.attributes, h.attributes);
      } catch (e) {
        return createResponse(req, ResponseCode.INVALID_PARAMETER, (e as Error).message);
      }
    } else if (existing?.attributes) {
      tc.attributes = existing.attributes;
    }
    this.b.topicConfigManager.updateTopicConfig(tc);
    return createResponse(req, ResponseCode.SUCCESS);
  }

  deleteTopic(req: RemotingCommand): RemotingCommand {
    const h = DeleteTopicRequestHeader.decodeCommand(req);
    this.b.topicConfigManager.deleteTopicConfig(h.topic);
    this.b.consumerOffsetManager.removeOffsetsOfTopic(h.topic);
    try {
      this.b.store.deleteTopics([h.topic]);
    } catch (e) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, `deleting the topic's queues failed: ${(e as Error).message}`);
    }
    return createResponse(req, ResponseCode.SUCCESS);
  }

  getTopicConfig(req: RemotingCommand): RemotingCommand {
    const h = GetTopicConfigRequestHeader.decodeCommand(req);
    const tc = this.b.topicConfigManager.get(h.topic);
    if (!tc) return createResponse(req, ResponseCode.TOPIC_NOT_EXIST, `No topic in this broker. topic: ${h.topic}`);
    return this.ok(req, fastjsonBody({ topicConfig: tc }));
  }

  systemTopicList(req: RemotingCommand): RemotingCommand {
    const c = this.b.config;
    const sys = [...this.b.topicConfigManager.table.keys()].filter(
      (t) =>
        t === TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC ||
        t === TopicValidator.SCHEDULE_TOPIC ||
        t === TopicValidator.BENCHMARK_TOPIC ||
        t === TopicValidator.SELF_TEST_TOPIC ||
        t === TopicValidator.OFFSET_MOVED_EVENT ||
        t === c.brokerClusterName ||
        t === c.brokerName ||
        t.startsWith(TopicValidator.SYSTEM_TOPIC_PREFIX) ||
        t.startsWith('RMQ_SYS_'),
    );
    return this.ok(req, fastjsonBody({ topicList: sys }));
  }

  updateAndCreateSubscriptionGroup(req: RemotingCommand): RemotingCommand {
    let raw: unknown;
    try {
      raw = parseFastjson(req.body ?? Buffer.alloc(0));
    } catch (e) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, `bad SubscriptionGroupConfig body: ${(e as Error).message}`);
    }
    const sg = readSubscriptionGroupConfig(raw, undefined, this.b.config.maxReconsumeTimes);
    if (!sg) return createResponse(req, ResponseCode.SYSTEM_ERROR, 'SubscriptionGroupConfig body needs a groupName');
    this.b.subscriptionGroupManager.updateSubscriptionGroupConfig(sg);
    return createResponse(req, ResponseCode.SUCCESS);
  }

  getSubscriptionGroupConfig(req: RemotingCommand): RemotingCommand {
    const h = GetSubscriptionGroupConfigRequestHeader.decodeCommand(req);
    const sg = this.b.subscriptionGroupManager.table.get(h.group);
    if (!sg) return createResponse(req, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `The subscription group ${h.group} does not exist`);
    return this.ok(req, fastjsonBody(sg));
  }

  deleteSubscriptionGroup(req: RemotingCommand): RemotingCommand {
    const h = DeleteSubscriptionGroupRequestHeader.decodeCommand(req);
    this.b.subscriptionGroupManager.deleteSubscriptionGroupConfig(h.groupName);
    if (h.cleanOffset) this.b.consumerOffsetManager.removeOffsetsOfGroup(h.groupName);
    return createResponse(req, ResponseCode.SUCCESS);
  }

  getMaxOffset(req: RemotingCommand): RemotingCommand {
    const h = GetMaxOffsetRequestHeader.decodeCommand(req);
    return this.ok(req, undefined, { offset: String(this.b.store.getMaxOffsetInQueue(h.topic, h.queueId)) });
  }

  getMinOffset(req: RemotingCommand): RemotingCommand {
    const h = GetMinOffsetRequestHeader.decodeCommand(req);
    return this.ok(req, undefined, { offset: String(this.b.store.getMinOffsetInQueue(h.topic, h.queueId)) });
  }

  searchOffsetByTimestamp(req: RemotingCommand): RemotingCommand {
    const h = SearchOffsetRequestHeader.decodeCommand(req);
    return this.ok(req, undefined, { offset: String(this.b.store.getOffsetInQueueByTime(h.topic, h.queueId, h.timestamp)) });
  }

  getEarliestMsgStoretime(req: RemotingCommand): RemotingCommand {
    const h = GetEarliestMsgStoretimeRequestHeader.decodeCommand(req);
    return this.ok(req, undefined, { timestamp: String(this.b.store.getEarliestMessageTime(h.topic, h.queueId)) });
  }

  private mq(topic: string, queueId: number): MessageQueue {
    return { topic, brokerName: this.b.config.brokerName, queueId };
  }

  getTopicStatsInfo(req: RemotingCommand): RemotingCommand {
    const h = GetTopicStatsInfoRequestHeader.decodeCommand(req);
    const tc = this.b.topicConfigManager.get(h.topic);
    if (!tc) return createResponse(req, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist`);
    const store = this.b.store;
    const offsetTable: Array<[MessageQueue, TopicOffset]> = [];
    for (let i = 0; i < tc.writeQueueNums; i++) {
      const min = Math.max(0, store.getMinOffsetInQueue(h.topic, i));
      const max = Math.max(0, store.getMaxOffsetInQueue(h.topic, i));
      const last = max > 0 ? store.getMessageStoreTimeStamp(h.topic, i, max - 1) : 0;
      offsetTable.push([this.mq(h.topic, i), { minOffset: min, maxOffset: max, lastUpdateTimestamp: Math.max(0, last) }]);
    }
    return this.ok(req, fastjsonBody(topicStatsTableJson({ offsetTable })));
  }

  getConsumeStats(req: RemotingCommand): RemotingCommand {
    const h = GetConsumeStatsRequestHeader.decodeCommand(req);
    const b = this.b;
    let topics: string[];
    if (h.topic) topics = [h.topic];
    else if (h.topicList) topics = h.topicList.split(',').filter(Boolean);
    else {
      // Topics with committed offsets plus what the online members subscribe to.
      const set = b.consumerOffsetManager.whichTopicByConsumer(h.consumerGroup);
      for (const t of b.consumerManager.getConsumerGroupInfo(h.consumerGroup)?.subscriptionTable.keys() ?? []) set.add(t);
      topics = [...set].sort();
    }
    const offsetTable: Array<[MessageQueue, OffsetWrapper]> = [];
    for (const topic of topics) {
      const tc = b.topicConfigManager.get(topic);
      if (!tc) continue;
      // Java skips topics the group neither consumes now nor has offsets for.
      const cg = b.consumerManager.getConsumerGroupInfo(h.consumerGroup);
      if (!h.topic && !cg?.subscriptionTable.has(topic) && !b.consumerOffsetManager.queryOffsets(h.consumerGroup, topic)) continue;
      for (let i = 0; i < tc.writeQueueNums; i++) {
        const brokerOffset = Math.max(0, b.store.getMaxOffsetInQueue(topic, i));
        let consumerOffset = b.consumerOffsetManager.queryOffset(h.consumerGroup, topic, i);
        if (consumerOffset < 0) consumerOffset = 0;
        const lastTimestamp = consumerOffset > 0 ? Math.max(0, b.store.getMessageStoreTimeStamp(topic, i, consumerOffset - 1)) : 0;
        offsetTable.push([this.mq(topic, i), { brokerOffset, consumerOffset, pullOffset: consumerOffset, lastTimestamp }]);
      }
    }
    return this.ok(req, fastjsonBody(consumeStatsJson({ offsetTable, consumeTps: 0 })));
  }

  private connectionOf(info: { clientId: string; conn: RemotingConnection; language: string; version: number }): Connection {
    return { clientId: info.clientId, clientAddr: info.conn.remoteAddress, language: info.language, version: info.version };
  }

  getConsumerConnectionList(req: RemotingCommand): RemotingCommand {
    const h = GetConsumerConnectionListRequestHeader.decodeCommand(req);
    const g = this.b.consumerManager.getConsumerGroupInfo(h.consumerGroup);
    if (!g || g.channels.size === 0) return createResponse(req, ResponseCode.CONSUMER_NOT_ONLINE, `the consumer group[${h.consumerGroup}] not online`);
    const subscriptionTable: Record<string, unknown> = {};
    for (const [t, sd] of g.subscriptionTable) subscriptionTable[t] = sd;
    return this.ok(
      req,
      fastjsonBody({
        connectionSet: [...g.channels.values()].map((c) => this.connectionOf(c)),
        subscriptionTable,
        consumeType: g.consumeType,
        messageModel: g.messageModel,
        consumeFromWhere: g.consumeFromWhere,
        // Extension (Java clients ignore unknown fields): members subscribing differently.
        subscriptionConflicts: this.b.subscriptionGuard.conflicts(h.consumerGroup, (c) => g.channels.has(c as RemotingConnection)),
      }),
    );
  }

  getProducerConnectionList(req: RemotingCommand): RemotingCommand {
    const h = GetProducerConnectionListRequestHeader.decodeCommand(req);
    const list = this.b.producerManager.getGroup(h.producerGroup);
    if (list.length === 0) return createResponse(req, ResponseCode.SYSTEM_ERROR, `the producer group[${h.producerGroup}] not exist`);
    return this.ok(req, fastjsonBody({ connectionSet: list.map((c) => this.connectionOf(c)) }));
  }

  queryTopicConsumeByWho(req: RemotingCommand): RemotingCommand {
    const h = QueryTopicConsumeByWhoRequestHeader.decodeCommand(req);
    const groups = this.b.consumerManager.queryTopicConsumeByWho(h.topic);
    for (const g of this.b.consumerOffsetManager.whichGroupByTopic(h.topic)) groups.add(g);
    return this.ok(req, fastjsonBody({ groupList: [...groups] }));
  }

  queryTopicsByConsumer(req: RemotingCommand): RemotingCommand {
    const h = QueryTopicsByConsumerRequestHeader.decodeCommand(req);
    const topics = this.b.consumerOffsetManager.whichTopicByConsumer(h.group);
    return this.ok(req, fastjsonBody({ topicList: [...topics], brokerAddr: this.b.brokerAddr }));
  }

  getBrokerConfig(req: RemotingCommand): RemotingCommand {
    const version = JSON.stringify(this.b.configDataVersion);
    return this.ok(req, Buffer.from(brokerConfigToProperties(this.b.config)), { version });
  }

  /** Applies the body's key=value lines to the running config (validated as at start-up). */
  updateBrokerConfig(req: RemotingCommand): RemotingCommand {
    const text = req.body?.toString('utf8') ?? '';
    const raw = parsePropertiesFile(text);
    const fixed = new Set(['listenPort', 'storePathRootDir', 'storePathCommitLog', 'brokerName', 'brokerClusterName', 'brokerId', 'haListenPort', 'brokerConfigPath']);
    const refused = Object.keys(raw).filter((k) => fixed.has(k));
    if (refused.length) return createResponse(req, ResponseCode.SYSTEM_ERROR, `these keys cannot change at runtime: ${refused.join(', ')}`);
    const trial = { ...this.b.config };
    try {
      const unknown = applyBrokerConfig(trial, raw);
      if (unknown.length) return createResponse(req, ResponseCode.SYSTEM_ERROR, `unknown broker config keys: ${unknown.join(', ')}`);
      validateBrokerConfig(trial);
    } catch (e) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, (e as Error).message);
    }
    applyBrokerConfig(this.b.config, raw);
    this.b.onConfigUpdated(Object.keys(raw));
    return createResponse(req, ResponseCode.SUCCESS);
  }

  /**
   * INVOKE_BROKER_TO_RESET_OFFSET: offsets of the group on every queue of the topic move to the first
   * message stored at/after `timestamp` (-1 = the end); without isForce only backwards. The broker's
   * offsets are updated and each online member gets RESET_CONSUMER_CLIENT_OFFSET with the new table.
   */
  async resetOffset(req: RemotingCommand): Promise<RemotingCommand> {
    const h = ResetOffsetRequestHeader.decodeCommand(req);
    const b = this.b;
    const tc = b.topicConfigManager.get(h.topic);
    if (!tc) return createResponse(req, ResponseCode.SYSTEM_ERROR, `[reset-offset] topic ${h.topic} not exist`);
    const table: Array<[MessageQueue, number]> = [];
    for (let i = 0; i < tc.writeQueueNums; i++) {
      if (h.queueId !== undefined && h.queueId >= 0 && h.queueId !== i) continue;
      const consumerOffset = b.consumerOffsetManager.queryOffset(h.group, h.topic, i);
      let target: number;
      if (h.offset !== undefined && h.offset >= 0 && h.queueId !== undefined) target = h.offset;
      else if (h.timestamp === -1) target = b.store.getMaxOffsetInQueue(h.topic, i);
      else target = b.store.getOffsetInQueueByTime(h.topic, i, h.timestamp);
      if (target < 0) continue;
      const next = h.isForce || consumerOffset < 0 || target < consumerOffset ? target : consumerOffset;
      b.consumerOffsetManager.commitOffset(h.group, h.topic, i, next);
      table.push([this.mq(h.topic, i), next]);
    }
    b.consumerOffsetManager.persist();
    const body = fastjsonBody({ offsetTable: messageQueueMap(table) });
    const g = b.consumerManager.getConsumerGroupInfo(h.group);
    for (const info of g?.channels.values() ?? []) {
      const notice = markOneway(
        createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, { topic: h.topic, group: h.group, timestamp: String(h.timestamp), isForce: String(h.isForce) }, body),
      );
      info.conn.invokeOneway(notice).catch((e: Error) => b.log.warn({ clientId: info.clientId, err: e.message }, 'reset offset notice failed'));
    }
    return this.ok(req, body);
  }
}
