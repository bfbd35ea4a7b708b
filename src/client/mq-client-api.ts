/**
 * Typed client -> name server / broker calls over the remoting transport (MQClientAPIImpl).
 * Each builds the request header with the shared header codecs in src/protocol/headers and maps
 * the response codes to results or RemotingResponseError.
 */
import { createRequest, markOneway, type RemotingCommand } from '../protocol/remoting-command.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import { DecodedCommand } from '../protocol/decoded-command.js';
import { asciiInt } from '../protocol/decimal-text.js';
import { internedName, utf8Text } from '../message/string-cache.js';
import {
  ConsumerSendMsgBackRequestHeader,
  GetConsumerListByGroupRequestHeader,
  GetMaxOffsetRequestHeader,
  GetMaxOffsetResponseHeader,
  GetMinOffsetRequestHeader,
  GetEarliestMsgStoretimeRequestHeader,
  GetEarliestMsgStoretimeResponseHeader,
  QueryMessageRequestHeader,
  QueryMessageResponseHeader,
  UNIQUE_KEY_QUERY,
  ViewMessageRequestHeader,
  GetMinOffsetResponseHeader,
  GetRouteInfoRequestHeader,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  QueryConsumerOffsetRequestHeader,
  QueryConsumerOffsetResponseHeader,
  SearchOffsetRequestHeader,
  SearchOffsetResponseHeader,
  SendMessageRequestHeader,
  SendMessageRequestHeaderV2,
  SendMessageResponseHeader,
  UnregisterClientRequestHeader,
  UpdateConsumerOffsetRequestHeader,
} from '../protocol/headers/index.js';
import { parseFastjson, toFastjson } from '../protocol/body/fastjson.js';
import type { GetConsumerListByGroupResponseBody, HeartbeatData, LockBatchRequestBody, LockBatchResponseBody, TopicRouteData } from '../protocol/body/types.js';
import { RemotingResponseError } from '../common/errors.js';
import { MQClientError } from './errors.js';
import { SendStatus } from './message.js';
import type { MessageQueue } from './message-queue.js';
import type { ClientTransport } from './transport.js';
import { readInt16BE, readInt32BE } from '../common/bytes.js';

type SendHeader = Parameters<typeof SendMessageRequestHeader.encode>[0];
type PullHeader = Parameters<typeof PullMessageRequestHeader.encode>[0];

export type CommunicationMode = 'SYNC' | 'ASYNC' | 'ONEWAY';

export interface SendResponse {
  sendStatus: SendStatus;
  offsetMsgId: string;
  queueId: number;
  queueOffset: number;
  transactionId?: string;
  regionId?: string;
  traceOn: boolean;
}

export const PullStatus = {
  FOUND: 'FOUND',
  NO_NEW_MSG: 'NO_NEW_MSG',
  NO_MATCHED_MSG: 'NO_MATCHED_MSG',
  OFFSET_ILLEGAL: 'OFFSET_ILLEGAL',
} as const;
export type PullStatus = (typeof PullStatus)[keyof typeof PullStatus];

export interface RawPullResult {
  pullStatus: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  suggestWhichBrokerId: number;
  /** Concatenated stored records (FOUND only). */
  body?: Buffer;
}

const SEND_STATUS_BY_CODE: Record<number, SendStatus> = {
  [ResponseCode.SUCCESS]: SendStatus.SEND_OK,
  [ResponseCode.FLUSH_DISK_TIMEOUT]: SendStatus.FLUSH_DISK_TIMEOUT,
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: SendStatus.FLUSH_SLAVE_TIMEOUT,
  [ResponseCode.SLAVE_NOT_AVAILABLE]: SendStatus.SLAVE_NOT_AVAILABLE,
};

const PULL_STATUS_BY_CODE: Record<number, PullStatus> = {
  [ResponseCode.SUCCESS]: PullStatus.FOUND,
  [ResponseCode.PULL_RETRY_IMMEDIATELY]: PullStatus.NO_MATCHED_MSG,
  [ResponseCode.PULL_NOT_FOUND]: PullStatus.NO_NEW_MSG,
  [ResponseCode.PULL_OFFSET_MOVED]: PullStatus.OFFSET_ILLEGAL,
};

function fail(res: RemotingCommand): never {
  throw new RemotingResponseError(res.code, res.remark, { retriable: res.code === ResponseCode.SYSTEM_BUSY });
}

/** A send's response: its status and header, or throws RemotingResponseError for a refusal. */
export function parseSendResponse(res: RemotingCommand): SendResponse {
  const sendStatus = SEND_STATUS_BY_CODE[res.code];
  if (sendStatus === undefined) fail(res);
  const h = (res instanceof DecodedCommand ? readSendResponseFields(res) : undefined) ?? SendMessageResponseHeader.decodeCommand(res);
  return {
    sendStatus,
    offsetMsgId: h.msgId,
    queueId: h.queueId,
    queueOffset: h.queueOffset,
    transactionId: h.transactionId,
    regionId: h.MSG_REGION,
    traceOn: h.TRACE_ON !== 'false',
  };
}

type SendResponseFields = Pick<SendMessageResponseHeader, 'msgId' | 'queueId' | 'queueOffset' | 'transactionId' | 'MSG_REGION' | 'TRACE_ON'>;

/** True when buf[s, s + key.length) spells `key` (ASCII). */
function keyIs(buf: Buffer, s: number, key: string): boolean {
  for (let i = 0; i < key.length; i++) if (buf[s + i] !== key.charCodeAt(i)) return false;
  return true;
}

/**
 * The send answer's fields straight from a binary header (one per send, so this is on the producer's
 * hot path; the generic codec interns every value and looks every key up in a map). Undefined when
 * the header is not the plain case (a field missing or not a number): the generic codec then decodes
 * it, with its errors.
 */
function readSendResponseFields(res: DecodedCommand): SendResponseFields | undefined {
  const buf = res.rawExtBuf;
  if (buf === undefined) return undefined;
  let msgId: string | undefined;
  let queueId = NaN;
  let queueOffset = NaN;
  let transactionId: string | undefined;
  let region: string | undefined;
  let traceOn: string | undefined;
  const end = res.rawExtEnd;
  let o = res.rawExtStart;
  while (o < end) {
    const kl = readInt16BE(buf, o);
    const ks = o + 2;
    const vs = ks + kl + 4;
    const ve = vs + readInt32BE(buf, ks + kl);
    o = ve;
    switch (kl) {
      case 5:
        if (keyIs(buf, ks, 'msgId')) msgId = utf8Text(buf, vs, ve);
        break;
      case 7:
        if (keyIs(buf, ks, 'queueId')) queueId = asciiInt(buf, vs, ve);
        break;
      case 8:
        if (keyIs(buf, ks, 'TRACE_ON')) traceOn = internedName(buf, vs, ve);
        break;
      case 10:
        if (keyIs(buf, ks, 'MSG_REGION')) region = internedName(buf, vs, ve);
        break;
      case 11:
        if (keyIs(buf, ks, 'queueOffset')) queueOffset = asciiInt(buf, vs, ve);
        break;
      case 13:
        if (keyIs(buf, ks, 'transactionId')) transactionId = utf8Text(buf, vs, ve);
        break;
    }
  }
  if (msgId === undefined || !(queueId >= -2147483648 && queueId <= 2147483647) || Number.isNaN(queueOffset)) return undefined;
  return { msgId, queueId, queueOffset, transactionId, MSG_REGION: region, TRACE_ON: traceOn };
}

export class MQClientAPI {
  private namesrvAddrList: string[] = [];
  private namesrvIndex = Math.floor(Math.random() * 997);

  constructor(readonly transport: ClientTransport) {}

  updateNameServerAddressList(list: string[]): void {
    this.namesrvAddrList = [...list];
  }

  get nameServerAddressList(): readonly string[] {
    return this.namesrvAddrList;
  }

  /**
   * Sends to one name server, trying the others in turn on network failures. Response codes
   * (e.g. TOPIC_NOT_EXIST) are answers, not failures, and are returned as they are.
   */
  async invokeNameServer(cmdFactory: () => RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const list = this.namesrvAddrList;
    if (list.length === 0) throw new MQClientError('NO_NAME_SERVER', 'No name server address, set namesrvAddr or NAMESRV_ADDR');
    let lastErr: unknown;
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < list.length; i++) {
      const addr = list[Math.abs(this.namesrvIndex) % list.length]!;
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        return await this.transport.invoke(addr, cmdFactory(), left);
      } catch (e) {
        lastErr = e;
        this.namesrvIndex++;
      }
    }
    throw new MQClientError('NAME_SERVER_UNREACHABLE', `no name server answered (${list.join(';')})`, { retriable: true, cause: lastErr });
  }

  /** The topic's route; throws RemotingResponseError(17 TOPIC_NOT_EXIST) for an unknown topic. */
  async getTopicRouteInfoFromNameServer(topic: string, timeoutMs: number): Promise<TopicRouteData> {
    const res = await this.invokeNameServer(
      () => createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, GetRouteInfoRequestHeader.encode({ topic })),
      timeoutMs,
    );
    if (res.code !== ResponseCode.SUCCESS) fail(res);
    if (!res.body) throw new MQClientError('BAD_ROUTE', `empty route body for topic ${topic}`);
    const route = parseFastjson(res.body) as TopicRouteData;
    if (!route || !Array.isArray(route.queueDatas) || !Array.isArray(route.brokerDatas)) {
      throw new MQClientError('BAD_ROUTE', `malformed route for topic ${topic}`);
    }
    for (const qd of route.queueDatas) {
      qd.readQueueNums = Number(qd.readQueueNums);
      qd.writeQueueNums = Number(qd.writeQueueNums);
      qd.perm = Number(qd.perm);
    }
    return route;
  }

  async sendMessage(
    addr: string,
    header: SendHeader,
    body: Buffer,
    timeoutMs: number,
    mode: CommunicationMode,
  ): Promise<SendResponse | undefined> {
    const code = header.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2;
    const req = createRequest(code, SendMessageRequestHeaderV2.encode(header), body);
    if (mode === 'ONEWAY') {
      await this.transport.invokeOneway(addr, markOneway(req), timeoutMs);
      return undefined;
    }
    return parseSendResponse(await this.transport.invoke(addr, req, timeoutMs));
  }

  async pullMessage(addr: string, header: PullHeader, timeoutMs: number): Promise<RawPullResult> {
    const res = await this.transport.invoke(addr, createRequest(RequestCode.PULL_MESSAGE, PullMessageRequestHeader.encode(header)), timeoutMs);
    const pullStatus = PULL_STATUS_BY_CODE[res.code];
    if (pullStatus === undefined) fail(res);
    const h = PullMessageResponseHeader.decodeCommand(res);
    return {
      pullStatus,
      nextBeginOffset: h.nextBeginOffset,
      minOffset: h.minOffset,
      maxOffset: h.maxOffset,
      suggestWhichBrokerId: h.suggestWhichBrokerId,
      body: pullStatus === PullStatus.FOUND ? res.body : undefined,
    };
  }

  /** Returns the broker's version ordinal. */
  async sendHeartbeat(addr: string, data: HeartbeatData, timeoutMs: number): Promise<number> {
    const res = await this.transport.invoke(addr, createRequest(RequestCode.HEART_BEAT, {}, Buffer.from(toFastjson(data))), timeoutMs);
    if (res.code !== ResponseCode.SUCCESS) fail(res);
    return res.version;
  }

  async unregisterClient(addr: string, clientID: string, producerGroup: string | undefined, consumerGroup: string | undefined, timeoutMs: number): Promise<void> {
    const res = await this.transport.invoke(
      addr,
      createRequest(RequestCode.UNREGISTER_CLIENT, UnregisterClientRequestHeader.encode({ clientID, producerGroup, consumerGroup })),
      timeoutMs,
    );
    if (res.code !== ResponseCode.SUCCESS) fail(res);
  }

  async getConsumerIdListByGroup(addr: string, consumerGroup: string, timeoutMs: number): Promise<string[]> {
    const res = await this.transport.invoke(
      addr,
      createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, GetConsumerListByGroupRequestHeader.encode({ consumerGroup })),
      timeoutMs,
    );
    if (res.code !== ResponseCode.SUCCESS) fail(res);
    if (!res.body) return [];
    const body = parseFastjson(res.body) as GetConsumerListByGroupResponseBody;
    return Array.isArray(body?.consumerIdList) ? body.consumerIdList.map(String) : [];
  }

  /** The group's stored offset of the queue, or -1 when the broker has none. */
  async queryConsumerOffset(addr: string, mq: MessageQueue, consumerGroup: string, timeoutMs: number): Promise<number> {
    const res = await this.transport.invoke(
      addr,
      createRequest(
        RequestCode.QUERY_CONSUMER_OFFSET,
        QueryConsumerOffsetRequestHeader.encode({ consumerGroup, topic: mq.topic, queueId: mq.queueId, bname: mq.brokerName }),
      ),
      timeoutMs,
    );
    if (res.code === ResponseCode.QUERY_NOT_FOUND) return -1;
    if (res.code !== ResponseCode.SUCCESS) fail(res);
    return QueryConsumerOffsetResponseHeader.decodeCommand(res).offset;
  }

  async updateConsumerOffset(addr: string, mq: MessageQueue, consumerGroup: string, commitOffset: number, oneway: boolean, timeoutMs: number): Promise<void> {
    const req = createRequest(
      RequestCode.UPDATE_CONSUMER_OFFSET,
      UpdateConsumerOffsetRequestHeader.encode({ consumerGroup, topic: mq.topic, queueId: mq.queueId, commitOffset, bname: mq.brokerName }),
    );
    if (oneway) {
      await this.transport.invokeOneway(addr, markOneway(req), timeoutMs);
      return;
    }
    const res = await this.transport.invoke(addr, req, timeoutMs);
    if (res.code !== ResponseCode.SUCCESS) fail(res);
  }

  async consumerSendMessageBack(
    addr: string,
    brokerName: string | undefined,
    args: { commitLogOffset: number; group: string; delayLevel: number; originMsgId: string; originTopic: string; maxReconsumeTimes: number },
    timeoutMs: number,
  ): Promise<void> {
    const req = createRequest(
      RequestCode.CONSUMER_SEND_MSG_BACK,
      ConsumerSendMsgBackRequestHeader.encode({
        offset: args.commitLogOffset,
        group: args.group,
        delayLevel: args.delayLevel,
        originMsgId: args.originMsgId,
        originTopic: args.originTopic,
        unitMode: false,
        maxReconsumeTimes: args.maxReconsumeTimes,
        bname: brokerName,
      }),
    );
    const res = await this.transport.invoke(addr, req, timeoutMs);
    if (res.code !== ResponseCode.SUCCESS) fail(res);
  }

  /** LOCK_BATCH_MQ: the subset of `mqs` the broker now holds for this client (orderly consumption). */
  async lockBatchMQ(addr: string, consumerGroup: string, clientId: string, mqs: MessageQueue[], timeoutMs: number): Promise<Array<{ topic: string; brokerName: string; queueId: number }>> {
    const body: LockBatchRequestBody = { consumerGroup, clientId, mqSet: mqs.map((m) => ({ topic: m.topic, brokerName: m.brokerName, queueId: m.queueId })) };
    const res = await this.transport.invoke(addr, createRequest(RequestCode.LOCK_BATCH_MQ, {}, Buffer.from(toFastjson(body))), timeoutMs);
    if (res.code !== ResponseCode.SUCCESS) fail(res);
    const parsed = res.body ? (parseFastjson(res.body) as LockBatchResponseBody) : undefined;
    return Array.isArray(parsed?.lockOKMQSet) ? parsed.lockOKMQSet : [];
  }

  async unlockBatchMQ(addr: string, consumerGroup: string, clientId: string, mqs: MessageQueue[], oneway: boolean, timeoutMs: number): Promise<void> {
    const body: LockBatchRequestBody = { consumerGroup, clientId, mqSet: mqs.map((m) => ({ topic: m.topic, brokerName: m.brokerName, queueId: m.queueId })) };
    const req = createRequest(RequestCode.UNLOCK_BATCH_MQ, {}, Buffer.from(toFastjson(body)));
    if (oneway) {
      await this.transport.invokeOneway(addr, markOneway(req), timeoutMs);
      return;
    }
    const res = await this.transport.invoke(addr, req, timeoutMs);
    if (res.code !== ResponseCode.SUCCESS) fail(res);
  }

  async getMaxOffset(addr: string, mq: MessageQueue, timeoutMs: number): Promise<number> {
    const res = await this.transport.invoke(
      addr,
      createRequest(RequestCode.GET_MAX_OFFSET, GetMaxOffsetRequestHeader.encode({ topic: mq.topic, queueId: mq.queueId, bname: mq.brokerName })),
      timeoutMs,
    );
    if (res.code !== ResponseCode.SUCCESS) fail(res);
    return GetMaxOffsetResponseHeader.decodeCommand(res).offset;
  }

  async getMinOffset(addr: string, mq: MessageQueue, timeoutMs: number): Promise<number> {
    const res = await this.transport.invoke(
      addr,
      createRequest(RequestCode.GET_MIN_OFFSET, GetMinOffsetRequestHeader.encode({ topic: mq.topic, queueId: mq.queueId, bname: mq.brokerName })),
      timeoutMs,
    );
    if (res.code !== ResponseCode.SUCCESS) fail(res);
    return GetMinOffsetResponseHeader.decodeCommand(res).offset;
  }

  async getEarliestMsgStoretime(addr: string, mq: MessageQueue, timeoutMs: number): Promise<number> {
    const res = await this.transport.invoke(
      addr,
      createRequest(RequestCode.GET_EARLIEST_MSG_STORETIME, GetEarliestMsgStoretimeRequestHeader.encode({ topic: mq.topic, queueId: mq.queueId, bname: mq.brokerName })),
      timeoutMs,
    );
    if (res.code !== ResponseCode.SUCCESS) fail(res);
    return GetEarliestMsgStoretimeResponseHeader.decodeCommand(res).timestamp;
  }

  /** VIEW_MESSAGE_BY_ID: the stored record at a commit-log offset. */
  async viewMessage(addr: string, physicalOffset: number, timeoutMs: number): Promise<Buffer> {
    const res = await this.transport.invoke(addr, createRequest(RequestCode.VIEW_MESSAGE_BY_ID, ViewMessageRequestHeader.encode({ offset: physicalOffset })), timeoutMs);
    if (res.code !== ResponseCode.SUCCESS) fail(res);
    if (!res.body || res.body.length === 0) throw new MQClientError('NO_MESSAGE', `no message at commit-log offset ${physicalOffset}`);
    return res.body;
  }

  /** QUERY_MESSAGE by key (or by UNIQ_KEY when `uniqueKey`): concatenated records, undefined when none. */
  async queryMessage(
    addr: string,
    q: { topic: string; key: string; maxNum: number; beginTimestamp: number; endTimestamp: number },
    uniqueKey: boolean,
    timeoutMs: number,
  ): Promise<{ indexLastUpdateTimestamp: number; body?: Buffer }> {
    const ext = QueryMessageRequestHeader.encode(q);
    if (uniqueKey) ext[UNIQUE_KEY_QUERY] = 'true';
    const res = await this.transport.invoke(addr, createRequest(RequestCode.QUERY_MESSAGE, ext), timeoutMs);
    if (res.code === ResponseCode.QUERY_NOT_FOUND) return { indexLastUpdateTimestamp: 0 };
    if (res.code !== ResponseCode.SUCCESS) fail(res);
    const h = QueryMessageResponseHeader.decodeCommand(res);
    return { indexLastUpdateTimestamp: h.indexLastUpdateTimestamp, body: res.body };
  }

  async searchOffset(addr: string, mq: MessageQueue, timestamp: number, timeoutMs: number): Promise<number> {
    const res = await this.transport.invoke(
      addr,
      createRequest(
        RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
        SearchOffsetRequestHeader.encode({ topic: mq.topic, queueId: mq.queueId, timestamp, bname: mq.brokerName }),
      ),
      timeoutMs,
    );
    if (res.code !== ResponseCode.SUCCESS) fail(res);
    return SearchOffsetResponseHeader.decodeCommand(res).offset;
  }
}
