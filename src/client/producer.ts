/**
 * DefaultMQProducer: RocketMQ's producer with its option names and defaults and a Promise API.
 *
 *   const producer = new DefaultMQProducer({ producerGroup: 'PG', namesrvAddr: '127.0.0.1:9876' });
 *   await producer.start();
 *   const r = await producer.send(new Message('TopicTest', 'hello', { tags: 'TagA' }));
 *   await producer.shutdown();
 *
 * A send picks a queue (round robin, skipping a broker that just failed, optionally avoiding slow
 * brokers), writes SEND_MESSAGE_V2 (or SEND_BATCH_MESSAGE) and maps the answer to a SendResult.
 * Sync sends retry `retryTimesWhenSendFailed` times on network errors and on the broker codes
 * RocketMQ retries, all within `sendMsgTimeout`. Many sends may be in flight on one connection.
 */
import { MQAdminClient } from './mq-admin.js';
import { deflateSync } from 'node:zlib';
import { componentLogger } from '../common/logger.js';
import { RemotingResponseError } from '../common/errors.js';
import { PROPERTY, SYS_FLAG } from '../message/message-const.js';
import { encodeProperties } from '../message/properties.js';
import { RequestCode } from '../protocol/request-code.js';
import type { RemotingCommand } from '../protocol/remoting-command.js';
import { encodeSendFrameHead, encodeSendStaticFields, OPAQUE_OFFSET_IN_FRAME, propertiesByteLength } from './send-frame.js';
import { uniqueKeyGenerator } from '../message/message-id.js';
import { encodeBatch } from '../message/batch.js';
import { MAX_PROPERTIES_BYTES } from '../message/message-record.js';
import { checkGroup, checkTopic, isRetryTopic, MixAll, resolveClientConfig, type ClientConfig } from './client-config.js';
import { MQClientError, RETRY_RESPONSE_CODES } from './errors.js';
import { MQFaultStrategy } from './fault.js';
import { Message, SendStatus, type MessageExt, type SendResult } from './message.js';
import { MessageQueue } from './message-queue.js';
import { parseSendResponse, type CommunicationMode, type SendResponse } from './mq-client-api.js';
import { MQClientManager, type MQClientInstance, type ProducerInner } from './mq-client-instance.js';
import { TopicPublishInfo } from './route.js';
import { toSelectorFn, type MessageQueueSelector, type MessageQueueSelectorObject } from './selectors.js';
import type { ClientTransport } from './transport.js';
import { recallTimerMessage, rescheduleTimerMessage, type RecallResult } from './timer-message.js';
import { AsyncTraceDispatcher } from './trace/trace-dispatcher.js';
import { SendMessageTraceHook, type SendMessageHook } from './trace/trace-hooks.js';

const log = componentLogger('client');

export interface ProducerOptions extends ClientConfig {
  /** Producer group (default "DEFAULT_PRODUCER"). */
  producerGroup?: string;
  /** Template topic for auto-creation (default "TBW102"). */
  createTopicKey?: string;
  /** Queue count requested for auto-created topics (default 4). */
  defaultTopicQueueNums?: number;
  /** Timeout of a whole send including retries, ms (default 3000). */
  sendMsgTimeout?: number;
  /** Bodies at least this large are zlib-compressed (default 4096). */
  compressMsgBodyOverHowmuch?: number;
  /** zlib level for compressed bodies (default 5). */
  compressLevel?: number;
  /** Extra attempts of a sync send (default 2). */
  retryTimesWhenSendFailed?: number;
  /** Extra attempts of an async (callback) send (default 2). */
  retryTimesWhenSendAsyncFailed?: number;
  /** Retry on another broker when the broker stored the message but answered a non-OK status. */
  retryAnotherBrokerWhenNotStoreOK?: boolean;
  /** Largest accepted body, bytes (default 4 MiB). */
  maxMessageSize?: number;
  /** Keep slow or failing brokers out of queue selection for a while (default false). */
  sendLatencyFaultEnable?: boolean;
  /** Remoting transport override (tests). */
  transport?: ClientTransport;
}

/** Callback form of an asynchronous send, as RocketMQ's SendCallback. */
export interface SendCallback {
  onSuccess(result: SendResult): void;
  onException(e: Error): void;
}

type Selector = MessageQueueSelector | MessageQueueSelectorObject;

export class DefaultMQProducer extends MQAdminClient implements ProducerInner {
  producerGroup: string;
  createTopicKey: string;
  defaultTopicQueueNums: number;
  sendMsgTimeout: number;
  compressMsgBodyOverHowmuch: number;
  compressLevel: number;
  retryTimesWhenSendFailed: number;
  retryTimesWhenSendAsyncFailed: number;
  retryAnotherBrokerWhenNotStoreOK: boolean;
  maxMessageSize: number;
  readonly clientConfig: ClientConfig;

  private readonly faultStrategy = new MQFaultStrategy();
  private readonly topicPublishInfoTable = new Map<string, TopicPublishInfo>();
  /** SEND_MESSAGE_V2 fields that repeat for every send to a queue, encoded once (fastSend). */
  private readonly sendFieldsCache = new WeakMap<MessageQueue, Buffer>();
  private instance?: MQClientInstance;
  private serviceState: 'CREATE_JUST' | 'RUNNING' | 'SHUTDOWN_ALREADY' | 'START_FAILED' = 'CREATE_JUST';
  private readonly transport?: ClientTransport;
  private inner: boolean;
  /** Called after each send to a broker (message trace registers one when enableMsgTrace is set). */
  readonly sendMessageHooks: SendMessageHook[] = [];
  private traceDispatcher?: AsyncTraceDispatcher;

  /** @internal The message-trace dispatcher when enableMsgTrace is set (transactional producers trace END_TRANSACTION). */
  get msgTraceDispatcher(): AsyncTraceDispatcher | undefined {
    return this.traceDispatcher;
  }

  constructor(options: ProducerOptions = {}) {
    super();
    this.producerGroup = options.producerGroup ?? MixAll.DEFAULT_PRODUCER_GROUP;
    this.createTopicKey = options.createTopicKey ?? MixAll.AUTO_CREATE_TOPIC_KEY_TOPIC;
    this.defaultTopicQueueNums = options.defaultTopicQueueNums ?? 4;
    this.sendMsgTimeout = options.sendMsgTimeout ?? 3000;
    this.compressMsgBodyOverHowmuch = options.compressMsgBodyOverHowmuch ?? 4096;
    this.compressLevel = options.compressLevel ?? 5;
    this.retryTimesWhenSendFailed = options.retryTimesWhenSendFailed ?? 2;
    this.retryTimesWhenSendAsyncFailed = options.retryTimesWhenSendAsyncFailed ?? 2;
    this.retryAnotherBrokerWhenNotStoreOK = options.retryAnotherBrokerWhenNotStoreOK ?? false;
    this.maxMessageSize = options.maxMessageSize ?? 4 * 1024 * 1024;
    this.faultStrategy.sendLatencyFaultEnable = options.sendLatencyFaultEnable ?? false;
    this.transport = options.transport;
    this.clientConfig = { ...options };
    this.inner = false;
  }

  /** A producer living inside another client's instance (consumers re-sending failed messages). */
  static createInner(instance: MQClientInstance, group: string = MixAll.CLIENT_INNER_PRODUCER_GROUP): DefaultMQProducer {
    const p = new DefaultMQProducer({ producerGroup: group, retryTimesWhenSendFailed: 2 });
    p.instance = instance;
    p.serviceState = 'RUNNING';
    p.inner = true;
    instance.registerProducer(p);
    return p;
  }

  get sendLatencyFaultEnable(): boolean {
    return this.faultStrategy.sendLatencyFaultEnable;
  }
  set sendLatencyFaultEnable(v: boolean) {
    this.faultStrategy.sendLatencyFaultEnable = v;
  }

  get groupName(): string {
    return this.producerGroup;
  }

  /** This client's id (ip@instanceName) once started, as brokers list it. */
  get clientId(): string | undefined {
    return this.instance?.clientId;
  }

  get clientInstance(): MQClientInstance | undefined {
    return this.instance;
  }

  async start(): Promise<void> {
    if (this.serviceState === 'RUNNING') return;
    if (this.serviceState !== 'CREATE_JUST') throw new MQClientError('SERVICE_STATE', `The producer service state not OK, ${this.serviceState}`);
    checkGroup(this.producerGroup);
    if (this.producerGroup === MixAll.DEFAULT_PRODUCER_GROUP) {
      // Allowed (Java refuses it only for the legacy default group constant); kept for quick trials.
    }
    const config = resolveClientConfig(this.clientConfig);
    if (config.namesrvAddr === '') throw new MQClientError('NO_NAME_SERVER', 'namesrvAddr is not set (option namesrvAddr or NAMESRV_ADDR)');
    const instance = MQClientManager.getOrCreateMQClientInstance(config, this.transport);
    if (!instance.registerProducer(this)) {
      this.serviceState = 'START_FAILED';
      throw new MQClientError('GROUP_EXISTS', `The producer group[${this.producerGroup}] has been created before, specify another name please.`);
    }
    this.instance = instance;
    this.topicPublishInfoTable.set(this.createTopicKey, new TopicPublishInfo());
    instance.start();
    this.serviceState = 'RUNNING';
    void instance.sendHeartbeatToAllBrokerWithLock().catch(() => undefined);
    if (this.clientConfig.enableMsgTrace) {
      const d = new AsyncTraceDispatcher({ group: this.producerGroup, traceTopic: this.clientConfig.customizedTraceTopic, clientConfig: this.clientConfig });
      await d.start();
      this.traceDispatcher = d;
      this.sendMessageHooks.push(new SendMessageTraceHook(d));
    }
  }

  async shutdown(): Promise<void> {
    if (this.serviceState !== 'RUNNING') return;
    await this.traceDispatcher?.shutdown().catch((e) => log.warn({ err: e }, 'trace dispatcher shutdown failed'));
    this.serviceState = 'SHUTDOWN_ALREADY';
    if (this.instance && !this.inner) await this.instance.unregisterProducer(this.producerGroup);
  }

  // ---- ProducerInner ----------------------------------------------------------------------

  publishTopicList(): string[] {
    return [...this.topicPublishInfoTable.keys()];
  }

  isPublishTopicNeedUpdate(topic: string): boolean {
    const info = this.topicPublishInfoTable.get(topic);
    return !info || !info.ok();
  }

  updateTopicPublishInfo(topic: string, info: TopicPublishInfo): void {
    this.topicPublishInfoTable.set(topic, info);
  }

  // ---- public send API -------------------------------------------------------------------

  /** Sends and resolves with the SendResult (or calls `callback` when one is given). */
  send(msg: Message, timeout?: number): Promise<SendResult>;
  send(msg: Message, mq: MessageQueue, timeout?: number): Promise<SendResult>;
  send(msg: Message, selector: Selector, arg: unknown, timeout?: number): Promise<SendResult>;
  send(msgs: Message[], timeout?: number): Promise<SendResult>;
  send(msgs: Message[], mq: MessageQueue, timeout?: number): Promise<SendResult>;
  send(msg: Message | Message[], callback: SendCallback, timeout?: number): void;
  send(msg: Message | Message[], mq: MessageQueue, callback: SendCallback, timeout?: number): void;
  send(msg: Message, selector: Selector, arg: unknown, callback: SendCallback, timeout?: number): void;
  send(msg: Message | Message[], ...rest: unknown[]): Promise<SendResult> | void {
    const a = parseSendArgs(rest);
    const timeout = a.timeout ?? this.sendMsgTimeout;
    const mode: CommunicationMode = a.callback ? 'ASYNC' : 'SYNC';
    const p =
      (a.mq === undefined && !a.hasSelector && msg instanceof Message ? this.fastSend(msg, mode, timeout) : undefined) ??
      (this.dispatch(msg, a.mq, a.selector, a.arg, a.hasSelector, mode, timeout) as Promise<SendResult>);
    if (!a.callback) return p;
    const cb = a.callback;
    p.then(
      (r) => {
        try {
          cb.onSuccess(r);
        } catch (e) {
          log.warn({ err: e }, 'send callback onSuccess threw');
        }
      },
      (e: Error) => {
        try {
          cb.onException(e);
        } catch (err) {
          log.warn({ err }, 'send callback onException threw');
        }
      },
    );
  }

  /** Fire-and-forget: resolves once written; no result and no retries. */
  sendOneway(msg: Message | Message[]): Promise<void>;
  sendOneway(msg: Message | Message[], mq: MessageQueue): Promise<void>;
  sendOneway(msg: Message, selector: Selector, arg: unknown): Promise<void>;
  async sendOneway(msg: Message | Message[], ...rest: unknown[]): Promise<void> {
    const a = parseSendArgs(rest);
    await this.dispatch(msg, a.mq, a.selector, a.arg, a.hasSelector, 'ONEWAY', this.sendMsgTimeout);
  }

  /** Cancels a pending timer message by its msgId (UNIQ_KEY) or recall handle (RECALL_MESSAGE). */
  recallMessage(topic: string, msgId: string): Promise<RecallResult> {
    return recallTimerMessage(this.instance, this.producerGroup, topic, msgId, this.sendMsgTimeout);
  }

  /** Moves a pending timer message to `deliverTimeMs` (ms since the epoch, broker clock). */
  rescheduleMessage(topic: string, msgId: string, deliverTimeMs: number): Promise<RecallResult> {
    return rescheduleTimerMessage(this.instance, this.producerGroup, topic, msgId, deliverTimeMs, this.sendMsgTimeout);
  }

  /** The topic's writable queues (fetching the route when needed). */
  async fetchPublishMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.makeSureStateOK();
    const info = await this.tryToFindTopicPublishInfo(topic);
    return [...info.messageQueueList];
  }

  protected override adminInstance(): MQClientInstance | undefined {
    return this.instance;
  }

  // ---- internals ------------------------------------------------------------------------

  private makeSureStateOK(): MQClientInstance {
    if (this.serviceState !== 'RUNNING' || !this.instance) {
      throw new MQClientError('SERVICE_STATE', `The producer service state not OK, ${this.serviceState}`);
    }
    return this.instance;
  }

  private async dispatch(
    msgOrBatch: Message | Message[],
    mq: MessageQueue | undefined,
    selector: Selector | undefined,
    arg: unknown,
    hasSelector: boolean,
    mode: CommunicationMode,
    timeout: number,
  ): Promise<SendResult | undefined> {
    this.makeSureStateOK();
    const begin = Date.now();
    let msg: Message;
    let batch: BatchBody | undefined;
    if (Array.isArray(msgOrBatch)) {
      batch = this.buildBatch(msgOrBatch);
      msg = batch.message;
    } else {
      msg = msgOrBatch;
      this.checkMessage(msg);
    }
    if (mq) {
      if (mq.topic !== msg.topic) throw new MQClientError('MESSAGE_ILLEGAL', `message's topic not equal mq's topic`);
      return this.sendKernelImpl(msg, batch, mq, mode, timeout);
    }
    if (hasSelector) {
      const info = await this.tryToFindTopicPublishInfo(msg.topic);
      if (!info.ok()) throw this.noRouteError(msg.topic);
      const chosen = toSelectorFn(selector!)([...info.messageQueueList], msg, arg);
      if (!chosen) throw new MQClientError('SELECT_QUEUE', 'select message queue return null.');
      const left = timeout - (Date.now() - begin);
      if (left <= 0) throw new MQClientError('SEND_TIMEOUT', 'sendSelectImpl call timeout', { retriable: true });
      return this.sendKernelImpl(msg, batch, chosen, mode, left);
    }
    return this.sendDefaultImpl(msg, batch, mode, timeout, begin);
  }

  /**
   * The common send (one message, default queue selection, cached route, open connection, no hooks,
   * no compression, not transactional) without the layers of the general path: the request is encoded
   * straight to bytes (send-frame.ts) and answered by one promise. Its first attempt counts as the
   * general path's first; a failure continues there with the remaining retries. Undefined when the
   * send does not qualify.
   */
  private fastSend(msg: Message, mode: CommunicationMode, timeout: number): Promise<SendResult> | undefined {
    const instance = this.instance;
    if (this.serviceState !== 'RUNNING' || instance === undefined || this.sendMessageHooks.length > 0) return undefined;
    const transport = instance.api.transport;
    if (transport.sendFrame === undefined) return undefined;
    const info = this.topicPublishInfoTable.get(msg.topic);
    if (info === undefined || !info.ok()) return undefined;
    const props = msg.properties;
    const body = msg.body;
    if (!body || body.length >= this.compressMsgBodyOverHowmuch || props[PROPERTY.TRAN_MSG] === 'true' || isRetryTopic(msg.topic)) return undefined;
    const begin = Date.now();
    try {
      this.checkMessage(msg);
    } catch (e) {
      return Promise.reject(e);
    }
    const mq = this.faultStrategy.selectOneMessageQueue(info, undefined);
    const addr = instance.findBrokerAddressInPublish(mq.brokerName);
    if (addr === undefined) return undefined;
    let uniqKey = props[PROPERTY.UNIQ_KEY];
    if (!uniqKey) {
      uniqKey = uniqueKeyGenerator.next();
      props[PROPERTY.UNIQ_KEY] = uniqKey;
    }
    const propsBytes = propertiesByteLength(props);
    if (propsBytes > MAX_PROPERTIES_BYTES) return undefined; // the general path refuses it with its message
    let fields = this.sendFieldsCache.get(mq);
    if (fields === undefined) {
      fields = encodeSendStaticFields(this.producerGroup, mq.topic, this.createTopicKey, this.defaultTopicQueueNums, mq.brokerName);
      this.sendFieldsCache.set(mq, fields);
    }
    // bornTimestamp: the send began this millisecond (one clock read less per send)
    const head = encodeSendFrameHead(fields, mq.queueId, 0, begin, msg.flag, 0, props, propsBytes, body.length);
    const key = uniqKey;
    const fallback = (resume: SendResume): Promise<SendResult> => this.sendDefaultImpl(msg, undefined, mode, timeout, begin, resume) as Promise<SendResult>;
    // The caller's promise is the only one: the connection answers through callbacks.
    let resolve!: (r: SendResult | Promise<SendResult>) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<SendResult>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    // called from the connection's read path: whatever goes wrong ends in the caller's promise
    const answered = (res: RemotingCommand): SendResult | Promise<SendResult> => {
      let r;
      try {
        r = parseSendResponse(res);
      } catch (e) {
        this.faultStrategy.updateFaultItem(mq.brokerName, Date.now() - begin, true);
        if (e instanceof RemotingResponseError && !RETRY_RESPONSE_CODES.has(e.responseCode)) throw e;
        return fallback({ times: 1, lastBrokerName: mq.brokerName, lastError: e });
      }
      this.faultStrategy.updateFaultItem(mq.brokerName, Date.now() - begin, false);
      const sent = toSendResult(r, key, mq);
      if (mode === 'SYNC' && sent.sendStatus !== SendStatus.SEND_OK && this.retryAnotherBrokerWhenNotStoreOK) {
        return fallback({ times: 1, lastBrokerName: mq.brokerName, lastResult: sent });
      }
      return sent;
    };
    const failed = (e: unknown): Promise<SendResult> => {
      this.faultStrategy.updateFaultItem(mq.brokerName, Date.now() - begin, true);
      if (e instanceof MQClientError && !e.retriable) throw e;
      log.debug({ err: e, brokerName: mq.brokerName }, 'send attempt failed, retrying');
      return fallback({ times: 1, lastBrokerName: mq.brokerName, lastError: e });
    };
    const onResponse = (res: RemotingCommand): void => {
      try {
        resolve(answered(res));
      } catch (e) {
        reject(e);
      }
    };
    const onError = (e: unknown): void => {
      try {
        resolve(failed(e));
      } catch (e2) {
        reject(e2);
      }
    };
    if (!transport.sendFrame(addr, head, body, RequestCode.SEND_MESSAGE_V2, OPAQUE_OFFSET_IN_FRAME, timeout, onResponse, onError)) return undefined;
    return result;
  }

  private async sendDefaultImpl(msg: Message, batch: BatchBody | undefined, mode: CommunicationMode, timeout: number, begin: number, resume?: SendResume): Promise<SendResult | undefined> {
    // Cached route: no await on the hot path.
    let info = this.topicPublishInfoTable.get(msg.topic);
    if (!info || !info.ok()) info = await this.tryToFindTopicPublishInfo(msg.topic);
    if (!info.ok()) throw this.noRouteError(msg.topic);
    const timesTotal = mode === 'SYNC' ? 1 + this.retryTimesWhenSendFailed : mode === 'ASYNC' ? 1 + this.retryTimesWhenSendAsyncFailed : 1;
    let lastBrokerName: string | undefined = resume?.lastBrokerName;
    let lastError: unknown = resume?.lastError;
    let lastResult: SendResult | undefined = resume?.lastResult;
    const brokersSent: string[] = lastBrokerName === undefined ? [] : [lastBrokerName];
    for (let times = resume?.times ?? 0; times < timesTotal; times++) {
      const mq = this.faultStrategy.selectOneMessageQueue(info, lastBrokerName);
      lastBrokerName = mq.brokerName;
      brokersSent.push(mq.brokerName);
      const attemptStart = Date.now();
      const left = timeout - (attemptStart - begin);
      if (left <= 0) {
        lastError = new MQClientError('SEND_TIMEOUT', `sendDefaultImpl call timeout`, { retriable: true, cause: lastError });
        break;
      }
      try {
        const result = await this.sendKernelImpl(msg, batch, mq, mode, left);
        this.faultStrategy.updateFaultItem(mq.brokerName, Date.now() - attemptStart, false);
        if (mode !== 'SYNC' || !result) return result;
        if (result.sendStatus !== SendStatus.SEND_OK && this.retryAnotherBrokerWhenNotStoreOK) {
          lastResult = result;
          continue;
        }
        return result;
      } catch (e) {
        lastError = e;
        this.faultStrategy.updateFaultItem(mq.brokerName, Date.now() - attemptStart, true);
        if (e instanceof RemotingResponseError) {
          if (!RETRY_RESPONSE_CODES.has(e.responseCode)) throw e;
        } else if (e instanceof MQClientError && !e.retriable) {
          throw e;
        }
        log.debug({ err: e, brokerName: mq.brokerName, times }, 'send attempt failed, retrying');
      }
    }
    if (lastResult) return lastResult;
    if (lastError instanceof RemotingResponseError) throw lastError;
    throw new MQClientError(
      'SEND_FAILED',
      `Send [${brokersSent.length}] times, still failed, cost [${Date.now() - begin}]ms, Topic: ${msg.topic}, BrokersSent: ${JSON.stringify(brokersSent)}: ${(lastError as Error)?.message ?? ''}`,
      { retriable: true, cause: lastError },
    );
  }

  private noRouteError(topic: string): MQClientError {
    return new MQClientError('NO_ROUTE', `No route info of this topic: ${topic}`, { retriable: true });
  }

  private async tryToFindTopicPublishInfo(topic: string): Promise<TopicPublishInfo> {
    let info = this.topicPublishInfoTable.get(topic);
    if (info && info.ok()) return info;
    const instance = this.makeSureStateOK();
    if (!info) this.topicPublishInfoTable.set(topic, new TopicPublishInfo());
    await instance.updateTopicRouteInfoFromNameServer(topic);
    info = this.topicPublishInfoTable.get(topic)!;
    if (info.haveTopicRouterInfo || info.ok()) return info;
    // Unknown topic: route through the brokers that serve the auto-create template topic.
    await instance.updateTopicRouteInfoFromNameServer(topic, this.defaultTopicQueueNums, this.createTopicKey);
    return this.topicPublishInfoTable.get(topic)!;
  }

  private checkMessage(msg: Message): void {
    if (!(msg instanceof Message)) throw new MQClientError('MESSAGE_ILLEGAL', 'the message is null');
    checkTopic(msg.topic);
    if (msg.topic === this.createTopicKey) throw new MQClientError('MESSAGE_ILLEGAL', `The topic[${msg.topic}] is conflict with AUTO_CREATE_TOPIC_KEY_TOPIC.`);
    if (!msg.body || msg.body.length === 0) throw new MQClientError('MESSAGE_ILLEGAL', 'the message body length is zero');
    if (msg.body.length > this.maxMessageSize) {
      throw new MQClientError('MESSAGE_ILLEGAL', `the message body size over max value, MAX: ${this.maxMessageSize}`);
    }
  }

  private buildBatch(msgs: Message[]): BatchBody {
    if (msgs.length === 0) throw new MQClientError('MESSAGE_ILLEGAL', 'the batch is empty');
    const first = msgs[0]!;
    for (const m of msgs) {
      if (m.delayTimeLevel > 0) throw new MQClientError('MESSAGE_ILLEGAL', 'TimeDelayLevel is not supported for batching');
      if (isRetryTopic(m.topic)) throw new MQClientError('MESSAGE_ILLEGAL', 'Retry Group is not supported for batching');
      if (m.topic !== first.topic) throw new MQClientError('MESSAGE_ILLEGAL', 'The topic of the messages in one batch should be the same');
      if (m.waitStoreMsgOK !== first.waitStoreMsgOK) throw new MQClientError('MESSAGE_ILLEGAL', 'The waitStoreMsgOK of the messages in one batch should the same');
      if (!m.body || m.body.length === 0) throw new MQClientError('MESSAGE_ILLEGAL', 'the message body length is zero');
    }
    checkTopic(first.topic);
    const ids: string[] = [];
    const entries = msgs.map((m) => {
      let id = m.properties[PROPERTY.UNIQ_KEY];
      if (!id) {
        id = uniqueKeyGenerator.next();
        m.properties[PROPERTY.UNIQ_KEY] = id;
      }
      ids.push(id);
      return { flag: m.flag, body: m.body, properties: encodeProperties(m.properties) };
    });
    const body = encodeBatch(entries);
    if (body.length > this.maxMessageSize) throw new MQClientError('MESSAGE_ILLEGAL', `the message body size over max value, MAX: ${this.maxMessageSize}`);
    const message = new Message(first.topic, body);
    message.waitStoreMsgOK = first.waitStoreMsgOK;
    return { message, ids };
  }

  private async sendKernelImpl(msg: Message, batch: BatchBody | undefined, mq: MessageQueue, mode: CommunicationMode, timeout: number): Promise<SendResult | undefined> {
    const instance = this.makeSureStateOK();
    let addr = instance.findBrokerAddressInPublish(mq.brokerName);
    if (!addr) {
      await this.tryToFindTopicPublishInfo(mq.topic);
      addr = instance.findBrokerAddressInPublish(mq.brokerName);
    }
    if (!addr) throw new MQClientError('BROKER_NOT_EXIST', `The broker[${mq.brokerName}] not exist`, { retriable: true });

    let uniqKey: string;
    if (batch) uniqKey = batch.ids.join(',');
    else {
      uniqKey = msg.properties[PROPERTY.UNIQ_KEY] ?? '';
      if (!uniqKey) {
        uniqKey = uniqueKeyGenerator.next();
        msg.properties[PROPERTY.UNIQ_KEY] = uniqKey;
      }
    }
    let body = msg.body;
    let sysFlag = 0;
    if (!batch && body.length >= this.compressMsgBodyOverHowmuch) {
      body = deflateSync(body, { level: this.compressLevel });
      sysFlag |= SYS_FLAG.COMPRESSED | SYS_FLAG.COMPRESSION_ZLIB;
    }
    if (msg.properties[PROPERTY.TRAN_MSG] === 'true') sysFlag |= SYS_FLAG.TRANSACTION_PREPARED;

    let props = msg.properties;
    let reconsumeTimes: number | undefined;
    let maxReconsumeTimes: number | undefined;
    if (isRetryTopic(mq.topic)) {
      // Retry counters travel in the header, not as properties.
      props = { ...props };
      reconsumeTimes = props[PROPERTY.RECONSUME_TIME] !== undefined ? Number(props[PROPERTY.RECONSUME_TIME]) : 0;
      delete props[PROPERTY.RECONSUME_TIME];
      if (props[PROPERTY.MAX_RECONSUME_TIMES] !== undefined) maxReconsumeTimes = Number(props[PROPERTY.MAX_RECONSUME_TIMES]);
      delete props[PROPERTY.MAX_RECONSUME_TIMES];
    }
    const properties = encodeProperties(props);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count bytes only when it could matter.
    if (properties.length * 3 > MAX_PROPERTIES_BYTES && Buffer.byteLength(properties) > MAX_PROPERTIES_BYTES) {
      throw new MQClientError('MESSAGE_ILLEGAL', `the message properties are longer than ${MAX_PROPERTIES_BYTES} bytes`);
    }
    const beginTimestamp = Date.now();
    const res = await this.sendWithHooks(msg, mq, addr, body.length, beginTimestamp, () => instance.api.sendMessage(
      addr,
      {
        producerGroup: this.producerGroup,
        topic: msg.topic,
        defaultTopic: this.createTopicKey,
        defaultTopicQueueNums: this.defaultTopicQueueNums,
        queueId: mq.queueId,
        sysFlag,
        bornTimestamp: Date.now(),
        flag: msg.flag,
        properties,
        reconsumeTimes: reconsumeTimes ?? 0,
        unitMode: false,
        maxReconsumeTimes,
        batch: batch !== undefined,
        brokerName: mq.brokerName,
      },
      body,
      timeout,
      mode,
    ).then((res) => (res ? toSendResult(res, uniqKey, mq) : undefined)));
    return res;
  }

  /** Runs the send, then the send hooks (never failing the send because of a hook). */
  private async sendWithHooks(msg: Message, mq: MessageQueue, brokerAddr: string, bodyLength: number, beginTimestamp: number, send: () => Promise<SendResult | undefined>): Promise<SendResult | undefined> {
    if (this.sendMessageHooks.length === 0) return send();
    let result: SendResult | undefined;
    let error: unknown;
    try {
      result = await send();
      return result;
    } catch (e) {
      error = e;
      throw e;
    } finally {
      for (const h of this.sendMessageHooks) {
        try {
          h.sendMessageAfter({ producerGroup: this.producerGroup, message: msg, mq, brokerAddr, bodyLength, beginTimestamp, result, error });
        } catch (e) {
          log.warn({ err: e }, 'send hook threw');
        }
      }
    }
  }
}

/** The result of a send to `mq` from the broker's answer; `msgId`: the UNIQ_KEY (a batch's, comma-joined). */
function toSendResult(r: SendResponse, msgId: string, mq: MessageQueue): SendResult {
  return {
    sendStatus: r.sendStatus,
    msgId,
    offsetMsgId: r.offsetMsgId,
    messageQueue: r.queueId === mq.queueId ? mq : new MessageQueue(mq.topic, mq.brokerName, r.queueId),
    queueOffset: r.queueOffset,
    transactionId: r.transactionId,
    regionId: r.regionId,
    traceOn: r.traceOn,
  };
}

/** Where a send continues after an attempt made elsewhere (fastSend). */
interface SendResume {
  times: number;
  lastBrokerName: string;
  lastError?: unknown;
  lastResult?: SendResult;
}

interface BatchBody {
  message: Message;
  ids: string[];
}

interface SendArgs {
  mq?: MessageQueue;
  selector?: Selector;
  hasSelector: boolean;
  arg?: unknown;
  callback?: SendCallback;
  timeout?: number;
}

function isCallback(x: unknown): x is SendCallback {
  return typeof x === 'object' && x !== null && typeof (x as SendCallback).onSuccess === 'function' && typeof (x as SendCallback).onException === 'function';
}

function parseSendArgs(rest: unknown[]): SendArgs {
  const out: SendArgs = { hasSelector: false };
  let i = 0;
  const first = rest[0];
  if (first instanceof MessageQueue) {
    out.mq = first;
    i = 1;
  } else if (typeof first === 'function' || (typeof first === 'object' && first !== null && typeof (first as MessageQueueSelectorObject).select === 'function')) {
    out.selector = first as Selector;
    out.hasSelector = true;
    out.arg = rest[1];
    i = 2;
  }
  for (; i < rest.length; i++) {
    const x = rest[i];
    if (x === undefined) continue;
    if (typeof x === 'number') out.timeout = x;
    else if (isCallback(x)) out.callback = x;
    else throw new TypeError(`unexpected send argument ${String(x)}`);
  }
  return out;
}
