/**
 * HEART_BEAT (34), UNREGISTER_CLIENT (35), CHECK_CLIENT_CONFIG (46).
 * A heartbeat registers the channel's producer and consumer groups; for each consumer group the
 * subscription group config is found or auto-created and %RETRY%<group> is created.
 */
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { UnregisterClientRequestHeader } from '../../protocol/headers/consumer.js';
import { parseFastjson } from '../../protocol/body/fastjson.js';
import type { RemotingConnection } from '../../remoting/types.js';
import type { BrokerController } from '../broker-controller.js';
import { readSubscriptionData, type ClientChannelInfo, type SubscriptionData } from '../client-managers.js';
import { PERM_READ, PERM_WRITE, TopicValidator } from '../topic-config-manager.js';
import { isSqlType } from '../../filter/consumer-filter.js';
import { FilterParseError } from '../../filter/parser.js';

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export class ClientManageProcessor {
  constructor(private readonly b: BrokerController) {}

  register(reg: (code: number, h: (req: RemotingCommand, conn: RemotingConnection) => RemotingCommand | null) => void): void {
    reg(RequestCode.HEART_BEAT, (req, conn) => this.heartBeat(req, conn));
    reg(RequestCode.UNREGISTER_CLIENT, (req, conn) => this.unregisterClient(req, conn));
    reg(RequestCode.CHECK_CLIENT_CONFIG, (req) => this.checkClientConfig(req));
  }

  heartBeat(req: RemotingCommand, conn: RemotingConnection): RemotingCommand {
    const b = this.b;
    let data: Record<string, unknown>;
    try {
      data = parseFastjson(req.body ?? Buffer.from('{}')) as Record<string, unknown>;
      if (!data || typeof data !== 'object') throw new Error('not an object');
    } catch (e) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, `bad HeartbeatData body: ${(e as Error).message}`);
    }
    const clientId = typeof data.clientID === 'string' ? data.clientID : conn.remoteAddress;
    const now = Date.now();
    const info = (): ClientChannelInfo => ({ conn, clientId, language: req.language, version: req.version, lastUpdateTimestamp: now });
    for (const raw of asArray(data.consumerDataSet)) {
      const cd = raw as Record<string, unknown>;
      const group = typeof cd.groupName === 'string' ? cd.groupName : '';
      if (!group) continue;
      const sg = b.subscriptionGroupManager.findSubscriptionGroupConfig(group);
      let notify = true;
      if (sg) {
        notify = sg.notifyConsumerIdsChangedEnable && b.config.notifyConsumerIdsChangedEnable;
        if (sg.retryQueueNums > 0) {
          b.topicConfigManager.createTopicInSendMessageBackMethod(TopicValidator.RETRY_GROUP_TOPIC_PREFIX + group, sg.retryQueueNums, PERM_READ | PERM_WRITE);
        }
      }
      const subs: SubscriptionData[] = [];
      for (const s of asArray(cd.subscriptionDataSet)) {
        const sd = readSubscriptionData(s);
        if (sd) subs.push(sd);
      }
      b.consumerManager.registerConsumer(
        group,
        info(),
        String(cd.consumeType ?? 'CONSUME_PASSIVELY'),
        String(cd.messageModel ?? 'CLUSTERING'),
        String(cd.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET'),
        data.withoutSub === true ? undefined : subs,
        notify,
      );
      b.subscriptionGuard.record(group, conn, clientId, data.withoutSub === true ? undefined : subs);
      for (const sd of subs) {
        // Compile SQL92 subscriptions now (ConsumerFilterManager.register): a bad one is logged here
        // and refused on pull with SUBSCRIPTION_PARSE_FAILED.
        if (!isSqlType(sd.expressionType) || !b.config.enablePropertyFilter) continue;
        const r = b.consumerFilterManager.get(group, sd.topic, sd.subString, sd.subVersion);
        if (r instanceof FilterParseError) b.log.warn({ group, topic: sd.topic, expression: sd.subString, err: r.message }, 'SQL92 subscription does not parse');
      }
    }
    for (const raw of asArray(data.producerDataSet)) {
      const group = (raw as Record<string, unknown>).groupName;
      if (typeof group === 'string' && group) b.producerManager.registerProducer(group, info());
    }
    return createResponse(req, ResponseCode.SUCCESS);
  }

  unregisterClient(req: RemotingCommand, conn: RemotingConnection): RemotingCommand {
    const h = UnregisterClientRequestHeader.decodeCommand(req);
    if (h.producerGroup) this.b.producerManager.unregisterProducer(h.producerGroup, conn);
    if (h.consumerGroup) {
      this.b.subscriptionGuard.remove(h.consumerGroup, conn);
      const sg = this.b.subscriptionGroupManager.table.get(h.consumerGroup);
      const notify = (sg?.notifyConsumerIdsChangedEnable ?? true) && this.b.config.notifyConsumerIdsChangedEnable;
      this.b.consumerManager.unregisterConsumer(h.consumerGroup, conn, notify);
    }
    return createResponse(req, ResponseCode.SUCCESS);
  }

  checkClientConfig(req: RemotingCommand): RemotingCommand {
    let body: Record<string, unknown> = {};
    try {
      if (req.body && req.body.length) body = parseFastjson(req.body) as Record<string, unknown>;
    } catch (e) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, `bad CheckClientRequestBody: ${(e as Error).message}`);
    }
    const sd = body.subscriptionData as Record<string, unknown> | undefined;
    const type = typeof sd?.expressionType === 'string' ? sd.expressionType.toUpperCase() : 'TAG';
    if (type === 'TAG') return createResponse(req, ResponseCode.SUCCESS);
    if (!this.b.config.enablePropertyFilter) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, `The broker does not support consumer to filter message by ${type}`);
    }
    if (type !== 'SQL92') return createResponse(req, ResponseCode.SUBSCRIPTION_PARSE_FAILED, `unknown expression type ${type} (TAG or SQL92)`);
    const sub = typeof sd?.subString === 'string' ? sd.subString : '';
    const r = this.b.consumerFilterManager.compile(sub);
    if (r instanceof FilterParseError) return createResponse(req, ResponseCode.SUBSCRIPTION_PARSE_FAILED, `Invalid SQL92 expression "${sub}": ${r.message}`);
    return createResponse(req, ResponseCode.SUCCESS);
  }
}
