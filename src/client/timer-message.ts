/**
 * Timer messages from the client: delivery at a chosen time (RocketMQ 5.x properties), and cancel /
 * reschedule of a pending one with RECALL_MESSAGE (370).
 *
 *   const r = await producer.send(withDelay(new Message('T', 'body'), 30_000));   // TIMER_DELAY_MS
 *   await producer.rescheduleMessage('T', r.msgId, Date.now() + 5_000);
 *   await producer.recallMessage('T', r.msgId);                                   // cancelled
 *
 * A relative delay (TIMER_DELAY_MS / TIMER_DELAY_SEC) is computed on the broker's clock when the message
 * arrives, so the producer's clock does not matter; TIMER_DELIVER_MS is an absolute time.
 * `msgId` is the message's UNIQ_KEY (SendResult.msgId) or a 5.x recall handle. Without a handle the
 * request goes to every broker of the topic (whichever holds the timer answers).
 */
import { PROPERTY } from '../message/message-const.js';
import { createRequest } from '../protocol/remoting-command.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import { RemotingResponseError } from '../common/errors.js';
import { MQClientError } from './errors.js';
import type { Message } from './message.js';
import type { MQClientInstance } from './mq-client-instance.js';
import { MASTER_ID } from './route.js';

/** Delivery `delayMs` after the broker receives the message. */
export function withDelay(msg: Message, delayMs: number): Message {
  msg.putProperty(PROPERTY.TIMER_DELAY_MS, String(Math.round(delayMs)));
  return msg;
}

/** Delivery at an absolute time (ms since the epoch). */
export function withDeliverTime(msg: Message, deliverTimeMs: number): Message {
  msg.putProperty(PROPERTY.TIMER_DELIVER_MS, String(Math.round(deliverTimeMs)));
  return msg;
}

export interface RecallResult {
  /** UNIQ_KEY of the message. */
  msgId: string;
  brokerName: string;
  /** Reschedule only: the new recall handle and delivery time. */
  recallHandle?: string;
  deliverTimeMs?: number;
}

/** Broker name inside a 5.x recall handle (base64url "v1 topic brokerName deliverMs uniqKey"). */
function handleBroker(handle: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+=*$/.test(handle)) return undefined;
  const items = Buffer.from(handle, 'base64url').toString('utf8').split(' ');
  return items[0] === 'v1' && items.length >= 5 ? items[2] : undefined;
}

async function recallOrReschedule(
  instance: MQClientInstance | undefined,
  producerGroup: string,
  topic: string,
  msgId: string,
  extra: Record<string, string>,
  timeoutMs: number,
): Promise<RecallResult> {
  if (!instance) throw new MQClientError('SERVICE_STATE', 'the producer is not started');
  if (!msgId) throw new MQClientError('ILLEGAL_ARGUMENT', 'msgId (the message UNIQ_KEY or a recall handle) is required');
  let route = instance.topicRouteTable.get(topic);
  if (!route) {
    await instance.updateTopicRouteInfoFromNameServer(topic);
    route = instance.topicRouteTable.get(topic);
  }
  if (!route || route.brokerDatas.length === 0) throw new MQClientError('TOPIC_NOT_EXIST', `no route for topic ${topic}`);
  const only = handleBroker(msgId);
  const brokers = route.brokerDatas.filter((bd) => !only || bd.brokerName === only);
  let notFound: RemotingResponseError | undefined;
  for (const bd of brokers) {
    const addr = bd.brokerAddrs[MASTER_ID];
    if (!addr) continue;
    const res = await instance.api.transport.invoke(addr, createRequest(RequestCode.RECALL_MESSAGE, { producerGroup, topic, recallHandle: msgId, ...extra }), timeoutMs);
    if (res.code === ResponseCode.SUCCESS) {
      return {
        msgId: res.extFields.msgId ?? msgId,
        brokerName: bd.brokerName,
        recallHandle: res.extFields.recallHandle,
        deliverTimeMs: res.extFields.deliverTimeMs !== undefined ? Number(res.extFields.deliverTimeMs) : undefined,
      };
    }
    if (res.code === ResponseCode.QUERY_NOT_FOUND) {
      notFound = new RemotingResponseError(res.code, res.remark);
      continue;
    }
    throw new RemotingResponseError(res.code, res.remark);
  }
  throw notFound ?? new MQClientError('NOT_FOUND', `no broker of topic ${topic} holds a pending timer message ${msgId}`);
}

/** Cancels a pending timer message; throws when no broker holds it (delivered already, or unknown). */
export function recallTimerMessage(instance: MQClientInstance | undefined, producerGroup: string, topic: string, msgId: string, timeoutMs = 3000): Promise<RecallResult> {
  return recallOrReschedule(instance, producerGroup, topic, msgId, {}, timeoutMs);
}

/** Moves a pending timer message to `deliverTimeMs` (absolute, ms since the epoch). */
export function rescheduleTimerMessage(instance: MQClientInstance | undefined, producerGroup: string, topic: string, msgId: string, deliverTimeMs: number, timeoutMs = 3000): Promise<RecallResult> {
  return recallOrReschedule(instance, producerGroup, topic, msgId, { deliverTimeMs: String(Math.round(deliverTimeMs)) }, timeoutMs);
}
