/**
 * RECALL_MESSAGE (370, RocketMQ 5.x): cancel a pending timer message, and (our extension) reschedule it.
 *
 * Request extFields: `topic`, `recallHandle`, optional `producerGroup` (5.x RecallMessageRequestHeader).
 * `recallHandle` is either a 5.x handle (base64url "v1 topic brokerName deliverMs uniqKey", returned in
 * the send response of a timer message) or, as an extension, the message's UNIQ_KEY itself.
 * Extension: `deliverTimeMs` present = reschedule the pending message to that absolute time (broker
 * clock) instead of cancelling it; `delayTimeMs` = reschedule to now + that many ms.
 *
 * | outcome                                   | code                      |
 * |-------------------------------------------|---------------------------|
 * | cancelled / rescheduled                   | 0, extFields msgId (= UNIQ_KEY), recallHandle when rescheduled |
 * | no pending timer with that key here       | 22 QUERY_NOT_FOUND        |
 * | being delivered, bad handle, other topic  | 604 ILLEGAL_OPERATION     |
 * | new time beyond timerMaxDelaySec          | 13 MESSAGE_ILLEGAL        |
 * | slave / timers disabled                   | 11 SLAVE_NOT_AVAILABLE / 14 SERVICE_NOT_AVAILABLE |
 */
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { PROPERTY } from '../../message/message-const.js';
import { getEncodedProperty } from '../../message/properties.js';
import { decodeRecord } from '../../message/message-record.js';
import type { RemotingConnection } from '../../remoting/types.js';
import type { BrokerController } from '../broker-controller.js';
import { buildRecallHandle, decodeRecallHandle, timerIllegalRemark } from './timer-message.js';

export class RecallMessageProcessor {
  constructor(private readonly b: BrokerController) {}

  register(reg: (code: number, h: (req: RemotingCommand, conn: RemotingConnection) => Promise<RemotingCommand> | RemotingCommand) => void): void {
    reg(RequestCode.RECALL_MESSAGE, (req) => this.process(req));
  }

  async process(req: RemotingCommand): Promise<RemotingCommand> {
    const b = this.b;
    const ext = (req.extFields ?? {}) as Record<string, unknown>;
    const fail = (code: number, remark: string): RemotingCommand => createResponse(req, code, remark, { MSG_REGION: 'DefaultRegion' });
    if (b.config.brokerRole === 'SLAVE') return fail(ResponseCode.SLAVE_NOT_AVAILABLE, 'recall failed, broker service not available');
    const timers = b.timerMessageService;
    if (!timers || !b.config.timerWheelEnable) return fail(ResponseCode.SERVICE_NOT_AVAILABLE, `recall failed, timer messages are not enabled (timerWheelEnable=${b.config.timerWheelEnable})`);
    const topic = typeof ext.topic === 'string' ? ext.topic : '';
    const handle = typeof ext.recallHandle === 'string' ? ext.recallHandle.trim() : '';
    if (!topic) return fail(ResponseCode.INVALID_PARAMETER, 'recall failed, the field topic is missing');
    if (!handle) return fail(ResponseCode.INVALID_PARAMETER, 'recall failed, the field recallHandle (a recall handle or the message unique key) is missing');
    if (!b.topicConfigManager.get(topic)) return fail(ResponseCode.TOPIC_NOT_EXIST, `recall failed, the topic[${topic}] not exist`);
    let uniqKey = handle;
    const h = decodeRecallHandle(handle);
    if (h) {
      if (h.topic !== topic) return fail(ResponseCode.ILLEGAL_OPERATION, 'recall failed, topic not match');
      if (h.brokerName !== b.config.brokerName) return fail(ResponseCode.ILLEGAL_OPERATION, `recall failed, the handle belongs to broker ${h.brokerName}`);
      uniqKey = h.uniqKey;
    }
    let newDeliverMs: number | undefined;
    if (ext.deliverTimeMs !== undefined || ext.delayTimeMs !== undefined) {
      const raw = String(ext.deliverTimeMs ?? ext.delayTimeMs).trim();
      if (!/^-?\d{1,16}$/.test(raw)) return fail(ResponseCode.INVALID_PARAMETER, `reschedule failed, ${ext.deliverTimeMs !== undefined ? 'deliverTimeMs' : 'delayTimeMs'}="${raw}" is not an integer`);
      newDeliverMs = ext.deliverTimeMs !== undefined ? Number(raw) : Date.now() + Number(raw);
      const maxMs = b.config.timerMaxDelaySec * 1000;
      if (newDeliverMs - Date.now() > maxMs) return fail(ResponseCode.MESSAGE_ILLEGAL, timerIllegalRemark(maxMs));
    }
    const entries = timers.find(uniqKey);
    if (entries.length === 0) return fail(ResponseCode.QUERY_NOT_FOUND, `recall failed, no pending timer message with unique key ${uniqKey} on broker ${b.config.brokerName}`);
    // The key must belong to this topic (a recall for topic A never cancels a message of topic B).
    const raw = b.store.selectOneMessageByOffset(entries[0]!.phyOffset);
    if (raw) {
      const realTopic = getEncodedProperty(decodeRecord(raw).propertiesString, PROPERTY.REAL_TOPIC);
      if (realTopic !== undefined && realTopic !== topic) return fail(ResponseCode.ILLEGAL_OPERATION, `recall failed, topic not match (the message belongs to ${realTopic})`);
    }
    if (newDeliverMs === undefined) {
      const r = timers.cancel(uniqKey);
      if (r.cancelled.length === 0) return fail(ResponseCode.ILLEGAL_OPERATION, `recall failed, the timer message ${uniqKey} is already being delivered`);
      return createResponse(req, ResponseCode.SUCCESS, undefined, { msgId: uniqKey, MSG_REGION: 'DefaultRegion' });
    }
    const r = await timers.reschedule(uniqKey, newDeliverMs);
    if (r.status !== 'OK') {
      const code = r.status === 'NOT_FOUND' ? ResponseCode.QUERY_NOT_FOUND : r.status === 'TOO_LATE' ? ResponseCode.ILLEGAL_OPERATION : ResponseCode.SYSTEM_ERROR;
      return fail(code, `reschedule failed, ${r.remark}`);
    }
    return createResponse(req, ResponseCode.SUCCESS, undefined, {
      msgId: uniqKey,
      recallHandle: buildRecallHandle(topic, b.config.brokerName, newDeliverMs, uniqKey),
      deliverTimeMs: String(newDeliverMs),
      MSG_REGION: 'DefaultRegion',
    });
  }
}
