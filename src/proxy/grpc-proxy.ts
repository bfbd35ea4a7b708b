/**
 * The 5.x gRPC proxy (apache.rocketmq.v2.MessagingService, grpc-v2.md) in local mode: it serves the
 * official 5.x clients from an in-process BrokerController, calling the broker's services directly (no
 * socket hop): sends go through BrokerController.putMessage / TransactionService, receives through
 * PopMessageService, recall through the broker's RECALL_MESSAGE processor.
 *
 *   const proxy = new GrpcProxy(broker, { grpcServerPort: 8081 });
 *   const { port } = await proxy.start();
 *
 * Every RPC answers with gRPC status OK and the v2 Code in the response `status` (as the 5.0 proxy did in
 * test/fixtures/grpc); a thrown error becomes INTERNAL_SERVER_ERROR, never an unhandled exception.
 */
import * as grpc from '@grpc/grpc-js';
import { componentLogger, type Logger } from '../common/logger.js';
import { javaStringHashCode } from '../common/java-hash.js';
import { PROPERTY, SYS_FLAG } from '../message/message-const.js';
import { decodeRecord, type MessageExt } from '../message/message-record.js';
import { encodeProperties } from '../message/properties.js';
import type { BrokerController } from '../broker/broker-controller.js';
import { hostBytes } from '../broker/message-util.js';
import { buildExtraInfo, parseExtraInfo, type ExtraInfo, type PopStatus } from '../broker/pop/pop-service.js';
import { HALF_TOPIC } from '../broker/transaction/transaction-service.js';
import { buildRecallHandle, TIMER_TOPIC } from '../broker/timer/timer-message.js';
import { RecallMessageProcessor } from '../broker/timer/recall-processor.js';
import { isReadable, isWriteable, topicNameProblem } from '../broker/topic-config-manager.js';
import { createRequest } from '../protocol/remoting-command.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import type { MessageInner, PutMessageResult } from '../store/types.js';
import { BORN_HOST_PROP, SYSTEM_PROPERTIES, toProtoMessage, TRACE_CONTEXT_PROP } from './convert.js';
import { ClientType, Code, FilterType, fromDuration, fromTimestamp, messagingServiceDefinition, MessageType, Permission, toDuration, toTimestamp, TransactionResolution } from './proto.js';

export interface ProxyConfig {
  /** gRPC listen port (RocketMQ grpcServerPort 8081); 0 = ephemeral. */
  grpcServerPort: number;
  host: string;
  /** Smallest invisible duration a receive may ask for, ms (proxy: 10 s). */
  minInvisibleTimeMillsForRecv: number;
  maxInvisibleTimeMills: number;
  /** Invisible time for auto-renewed (push consumer) receives, ms. */
  defaultInvisibleTimeMills: number;
  /** Long-polling clamp, ms (proxy: 5 s .. 20 s). */
  grpcClientConsumerMinLongPollingTimeoutMillis: number;
  grpcClientConsumerMaxLongPollingTimeoutMillis: number;
  /** Auto-renewed receipts (push consumers): checked every renewIntervalMillis, renewed when they expire
   * within renewAheadMillis, for at most renewMaxMillis (proxy: 5 s, 10 s, 3 h). */
  renewIntervalMillis: number;
  renewAheadMillis: number;
  /** Assignments (hence parallel receive loops of a Node push consumer) per non-FIFO group. */
  pushReceiveLoops: number;
  renewMaxMillis: number;
  /** Long polling given to push consumers in their settings (they send none), ms. */
  grpcPushConsumerLongPollingTimeoutMillis: number;
  maxMessageSize: number;
  maxUserPropertySize: number;
  maxMessageGroupSize: number;
}

export const DEFAULT_PROXY_CONFIG: ProxyConfig = {
  grpcServerPort: 8081,
  host: '0.0.0.0',
  minInvisibleTimeMillsForRecv: 10_000,
  maxInvisibleTimeMills: 12 * 3600_000,
  defaultInvisibleTimeMills: 60_000,
  grpcClientConsumerMinLongPollingTimeoutMillis: 5_000,
  grpcClientConsumerMaxLongPollingTimeoutMillis: 20_000,
  grpcPushConsumerLongPollingTimeoutMillis: 20_000,
  renewIntervalMillis: 5000,
  pushReceiveLoops: 4,
  renewAheadMillis: 10_000,
  renewMaxMillis: 3 * 3600_000,
  maxMessageSize: 4 * 1024 * 1024,
  maxUserPropertySize: 16 * 1024,
  maxMessageGroupSize: 64,
};

export interface ClientSettings {
  clientId: string;
  clientType: number;
  topics: string[];
  group?: string;
  settings: Record<string, any>;
  stream?: grpc.ServerDuplexStream<any, any>;
}

export type Status = { code: number; message: string };
export const ok = (): Status => ({ code: Code.OK, message: 'OK' });
export const st = (code: number, message: string): Status => ({ code, message });

function popStatus(s: PopStatus, remark?: string): Status {
  switch (s) {
    case 'TOPIC_NOT_EXIST':
      return st(Code.TOPIC_NOT_FOUND, remark ?? 'topic not found');
    case 'GROUP_NOT_EXIST':
      return st(Code.CONSUMER_GROUP_NOT_FOUND, remark ?? 'group not found');
    case 'NO_PERMISSION':
      return st(Code.FORBIDDEN, remark ?? 'forbidden');
    case 'BAD_FILTER':
      return st(Code.ILLEGAL_FILTER_EXPRESSION, remark ?? 'bad filter');
    case 'BAD_QUEUE':
      return st(Code.BAD_REQUEST, remark ?? 'bad queue');
    default:
      return st(Code.MESSAGE_NOT_FOUND, 'no new message');
  }
}

function putStatus(r: PutMessageResult): Status {
  switch (r.status) {
    case 'PUT_OK':
      return ok();
    case 'FLUSH_DISK_TIMEOUT':
      return st(Code.MASTER_PERSISTENCE_TIMEOUT, 'flush disk timeout');
    case 'FLUSH_SLAVE_TIMEOUT':
      return st(Code.SLAVE_PERSISTENCE_TIMEOUT, 'flush slave timeout');
    case 'SLAVE_NOT_AVAILABLE':
      return st(Code.HA_NOT_AVAILABLE, 'slave not available');
    case 'MESSAGE_ILLEGAL':
    case 'PROPERTIES_SIZE_EXCEEDED':
      return st(Code.BAD_REQUEST, r.remark ?? r.status);
    case 'OS_PAGE_CACHE_BUSY':
      return st(Code.TOO_MANY_REQUESTS, r.remark ?? 'broker busy');
    default:
      return st(Code.INTERNAL_SERVER_ERROR, r.remark ?? r.status);
  }
}

/** Receipt handle = broker extraInfo + ' ' + commit-log offset (as the 5.x proxy). */
export function parseHandle(h: string | undefined): ExtraInfo | undefined {
  return h ? parseExtraInfo(h) : undefined;
}

export class GrpcProxy {
  readonly config: ProxyConfig;
  private server: grpc.Server | undefined;
  protected readonly clients = new Map<string, ClientSettings>();
  /** transactionId -> half message commit-log offset (fallback: the UNIQ_KEY index). */
  private readonly halfOffsets = new Map<string, number>();
  private readonly recall: RecallMessageProcessor;
  protected rr = 0;
  private boundPort = 0;
  protected readonly log: Logger;

  constructor(
    protected readonly b: BrokerController,
    config: Partial<ProxyConfig> = {},
    log?: Logger,
  ) {
    this.config = { ...DEFAULT_PROXY_CONFIG, ...Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) };
    this.log = log ?? componentLogger('proxy');
    this.recall = new RecallMessageProcessor(b);
  }

  /** 'local' (in-process broker) or 'cluster' (brokers over remoting). */
  protected readonly mode: string = 'local';

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<{ port: number }> {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 130 * 1024 * 1024, 'grpc.max_send_message_length': 130 * 1024 * 1024 });
    const unary = (name: string, fn: (req: any, call: grpc.ServerUnaryCall<any, any>) => Promise<Record<string, unknown>> | Record<string, unknown>) =>
      (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
        Promise.resolve()
          .then(() => fn(call.request, call))
          .then(
            (res) => cb(null, res),
            (e: Error) => {
              this.log.error({ rpc: name, err: e.message }, 'rpc failed');
              cb(null, { status: st(Code.INTERNAL_SERVER_ERROR, e.message) });
            },
          );
      };
    server.addService(messagingServiceDefinition(), {
      QueryRoute: unary('QueryRoute', (r) => this.queryRoute(r)),
      Heartbeat: unary('Heartbeat', (r, c) => this.heartbeat(r, c)),
      SendMessage: unary('SendMessage', (r, c) => this.sendMessage(r, c)),
      QueryAssignment: unary('QueryAssignment', (r) => this.queryAssignment(r)),
      ReceiveMessage: (call: grpc.ServerWritableStream<any, any>) => void this.receiveMessage(call),
      AckMessage: unary('AckMessage', (r, c) => this.ackMessage(this.renewedHandles(r, c, true))),
      ForwardMessageToDeadLetterQueue: unary('ForwardMessageToDeadLetterQueue', (r, c) => this.forwardToDlq(this.renewedHandles(r, c, true))),
      PullMessage: (call: grpc.ServerWritableStream<any, any>) => {
        call.write({ status: st(Code.NOT_IMPLEMENTED, 'PullMessage is not implemented') });
        call.end();
      },
      UpdateOffset: unary('UpdateOffset', () => ({ status: st(Code.NOT_IMPLEMENTED, 'not implemented') })),
      GetOffset: unary('GetOffset', () => ({ status: st(Code.NOT_IMPLEMENTED, 'not implemented') })),
      QueryOffset: unary('QueryOffset', () => ({ status: st(Code.NOT_IMPLEMENTED, 'not implemented') })),
      EndTransaction: unary('EndTransaction', (r) => this.endTransaction(r)),
      Telemetry: (call: grpc.ServerDuplexStream<any, any>) => this.telemetry(call),
      NotifyClientTermination: unary('NotifyClientTermination', (_r, c) => this.notifyClientTermination(c)),
      ChangeInvisibleDuration: unary('ChangeInvisibleDuration', (r, c) => this.changeInvisibleDuration(this.renewedHandles(r, c, true))),
      RecallMessage: unary('RecallMessage', (r) => this.recallMessage(r)),
      SyncLiteSubscription: unary('SyncLiteSubscription', () => ({ status: st(Code.NOT_IMPLEMENTED, 'lite topics are not supported') })),
    });
    this.b?.transactionService?.listeners.push((half, group) => this.checkTransaction(half, group));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${this.config.host}:${this.config.grpcServerPort}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    // grpc-js leaves Nagle on for accepted sockets: small responses then wait for the peer's delayed
    // ACK (~40 ms) and pipelined calls stall. grpc-js has no option for it, so reach its HTTP/2 servers.
    const h2 = (server as unknown as { http2Servers?: Map<import('node:net').Server, unknown> }).http2Servers;
    for (const s of h2?.keys() ?? []) s.on('connection', (sock: import('node:net').Socket) => sock.setNoDelay(true));
    this.server = server;
    this.boundPort = port;
    if (this.mode === 'local') {
      this.renewTimer = setInterval(() => void this.renewTick(), this.config.renewIntervalMillis);
      this.renewTimer.unref?.();
    }
    this.log.info({ port, mode: this.mode }, 'gRPC proxy started');
    return { port };
  }

  // ------------------------------------------------------------------ auto-renew (push consumers)

  /** Handles the proxy renews itself, by client id + group + message id (the client keeps the first handle). */
  private readonly renewals = new Map<string, { group: string; topic: string; handle: string; expiresAt: number; since: number }>();
  private renewTimer: NodeJS.Timeout | undefined;

  private renewKey(clientId: string, group: string, messageId: string): string {
    return clientId + '\u0001' + group + '\u0001' + messageId;
  }

  /** Swaps in the latest renewed receipt handle(s) of a request; `forget` ends their renewal. */
  private renewedHandles(req: any, call: { metadata: grpc.Metadata }, forget: boolean): any {
    if (this.renewals.size === 0 || !req) return req;
    const id = this.clientId(call);
    const group = req.group?.name ?? '';
    const swap = (messageId: string, handle: string): string => {
      const k = this.renewKey(id, group, messageId);
      const r = this.renewals.get(k);
      if (!r) return handle;
      if (forget) this.renewals.delete(k);
      return r.handle;
    };
    if (Array.isArray(req.entries)) for (const e of req.entries) e.receiptHandle = swap(e.messageId, e.receiptHandle);
    else if (req.receiptHandle) req.receiptHandle = swap(req.messageId, req.receiptHandle);
    return req;
  }

  private async renewTick(): Promise<void> {
    const now = Date.now();
    for (const [k, r] of [...this.renewals]) {
      if (r.expiresAt - now > this.config.renewAheadMillis) continue;
      if (now - r.since > this.config.renewMaxMillis || r.expiresAt <= now) {
        this.renewals.delete(k);
        continue;
      }
      const e = parseHandle(r.handle);
      if (!e) {
        this.renewals.delete(k);
        continue;
      }
      try {
        const res = await this.b.popMessageService.changeInvisibleTime(r.group, r.topic, e, this.config.defaultInvisibleTimeMills);
        if (res.status !== 'OK' || !res.extraInfo) this.renewals.delete(k);
        else if (this.renewals.get(k) === r) {
          r.handle = `${buildExtraInfo(res.extraInfo)} ${r.handle.trim().split(' ')[8] ?? ''}`;
          r.expiresAt = res.extraInfo.popTime + res.extraInfo.invisibleTime;
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'renewing a receipt handle failed');
      }
    }
  }

  async shutdown(): Promise<void> {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewals.clear();
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    for (const c of this.clients.values()) {
      try {
        c.stream?.end();
      } catch {
        /* already closed */
      }
    }
    this.clients.clear();
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        s.forceShutdown();
        resolve();
      }, 1000);
      s.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  protected clientId(call: { metadata: grpc.Metadata }): string {
    return String(call.metadata.get('x-mq-client-id')[0] ?? '');
  }

  // ------------------------------------------------------------------ routing

  private acceptTypes(topic: string): number[] {
    const t = this.b.topicConfigManager.get(topic)?.attributes?.['message.type']?.toUpperCase();
    switch (t) {
      case 'NORMAL':
        return [MessageType.NORMAL];
      case 'FIFO':
        return [MessageType.FIFO];
      case 'DELAY':
        return [MessageType.DELAY];
      case 'TRANSACTION':
        return [MessageType.TRANSACTION];
      default:
        // MIXED, or a topic created without a type (4.x tools): everything.
        return [MessageType.NORMAL, MessageType.FIFO, MessageType.DELAY, MessageType.TRANSACTION];
    }
  }

  private brokerOf(endpoints: any): Record<string, unknown> {
    const addrs = endpoints?.addresses?.length ? endpoints.addresses : [{ host: '127.0.0.1', port: this.boundPort }];
    return { name: this.b.config.brokerName, id: 0, endpoints: { scheme: endpoints?.scheme || 1, addresses: [addrs[0]] } };
  }

  queryRoute(req: any): Record<string, unknown> | Promise<Record<string, unknown>> {
    const topic = req.topic?.name as string | undefined;
    if (!topic) return { status: st(Code.ILLEGAL_TOPIC, 'topic is required'), messageQueues: [] };
    const problem = topicNameProblem(topic);
    if (problem) return { status: st(Code.ILLEGAL_TOPIC, problem), messageQueues: [] };
    const tc = this.b.topicConfigManager.get(topic);
    if (!tc) return { status: st(Code.TOPIC_NOT_FOUND, `CODE: 17  DESC: No topic route info in name server for the topic: ${topic}`), messageQueues: [] };
    const broker = this.brokerOf(req.endpoints);
    const types = this.acceptTypes(topic);
    const perm = tc.perm & this.b.config.brokerPermission;
    const r = isReadable(perm) ? tc.readQueueNums : 0;
    const w = isWriteable(perm) ? tc.writeQueueNums : 0;
    const mqs: Record<string, unknown>[] = [];
    let id = 0;
    const both = Math.min(r, w);
    const add = (n: number, p: number): void => {
      for (let i = 0; i < n; i++) mqs.push({ topic: { resourceNamespace: req.topic.resourceNamespace ?? '', name: topic }, id: id++, permission: p, broker, acceptMessageTypes: types });
    };
    add(both, Permission.READ_WRITE);
    add(r - both, Permission.READ);
    add(w - both, Permission.WRITE);
    if (mqs.length === 0) add(1, Permission.NONE);
    return { status: ok(), messageQueues: mqs };
  }

  protected isFifoGroup(group: string): boolean {
    return this.b.subscriptionGroupManager.findSubscriptionGroupConfig(group)?.consumeMessageOrderly === true;
  }

  queryAssignment(req: any): Record<string, unknown> | Promise<Record<string, unknown>> {
    const topic = req.topic?.name as string;
    const group = req.group?.name as string;
    const tc = topic ? this.b.topicConfigManager.get(topic) : undefined;
    if (!tc) return { status: st(Code.TOPIC_NOT_FOUND, `topic ${topic} not found`), assignments: [] };
    if (!isReadable(tc.perm & this.b.config.brokerPermission) || tc.readQueueNums === 0) return { status: st(Code.FORBIDDEN, 'no readable queue'), assignments: [] };
    const broker = this.brokerOf(req.endpoints);
    const mq = (id: number) => ({ messageQueue: { topic: req.topic, id, permission: Permission.READ_WRITE, broker, acceptMessageTypes: this.acceptTypes(topic) } });
    // Non-FIFO: the 5.x proxy answers one assignment (queue id -1), but the Node push consumer runs one
    // receive loop per assignment and one loop cannot keep up beyond ~1000 msg/s; the queue id of a
    // non-FIFO receive is ignored (it pops any queue), so several assignments are several loops.
    const assignments = group && this.isFifoGroup(group) ? Array.from({ length: tc.readQueueNums }, (_, i) => mq(i)) : Array.from({ length: Math.max(1, Math.min(tc.readQueueNums, this.config.pushReceiveLoops)) }, (_, i) => mq(i));
    return { status: ok(), assignments };
  }

  heartbeat(_req: any, call: grpc.ServerUnaryCall<any, any>): Record<string, unknown> {
    if (!this.clientId(call)) return { status: st(Code.CLIENT_ID_REQUIRED, 'x-mq-client-id is required') };
    return { status: ok() };
  }

  notifyClientTermination(call: grpc.ServerUnaryCall<any, any>): Record<string, unknown> {
    const id = this.clientId(call);
    for (const k of [...this.renewals.keys()]) if (k.startsWith(id + '\u0001')) this.renewals.delete(k);
    const c = this.clients.get(id);
    if (c && !c.stream) this.clients.delete(id);
    return { status: ok() };
  }

  // ------------------------------------------------------------------ telemetry

  protected effectiveSettings(s: Record<string, any>): Record<string, unknown> {
    const out: Record<string, any> = { ...s, metric: { on: false } };
    if (s.clientType === ClientType.PRODUCER) {
      out.backoffPolicy = { maxAttempts: 3, exponentialBackoff: { initial: toDuration(10), max: toDuration(1000), multiplier: 2 } };
      out.publishing = { ...(s.publishing ?? {}), maxBodySize: this.config.maxMessageSize, validateMessageType: true };
    } else if (s.subscription) {
      const group = s.subscription.group?.name ?? '';
      const sg = this.b.subscriptionGroupManager.findSubscriptionGroupConfig(group);
      const lp = fromDuration(s.subscription.longPollingTimeout) || this.config.grpcPushConsumerLongPollingTimeoutMillis;
      out.subscription = { ...s.subscription, fifo: sg?.consumeMessageOrderly === true, receiveBatchSize: 32, longPollingTimeout: toDuration(lp) };
      // Exponential (not customized) backoff: the Node push consumer has no retry policy otherwise.
      out.backoffPolicy = { maxAttempts: (sg?.retryMaxTimes ?? 16) + 1, exponentialBackoff: { initial: toDuration(1000), max: toDuration(60_000), multiplier: 2 } };
    }
    return out;
  }

  telemetry(call: grpc.ServerDuplexStream<any, any>): void {
    const clientId = this.clientId(call);
    call.on('data', (cmd: any) => {
      try {
        if (cmd.settings) {
          const s = cmd.settings;
          if (!s.publishing && !s.subscription) {
            call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: 'settings carry neither publishing nor subscription' });
            return;
          }
          void this.beforeSettings(s)
            .catch((e: Error) => this.log.warn({ clientId, err: e.message }, 'preparing settings failed'))
            .then(() => this.answerSettings(call, clientId, s));
        }
        // thread_stack_trace / verify_message_result / status-only commands need no answer.
      } catch (e) {
        this.log.warn({ clientId, err: (e as Error).message }, 'telemetry command failed');
      }
    });
    const drop = (): void => {
      // The client reopens its stream (and re-sends settings) after an error; until then it is unknown.
      if (this.clients.get(clientId)?.stream === call) this.clients.delete(clientId);
    };
    call.on('end', () => {
      drop();
      try {
        call.end();
      } catch {
        /* closed */
      }
    });
    call.on('error', drop);
    call.on('cancelled', drop);
  }

  /** Cluster mode loads the group's config from a broker here; local mode has it at hand. */
  protected async beforeSettings(_settings: any): Promise<void> {}

  private answerSettings(call: grpc.ServerDuplexStream<any, any>, clientId: string, s: any): void {
    if (call.cancelled || call.destroyed) return;
    try {
      const topics: string[] = s.publishing ? (s.publishing.topics ?? []).map((t: any) => t.name) : (s.subscription.subscriptions ?? []).map((e: any) => e.topic?.name);
      const first = this.clients.get(clientId)?.stream !== call;
      this.clients.set(clientId, { clientId, clientType: s.clientType, topics, group: s.subscription?.group?.name, settings: s, stream: call });
      const reply = { status: ok(), settings: this.effectiveSettings(s) };
      call.write(reply);
      if (first) {
        // The Node client installs its "first settings" wake-up only after every start-up QueryRoute
        // finished, so an early answer can be lost and startup() hangs (test/fixtures/grpc/90-*).
        // Repeating the same settings is harmless (the client just syncs again) and unblocks it.
        for (const ms of [200, 1000, 3000]) {
          const t = setTimeout(() => {
            if (!call.cancelled && !call.destroyed && this.clients.get(clientId)?.stream === call) {
              try {
                call.write(reply);
              } catch {
                /* stream closed meanwhile */
              }
            }
          }, ms);
          t.unref?.();
        }
      }
    } catch (e) {
      this.log.warn({ clientId, err: (e as Error).message }, 'telemetry settings answer failed');
    }
  }

  /** TransactionService check listener: ask one producer of the topic over its telemetry stream. */
  private checkTransaction(half: MessageExt, _group: string): boolean {
    const topic = half.properties[PROPERTY.REAL_TOPIC] ?? '';
    const tid = half.properties[PROPERTY.TRANSACTION_ID] ?? half.properties[PROPERTY.UNIQ_KEY] ?? '';
    for (const c of this.clients.values()) {
      if (c.clientType !== ClientType.PRODUCER || !c.stream || !c.topics.includes(topic)) continue;
      const msg = toProtoMessage({ ...half, topic, queueId: Number(half.properties[PROPERTY.REAL_QID] ?? 0) }, { topic });
      (msg.systemProperties as Record<string, unknown>).messageType = MessageType.TRANSACTION;
      this.halfOffsets.set(tid, half.commitLogOffset);
      c.stream.write({ status: ok(), recoverOrphanedTransactionCommand: { message: msg, transactionId: tid } });
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ produce

  protected async sendMessage(req: any, call: grpc.ServerUnaryCall<any, any>): Promise<Record<string, unknown>> {
    const msgs: any[] = req.messages ?? [];
    if (msgs.length === 0) return { status: st(Code.BAD_REQUEST, 'no message'), entries: [] };
    const bornHost = hostBytes(call.getPeer().replace(/^ipv[46]:/, ''));
    const entries: Record<string, unknown>[] = [];
    for (const m of msgs) entries.push(await this.sendOne(m, bornHost));
    const codes = new Set(entries.map((e) => (e.status as Status).code));
    const status = codes.size === 1 ? (entries[0]!.status as Status) : st(Code.MULTIPLE_RESULTS, 'multiple results');
    return { status, entries };
  }

  private async sendOne(m: any, bornHost: Buffer): Promise<Record<string, unknown>> {
    const b = this.b;
    const sp = m.systemProperties ?? {};
    const messageId: string = sp.messageId ?? '';
    const fail = (code: number, message: string) => ({ status: st(code, message), messageId, transactionId: '', offset: 0 });
    const topic: string | undefined = m.topic?.name;
    if (!topic) return fail(Code.ILLEGAL_TOPIC, 'topic is required');
    const problem = topicNameProblem(topic);
    if (problem) return fail(Code.ILLEGAL_TOPIC, problem);
    const tc = b.topicConfigManager.get(topic);
    if (!tc) return fail(Code.TOPIC_NOT_FOUND, `topic ${topic} not found`);
    if (!isWriteable(tc.perm & b.config.brokerPermission)) return fail(Code.FORBIDDEN, `the topic[${topic}] sending message is forbidden`);
    const body: Buffer = m.body ?? Buffer.alloc(0);
    if (body.length > this.config.maxMessageSize) return fail(Code.MESSAGE_BODY_TOO_LARGE, `message body size ${body.length} exceeds ${this.config.maxMessageSize}`);
    const type: number = sp.messageType || MessageType.NORMAL;
    const props: Record<string, string> = {};
    let userBytes = 0;
    for (const [k, v] of Object.entries((m.userProperties ?? {}) as Record<string, string>)) {
      if (SYSTEM_PROPERTIES.has(k)) return fail(Code.BAD_REQUEST, `user property ${k} is a system property`);
      if (v === '') continue; // RocketMQ drops empty values (fixture 04)
      props[k] = v;
      userBytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    }
    if (userBytes > this.config.maxUserPropertySize) return fail(Code.MESSAGE_PROPERTIES_TOO_LARGE, `user properties exceed ${this.config.maxUserPropertySize} bytes`);
    if (messageId) props[PROPERTY.UNIQ_KEY] = messageId;
    if (sp.tag) props[PROPERTY.TAGS] = sp.tag;
    if (sp.keys?.length) props[PROPERTY.KEYS] = (sp.keys as string[]).join(' ');
    if (sp.bornHost) props[BORN_HOST_PROP] = sp.bornHost;
    if (sp.traceContext) props[TRACE_CONTEXT_PROP] = sp.traceContext;
    props[PROPERTY.WAIT] = 'true';
    let queueId: number;
    const group: string | undefined = sp.messageGroup || undefined;
    if (group !== undefined) {
      if (Buffer.byteLength(group) > this.config.maxMessageGroupSize) return fail(Code.ILLEGAL_MESSAGE_GROUP, `message group longer than ${this.config.maxMessageGroupSize} bytes`);
      props[PROPERTY.SHARDING_KEY] = group;
      // Same group, same queue (the broker keeps order per queue).
      queueId = (javaStringHashCode(group) >>> 0) % tc.writeQueueNums;
    } else queueId = this.rr++ % Math.max(1, tc.writeQueueNums);
    const deliverMs = fromTimestamp(sp.deliveryTimestamp);
    if (deliverMs !== undefined) {
      if (deliverMs - Date.now() > b.config.timerMaxDelaySec * 1000) return fail(Code.ILLEGAL_DELIVERY_TIME, `delivery time beyond ${b.config.timerMaxDelaySec} s`);
      props[PROPERTY.TIMER_DELIVER_MS] = String(deliverMs);
    }
    let sysFlag = 0;
    if (type === MessageType.TRANSACTION) {
      props[PROPERTY.TRAN_MSG] = 'true';
      props[PROPERTY.PGROUP] = topic;
      const recovery = fromDuration(sp.orphanedTransactionRecoveryDuration);
      if (recovery) props[PROPERTY.CHECK_IMMUNITY_TIME_IN_SECONDS] = String(Math.ceil(recovery / 1000));
      sysFlag = SYS_FLAG.TRANSACTION_PREPARED;
    }
    let encoded = encodeProperties(props);
    if (encoded.endsWith('\u0002')) encoded = encoded.slice(0, -1);
    encoded += `\u0002${PROPERTY.CLUSTER}\u0001${b.config.brokerClusterName}`;
    const inner: MessageInner = {
      topic,
      queueId,
      flag: 0,
      body,
      properties: encoded,
      sysFlag,
      bornTimestamp: fromTimestamp(sp.bornTimestamp) ?? Date.now(),
      bornHost,
      storeHost: b.storeHost,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
    };
    const r = type === MessageType.TRANSACTION ? await b.transactionService.prepare(inner, topic) : await b.putMessage(inner);
    const s = putStatus(r);
    if (s.code !== Code.OK || !r.appendResult) return { ...fail(s.code, s.message) };
    b.stats.onPut(1, r.appendResult.wroteBytes);
    const entry: Record<string, unknown> = { status: ok(), messageId, transactionId: messageId, offset: r.appendResult.logicsOffset };
    if (type === MessageType.TRANSACTION) this.halfOffsets.set(messageId, r.appendResult.wroteOffset);
    if (inner.topic === TIMER_TOPIC) entry.recallHandle = buildRecallHandle(topic, b.config.brokerName, Number(/TIMER_OUT_MS\u0001(\d+)/.exec(inner.properties)?.[1] ?? deliverMs), messageId);
    return entry;
  }

  protected async endTransaction(req: any): Promise<Record<string, unknown>> {
    const tid: string = req.transactionId || req.messageId || '';
    let offset = this.halfOffsets.get(tid) ?? this.halfOffsets.get(req.messageId);
    if (offset === undefined) {
      // After a restart: find the half message by its UNIQ_KEY index entry.
      const q = this.b.store.queryMessage(HALF_TOPIC, req.messageId || tid, 32, 0, Date.now() + 1000);
      for (const raw of q.messages) {
        try {
          const m = decodeRecord(raw);
          if (m.topic === HALF_TOPIC && m.properties[PROPERTY.UNIQ_KEY] === (req.messageId || tid)) offset = m.commitLogOffset;
        } catch {
          /* skip */
        }
      }
    }
    if (offset === undefined) return { status: st(Code.INVALID_TRANSACTION_ID, `no half message for transaction ${tid}`) };
    if (req.resolution !== TransactionResolution.COMMIT && req.resolution !== TransactionResolution.ROLLBACK) return { status: ok() };
    const r = await this.b.transactionService.end(offset, req.resolution === TransactionResolution.COMMIT);
    if (r.status !== 'OK') return { status: st(r.status === 'NOT_FOUND' ? Code.INVALID_TRANSACTION_ID : Code.INTERNAL_SERVER_ERROR, r.remark) };
    this.halfOffsets.delete(tid);
    return { status: ok() };
  }

  protected async recallMessage(req: any): Promise<Record<string, unknown>> {
    const res = await this.recall.process(createRequest(RequestCode.RECALL_MESSAGE, { topic: req.topic?.name ?? '', recallHandle: req.recallHandle ?? '' }));
    if (res.code === ResponseCode.SUCCESS) return { status: ok(), messageId: String(res.extFields?.msgId ?? '') };
    const code =
      res.code === ResponseCode.QUERY_NOT_FOUND ? Code.NOT_FOUND : res.code === ResponseCode.TOPIC_NOT_EXIST ? Code.TOPIC_NOT_FOUND : res.code === ResponseCode.INVALID_PARAMETER || res.code === ResponseCode.ILLEGAL_OPERATION ? Code.BAD_REQUEST : Code.INTERNAL_SERVER_ERROR;
    return { status: st(code, res.remark ?? 'recall failed'), messageId: '' };
  }

  // ------------------------------------------------------------------ consume

  /** The end of a ReceiveMessage stream: the status, the messages, the delivery timestamp. */
  protected receiveFinisher(call: grpc.ServerWritableStream<any, any>): (status: Status, messages?: unknown[]) => void {
    return (status, messages = []) => {
      if (call.cancelled || call.destroyed) return;
      try {
        call.write({ status });
        for (const m of messages) call.write({ message: m });
        call.write({ deliveryTimestamp: toTimestamp(Date.now()) });
        call.end();
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'receive: stream write failed');
      }
    };
  }

  protected async receiveMessage(call: grpc.ServerWritableStream<any, any>): Promise<void> {
    const finish = this.receiveFinisher(call);
    try {
      const req = call.request;
      const group: string = req.group?.name ?? '';
      const topic: string = req.messageQueue?.topic?.name ?? '';
      if (!group) return finish(st(Code.ILLEGAL_CONSUMER_GROUP, 'group is required'));
      if (!topic) return finish(st(Code.ILLEGAL_TOPIC, 'topic is required'));
      let invisible = fromDuration(req.invisibleDuration);
      if (req.autoRenew || !invisible) invisible = invisible || this.config.defaultInvisibleTimeMills;
      else if (invisible < this.config.minInvisibleTimeMillsForRecv) return finish(st(Code.ILLEGAL_INVISIBLE_TIME, `the invisibleTime is too small. min is ${this.config.minInvisibleTimeMillsForRecv}`));
      else if (invisible > this.config.maxInvisibleTimeMills) return finish(st(Code.ILLEGAL_INVISIBLE_TIME, `the invisibleTime is too large. max is ${this.config.maxInvisibleTimeMills}`));
      let poll = fromDuration(req.longPollingTimeout) ?? this.config.grpcClientConsumerMaxLongPollingTimeoutMillis;
      poll = Math.min(Math.max(poll, this.config.grpcClientConsumerMinLongPollingTimeoutMillis), this.config.grpcClientConsumerMaxLongPollingTimeoutMillis);
      const deadline = call.getDeadline();
      const dl = deadline instanceof Date ? deadline.getTime() : Number(deadline);
      if (Number.isFinite(dl) && dl > 0) {
        const remaining = dl - Date.now() - 500;
        if (remaining <= 0) return finish(st(Code.ILLEGAL_POLLING_TIME, 'the deadline is too short for long polling'));
        poll = Math.min(poll, remaining);
      }
      const fifo = this.isFifoGroup(group);
      const client = this.clients.get(this.clientId(call));
      const queueId = fifo && client?.clientType === ClientType.PUSH_CONSUMER && Number.isInteger(req.messageQueue?.id) && req.messageQueue.id >= 0 ? req.messageQueue.id : -1;
      const fe = req.filterExpression;
      const signal: { aborted: boolean; onabort?: () => void } = { aborted: false };
      call.on('cancelled', () => {
        signal.aborted = true;
        signal.onabort?.();
      });
      const sg = this.b.subscriptionGroupManager.findSubscriptionGroupConfig(group);
      const maxAttempts = (sg?.retryMaxTimes ?? 16) + 1;
      const r = await this.b.popMessageService.pop(
        {
          group,
          topic,
          queueId,
          maxMsgNums: Math.max(1, req.batchSize || 32),
          invisibleTime: invisible,
          pollTime: poll,
          expType: fe?.type === FilterType.SQL ? 'SQL92' : 'TAG',
          exp: fe?.expression || '*',
          order: fifo,
          attemptId: req.attemptId || undefined,
          initMode: 1,
        },
        signal,
      );
      if (r.status !== 'FOUND') return finish(popStatus(r.status, r.remark));
      const out: unknown[] = [];
      for (const pm of r.messages) {
        if (!fifo && pm.deliveryAttempt > maxAttempts) {
          // Exhausted: dead-letter instead of delivering (the 5.x proxy does this on receive).
          await this.b.popMessageService.forwardToDlq(group, topic, parseExtraInfo(pm.extraInfo)!);
          continue;
        }
        const handle = `${pm.extraInfo} ${pm.msg.commitLogOffset}`;
        if (req.autoRenew) {
          const mid = pm.msg.properties[PROPERTY.UNIQ_KEY] ?? pm.msg.offsetMsgId;
          this.renewals.set(this.renewKey(this.clientId(call), group, mid), { group, topic, handle, expiresAt: r.popTime + invisible, since: Date.now() });
        }
        out.push(toProtoMessage(pm.msg, { receiptHandle: handle, deliveryAttempt: pm.deliveryAttempt, invisibleMs: invisible, topic: pm.topic }));
      }
      if (out.length === 0) return finish(st(Code.MESSAGE_NOT_FOUND, 'no new message'));
      finish(ok(), out);
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'receive failed');
      finish(st(Code.INTERNAL_SERVER_ERROR, (e as Error).message));
    }
  }

  protected async ackMessage(req: any): Promise<Record<string, unknown>> {
    const group: string = req.group?.name ?? '';
    const topic: string = req.topic?.name ?? '';
    const entries: Record<string, unknown>[] = await Promise.all(
      ((req.entries ?? []) as any[]).map(async (e) => {
        const h = parseHandle(e.receiptHandle);
        let s: Status;
        if (!h) s = st(Code.INVALID_RECEIPT_HANDLE, 'receipt handle is malformed');
        else {
          const r = await this.b.popMessageService.ack(group, topic, h);
          s = r === 'OK' ? ok() : st(Code.INVALID_RECEIPT_HANDLE, r === 'EXPIRED' ? 'the receipt handle has expired' : 'the receipt handle is invalid');
        }
        return { messageId: e.messageId, receiptHandle: e.receiptHandle, status: s };
      }),
    );
    const codes = new Set(entries.map((x) => (x.status as Status).code));
    const status = codes.size <= 1 ? ((entries[0]?.status as Status | undefined) ?? ok()) : st(Code.MULTIPLE_RESULTS, 'multiple results');
    return { status, entries };
  }

  protected async changeInvisibleDuration(req: any): Promise<Record<string, unknown>> {
    const h = parseHandle(req.receiptHandle);
    if (!h) return { status: st(Code.INVALID_RECEIPT_HANDLE, 'receipt handle is malformed') };
    const ms = fromDuration(req.invisibleDuration) ?? 0;
    if (ms < 0 || ms > this.config.maxInvisibleTimeMills) return { status: st(Code.ILLEGAL_INVISIBLE_TIME, `the invisibleTime must be within 0..${this.config.maxInvisibleTimeMills}`) };
    const r = await this.b.popMessageService.changeInvisibleTime(req.group?.name ?? '', req.topic?.name ?? '', h, ms);
    if (r.status !== 'OK' || !r.extraInfo) return { status: st(Code.INVALID_RECEIPT_HANDLE, r.status === 'EXPIRED' ? 'the receipt handle has expired' : 'the receipt handle is invalid') };
    const tail = String(req.receiptHandle).trim().split(' ')[8] ?? '';
    return { status: ok(), receiptHandle: `${buildExtraInfo(r.extraInfo)} ${tail}` };
  }

  protected async forwardToDlq(req: any): Promise<Record<string, unknown>> {
    const h = parseHandle(req.receiptHandle);
    if (!h) return { status: st(Code.INVALID_RECEIPT_HANDLE, 'receipt handle is malformed') };
    const r = await this.b.popMessageService.forwardToDlq(req.group?.name ?? '', req.topic?.name ?? '', h);
    return { status: r === 'OK' ? ok() : st(Code.INVALID_RECEIPT_HANDLE, `forward to DLQ failed: ${r}`) };
  }
}
