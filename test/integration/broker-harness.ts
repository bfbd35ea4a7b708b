/**
 * Helpers for broker integration tests: a broker on 127.0.0.1 port 0 over a real store in a temp
 * dir, and a raw remoting client that builds requests with the protocol headers.
 */
import { BrokerController } from '../../src/broker/broker-controller.js';
import { loadBrokerConfig, type BrokerConfig } from '../../src/broker/broker-config.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest, markOneway, type RemotingCommand } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { SendMessageRequestHeader, SendMessageRequestHeaderV2 } from '../../src/protocol/headers/send-message.js';
import { PullMessageRequestHeader } from '../../src/protocol/headers/pull-message.js';
import { encodeProperties } from '../../src/message/properties.js';
import { decodeRecords, type MessageExt } from '../../src/message/message-record.js';
import { tempDir } from '../support/paths.js';

export interface TestBroker {
  broker: BrokerController;
  addr: string;
  dir: string;
  client: RemotingClient;
  stop(): Promise<void>;
  /** Stops the broker (keeping its dir) and starts a new one over the same dir. */
  restart(overrides?: Record<string, unknown>): Promise<void>;
  call(code: number, ext?: Record<string, string>, body?: Buffer, timeoutMs?: number): Promise<RemotingCommand>;
}

export const SMALL_STORE = {
  mappedFileSizeCommitLog: 4 * 1024 * 1024,
  mappedFileSizeConsumeQueue: 6000 * 20,
  maxHashSlotNum: 1000,
  maxIndexNum: 4000,
  flushIntervalCommitLog: 200,
};

export async function startBroker(overrides: Record<string, unknown> = {}, existingDir?: string): Promise<TestBroker> {
  const td = existingDir ? { dir: existingDir, cleanup: () => undefined } : tempDir('rmq-broker-');
  const make = (o: Record<string, unknown>): BrokerConfig =>
    loadBrokerConfig(undefined, { namesrvAddr: '', brokerIP1: '127.0.0.1', listenPort: 0, storePathRootDir: td.dir, ...SMALL_STORE, ...o });
  let broker = new BrokerController(make(overrides), { host: '127.0.0.1' });
  let { port } = await broker.start();
  const client = new RemotingClient();
  const t: TestBroker = {
    broker,
    addr: `127.0.0.1:${port}`,
    dir: td.dir,
    client,
    async stop() {
      client.close();
      await t.broker.shutdown();
      td.cleanup();
    },
    async restart(o = {}) {
      await t.broker.shutdown();
      client.closeConnection(t.addr);
      broker = new BrokerController(make({ ...overrides, ...o }), { host: '127.0.0.1' });
      ({ port } = await broker.start());
      t.broker = broker;
      t.addr = `127.0.0.1:${port}`;
    },
    call(code, ext = {}, body, timeoutMs = 5000) {
      return client.invoke(t.addr, createRequest(code, ext, body), timeoutMs);
    },
  };
  return t;
}

export interface SendOptions {
  tags?: string;
  keys?: string;
  props?: Record<string, string>;
  queueId?: number;
  v1?: boolean;
  producerGroup?: string;
  defaultTopicQueueNums?: number;
  reconsumeTimes?: number;
  maxReconsumeTimes?: number;
}

export function sendRequest(topic: string, body: Buffer | string, o: SendOptions = {}): RemotingCommand {
  const props: Record<string, string> = { ...(o.props ?? {}) };
  if (o.tags) props.TAGS = o.tags;
  if (o.keys) props.KEYS = o.keys;
  const header = {
    producerGroup: o.producerGroup ?? 'PG',
    topic,
    defaultTopic: 'TBW102',
    defaultTopicQueueNums: o.defaultTopicQueueNums ?? 4,
    queueId: o.queueId ?? 0,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    flag: 0,
    properties: encodeProperties(props),
    reconsumeTimes: o.reconsumeTimes,
    maxReconsumeTimes: o.maxReconsumeTimes,
  };
  const ext = o.v1 ? SendMessageRequestHeader.encode(header) : SendMessageRequestHeaderV2.encode(header);
  return createRequest(o.v1 ? RequestCode.SEND_MESSAGE : RequestCode.SEND_MESSAGE_V2, ext, Buffer.isBuffer(body) ? body : Buffer.from(body));
}

export function send(t: TestBroker, topic: string, body: Buffer | string, o: SendOptions = {}): Promise<RemotingCommand> {
  return t.client.invoke(t.addr, sendRequest(topic, body, o), 5000);
}

export function sendOneway(t: TestBroker, topic: string, body: string, o: SendOptions = {}): Promise<void> {
  return t.client.invokeOneway(t.addr, markOneway(sendRequest(topic, body, o)));
}

export interface PullOptions {
  group?: string;
  maxMsgNums?: number;
  sysFlag?: number;
  subscription?: string;
  suspendTimeoutMillis?: number;
  commitOffset?: number;
  timeoutMs?: number;
}

export function pull(t: TestBroker, topic: string, queueId: number, queueOffset: number, o: PullOptions = {}): Promise<RemotingCommand> {
  const ext = PullMessageRequestHeader.encode({
    consumerGroup: o.group ?? 'CG',
    topic,
    queueId,
    queueOffset,
    maxMsgNums: o.maxMsgNums ?? 32,
    sysFlag: o.sysFlag ?? 0x4,
    commitOffset: o.commitOffset ?? 0,
    suspendTimeoutMillis: o.suspendTimeoutMillis ?? 0,
    subscription: o.subscription ?? '*',
    subVersion: 0,
    expressionType: 'TAG',
  });
  return t.client.invoke(t.addr, createRequest(RequestCode.PULL_MESSAGE, ext), o.timeoutMs ?? 5000);
}

export function records(res: RemotingCommand): MessageExt[] {
  return res.body && res.body.length ? decodeRecords(res.body) : [];
}

export function heartbeatBody(clientID: string, consumerGroup?: string, topics: Record<string, string> = {}, producerGroup?: string): Buffer {
  const subscriptionDataSet = Object.entries(topics).map(([topic, subString]) => ({
    topic,
    subString,
    tagsSet: subString === '*' ? [] : subString.split('||').map((s) => s.trim()),
    codeSet: [],
    subVersion: Date.now(),
    expressionType: 'TAG',
    classFilterMode: false,
  }));
  return Buffer.from(
    JSON.stringify({
      clientID,
      producerDataSet: producerGroup ? [{ groupName: producerGroup }] : [],
      consumerDataSet: consumerGroup
        ? [{ groupName: consumerGroup, consumeType: 'CONSUME_PASSIVELY', messageModel: 'CLUSTERING', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', unitMode: false, subscriptionDataSet }]
        : [],
    }),
  );
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs: number, stepMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
