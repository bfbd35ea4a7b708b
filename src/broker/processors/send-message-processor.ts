/**
 * SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320) and CONSUMER_SEND_MSG_BACK (36).
 *
 * Hot path (single sends): header fields are read straight from extFields (V2 one-letter keys a..n, or
 * the long names of V1), no JSON, no property decoding (CLUSTER is appended to the encoded string, DELAY
 * is found with one indexOf), the born host is encoded once per connection, nothing is logged per
 * message. Response: msgId (offset id), queueId, queueOffset, plus MSG_REGION / TRACE_ON as Java adds.
 */
import { createResponse, isOneway, type RemotingCommand } from '../../protocol/remoting-command.js';
import { DecodedCommand } from '../../protocol/decoded-command.js';
import { asciiInt } from '../../protocol/decimal-text.js';
import { SendOkResponse } from './send-response.js';
import { internedName, utf8Text } from '../../message/string-cache.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { ConsumerSendMsgBackRequestHeader } from '../../protocol/headers/consumer.js';
import type { RemotingConnection } from '../../remoting/types.js';
import { decodeBatch } from '../../message/batch.js';
import { PROPERTY, SYS_FLAG } from '../../message/message-const.js';
import { decodeRecord, MAX_PROPERTIES_BYTES } from '../../message/message-record.js';
import { getEncodedProperty } from '../../message/properties.js';
import type { MessageInner, PutMessageResult } from '../../store/types.js';
import type { BrokerController } from '../broker-controller.js';
import { appendProperty, concatProperties, hostBytes, removeProperties, reputRecord } from '../message-util.js';
import { buildRecallHandle, TIMER_TOPIC } from '../timer/timer-message.js';
import { isNotAllowedSendTopic, isWriteable, PERM_READ, PERM_WRITE, topicNameProblem, TopicValidator, type TopicConfig } from '../topic-config-manager.js';
import { readInt16BE, readInt32BE } from '../../common/bytes.js';

const BORN_HOST_ATTR = 'rmq.bornHost';
/** Java's send-back requests honour the header's maxReconsumeTimes from client version V3_4_9. */
const VERSION_V3_4_9 = 121;
const DLQ_NUMS_PER_GROUP = 1;

function toInt(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || v === '') return NaN;
  return Number(v);
}

function fail(req: RemotingCommand, code: number, remark: string): RemotingCommand {
  return createResponse(req, code, remark);
}

/** The PutMessageStatus -> response code / remark table (SendMessageProcessor.handlePutMessageResult). */
export function putStatusToResponse(r: PutMessageResult): { code: number; remark?: string } {
  switch (r.status) {
    case 'PUT_OK':
      return { code: ResponseCode.SUCCESS };
    case 'FLUSH_DISK_TIMEOUT':
      return { code: ResponseCode.FLUSH_DISK_TIMEOUT };
    case 'FLUSH_SLAVE_TIMEOUT':
      return { code: ResponseCode.FLUSH_SLAVE_TIMEOUT };
    case 'SLAVE_NOT_AVAILABLE':
      return { code: ResponseCode.SLAVE_NOT_AVAILABLE };
    case 'CREATE_MAPPED_FILE_FAILED':
      return { code: ResponseCode.SYSTEM_ERROR, remark: r.remark ?? 'create mapped file failed, server is busy or broken.' };
    case 'MESSAGE_ILLEGAL':
    case 'PROPERTIES_SIZE_EXCEEDED':
      return {
        code: ResponseCode.MESSAGE_ILLEGAL,
        remark: r.remark ?? 'the message is illegal, maybe msg body or properties length not matched.',
      };
    case 'SERVICE_NOT_AVAILABLE':
      return {
        code: ResponseCode.SERVICE_NOT_AVAILABLE,
        remark: r.remark ?? "service not available now. It may be caused by one of the following reasons: the broker's disk is full, messages are put to the slave, message store has been shut down, etc.",
      };
    case 'OS_PAGE_CACHE_BUSY':
      return { code: ResponseCode.SYSTEM_BUSY, remark: r.remark ?? '[PC_SYNCHRONIZED]broker busy, start flow control for a while' };
    default:
      return { code: ResponseCode.SYSTEM_ERROR, remark: r.remark ?? 'UNKNOWN_ERROR' };
  }
}

/** The send request header fields the processor uses (SendMessageRequestHeader / V2). */
interface SendFields {
  /** V2 one-letter keys (for error texts). */
  short: boolean;
  producerGroup: string | undefined;
  topic: string | undefined;
  defaultTopic: string | undefined;
  defaultTopicQueueNums: number;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  flag: number;
  properties: string;
  reconsumeTimes: number;
  maxReconsumeTimes: number;
  /**
   * V2 read from the frame bytes: where producerGroup's and defaultTopic's values are in `raw` (-1:
   * absent). They are decoded only when used (a transaction, a topic to create): an ordinary send only
   * needs to know they are there.
   */
  raw: Buffer | undefined;
  groupAt: number;
  groupEnd: number;
  defaultTopicAt: number;
  defaultTopicEnd: number;
}

function producerGroupOf(h: SendFields): string | undefined {
  return h.producerGroup ?? (h.groupAt >= 0 ? internedName(h.raw!, h.groupAt, h.groupEnd) : undefined);
}

function defaultTopicOf(h: SendFields): string | undefined {
  return h.defaultTopic ?? (h.defaultTopicAt >= 0 ? internedName(h.raw!, h.defaultTopicAt, h.defaultTopicEnd) : undefined);
}

/**
 * Reads the send header: straight from the frame bytes for a V2 header still undecoded (numbers parsed
 * from their digits, the repeated names interned, one object instead of fourteen strings), else from
 * extFields (JSON headers, V1 long names, anything unusual).
 */
function readSendFields(req: RemotingCommand): SendFields {
  if (req instanceof DecodedCommand) {
    const buf = req.rawExtBuf;
    if (buf !== undefined) {
      const f = readSendFieldsV2(buf, req.rawExtStart, req.rawExtEnd);
      if (f !== undefined) return f;
    }
  }
  const ext = req.extFields as Record<string, unknown>;
  // V2 uses a..n; V1 (and some third-party clients on 310/320) the long names.
  const short = ext.b !== undefined;
  const rawTopic = short ? ext.b : ext.topic;
  const rawProps = short ? ext.i : ext.properties;
  return {
    short,
    topic: rawTopic === undefined || rawTopic === null ? undefined : String(rawTopic),
    producerGroup: (short ? ext.a : ext.producerGroup) as string | undefined,
    defaultTopic: (short ? ext.c : ext.defaultTopic) as string | undefined,
    defaultTopicQueueNums: toInt(short ? ext.d : ext.defaultTopicQueueNums),
    queueId: toInt(short ? ext.e : ext.queueId),
    sysFlag: toInt(short ? ext.f : ext.sysFlag),
    bornTimestamp: toInt(short ? ext.g : ext.bornTimestamp),
    flag: toInt(short ? ext.h : ext.flag),
    properties: rawProps === undefined || rawProps === null ? '' : String(rawProps),
    reconsumeTimes: toInt(short ? ext.j : ext.reconsumeTimes),
    maxReconsumeTimes: toInt(short ? ext.l : ext.maxReconsumeTimes),
    raw: undefined,
    groupAt: -1,
    groupEnd: 0,
    defaultTopicAt: -1,
    defaultTopicEnd: 0,
  };
}

/** A number field's value: digits parsed in place; anything else as Number() reads its text. */
function numberAt(buf: Buffer, s: number, e: number): number {
  const v = asciiInt(buf, s, e);
  return Number.isNaN(v) ? toInt(utf8Text(buf, s, e)) : v;
}

/** V2 fields from the raw region, or undefined when a key is not one of V2's a..n. */
function readSendFieldsV2(buf: Buffer, start: number, end: number): SendFields | undefined {
  const f: SendFields = {
    short: true,
    producerGroup: undefined,
    topic: undefined,
    defaultTopic: undefined,
    defaultTopicQueueNums: NaN,
    queueId: NaN,
    sysFlag: NaN,
    bornTimestamp: NaN,
    flag: NaN,
    properties: '',
    reconsumeTimes: NaN,
    maxReconsumeTimes: NaN,
    raw: buf,
    groupAt: -1,
    groupEnd: 0,
    defaultTopicAt: -1,
    defaultTopicEnd: 0,
  };
  let o = start;
  while (o < end) {
    const kl = readInt16BE(buf, o);
    if (kl !== 1) return undefined;
    const key = buf[o + 2]!;
    const vl = readInt32BE(buf, o + 3);
    const vs = o + 7;
    const ve = vs + vl;
    o = ve;
    switch (key) {
      case 97 /* a */:
        f.groupAt = vs;
        f.groupEnd = ve;
        break;
      case 98 /* b */:
        f.topic = internedName(buf, vs, ve);
        break;
      case 99 /* c */:
        f.defaultTopicAt = vs;
        f.defaultTopicEnd = ve;
        break;
      case 100 /* d */:
        f.defaultTopicQueueNums = numberAt(buf, vs, ve);
        break;
      case 101 /* e */:
        f.queueId = numberAt(buf, vs, ve);
        break;
      case 102 /* f */:
        f.sysFlag = numberAt(buf, vs, ve);
        break;
      case 103 /* g */:
        f.bornTimestamp = numberAt(buf, vs, ve);
        break;
      case 104 /* h */:
        f.flag = numberAt(buf, vs, ve);
        break;
      case 105 /* i */:
        f.properties = utf8Text(buf, vs, ve);
        break;
      case 106 /* j */:
        f.reconsumeTimes = numberAt(buf, vs, ve);
        break;
      case 108 /* l */:
        f.maxReconsumeTimes = numberAt(buf, vs, ve);
        break;
      case 107 /* k unitMode */:
      case 109 /* m batch */:
      case 110 /* n brokerName */:
        break;
      default:
        return undefined;
    }
  }
  return f;
}

/** send() answered on the connection itself, later. */
const ANSWERED_LATER: unique symbol = Symbol('answered later');

export class SendMessageProcessor {
  private readonly b: BrokerController;
  private readonly clusterProp: string;

  constructor(broker: BrokerController) {
    this.b = broker;
    this.clusterProp = broker.config.brokerClusterName;
  }

  register(reg: (code: number, h: (req: RemotingCommand, conn: RemotingConnection) => Promise<RemotingCommand | null> | RemotingCommand | null) => void): void {
    const send = (req: RemotingCommand, conn: RemotingConnection) => this.processSend(req, conn);
    reg(RequestCode.SEND_MESSAGE, send);
    reg(RequestCode.SEND_MESSAGE_V2, send);
    reg(RequestCode.SEND_BATCH_MESSAGE, send);
    reg(RequestCode.CONSUMER_SEND_MSG_BACK, (req) => this.consumerSendMsgBack(req));
  }

  private hostHexFor: Buffer | undefined;
  private hostHexText = '';
  /** The store host as the offset message id spells it (IPv4 only; undefined otherwise). */
  private hostHex(): string | undefined {
    const h = this.b.storeHost;
    if (h.length !== 8) return undefined;
    if (h !== this.hostHexFor) {
      this.hostHexFor = h;
      this.hostHexText = h.toString('hex').toUpperCase();
    }
    return this.hostHexText;
  }

  private bornHostOf(conn: RemotingConnection): Buffer {
    let h = conn.attributes.get(BORN_HOST_ATTR) as Buffer | undefined;
    if (!h) {
      h = hostBytes(conn.remoteAddress);
      conn.attributes.set(BORN_HOST_ATTR, h);
    }
    return h;
  }

  /**
   * Not async: refusals answer synchronously; a single put is answered on the connection from the
   * put's own `.then` (no promise layers of the processor's or the connection's, no generator frames).
   */
  processSend(req: RemotingCommand, conn: RemotingConnection): Promise<RemotingCommand | null> | RemotingCommand | null {
    const res = this.send(req, conn);
    if (res === ANSWERED_LATER) return null;
    if (!isOneway(req)) return res;
    return res instanceof Promise ? res.then(() => null) : null;
  }

  private send(req: RemotingCommand, conn: RemotingConnection): Promise<RemotingCommand> | RemotingCommand | typeof ANSWERED_LATER {
    const b = this.b;
    const h = readSendFields(req);
    const { short, defaultTopicQueueNums, bornTimestamp, flag } = h;
    const topic = h.topic;
    let queueId = h.queueId;
    let sysFlag = h.sysFlag;
    let properties = h.properties;

    if (topic === undefined) return fail(req, ResponseCode.SYSTEM_ERROR, `the custom field ${short ? 'b' : 'topic'} is null`);
    const hasGroup = h.producerGroup !== undefined || h.groupAt >= 0;
    const hasDefaultTopic = h.defaultTopic !== undefined || h.defaultTopicAt >= 0;
    if (!hasGroup || !hasDefaultTopic || Number.isNaN(queueId) || Number.isNaN(sysFlag) || Number.isNaN(bornTimestamp) || Number.isNaN(flag)) {
      return fail(req, ResponseCode.SYSTEM_ERROR, 'the send request header misses a required field (producerGroup, defaultTopic, queueId, sysFlag, bornTimestamp, flag)');
    }
    if (!isWriteable(b.config.brokerPermission)) {
      return fail(req, ResponseCode.NO_PERMISSION, `the broker[${b.config.brokerIP1}] sending message is forbidden`);
    }
    // Refused before any topic is auto-created here (a slave's topics come from its master).
    if (b.config.brokerRole === 'SLAVE') {
      return fail(req, ResponseCode.SERVICE_NOT_AVAILABLE, `broker ${b.brokerAddr} is a slave (brokerName ${b.config.brokerName}, brokerId ${b.config.brokerId}); messages are written to its master`);
    }
    let tc = b.topicConfigManager.get(topic);
    if (!tc) {
      // Java's TopicValidator.validateTopic answers SYSTEM_ERROR (clients retry it, as with Java's broker)
      const problem = topicNameProblem(topic);
      if (problem) return fail(req, ResponseCode.SYSTEM_ERROR, problem);
      if (isNotAllowedSendTopic(topic)) return fail(req, ResponseCode.NO_PERMISSION, `Sending message to topic[${topic}] is forbidden.`);
      if (topic.startsWith(TopicValidator.RETRY_GROUP_TOPIC_PREFIX)) {
        tc = b.topicConfigManager.createTopicInSendMessageBackMethod(topic, 1, PERM_READ | PERM_WRITE);
      } else {
        tc = b.topicConfigManager.createTopicInSendMessageMethod(topic, String(defaultTopicOf(h)), defaultTopicQueueNums, 0);
      }
      if (!tc) {
        return fail(
          req,
          ResponseCode.TOPIC_NOT_EXIST,
          `topic[${topic}] not exist, apply first please! (autoCreateTopicEnable=${b.config.autoCreateTopicEnable})`,
        );
      }
    } else if (isNotAllowedSendTopic(topic)) {
      return fail(req, ResponseCode.NO_PERMISSION, `Sending message to topic[${topic}] is forbidden.`);
    }
    if (!isWriteable(tc.perm)) return fail(req, ResponseCode.NO_PERMISSION, `the topic[${topic}] sending message is forbidden`);
    const queueNums = tc.writeQueueNums;
    if (queueId < 0) queueId = (Math.random() * queueNums) | 0;
    else if (queueId >= Math.max(tc.readQueueNums, tc.writeQueueNums)) {
      return fail(req, ResponseCode.SYSTEM_ERROR, `request queueId[${queueId}] is illegal, ${topic} writeQueueNums ${tc.writeQueueNums} readQueueNums ${tc.readQueueNums} producer:${conn.remoteAddress}`);
    }
    const body = req.body ?? Buffer.alloc(0);
    // Half messages go to RMQ_SYS_TRANS_HALF_TOPIC (src/broker/transaction) until END_TRANSACTION.
    const prepared = (sysFlag & 0xc) === SYS_FLAG.TRANSACTION_PREPARED;
    if (prepared) {
      if (b.config.rejectTransactionMessage) return fail(req, ResponseCode.NO_PERMISSION, `the broker[${b.config.brokerIP1}] sending transaction message is forbidden`);
      if (req.code === RequestCode.SEND_BATCH_MESSAGE) return fail(req, ResponseCode.MESSAGE_ILLEGAL, 'batch messages cannot be transactional');
    }
    if (tc.topicFilterType === 'MULTI_TAG') sysFlag |= SYS_FLAG.MULTI_TAGS;
    const bornHost = this.bornHostOf(conn);

    if (req.code === RequestCode.SEND_BATCH_MESSAGE) {
      return this.sendBatch(req, tc, queueId, sysFlag, bornTimestamp, bornHost, body, properties);
    }

    if (body.length > b.config.maxMessageSize) {
      return fail(req, ResponseCode.MESSAGE_ILLEGAL, `the message body size ${body.length} bytes is larger than maxMessageSize ${b.config.maxMessageSize} bytes`);
    }
    let reconsumeTimes = 0;
    let finalTopic = topic;
    if (topic.charCodeAt(0) === 37 /* % */ && topic.startsWith(TopicValidator.RETRY_GROUP_TOPIC_PREFIX)) {
      reconsumeTimes = h.reconsumeTimes || 0;
      const dlq = this.retryToDlq(req, topic, reconsumeTimes, h.maxReconsumeTimes);
      if (typeof dlq !== 'string') return dlq;
      if (dlq !== topic) {
        finalTopic = dlq;
        queueId = 0;
        properties = removeProperties(properties, [PROPERTY.DELAY]);
      }
    }
    // Only long strings can exceed the limit in UTF-8 bytes (at most 3 bytes per UTF-16 unit here).
    if (properties.length > (MAX_PROPERTIES_BYTES - 64) / 3 && Buffer.byteLength(properties) > MAX_PROPERTIES_BYTES - 64) {
      return fail(req, ResponseCode.MESSAGE_ILLEGAL, `the message properties are longer than ${MAX_PROPERTIES_BYTES} bytes`);
    }
    properties = appendProperty(properties, PROPERTY.CLUSTER, this.clusterProp);
    const msg: MessageInner = {
      topic: finalTopic,
      queueId,
      flag,
      body,
      properties,
      sysFlag,
      bornTimestamp,
      bornHost,
      storeHost: b.storeHost,
      reconsumeTimes,
      preparedTransactionOffset: 0,
    };
    if (conn.reply !== undefined && conn.replyFailure !== undefined) {
      // answered on the connection from the put's own callback (or .then): no promise layers here
      const answer = (r: PutMessageResult): void => {
        let res: RemotingCommand;
        try {
          res = this.answerPut(req, r, queueId, msg, topic);
        } catch (e) {
          conn.replyFailure!(req, e);
          return;
        }
        conn.reply!(req, res);
      };
      if (prepared) {
        b.transactionService
          .prepare(msg, producerGroupOf(h)!)
          .then(answer, (e: unknown) => conn.replyFailure!(req, e))
          .catch((e: unknown) => b.log.error({ err: e }, 'send answer failed'));
      } else b.putMessageCb(msg, answer);
      return ANSWERED_LATER;
    }
    const put = prepared ? b.transactionService.prepare(msg, producerGroupOf(h)!) : b.putMessage(msg);
    return put.then((r) => this.answerPut(req, r, queueId, msg, topic));
  }

  private answerPut(req: RemotingCommand, r: PutMessageResult, queueId: number, msg: MessageInner, topic: string): RemotingCommand {
    const b = this.b;
    // The answer names the queue the producer chose, also for a delayed message (parked elsewhere).
    const res = this.sendResponse(req, r, queueId);
    if (msg.topic === TIMER_TOPIC && res.code === ResponseCode.SUCCESS && res.extFields) {
      // 5.x: a parked timer message can be recalled with this handle (RECALL_MESSAGE).
      const out = Number(getEncodedProperty(msg.properties, PROPERTY.TIMER_OUT_MS));
      res.extFields.recallHandle = buildRecallHandle(topic, b.config.brokerName, out, getEncodedProperty(msg.properties, PROPERTY.UNIQ_KEY) ?? '');
    }
    return res;
  }

  private sendResponse(req: RemotingCommand, r: PutMessageResult, queueId: number): RemotingCommand {
    const { code, remark } = putStatusToResponse(r);
    if (!r.appendResult || (code !== ResponseCode.SUCCESS && code !== ResponseCode.FLUSH_DISK_TIMEOUT && code !== ResponseCode.FLUSH_SLAVE_TIMEOUT && code !== ResponseCode.SLAVE_NOT_AVAILABLE)) {
      return createResponse(req, code === ResponseCode.SUCCESS ? ResponseCode.SYSTEM_ERROR : code, remark ?? r.remark ?? r.status);
    }
    this.b.stats.onPut(r.appendResult.msgNum, r.appendResult.wroteBytes);
    if (code === ResponseCode.SUCCESS && r.appendResult.msgNum === 1 && remark === undefined) {
      const host = this.hostHex();
      if (host !== undefined) return new SendOkResponse(req, host, r.appendResult.wroteOffset, queueId, r.appendResult.logicsOffset);
    }
    return createResponse(req, code, remark, {
      msgId: r.appendResult.msgId,
      queueId: String(queueId),
      queueOffset: String(r.appendResult.logicsOffset),
      MSG_REGION: 'DefaultRegion',
      TRACE_ON: 'true',
    });
  }

  /**
   * A send straight to %RETRY%<group> (the client's fallback when send-back failed): diverted to the
   * DLQ when reconsumeTimes exceeds the group's max. Returns the topic to store in, or an error response.
   */
  private retryToDlq(req: RemotingCommand, topic: string, reconsumeTimes: number, headerMax: number): string | RemotingCommand {
    const group = topic.slice(TopicValidator.RETRY_GROUP_TOPIC_PREFIX.length);
    const sg = this.b.subscriptionGroupManager.findSubscriptionGroupConfig(group);
    if (!sg) return fail(req, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group not exist, ${group}`);
    let max = sg.retryMaxTimes;
    if (req.version >= VERSION_V3_4_9 && Number.isInteger(headerMax) && headerMax >= 0) max = headerMax;
    // Orderly consumers (live queue locks) do not retry through %RETRY%: straight to the DLQ.
    if (reconsumeTimes > max || this.b.rebalanceLockManager.hasLocks(group)) {
      const dlq = TopicValidator.DLQ_GROUP_TOPIC_PREFIX + group;
      this.b.topicConfigManager.createTopicInSendMessageBackMethod(dlq, DLQ_NUMS_PER_GROUP, PERM_READ | PERM_WRITE);
      return dlq;
    }
    return topic;
  }

  private async sendBatch(
    req: RemotingCommand,
    tc: TopicConfig,
    queueId: number,
    sysFlag: number,
    bornTimestamp: number,
    bornHost: Buffer,
    body: Buffer,
    headerProps: string,
  ): Promise<RemotingCommand> {
    const b = this.b;
    if (tc.topicName.startsWith(TopicValidator.RETRY_GROUP_TOPIC_PREFIX)) {
      return fail(req, ResponseCode.MESSAGE_ILLEGAL, `batch request does not support retry group ${tc.topicName}`);
    }
    let entries;
    try {
      entries = decodeBatch(body);
    } catch (e) {
      return fail(req, ResponseCode.MESSAGE_ILLEGAL, `the batch body is malformed: ${(e as Error).message}`);
    }
    if (entries.length === 0) return fail(req, ResponseCode.MESSAGE_ILLEGAL, 'the batch is empty');
    const batchProps = appendProperty(headerProps, PROPERTY.CLUSTER, this.clusterProp);
    const msgs: MessageInner[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.body.length > b.config.maxMessageSize) {
        return fail(req, ResponseCode.MESSAGE_ILLEGAL, `message ${i} of the batch: body size ${e.body.length} bytes is larger than maxMessageSize ${b.config.maxMessageSize} bytes`);
      }
      if (getEncodedProperty(e.properties, PROPERTY.DELAY) !== undefined) {
        return fail(req, ResponseCode.MESSAGE_ILLEGAL, 'Can not send batch delayed message');
      }
      if (e.properties.includes('TIMER_') && (getEncodedProperty(e.properties, PROPERTY.TIMER_DELIVER_MS) ?? getEncodedProperty(e.properties, PROPERTY.TIMER_DELAY_SEC) ?? getEncodedProperty(e.properties, PROPERTY.TIMER_DELAY_MS)) !== undefined) {
        return fail(req, ResponseCode.MESSAGE_ILLEGAL, 'Can not send batch timer message (TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS): send timer messages one by one');
      }
      msgs[i] = {
        topic: tc.topicName,
        queueId,
        flag: e.flag,
        body: e.body,
        properties: concatProperties(e.properties, batchProps),
        sysFlag,
        bornTimestamp,
        bornHost,
        storeHost: b.storeHost,
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
      };
    }
    const r = await b.store.putMessages(msgs);
    return this.sendResponse(req, r, queueId);
  }

  /** CONSUMER_SEND_MSG_BACK: the consumer failed a message; re-store it in %RETRY%<group> (delayed) or the DLQ. */
  async consumerSendMsgBack(req: RemotingCommand): Promise<RemotingCommand> {
    const b = this.b;
    const h = ConsumerSendMsgBackRequestHeader.decodeCommand(req);
    const sg = b.subscriptionGroupManager.findSubscriptionGroupConfig(h.group);
    if (!sg) return fail(req, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group not exist, ${h.group}`);
    if (!isWriteable(b.config.brokerPermission)) {
      return fail(req, ResponseCode.NO_PERMISSION, `the broker[${b.config.brokerIP1}] sending message is forbidden`);
    }
    if (sg.retryQueueNums <= 0) return createResponse(req, ResponseCode.SUCCESS);
    let newTopic = TopicValidator.RETRY_GROUP_TOPIC_PREFIX + h.group;
    let queueId = (Math.random() * sg.retryQueueNums) | 0;
    let tc = b.topicConfigManager.createTopicInSendMessageBackMethod(newTopic, sg.retryQueueNums, PERM_READ | PERM_WRITE);
    if (!isWriteable(tc.perm)) return fail(req, ResponseCode.NO_PERMISSION, `the topic[${newTopic}] sending message is forbidden`);

    const raw = b.store.selectOneMessageByOffset(h.offset);
    if (!raw) return fail(req, ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${h.offset}`);
    let msg;
    try {
      msg = decodeRecord(raw);
    } catch (e) {
      return fail(req, ResponseCode.SYSTEM_ERROR, `the message at offset ${h.offset} cannot be decoded: ${(e as Error).message}`);
    }
    let props = msg.propertiesString;
    if (getEncodedProperty(props, PROPERTY.RETRY_TOPIC) === undefined) props = appendProperty(props, PROPERTY.RETRY_TOPIC, msg.topic);

    let delayLevel = h.delayLevel;
    let maxReconsumeTimes = sg.retryMaxTimes;
    if (req.version >= VERSION_V3_4_9 && h.maxReconsumeTimes !== undefined && h.maxReconsumeTimes >= 0) maxReconsumeTimes = h.maxReconsumeTimes;
    props = removeProperties(props, [PROPERTY.DELAY]);
    if (msg.reconsumeTimes >= maxReconsumeTimes || delayLevel < 0) {
      newTopic = TopicValidator.DLQ_GROUP_TOPIC_PREFIX + h.group;
      queueId = 0;
      tc = b.topicConfigManager.createTopicInSendMessageBackMethod(newTopic, DLQ_NUMS_PER_GROUP, PERM_READ | PERM_WRITE);
    } else {
      if (delayLevel === 0) delayLevel = 3 + msg.reconsumeTimes;
      props = appendProperty(props, PROPERTY.DELAY, String(delayLevel));
    }
    if (getEncodedProperty(props, PROPERTY.ORIGIN_MESSAGE_ID) === undefined) {
      props = appendProperty(props, PROPERTY.ORIGIN_MESSAGE_ID, msg.offsetMsgId);
    }
    const inner = reputRecord(msg, b.storeHost, { topic: newTopic, queueId, properties: props, reconsumeTimes: msg.reconsumeTimes + 1, preparedTransactionOffset: 0 });
    const r = await b.putMessage(inner);
    const { code, remark } = putStatusToResponse(r);
    if (code === ResponseCode.SUCCESS) {
      b.stats.onPut(1, r.appendResult?.wroteBytes ?? 0);
      return createResponse(req, ResponseCode.SUCCESS);
    }
    return createResponse(req, ResponseCode.SYSTEM_ERROR, remark ?? r.status);
  }
}
