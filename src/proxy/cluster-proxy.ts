/**
 * The gRPC proxy in cluster mode (`rmq proxy -n ADDR`): in front of brokers found through the name
 * servers, talking remoting to them: routes from GET_ROUTEINFO_BY_TOPIC, sends with SEND_MESSAGE_V2 to
 * a master, receives with POP_MESSAGE (each broker in turn, the last one long-polled), acks /
 * invisible-time changes with ACK_MESSAGE / CHANGE_MESSAGE_INVISIBLETIME to the broker named in the
 * receipt handle, dead letters with CONSUMER_SEND_MSG_BACK (delayLevel −1) + ack, recall with
 * RECALL_MESSAGE, transactions with a half send and END_TRANSACTION.
 *
 *   const proxy = new ClusterProxy({ namesrvAddr: '127.0.0.1:9876', grpcServerPort: 8081 });
 *   await proxy.start();
 *
 * FIFO groups: the group's config (consumeMessageOrderly, retryMaxTimes) is read from a broker of the
 * topic with GET_SUBSCRIPTIONGROUP_CONFIG (cached 10 s); a FIFO group gets one assignment per queue of each
 * broker and its receives pop that queue with order=true.
 * Not in cluster mode: transaction check-back to 5.x producers (the brokers ask remoting producer
 * channels only) and server-side renewal of auto-renewed receipts.
 */
import type { BrokerController } from '../broker/broker-controller.js';
import { MQClientAPI } from '../client/mq-client-api.js';
import { PROPERTY, SYS_FLAG } from '../message/message-const.js';
import { decodeRecords } from '../message/message-record.js';
import { encodeProperties } from '../message/properties.js';
import { SendMessageRequestHeaderV2 } from '../protocol/headers/send-message.js';
import { createRequest, markOneway } from '../protocol/remoting-command.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import { RemotingClient } from '../remoting/remoting-client.js';
import { buildExtraInfo, parseExtraInfo, type ExtraInfo } from '../broker/pop/pop-service.js';
import { isReadable, isWriteable, topicNameProblem } from '../broker/topic-config-manager.js';
import { javaStringHashCode } from '../common/java-hash.js';
import { BORN_HOST_PROP, SYSTEM_PROPERTIES, toProtoMessage, TRACE_CONTEXT_PROP } from './convert.js';
import { GrpcProxy, ok, parseHandle, st, type ProxyConfig, type Status } from './grpc-proxy.js';
import { Code, fromDuration, fromTimestamp, MessageType, Permission, toTimestamp, TransactionResolution, FilterType } from './proto.js';

const TIMEOUT = 3000;

interface BrokerRoute {
  name: string;
  addr: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
}

/** What a stub broker must answer for the shared telemetry code (group defaults). */
const NO_BROKER = {
  subscriptionGroupManager: { findSubscriptionGroupConfig: () => undefined },
  transactionService: undefined,
  config: { brokerName: '', brokerPermission: 6, timerMaxDelaySec: 259_200 },
} as unknown as BrokerController;

export class ClusterProxy extends GrpcProxy {
  protected override readonly mode = 'cluster';
  private readonly remoting = new RemotingClient();
  private readonly api: MQClientAPI;
  private readonly brokerAddrs = new Map<string, string>();
  /** transactionId -> where the half message is. */
  private readonly halves = new Map<string, { broker: string; queueOffset: number; commitLogOffset: number; topic: string }>();

  /** Group configs read from the brokers (group -> config, fetched at). */
  private readonly groups = new Map<string, { sg: { consumeMessageOrderly?: boolean; retryMaxTimes: number } | undefined; at: number }>();

  constructor(config: Partial<ProxyConfig> & { namesrvAddr: string }) {
    super({ ...NO_BROKER, subscriptionGroupManager: { findSubscriptionGroupConfig: () => undefined } } as unknown as BrokerController, config);
    // The shared settings / FIFO code asks the broker's group manager: answer from the cache.
    (this.b as unknown as { subscriptionGroupManager: { findSubscriptionGroupConfig: (g: string) => unknown } }).subscriptionGroupManager.findSubscriptionGroupConfig = (g: string) => this.groups.get(g)?.sg;
    this.api = new MQClientAPI({
      invoke: (a, c, t) => this.remoting.invoke(a, c, t),
      invokeOneway: (a, c, t) => this.remoting.invokeOneway(a, c, t),
      registerProcessor: (code, h) => this.remoting.registerProcessor(code, h),
      shutdown: () => this.remoting.close(),
    });
    this.api.updateNameServerAddressList(config.namesrvAddr.split(';').map((s) => s.trim()).filter(Boolean));
  }

  /** Loads (or refreshes, every 10 s) a group's config from a broker serving `topic`. */
  private async loadGroup(group: string, topic: string | undefined): Promise<void> {
    const cached = this.groups.get(group);
    if (!group || !topic || (cached && Date.now() - cached.at < 10_000)) return;
    for (const b of (await this.route(topic)) ?? []) {
      try {
        const res = await this.remoting.invoke(b.addr, createRequest(RequestCode.GET_SUBSCRIPTIONGROUP_CONFIG, { group }), TIMEOUT);
        if (res.code === ResponseCode.SUCCESS && res.body) {
          this.groups.set(group, { sg: JSON.parse(res.body.toString('utf8')), at: Date.now() });
          return;
        }
        if (res.code === ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST) {
          this.groups.set(group, { sg: undefined, at: Date.now() });
          return;
        }
      } catch {
        /* next broker */
      }
    }
  }

  protected override async beforeSettings(s: any): Promise<void> {
    if (s.subscription) await this.loadGroup(s.subscription.group?.name ?? '', s.subscription.subscriptions?.[0]?.topic?.name);
  }

  override async shutdown(): Promise<void> {
    await super.shutdown();
    this.remoting.close();
  }

  private async route(topic: string): Promise<BrokerRoute[] | undefined> {
    let r;
    try {
      r = await this.api.getTopicRouteInfoFromNameServer(topic, TIMEOUT);
    } catch {
      return undefined;
    }
    const out: BrokerRoute[] = [];
    for (const qd of r.queueDatas) {
      const bd = r.brokerDatas.find((b) => b.brokerName === qd.brokerName);
      const addr = bd?.brokerAddrs['0'];
      if (!addr) continue;
      this.brokerAddrs.set(qd.brokerName, addr);
      out.push({ name: qd.brokerName, addr, readQueueNums: qd.readQueueNums, writeQueueNums: qd.writeQueueNums, perm: qd.perm });
    }
    return out.length ? out : undefined;
  }

  private async addrOf(brokerName: string, topic: string): Promise<string | undefined> {
    if (!this.brokerAddrs.has(brokerName)) await this.route(topic);
    return this.brokerAddrs.get(brokerName);
  }

  private endpointsOf(req: any): Record<string, unknown> {
    const addrs = req.endpoints?.addresses?.length ? req.endpoints.addresses : [{ host: '127.0.0.1', port: this.port }];
    return { scheme: req.endpoints?.scheme || 1, addresses: [addrs[0]] };
  }

  override async queryRoute(req: any): Promise<Record<string, unknown>> {
    const topic = req.topic?.name as string | undefined;
    if (!topic) return { status: st(Code.ILLEGAL_TOPIC, 'topic is required'), messageQueues: [] };
    const problem = topicNameProblem(topic);
    if (problem) return { status: st(Code.ILLEGAL_TOPIC, problem), messageQueues: [] };
    const brokers = await this.route(topic);
    if (!brokers) return { status: st(Code.TOPIC_NOT_FOUND, `CODE: 17  DESC: No topic route info in name server for the topic: ${topic}`), messageQueues: [] };
    const endpoints = this.endpointsOf(req);
    const types = [MessageType.NORMAL, MessageType.FIFO, MessageType.DELAY, MessageType.TRANSACTION];
    const mqs: Record<string, unknown>[] = [];
    for (const b of brokers) {
      const broker = { name: b.name, id: 0, endpoints };
      const r = isReadable(b.perm) ? b.readQueueNums : 0;
      const w = isWriteable(b.perm) ? b.writeQueueNums : 0;
      const both = Math.min(r, w);
      let id = 0;
      const add = (n: number, p: number): void => {
        for (let i = 0; i < n; i++) mqs.push({ topic: req.topic, id: id++, permission: p, broker, acceptMessageTypes: types });
      };
      add(both, Permission.READ_WRITE);
      add(r - both, Permission.READ);
      add(w - both, Permission.WRITE);
    }
    return { status: ok(), messageQueues: mqs };
  }

  override async queryAssignment(req: any): Promise<Record<string, unknown>> {
    const topic = req.topic?.name as string;
    const brokers = topic ? await this.route(topic) : undefined;
    if (!brokers) return { status: st(Code.TOPIC_NOT_FOUND, `topic ${topic} not found`), assignments: [] };
    const readable = brokers.filter((b) => isReadable(b.perm) && b.readQueueNums > 0);
    if (!readable.length) return { status: st(Code.FORBIDDEN, 'no readable queue'), assignments: [] };
    const endpoints = this.endpointsOf(req);
    const group: string = req.group?.name ?? '';
    await this.loadGroup(group, topic);
    if (group && this.isFifoGroup(group)) {
      const assignments = readable.flatMap((b) =>
        Array.from({ length: b.readQueueNums }, (_, id) => ({ messageQueue: { topic: req.topic, id, permission: Permission.READ_WRITE, broker: { name: b.name, id: 0, endpoints }, acceptMessageTypes: [1, 2, 3, 4] } })),
      );
      return { status: ok(), assignments };
    }
    return {
      status: ok(),
      assignments: readable.map((b) => ({ messageQueue: { topic: req.topic, id: -1, permission: Permission.READ_WRITE, broker: { name: b.name, id: 0, endpoints }, acceptMessageTypes: [1, 2, 3, 4] } })),
    };
  }

  protected override async sendMessage(req: any): Promise<Record<string, unknown>> {
    const entries: Record<string, unknown>[] = [];
    for (const m of req.messages ?? []) entries.push(await this.sendRemote(m));
    if (!entries.length) return { status: st(Code.BAD_REQUEST, 'no message'), entries };
    const codes = new Set(entries.map((e) => (e.status as Status).code));
    return { status: codes.size === 1 ? entries[0]!.status : st(Code.MULTIPLE_RESULTS, 'multiple results'), entries };
  }

  private async sendRemote(m: any): Promise<Record<string, unknown>> {
    const sp = m.systemProperties ?? {};
    const messageId: string = sp.messageId ?? '';
    const fail = (code: number, message: string) => ({ status: st(code, message), messageId, transactionId: '', offset: 0 });
    const topic: string | undefined = m.topic?.name;
    if (!topic) return fail(Code.ILLEGAL_TOPIC, 'topic is required');
    const problem = topicNameProblem(topic);
    if (problem) return fail(Code.ILLEGAL_TOPIC, problem);
    const brokers = (await this.route(topic))?.filter((b) => isWriteable(b.perm) && b.writeQueueNums > 0);
    if (!brokers?.length) return fail(Code.TOPIC_NOT_FOUND, `topic ${topic} not found`);
    const body: Buffer = m.body ?? Buffer.alloc(0);
    if (body.length > this.config.maxMessageSize) return fail(Code.MESSAGE_BODY_TOO_LARGE, `message body size ${body.length} exceeds ${this.config.maxMessageSize}`);
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries((m.userProperties ?? {}) as Record<string, string>)) {
      if (SYSTEM_PROPERTIES.has(k)) return fail(Code.BAD_REQUEST, `user property ${k} is a system property`);
      if (v !== '') props[k] = v;
    }
    if (messageId) props[PROPERTY.UNIQ_KEY] = messageId;
    if (sp.tag) props[PROPERTY.TAGS] = sp.tag;
    if (sp.keys?.length) props[PROPERTY.KEYS] = (sp.keys as string[]).join(' ');
    if (sp.bornHost) props[BORN_HOST_PROP] = sp.bornHost;
    if (sp.traceContext) props[TRACE_CONTEXT_PROP] = sp.traceContext;
    props[PROPERTY.WAIT] = 'true';
    const type: number = sp.messageType || MessageType.NORMAL;
    let b: BrokerRoute;
    let queueId: number;
    if (sp.messageGroup) {
      props[PROPERTY.SHARDING_KEY] = sp.messageGroup;
      const h = javaStringHashCode(sp.messageGroup) >>> 0;
      b = brokers[h % brokers.length]!;
      queueId = h % b.writeQueueNums;
    } else {
      b = brokers[this.rr++ % brokers.length]!;
      queueId = this.rr % b.writeQueueNums;
    }
    const deliverMs = fromTimestamp(sp.deliveryTimestamp);
    if (deliverMs !== undefined) props[PROPERTY.TIMER_DELIVER_MS] = String(deliverMs);
    let sysFlag = 0;
    if (type === MessageType.TRANSACTION) {
      props[PROPERTY.TRAN_MSG] = 'true';
      props[PROPERTY.PGROUP] = topic;
      sysFlag = SYS_FLAG.TRANSACTION_PREPARED;
    }
    const ext = SendMessageRequestHeaderV2.encode({
      producerGroup: topic,
      topic,
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId,
      sysFlag,
      bornTimestamp: fromTimestamp(sp.bornTimestamp) ?? Date.now(),
      flag: 0,
      properties: encodeProperties(props),
    });
    let res;
    try {
      res = await this.remoting.invoke(b.addr, createRequest(RequestCode.SEND_MESSAGE_V2, ext, body), TIMEOUT);
    } catch (e) {
      return fail(Code.PROXY_TIMEOUT, (e as Error).message);
    }
    if (res.code !== ResponseCode.SUCCESS) {
      const code = res.code === ResponseCode.TOPIC_NOT_EXIST ? Code.TOPIC_NOT_FOUND : res.code === ResponseCode.SYSTEM_BUSY ? Code.TOO_MANY_REQUESTS : res.code === ResponseCode.MESSAGE_ILLEGAL ? Code.BAD_REQUEST : Code.INTERNAL_SERVER_ERROR;
      return fail(code, res.remark ?? `broker answered ${res.code}`);
    }
    const queueOffset = Number(res.extFields?.queueOffset ?? 0);
    const entry: Record<string, unknown> = { status: ok(), messageId, transactionId: messageId, offset: queueOffset };
    if (res.extFields?.recallHandle) entry.recallHandle = res.extFields.recallHandle;
    if (type === MessageType.TRANSACTION) {
      const msgId = String(res.extFields?.msgId ?? '');
      const commitLogOffset = msgId.length === 32 ? Number(BigInt('0x' + msgId.slice(16))) : 0;
      this.halves.set(messageId, { broker: b.addr, queueOffset, commitLogOffset, topic });
    }
    return entry;
  }

  protected override async endTransaction(req: any): Promise<Record<string, unknown>> {
    const tid: string = req.transactionId || req.messageId || '';
    const h = this.halves.get(tid);
    if (!h) return { status: st(Code.INVALID_TRANSACTION_ID, `no half message for transaction ${tid} known to this proxy`) };
    if (req.resolution !== TransactionResolution.COMMIT && req.resolution !== TransactionResolution.ROLLBACK) return { status: ok() };
    const cmd = markOneway(
      createRequest(RequestCode.END_TRANSACTION, {
        producerGroup: h.topic,
        tranStateTableOffset: String(h.queueOffset),
        commitLogOffset: String(h.commitLogOffset),
        commitOrRollback: String(req.resolution === TransactionResolution.COMMIT ? 8 : 12),
        fromTransactionCheck: String(req.source === 2),
        msgId: req.messageId || tid,
        transactionId: tid,
        topic: h.topic,
      }),
    );
    try {
      await this.remoting.invokeOneway(h.broker, cmd, TIMEOUT);
    } catch (e) {
      return { status: st(Code.PROXY_TIMEOUT, (e as Error).message) };
    }
    this.halves.delete(tid);
    return { status: ok() };
  }

  protected override async recallMessage(req: any): Promise<Record<string, unknown>> {
    const topic: string = req.topic?.name ?? '';
    const brokers = await this.route(topic);
    if (!brokers) return { status: st(Code.TOPIC_NOT_FOUND, `topic ${topic} not found`), messageId: '' };
    for (const b of brokers) {
      try {
        const res = await this.remoting.invoke(b.addr, createRequest(RequestCode.RECALL_MESSAGE, { topic, recallHandle: req.recallHandle ?? '' }), TIMEOUT);
        if (res.code === ResponseCode.SUCCESS) return { status: ok(), messageId: String(res.extFields?.msgId ?? '') };
      } catch {
        /* next broker */
      }
    }
    return { status: st(Code.NOT_FOUND, 'recall failed: no broker has that timer message'), messageId: '' };
  }

  protected override async receiveMessage(call: any): Promise<void> {
    const finish = this.receiveFinisher(call);
    try {
      const req = call.request;
      const group: string = req.group?.name ?? '';
      const topic: string = req.messageQueue?.topic?.name ?? '';
      if (!group || !topic) return finish(st(Code.BAD_REQUEST, 'group and topic are required'));
      let invisible = fromDuration(req.invisibleDuration);
      if (req.autoRenew || !invisible) invisible = invisible || this.config.defaultInvisibleTimeMills;
      else if (invisible < this.config.minInvisibleTimeMillsForRecv) return finish(st(Code.ILLEGAL_INVISIBLE_TIME, `the invisibleTime is too small. min is ${this.config.minInvisibleTimeMillsForRecv}`));
      let poll = fromDuration(req.longPollingTimeout) ?? this.config.grpcClientConsumerMaxLongPollingTimeoutMillis;
      poll = Math.min(Math.max(poll, this.config.grpcClientConsumerMinLongPollingTimeoutMillis), this.config.grpcClientConsumerMaxLongPollingTimeoutMillis);
      const deadline = call.getDeadline();
      const dl = deadline instanceof Date ? deadline.getTime() : Number(deadline);
      if (Number.isFinite(dl) && dl > 0) poll = Math.max(0, Math.min(poll, dl - Date.now() - 500));
      const brokers = (await this.route(topic))?.filter((b) => isReadable(b.perm));
      if (!brokers?.length) return finish(st(Code.TOPIC_NOT_FOUND, `topic ${topic} not found`));
      const wanted: string | undefined = req.messageQueue?.broker?.name;
      await this.loadGroup(group, topic);
      const fifo = this.isFifoGroup(group);
      const client = this.clients.get(this.clientId(call));
      // A FIFO push consumer receives per assigned queue: pop exactly that queue of that broker.
      const fifoQueue = fifo && client?.clientType === 2 && Number.isInteger(req.messageQueue?.id) && req.messageQueue.id >= 0 ? req.messageQueue.id : -1;
      const order = fifoQueue >= 0 ? brokers.filter((b) => b.name === wanted) : wanted ? [...brokers.filter((b) => b.name === wanted), ...brokers.filter((b) => b.name !== wanted)] : brokers;
      const fe = req.filterExpression;
      for (let i = 0; i < order.length; i++) {
        const b = order[i]!;
        const last = i === order.length - 1;
        const ext = {
          consumerGroup: group,
          topic,
          queueId: String(fifoQueue),
          maxMsgNums: String(Math.max(1, req.batchSize || 32)),
          invisibleTime: String(invisible),
          pollTime: String(last ? poll : 0),
          bornTime: String(Date.now()),
          initMode: '1',
          expType: fe?.type === FilterType.SQL ? 'SQL92' : 'TAG',
          exp: fe?.expression || '*',
          ...(fifo ? { order: 'true', ...(req.attemptId ? { attemptId: req.attemptId } : {}) } : {}),
        };
        let res;
        try {
          res = await this.remoting.invoke(b.addr, createRequest(RequestCode.POP_MESSAGE, ext), (last ? poll : 0) + TIMEOUT);
        } catch {
          continue;
        }
        if (res.code !== ResponseCode.SUCCESS || !res.body) continue;
        const popTime = Number(res.extFields?.popTime);
        const starts = new Map<string, number>();
        for (const part of String(res.extFields?.startOffsetInfo ?? '').split(';')) {
          const [rf, q, so] = part.split(' ');
          if (so !== undefined) starts.set(`${rf} ${q}`, Number(so));
        }
        const out: unknown[] = [];
        for (const m of decodeRecords(res.body)) {
          const retryFlag = m.topic.startsWith('%RETRY%') ? 1 : 0;
          const e: ExtraInfo = { startOffset: starts.get(`${retryFlag} ${m.queueId}`) ?? m.queueOffset, popTime, invisibleTime: invisible, reviveQid: 0, retryFlag, brokerName: b.name, queueId: m.queueId, queueOffset: m.queueOffset };
          out.push(toProtoMessage(m, { receiptHandle: `${buildExtraInfo(e)} ${m.commitLogOffset}`, deliveryAttempt: m.reconsumeTimes + 1, invisibleMs: invisible }));
        }
        if (out.length) return finish(ok(), out);
      }
      finish(st(Code.MESSAGE_NOT_FOUND, 'no new message'));
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'receive failed');
      finish(st(Code.INTERNAL_SERVER_ERROR, (e as Error).message));
    }
  }

  private async ackOne(group: string, topic: string, e: ExtraInfo): Promise<Status> {
    const addr = await this.addrOf(e.brokerName, topic);
    if (!addr) return st(Code.INVALID_RECEIPT_HANDLE, `unknown broker ${e.brokerName}`);
    try {
      const res = await this.remoting.invoke(addr, createRequest(RequestCode.ACK_MESSAGE, { consumerGroup: group, topic, queueId: String(e.queueId), extraInfo: buildExtraInfo(e), offset: String(e.queueOffset) }), TIMEOUT);
      return res.code === ResponseCode.SUCCESS ? ok() : st(Code.INVALID_RECEIPT_HANDLE, res.remark ?? 'ack failed');
    } catch (err) {
      return st(Code.PROXY_TIMEOUT, (err as Error).message);
    }
  }

  protected override async ackMessage(req: any): Promise<Record<string, unknown>> {
    const group: string = req.group?.name ?? '';
    const topic: string = req.topic?.name ?? '';
    const entries = await Promise.all(
      ((req.entries ?? []) as any[]).map(async (en) => {
        const h = parseHandle(en.receiptHandle);
        const s = h ? await this.ackOne(group, topic, h) : st(Code.INVALID_RECEIPT_HANDLE, 'receipt handle is malformed');
        return { messageId: en.messageId, receiptHandle: en.receiptHandle, status: s };
      }),
    );
    const codes = new Set(entries.map((x) => x.status.code));
    return { status: codes.size <= 1 ? (entries[0]?.status ?? ok()) : st(Code.MULTIPLE_RESULTS, 'multiple results'), entries };
  }

  protected override async changeInvisibleDuration(req: any): Promise<Record<string, unknown>> {
    const h = parseHandle(req.receiptHandle);
    if (!h) return { status: st(Code.INVALID_RECEIPT_HANDLE, 'receipt handle is malformed') };
    const topic: string = req.topic?.name ?? '';
    const addr = await this.addrOf(h.brokerName, topic);
    if (!addr) return { status: st(Code.INVALID_RECEIPT_HANDLE, `unknown broker ${h.brokerName}`) };
    const ms = fromDuration(req.invisibleDuration) ?? 0;
    try {
      const res = await this.remoting.invoke(
        addr,
        createRequest(RequestCode.CHANGE_MESSAGE_INVISIBLETIME, { consumerGroup: req.group?.name ?? '', topic, queueId: String(h.queueId), extraInfo: buildExtraInfo(h), offset: String(h.queueOffset), invisibleTime: String(ms) }),
        TIMEOUT,
      );
      const next = res.extFields?.extraInfo ? parseExtraInfo(String(res.extFields.extraInfo)) : undefined;
      if (res.code !== ResponseCode.SUCCESS || !next) return { status: st(Code.INVALID_RECEIPT_HANDLE, res.remark ?? 'change invisible time failed') };
      const tail = String(req.receiptHandle).trim().split(' ')[8] ?? '';
      return { status: ok(), receiptHandle: `${buildExtraInfo(next)} ${tail}` };
    } catch (e) {
      return { status: st(Code.PROXY_TIMEOUT, (e as Error).message) };
    }
  }

  protected override async forwardToDlq(req: any): Promise<Record<string, unknown>> {
    const h = parseHandle(req.receiptHandle);
    const phy = Number(String(req.receiptHandle ?? '').trim().split(' ')[8]);
    if (!h || !Number.isFinite(phy)) return { status: st(Code.INVALID_RECEIPT_HANDLE, 'receipt handle is malformed') };
    const group: string = req.group?.name ?? '';
    const topic: string = req.topic?.name ?? '';
    const addr = await this.addrOf(h.brokerName, topic);
    if (!addr) return { status: st(Code.INVALID_RECEIPT_HANDLE, `unknown broker ${h.brokerName}`) };
    try {
      const res = await this.remoting.invoke(addr, createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, { offset: String(phy), group, delayLevel: '-1', originMsgId: req.messageId ?? '', originTopic: topic, maxReconsumeTimes: '0' }), TIMEOUT);
      if (res.code !== ResponseCode.SUCCESS) return { status: st(Code.INTERNAL_SERVER_ERROR, res.remark ?? 'send back failed') };
    } catch (e) {
      return { status: st(Code.PROXY_TIMEOUT, (e as Error).message) };
    }
    return { status: await this.ackOne(group, topic, h) };
  }
}
