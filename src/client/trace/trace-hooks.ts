/**
 * Send and consume hooks (Apache's SendMessageHook / ConsumeMessageHook) and the message-trace
 * implementations that turn them into Pub / SubBefore / SubAfter records for the AsyncTraceDispatcher.
 */
import { PROPERTY } from '../../message/message-const.js';
import { uniqueKeyGenerator } from '../../message/message-id.js';
import type { Message, MessageExt, SendResult } from '../message.js';
import type { MessageQueue } from '../message-queue.js';
import type { AsyncTraceDispatcher } from './trace-dispatcher.js';
import { ConsumeReturnType, DEFAULT_REGION, emptyRecord, MessageType } from './trace-data.js';

export interface SendMessageContext {
  producerGroup: string;
  message: Message;
  mq: MessageQueue;
  brokerAddr: string;
  /** Body length as sent (after compression). */
  bodyLength: number;
  beginTimestamp: number;
  result?: SendResult;
  error?: unknown;
}

export interface SendMessageHook {
  sendMessageAfter(ctx: SendMessageContext): void;
}

export interface ConsumeMessageContext {
  consumerGroup: string;
  mq: MessageQueue;
  msgs: MessageExt[];
  beginTimestamp: number;
  /** Set for the after call. */
  success?: boolean;
  /** ConsumeReturnType ordinal, set for the after call. */
  contextCode?: number;
  /** Shared by the before and after calls of one listener call. */
  requestId?: string;
}

export interface ConsumeMessageHook {
  consumeMessageBefore(ctx: ConsumeMessageContext): void;
  consumeMessageAfter(ctx: ConsumeMessageContext): void;
}

function messageType(m: Message): number {
  const p = m.properties;
  if (p[PROPERTY.TRAN_MSG] === 'true') return MessageType.Trans_Msg_Half;
  if (p[PROPERTY.DELAY] || p[PROPERTY.TIMER_DELIVER_MS] || p[PROPERTY.TIMER_DELAY_SEC] || p[PROPERTY.TIMER_DELAY_MS]) return MessageType.Delay_Msg;
  return MessageType.Normal_Msg;
}

export class SendMessageTraceHook implements SendMessageHook {
  constructor(private readonly dispatcher: AsyncTraceDispatcher) {}

  sendMessageAfter(ctx: SendMessageContext): void {
    const m = ctx.message;
    if (m.topic === this.dispatcher.traceTopic) return;
    const r = emptyRecord('Pub');
    const now = Date.now();
    r.timestamp = ctx.beginTimestamp;
    r.regionId = ctx.result?.regionId || m.properties[PROPERTY.MSG_REGION] || DEFAULT_REGION;
    r.groupName = ctx.producerGroup;
    r.topic = m.topic;
    r.msgId = ctx.result?.msgId ?? m.properties[PROPERTY.UNIQ_KEY] ?? '';
    r.offsetMsgId = ctx.result?.offsetMsgId ?? '';
    r.tags = m.tags ?? '';
    r.keys = m.keys ?? '';
    r.storeHost = ctx.brokerAddr;
    r.bodyLength = ctx.bodyLength;
    r.costTime = now - ctx.beginTimestamp;
    r.msgType = messageType(m);
    r.success = ctx.error === undefined && ctx.result?.sendStatus === 'SEND_OK';
    this.dispatcher.append(r);
  }
}

export class ConsumeMessageTraceHook implements ConsumeMessageHook {
  constructor(private readonly dispatcher: AsyncTraceDispatcher) {}

  consumeMessageBefore(ctx: ConsumeMessageContext): void {
    ctx.requestId = uniqueKeyGenerator.next();
    for (const m of ctx.msgs) {
      if (m.topic === this.dispatcher.traceTopic) continue;
      const r = emptyRecord('SubBefore');
      r.timestamp = ctx.beginTimestamp;
      r.regionId = m.properties[PROPERTY.MSG_REGION] || DEFAULT_REGION;
      r.groupName = ctx.consumerGroup;
      r.requestId = ctx.requestId;
      r.msgId = m.msgId;
      r.retryTimes = m.reconsumeTimes;
      r.keys = m.keys ?? '';
      r.topic = m.topic;
      this.dispatcher.append(r);
    }
  }

  consumeMessageAfter(ctx: ConsumeMessageContext): void {
    const now = Date.now();
    const n = Math.max(1, ctx.msgs.length);
    for (const m of ctx.msgs) {
      if (m.topic === this.dispatcher.traceTopic) continue;
      const r = emptyRecord('SubAfter');
      r.timestamp = now;
      r.groupName = ctx.consumerGroup;
      r.requestId = ctx.requestId ?? '';
      r.msgId = m.msgId;
      r.keys = m.keys ?? '';
      r.costTime = Math.round((now - ctx.beginTimestamp) / n);
      r.success = ctx.success ?? false;
      r.contextCode = ctx.contextCode ?? (r.success ? ConsumeReturnType.SUCCESS : ConsumeReturnType.FAILED);
      this.dispatcher.append(r);
    }
  }
}
