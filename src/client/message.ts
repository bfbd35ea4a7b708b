/**
 * Client-side message types: Message (what a producer sends), MessageExt (what a consumer receives),
 * SendResult and SendStatus. Property names and semantics are RocketMQ's (MessageConst).
 */
import { PROPERTY } from '../message/message-const.js';
import type { MessageQueue } from './message-queue.js';
import { formatSocketAddress, type SocketAddress } from '../message/socket-address.js';

/** Options accepted by the Message constructor; every field maps to a RocketMQ message attribute. */
export interface MessageOptions {
  tags?: string;
  /** One key or several; several are stored space-separated in the KEYS property. */
  keys?: string | string[];
  /** User flag, stored verbatim. */
  flag?: number;
  /** User properties. */
  properties?: Record<string, string>;
  /** Delay level 1..18 (1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h). */
  delayTimeLevel?: number;
  /** WAIT property: whether the broker answers only after flush/replication (default true). */
  waitStoreMsgOK?: boolean;
}

/**
 * A message to send. Construct either Node-style `new Message(topic, body, { tags, keys })` or
 * RocketMQ-style `new Message(topic, tags, body)` / `new Message(topic, tags, keys, body)`.
 */
export class Message {
  topic: string;
  body: Buffer;
  flag = 0;
  /** All properties, system (TAGS, KEYS, UNIQ_KEY, ...) and user ones. */
  properties: Record<string, string> = {};
  /** Set for transactional messages. */
  transactionId?: string;

  constructor(topic: string, body: Buffer | string, options?: MessageOptions);
  constructor(topic: string, tags: string, body: Buffer | string);
  constructor(topic: string, tags: string, keys: string, body: Buffer | string);
  constructor(topic: string, a: Buffer | string, b?: MessageOptions | Buffer | string, c?: Buffer | string) {
    this.topic = topic;
    if (c !== undefined) {
      this.body = toBuffer(c);
      if (a) this.tags = a as string;
      if (b) this.keys = b as string;
    } else if (typeof b === 'string' || Buffer.isBuffer(b)) {
      this.body = toBuffer(b);
      if (a) this.tags = a as string;
    } else {
      this.body = toBuffer(a);
      if (b) {
        if (b.properties) for (const k of Object.keys(b.properties)) this.putUserProperty(k, b.properties[k]!);
        if (b.tags) this.tags = b.tags;
        if (b.keys !== undefined) this.keys = b.keys;
        if (b.flag !== undefined) this.flag = b.flag;
        if (b.delayTimeLevel !== undefined) this.delayTimeLevel = b.delayTimeLevel;
        if (b.waitStoreMsgOK !== undefined) this.waitStoreMsgOK = b.waitStoreMsgOK;
      }
    }
  }

  get tags(): string | undefined {
    return this.properties[PROPERTY.TAGS];
  }
  set tags(v: string | undefined) {
    this.setProp(PROPERTY.TAGS, v);
  }

  /** KEYS, space-separated when there are several. */
  get keys(): string | undefined {
    return this.properties[PROPERTY.KEYS];
  }
  set keys(v: string | string[] | undefined) {
    this.setProp(PROPERTY.KEYS, Array.isArray(v) ? v.join(' ') : v);
  }

  get delayTimeLevel(): number {
    const v = this.properties[PROPERTY.DELAY];
    return v ? Number(v) : 0;
  }
  set delayTimeLevel(level: number) {
    this.setProp(PROPERTY.DELAY, level > 0 ? String(level) : undefined);
  }

  get waitStoreMsgOK(): boolean {
    return this.properties[PROPERTY.WAIT] !== 'false';
  }
  set waitStoreMsgOK(v: boolean) {
    this.properties[PROPERTY.WAIT] = v ? 'true' : 'false';
  }

  getProperty(name: string): string | undefined {
    return this.properties[name];
  }

  putUserProperty(name: string, value: string): void {
    if (!name || value === undefined || value === null || value === '') {
      throw new TypeError('user property name and value must be non-empty strings');
    }
    this.properties[name] = String(value);
  }

  /** Properties with system keys also accessible by name. */
  putProperty(name: string, value: string): void {
    this.properties[name] = value;
  }

  clearProperty(name: string): void {
    delete this.properties[name];
  }

  private setProp(name: string, v: string | undefined): void {
    if (v === undefined || v === '') delete this.properties[name];
    else this.properties[name] = v;
  }
}

function toBuffer(b: Buffer | string): Buffer {
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
}

/** A received message: the stored record's fields plus the client-visible message id (UNIQ_KEY). */
export class MessageExt extends Message {
  /** Client message id: the UNIQ_KEY property, or the offset id when absent. */
  msgId = '';
  /** Store host + commit-log offset, hex. */
  offsetMsgId = '';
  brokerName = '';
  queueId = 0;
  queueOffset = 0;
  commitLogOffset = 0;
  storeSize = 0;
  bodyCRC = 0;
  sysFlag = 0;
  bornTimestamp = 0;
  storeTimestamp = 0;
  reconsumeTimes = 0;
  /** Producer and broker addresses as decoded; formatted to text only when read. */
  bornHostAddress: SocketAddress = NO_ADDRESS;
  storeHostAddress: SocketAddress = NO_ADDRESS;
  preparedTransactionOffset = 0;

  constructor(topic: string, body: Buffer) {
    super(topic, body);
  }

  /** "ip:port" of the producer. */
  get bornHost(): string {
    return formatSocketAddress(this.bornHostAddress);
  }

  /** "ip:port" of the broker that stored it. */
  get storeHost(): string {
    return formatSocketAddress(this.storeHostAddress);
  }
}

const NO_ADDRESS: SocketAddress = { address: '0.0.0.0', port: 0 };

/** Outcome of a stored send; failures are thrown as errors instead. */
export const SendStatus = {
  SEND_OK: 'SEND_OK',
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  FLUSH_SLAVE_TIMEOUT: 'FLUSH_SLAVE_TIMEOUT',
  SLAVE_NOT_AVAILABLE: 'SLAVE_NOT_AVAILABLE',
} as const;
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

export interface SendResult {
  sendStatus: SendStatus;
  /** Client message id (UNIQ_KEY); for a batch the ids joined by ','. */
  msgId: string;
  /** Offset message id(s) from the broker; for a batch joined by ','. */
  offsetMsgId: string;
  messageQueue: MessageQueue;
  /** Consume-queue offset (the first one for a batch). */
  queueOffset: number;
  transactionId?: string;
  regionId?: string;
  traceOn?: boolean;
}
