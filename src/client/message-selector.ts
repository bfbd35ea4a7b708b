/**
 * MessageSelector (RocketMQ's org.apache.rocketmq.client.consumer.MessageSelector): a subscription by
 * tag expression or by SQL92 over message properties (evaluated on the broker, which must run with
 * enablePropertyFilter=true).
 *
 *   consumer.subscribe('TopicTest', MessageSelector.bySql("a BETWEEN 0 AND 3 AND region = 'eu'"));
 *
 * At start a consumer asks each broker of a SQL92-subscribed topic to validate the expression
 * (CHECK_CLIENT_CONFIG); a refusal (SUBSCRIPTION_PARSE_FAILED with the position of the error, or
 * "does not support" when property filtering is off) fails start() instead of consuming nothing.
 */
import { createRequest } from '../protocol/remoting-command.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import { toFastjson } from '../protocol/body/fastjson.js';
import { MQClientError } from './errors.js';
import type { MQClientInstance } from './mq-client-instance.js';
import { MASTER_ID } from './route.js';
import { buildSubscriptionData, type SubscriptionData } from './subscription.js';

export type ExpressionType = 'TAG' | 'SQL92';

export class MessageSelector {
  private constructor(
    readonly expressionType: ExpressionType,
    readonly expression: string,
  ) {}

  /** SQL92 over message properties: comparisons, BETWEEN, IN, IS [NOT] NULL, AND, OR, NOT. */
  static bySql(sql: string): MessageSelector {
    return new MessageSelector('SQL92', sql);
  }

  /** `*` or "TagA || TagB". */
  static byTag(tag: string): MessageSelector {
    return new MessageSelector('TAG', tag);
  }
}

/** SubscriptionData for a tag expression string or a selector. */
export function subscriptionDataOf(topic: string, expr: string | MessageSelector | undefined, subVersion = Date.now()): SubscriptionData {
  if (expr instanceof MessageSelector) {
    if (expr.expressionType === 'TAG') return buildSubscriptionData(topic, expr.expression, subVersion);
    const sql = expr.expression.trim();
    if (!sql) throw new RangeError('a SQL92 selector must not be empty');
    return { topic, subString: sql, tagsSet: [], codeSet: [], subVersion, expressionType: 'SQL92', classFilterMode: false };
  }
  return buildSubscriptionData(topic, expr, subVersion);
}

/**
 * MQClientInstance.checkClientInBroker: CHECK_CLIENT_CONFIG for each non-TAG subscription to every
 * master serving its topic. Throws MQClientError naming the broker and its answer.
 */
export async function checkClientInBroker(instance: MQClientInstance, group: string, subs: Iterable<SubscriptionData>, timeoutMs: number): Promise<void> {
  for (const sd of subs) {
    if (!sd.expressionType || sd.expressionType === 'TAG') continue;
    let route = instance.topicRouteTable.get(sd.topic);
    if (!route) {
      await instance.updateTopicRouteInfoFromNameServer(sd.topic);
      route = instance.topicRouteTable.get(sd.topic);
    }
    for (const bd of route?.brokerDatas ?? []) {
      const addr = bd.brokerAddrs[MASTER_ID];
      if (!addr) continue;
      const body = Buffer.from(toFastjson({ clientId: instance.clientId, group, subscriptionData: sd }));
      const res = await instance.api.transport.invoke(addr, createRequest(RequestCode.CHECK_CLIENT_CONFIG, {}, body), timeoutMs);
      if (res.code !== ResponseCode.SUCCESS) {
        throw new MQClientError('SUBSCRIPTION_CHECK', `Check client in broker error, maybe because you use ${sd.expressionType} filter, but server has not been upgraded. broker ${bd.brokerName} (${addr}) answered ${res.code}: ${res.remark ?? ''}`);
      }
    }
  }
}
