/**
 * AsyncTraceDispatcher: collects trace records from the send/consume hooks and writes them, batched,
 * as messages to the trace topic through an internal producer (group `_INNER_TRACE_PRODUCER-<group>`).
 * Records wait at most `flushIntervalMs` (default 50 ms) or until a batch reaches `maxBatchBytes`
 * (default 128 KiB, below the broker's 4 MiB limit); at most `maxQueued` (default 20 000) records wait,
 * beyond that new ones are dropped (counted), so tracing never blocks or grows the application's memory
 * without bound. Trace sends are never traced themselves.
 */
import { componentLogger } from '../../common/logger.js';
import { Message } from '../message.js';
import { DefaultMQProducer } from '../producer.js';
import type { ClientConfig } from '../client-config.js';
import { encodeTraceRecord, traceKeys, TRACE_PRODUCER_GROUP_PREFIX, TRACE_TOPIC_DEFAULT, type TraceRecord } from './trace-data.js';

const log = componentLogger('client');

export interface TraceDispatcherOptions {
  /** The traced client's group (names the internal producer). */
  group: string;
  traceTopic?: string;
  clientConfig: ClientConfig;
  flushIntervalMs?: number;
  maxBatchBytes?: number;
  maxQueued?: number;
}

export class AsyncTraceDispatcher {
  readonly traceTopic: string;
  readonly producer: DefaultMQProducer;
  private queue: TraceRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly flushIntervalMs: number;
  private readonly maxBatchBytes: number;
  private readonly maxQueued: number;
  dropped = 0;
  sent = 0;

  constructor(o: TraceDispatcherOptions) {
    this.traceTopic = o.traceTopic || TRACE_TOPIC_DEFAULT;
    this.flushIntervalMs = o.flushIntervalMs ?? 50;
    this.maxBatchBytes = o.maxBatchBytes ?? 128 * 1024;
    this.maxQueued = o.maxQueued ?? 20_000;
    const { enableMsgTrace: _e, customizedTraceTopic: _t, ...cc } = o.clientConfig as ClientConfig & { enableMsgTrace?: boolean; customizedTraceTopic?: string };
    // Its own client instance, as Apache's trace producer has: trace traffic never shares the app's sends.
    this.producer = new DefaultMQProducer({ ...cc, instanceName: `trace-${process.pid}-${o.group}`, producerGroup: `${TRACE_PRODUCER_GROUP_PREFIX}-${o.group}`.replace(/[^%A-Za-z0-9_-]/g, '_'), sendMsgTimeout: 5000, retryTimesWhenSendFailed: 1 });
  }

  async start(): Promise<void> {
    await this.producer.start();
    this.timer = setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref?.();
  }

  append(r: TraceRecord): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push(r);
  }

  /** Writes everything queued so far. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.queue.length === 0) return Promise.resolve();
    this.flushing = this.doFlush().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async doFlush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      let body = '';
      let keys = new Set<string>();
      const sends: Array<Promise<unknown>> = [];
      const emit = () => {
        if (!body) return;
        const m = new Message(this.traceTopic, Buffer.from(body, 'utf8'));
        m.keys = [...keys].join(' ');
        sends.push(this.producer.send(m).then(() => this.sent++, (e: unknown) => log.warn({ err: e, topic: this.traceTopic }, 'trace send failed, records lost')));
        body = '';
        keys = new Set();
      };
      for (const r of batch) {
        const rec = encodeTraceRecord(r);
        if (body.length + rec.length > this.maxBatchBytes) emit();
        body += rec;
        for (const k of traceKeys(r)) if (k) keys.add(k);
      }
      emit();
      await Promise.all(sends);
    }
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch(() => undefined);
    await this.producer.shutdown();
  }
}
