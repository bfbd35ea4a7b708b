/**
 * An in-memory name server + brokers speaking the client's side of the protocol through the
 * ClientTransport interface, for client unit tests that need no sockets: routes, auto-create via
 * TBW102, send (single/batch), pull with a short hold, heartbeats and group membership with
 * NOTIFY_CONSUMER_IDS_CHANGED, consumer offsets, send-back to %RETRY% / %DLQ%, and fault injection.
 * Deliberately small; the real servers are exercised by test/integration.
 */
import { createRequest, createResponse, markOneway, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import {
  ConsumerSendMsgBackRequestHeader,
  GetConsumerListByGroupRequestHeader,
  PullMessageRequestHeader,
  QueryConsumerOffsetRequestHeader,
  SendMessageRequestHeaderV2,
  UnregisterClientRequestHeader,
  UpdateConsumerOffsetRequestHeader,
  GetMaxOffsetRequestHeader,
  GetMinOffsetRequestHeader,
  GetRouteInfoRequestHeader,
  EndTransactionRequestHeader,
} from '../../protocol/headers/index.js';
import { parseFastjson } from '../../protocol/body/fastjson.js';
import type { HeartbeatData, TopicRouteData } from '../../protocol/body/types.js';
import type { RemotingConnection, RequestHandler } from '../../remoting/types.js';
import { decodeBatch } from '../../message/batch.js';
import { decodeProperties, encodeProperties } from '../../message/properties.js';
import { decodeRecord, encodeRecord } from '../../message/message-record.js';
import { encodeSocketAddress } from '../../message/socket-address.js';
import { createOffsetMessageId } from '../../message/message-id.js';
import type { ClientTransport } from '../transport.js';
import { readInt32BE, readUInt32BE } from '../../common/bytes.js';

export const FAKE_NAMESRV = '127.0.0.1:9876';

interface StoredQueue {
  records: Buffer[];
}

export class FakeBroker {
  readonly queues = new Map<string, StoredQueue>();
  readonly commitLog: Buffer[] = [];
  readonly offsets = new Map<string, number>();
  /** group -> clientId -> transport */
  readonly groups = new Map<string, Map<string, FakeTransport>>();
  readonly topics = new Map<string, number>();
  /** Half (prepared) messages by commit-log offset, waiting for END_TRANSACTION. */
  readonly halves = new Map<number, { topic: string; queueId: number; body: Buffer; props: string; flag: number; queueOffset: number; from: FakeTransport }>();
  /** END_TRANSACTION requests seen: commitOrRollback and fromTransactionCheck. */
  readonly endTransactions: Array<{ commitOrRollback: number; fromTransactionCheck: boolean; commitLogOffset: number }> = [];
  /** group@topic@queueId -> holder (orderly locks) */
  readonly locks = new Map<string, { clientId: string; at: number }>();
  /** Codes to answer the next SEND requests with (fault injection). */
  failSends: number[] = [];
  /** Answer the next N sends "stored, but flush timed out" (FLUSH_DISK_TIMEOUT). */
  flushTimeouts = 0;
  /** Drop (never answer) the next N sends, to simulate timeouts. */
  hangSends = 0;
  sendCount = 0;
  private waiters: Array<() => void> = [];
  readonly storeHost: Buffer;
  private physicalOffset = 0;

  constructor(
    readonly cluster: FakeCluster,
    readonly brokerName: string,
    readonly addr: string,
  ) {
    const [ip, port] = addr.split(':');
    this.storeHost = encodeSocketAddress(ip!, Number(port));
    this.topics.set('TBW102', 8);
  }

  createTopic(topic: string, queues: number): void {
    this.topics.set(topic, queues);
  }

  queue(topic: string, queueId: number): StoredQueue {
    const k = `${topic}:${queueId}`;
    let q = this.queues.get(k);
    if (!q) this.queues.set(k, (q = { records: [] }));
    return q;
  }

  /** Messages stored in a topic (all queues). */
  count(topic: string): number {
    let n = 0;
    for (const [k, q] of this.queues) if (k.startsWith(topic + ':')) n += q.records.length;
    return n;
  }

  private put(topic: string, queueId: number, body: Buffer, props: string, flag: number, sysFlag: number, bornTimestamp: number, reconsumeTimes: number): { offsetMsgId: string; queueOffset: number } {
    const q = this.queue(topic, queueId);
    const physicalOffset = this.physicalOffset;
    const rec = encodeRecord({
      topic,
      queueId,
      flag,
      queueOffset: q.records.length,
      physicalOffset,
      sysFlag,
      bornTimestamp,
      bornHost: encodeSocketAddress('127.0.0.1', 5555),
      storeTimestamp: Date.now(),
      storeHost: this.storeHost,
      reconsumeTimes,
      preparedTransactionOffset: 0,
      body,
      properties: props,
    });
    this.physicalOffset += rec.length;
    q.records.push(rec);
    this.commitLog.push(rec);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
    return { offsetMsgId: createOffsetMessageId(this.storeHost, physicalOffset), queueOffset: q.records.length - 1 };
  }

  private findByPhysicalOffset(off: number): Buffer | undefined {
    for (const r of this.commitLog) if (readInt32BE(r, 28) * 4294967296 + readUInt32BE(r, 32) === off) return r;
    return undefined;
  }

  async handle(req: RemotingCommand, from: FakeTransport): Promise<RemotingCommand | undefined> {
    switch (req.code) {
      case RequestCode.SEND_MESSAGE_V2:
      case RequestCode.SEND_BATCH_MESSAGE: {
        this.sendCount++;
        if (this.hangSends > 0) {
          this.hangSends--;
          return undefined;
        }
        const fail = this.failSends.shift();
        if (fail !== undefined) return createResponse(req, fail, 'injected failure');
        const h = SendMessageRequestHeaderV2.decode(req.extFields);
        if (!this.topics.has(h.topic)) {
          if (!this.cluster.autoCreate || h.topic.startsWith('%')) return createResponse(req, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist`);
          this.topics.set(h.topic, Math.min(h.defaultTopicQueueNums, 8));
        }
        const queueNums = this.topics.get(h.topic)!;
        const queueId = h.queueId < 0 || h.queueId >= queueNums ? 0 : h.queueId;
        let topic = h.topic;
        let props = h.properties ?? '';
        let reconsume = h.reconsumeTimes ?? 0;
        if (topic.startsWith('%RETRY%') && h.maxReconsumeTimes !== undefined && reconsume > h.maxReconsumeTimes) {
          topic = '%DLQ%' + topic.slice(7);
          this.createTopic(topic, 1);
        }
        const delay = decodeProperties(props)['DELAY'];
        if (delay) {
          const p = decodeProperties(props);
          delete p['DELAY'];
          props = encodeProperties(p);
        }
        if (h.batch) {
          const ids: string[] = [];
          let first = -1;
          for (const e of decodeBatch(req.body ?? Buffer.alloc(0))) {
            const r = this.put(topic, queueId, e.body, e.properties, e.flag, h.sysFlag, h.bornTimestamp, 0);
            ids.push(r.offsetMsgId);
            if (first < 0) first = r.queueOffset;
          }
          return createResponse(req, ResponseCode.SUCCESS, undefined, { msgId: ids.join(','), queueId: String(queueId), queueOffset: String(first), MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' });
        }
        if ((h.sysFlag & 0xc) === 0x4) {
          // Half message: stored out of sight until END_TRANSACTION.
          const half = this.put('RMQ_SYS_TRANS_HALF_TOPIC', 0, req.body ?? Buffer.alloc(0), props, h.flag, h.sysFlag, h.bornTimestamp, 0);
          const physicalOffset = this.physicalOffset - this.commitLog[this.commitLog.length - 1]!.length;
          this.halves.set(physicalOffset, { topic, queueId, body: req.body ?? Buffer.alloc(0), props, flag: h.flag, queueOffset: half.queueOffset, from });
          return createResponse(req, ResponseCode.SUCCESS, undefined, { msgId: half.offsetMsgId, queueId: String(queueId), queueOffset: String(half.queueOffset) });
        }
        const r = this.put(topic, queueId, req.body ?? Buffer.alloc(0), props, h.flag, h.sysFlag, h.bornTimestamp, reconsume);
        const code = this.flushTimeouts > 0 ? (this.flushTimeouts--, ResponseCode.FLUSH_DISK_TIMEOUT) : ResponseCode.SUCCESS;
        return createResponse(req, code, undefined, { msgId: r.offsetMsgId, queueId: String(queueId), queueOffset: String(r.queueOffset), MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' });
      }
      case RequestCode.PULL_MESSAGE: {
        const h = PullMessageRequestHeader.decode(req.extFields);
        if (h.sysFlag & 1 && h.commitOffset > 0) this.offsets.set(`${h.topic}@${h.consumerGroup}@${h.queueId}`, h.commitOffset);
        const q = this.queue(h.topic, h.queueId);
        if (h.queueOffset >= q.records.length && h.sysFlag & 2) {
          // A short hold (long polling stand-in): wake on the next put.
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, Math.min(h.suspendTimeoutMillis, 200));
            this.waiters.push(() => {
              clearTimeout(t);
              resolve();
            });
          });
        }
        const max = q.records.length;
        const ext = (next: number): Record<string, string> => ({ suggestWhichBrokerId: '0', nextBeginOffset: String(next), minOffset: '0', maxOffset: String(max) });
        if (h.queueOffset > max) return createResponse(req, ResponseCode.PULL_OFFSET_MOVED, 'OFFSET_OVERFLOW_BADLY', ext(max));
        if (h.queueOffset === q.records.length) return createResponse(req, ResponseCode.PULL_NOT_FOUND, 'OFFSET_OVERFLOW_ONE', ext(h.queueOffset));
        const recs = q.records.slice(h.queueOffset, Math.min(q.records.length, h.queueOffset + h.maxMsgNums));
        return createResponse(req, ResponseCode.SUCCESS, 'FOUND', ext(h.queueOffset + recs.length), Buffer.concat(recs));
      }
      case RequestCode.HEART_BEAT: {
        const data = parseFastjson(req.body!) as HeartbeatData;
        from.clientId = data.clientID;
        for (const c of data.consumerDataSet) {
          let g = this.groups.get(c.groupName);
          if (!g) this.groups.set(c.groupName, (g = new Map()));
          const isNew = !g.has(data.clientID);
          g.set(data.clientID, from);
          if (c.messageModel === 'CLUSTERING' && !this.topics.has('%RETRY%' + c.groupName)) {
            this.createTopic('%RETRY%' + c.groupName, 1);
          }
          if (isNew) this.notifyGroup(c.groupName);
        }
        return createResponse(req, ResponseCode.SUCCESS);
      }
      case RequestCode.UNREGISTER_CLIENT: {
        const h = UnregisterClientRequestHeader.decode(req.extFields);
        if (h.consumerGroup) {
          const g = this.groups.get(h.consumerGroup);
          if (g?.delete(h.clientID)) this.notifyGroup(h.consumerGroup);
        }
        return createResponse(req, ResponseCode.SUCCESS);
      }
      case RequestCode.GET_CONSUMER_LIST_BY_GROUP: {
        const h = GetConsumerListByGroupRequestHeader.decode(req.extFields);
        const g = this.groups.get(h.consumerGroup);
        if (!g || g.size === 0) return createResponse(req, ResponseCode.SYSTEM_ERROR, 'no consumer');
        return createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(JSON.stringify({ consumerIdList: [...g.keys()] })));
      }
      case RequestCode.QUERY_CONSUMER_OFFSET: {
        const h = QueryConsumerOffsetRequestHeader.decode(req.extFields);
        const off = this.offsets.get(`${h.topic}@${h.consumerGroup}@${h.queueId}`);
        if (off === undefined) {
          // New queue whose first message is still there: start at 0, as a broker does.
          if (this.queue(h.topic, h.queueId).records.length >= 0 && this.cluster.zeroIfNotFound) return createResponse(req, ResponseCode.SUCCESS, undefined, { offset: '0' });
          return createResponse(req, ResponseCode.QUERY_NOT_FOUND, 'Not found');
        }
        return createResponse(req, ResponseCode.SUCCESS, undefined, { offset: String(off) });
      }
      case RequestCode.UPDATE_CONSUMER_OFFSET: {
        const h = UpdateConsumerOffsetRequestHeader.decode(req.extFields);
        this.offsets.set(`${h.topic}@${h.consumerGroup}@${h.queueId}`, h.commitOffset);
        return createResponse(req, ResponseCode.SUCCESS);
      }
      case RequestCode.END_TRANSACTION: {
        const h = EndTransactionRequestHeader.decode(req.extFields);
        this.endTransactions.push({ commitOrRollback: h.commitOrRollback, fromTransactionCheck: h.fromTransactionCheck ?? false, commitLogOffset: h.commitLogOffset });
        const half = this.halves.get(h.commitLogOffset);
        if (half && h.commitOrRollback !== 0) {
          this.halves.delete(h.commitLogOffset);
          if (h.commitOrRollback === 8) {
            const p = decodeProperties(half.props);
            delete p['TRAN_MSG'];
            this.put(half.topic, half.queueId, half.body, encodeProperties(p), half.flag, 0x8, Date.now(), 0);
          }
        }
        return undefined;
      }
      case RequestCode.LOCK_BATCH_MQ:
      case RequestCode.UNLOCK_BATCH_MQ: {
        const body = parseFastjson(req.body!) as { consumerGroup: string; clientId: string; mqSet: Array<{ topic: string; brokerName: string; queueId: number }> };
        const ok: typeof body.mqSet = [];
        for (const mq of body.mqSet) {
          const k = `${body.consumerGroup}@${mq.topic}@${mq.queueId}`;
          const held = this.locks.get(k);
          if (req.code === RequestCode.UNLOCK_BATCH_MQ) {
            if (held?.clientId === body.clientId) this.locks.delete(k);
            continue;
          }
          if (!held || held.clientId === body.clientId || Date.now() - held.at > 60000) {
            this.locks.set(k, { clientId: body.clientId, at: Date.now() });
            ok.push(mq);
          }
        }
        return createResponse(req, ResponseCode.SUCCESS, undefined, {}, req.code === RequestCode.LOCK_BATCH_MQ ? Buffer.from(JSON.stringify({ lockOKMQSet: ok })) : undefined);
      }
      case RequestCode.GET_MAX_OFFSET: {
        const h = GetMaxOffsetRequestHeader.decode(req.extFields);
        return createResponse(req, ResponseCode.SUCCESS, undefined, { offset: String(this.queue(h.topic, h.queueId).records.length) });
      }
      case RequestCode.GET_MIN_OFFSET: {
        GetMinOffsetRequestHeader.decode(req.extFields);
        return createResponse(req, ResponseCode.SUCCESS, undefined, { offset: '0' });
      }
      case RequestCode.CONSUMER_SEND_MSG_BACK: {
        if (this.cluster.failSendBack) return createResponse(req, ResponseCode.SYSTEM_ERROR, 'injected send-back failure');
        const h = ConsumerSendMsgBackRequestHeader.decode(req.extFields);
        const rec = this.findByPhysicalOffset(h.offset);
        if (!rec) return createResponse(req, ResponseCode.SYSTEM_ERROR, 'no such message');
        const m = decodeRecord(rec, 0, true);
        const times = m.reconsumeTimes + 1;
        const props = { ...m.properties };
        if (!props['RETRY_TOPIC']) props['RETRY_TOPIC'] = m.topic;
        if (!props['ORIGIN_MESSAGE_ID']) props['ORIGIN_MESSAGE_ID'] = h.originMsgId ?? m.offsetMsgId;
        let topic = '%RETRY%' + h.group;
        if (times > (h.maxReconsumeTimes ?? 16) || h.delayLevel < 0) topic = '%DLQ%' + h.group;
        this.createTopic(topic, 1);
        this.put(topic, 0, m.body, encodeProperties(props), m.flag, m.sysFlag & ~0x30, m.bornTimestamp, times);
        return createResponse(req, ResponseCode.SUCCESS);
      }
      default:
        return createResponse(req, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, ` request type ${req.code} not supported`);
    }
  }

  /** Asks the producers of unresolved half messages (CHECK_TRANSACTION_STATE), as the broker's check service does. */
  checkTransactions(): void {
    for (const [commitLogOffset, half] of this.halves) {
      const props = decodeProperties(half.props);
      const body = encodeRecord({
        topic: half.topic, queueId: half.queueId, flag: half.flag, queueOffset: half.queueOffset, physicalOffset: commitLogOffset, sysFlag: 0x4,
        bornTimestamp: Date.now(), bornHost: encodeSocketAddress('127.0.0.1', 5555), storeTimestamp: Date.now(), storeHost: this.storeHost,
        reconsumeTimes: 0, preparedTransactionOffset: 0, body: half.body, properties: half.props,
      });
      const cmd = markOneway(
        createRequest(
          RequestCode.CHECK_TRANSACTION_STATE,
          { tranStateTableOffset: String(half.queueOffset), commitLogOffset: String(commitLogOffset), msgId: props['UNIQ_KEY'] ?? '', transactionId: props['UNIQ_KEY'] ?? '' },
          body,
        ),
      );
      const conn = { remoteAddress: this.addr, invokeOneway: async (c: RemotingCommand) => void (await this.handle(c, half.from)) } as unknown as RemotingConnection;
      void half.from.deliver(cmd, conn);
    }
  }

  private notifyGroup(group: string): void {
    for (const t of this.groups.get(group)?.values() ?? []) {
      void t.deliver(markOneway(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { consumerGroup: group })));
    }
  }

  route(topic: string): { brokerName: string; queues: number } | undefined {
    const n = this.topics.get(topic);
    return n === undefined ? undefined : { brokerName: this.brokerName, queues: n };
  }
}

export class FakeCluster {
  readonly brokers: FakeBroker[] = [];
  autoCreate = true;
  zeroIfNotFound = true;
  failSendBack = false;
  /** Requests seen, by code. */
  readonly requestCounts = new Map<number, number>();
  readonly transports = new Set<FakeTransport>();

  addBroker(name: string, port: number): FakeBroker {
    const b = new FakeBroker(this, name, `127.0.0.1:${port}`);
    this.brokers.push(b);
    return b;
  }

  createTopic(topic: string, queuesPerBroker: number): void {
    for (const b of this.brokers) b.createTopic(topic, queuesPerBroker);
  }

  count(topic: string): number {
    return this.brokers.reduce((n, b) => n + b.count(topic), 0);
  }

  transport(): FakeTransport {
    const t = new FakeTransport(this);
    this.transports.add(t);
    return t;
  }

  handleNamesrv(req: RemotingCommand): RemotingCommand {
    if (req.code !== RequestCode.GET_ROUTEINFO_BY_TOPIC) return createResponse(req, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    const { topic } = GetRouteInfoRequestHeader.decode(req.extFields);
    const route: TopicRouteData = { queueDatas: [], brokerDatas: [], filterServerTable: {} };
    for (const b of this.brokers) {
      const r = b.route(topic);
      if (!r) continue;
      route.queueDatas.push({ brokerName: b.brokerName, readQueueNums: r.queues, writeQueueNums: r.queues, perm: 6, topicSysFlag: 0 });
      route.brokerDatas.push({ cluster: 'DefaultCluster', brokerName: b.brokerName, brokerAddrs: { '0': b.addr } });
    }
    if (route.queueDatas.length === 0) return createResponse(req, ResponseCode.TOPIC_NOT_EXIST, `No topic route info in name server for the topic: ${topic}`);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(JSON.stringify(route)));
  }
}

/** One client's "connections": routes requests to the fake servers and receives their callbacks. */
export class FakeTransport implements ClientTransport {
  clientId = '';
  closed = false;
  private readonly handlers = new Map<number, RequestHandler>();

  constructor(private readonly cluster: FakeCluster) {}

  async invoke(addr: string, cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    if (this.closed) throw new Error('transport closed');
    this.cluster.requestCounts.set(cmd.code, (this.cluster.requestCounts.get(cmd.code) ?? 0) + 1);
    await Promise.resolve();
    if (addr === FAKE_NAMESRV) return this.cluster.handleNamesrv(cmd);
    const broker = this.cluster.brokers.find((b) => b.addr === addr);
    if (!broker) throw new Error(`connect to ${addr} failed`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`wait response on ${addr} timeout ${timeoutMs}ms`)), timeoutMs);
    });
    try {
      const res = await Promise.race([broker.handle(cmd, this).then((r) => r ?? new Promise<never>(() => undefined)), timeout]);
      if (this.closed) throw new Error('transport closed');
      return res;
    } finally {
      clearTimeout(timer);
    }
  }

  async invokeOneway(addr: string, cmd: RemotingCommand): Promise<void> {
    if (this.closed) throw new Error('transport closed');
    this.cluster.requestCounts.set(cmd.code, (this.cluster.requestCounts.get(cmd.code) ?? 0) + 1);
    const broker = this.cluster.brokers.find((b) => b.addr === addr);
    if (broker) void broker.handle(cmd, this);
  }

  registerProcessor(code: number, handler: RequestHandler): void {
    this.handlers.set(code, handler);
  }

  /** A server -> client request; resolves with the client's answer (null for oneway / no handler). */
  async deliver(cmd: RemotingCommand, conn: RemotingConnection = {} as RemotingConnection): Promise<RemotingCommand | null> {
    if (this.closed) return null;
    const h = this.handlers.get(cmd.code);
    return h ? await h(cmd, conn) : null;
  }

  shutdown(): void {
    this.closed = true;
    this.cluster.transports.delete(this);
    // Brokers forget this client's memberships, as on a closed channel.
    for (const b of this.cluster.brokers) {
      for (const [group, g] of b.groups) {
        for (const [id, t] of g) {
          if (t === this) {
            g.delete(id);
            for (const other of g.values()) void other.deliver(markOneway(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { consumerGroup: group })));
          }
        }
      }
    }
  }
}
