/**
 * Maps keyed by MessageQueue (TopicStatsTable, ConsumeStats): fastjson writes them with object keys,
 * which `parseFastjson` returns as a `Map`. These helpers turn that into typed entry arrays and back.
 * Input may also be a plain object (an empty map, or a peer that wrote quoted JSON keys).
 */
import { FastjsonSyntaxError, parseFastjson } from './fastjson.js';
import type { ConsumeStats, MessageQueue, OffsetWrapper, TopicOffset, TopicStatsTable } from './types.js';

function toMessageQueue(k: unknown): MessageQueue {
  let o = k;
  if (typeof k === 'string') {
    try {
      o = JSON.parse(k);
    } catch {
      throw new FastjsonSyntaxError(`bad MessageQueue key ${JSON.stringify(k)}`, 0);
    }
  }
  const mq = o as Partial<MessageQueue> | null;
  if (mq === null || typeof mq !== 'object' || typeof mq.topic !== 'string' || typeof mq.brokerName !== 'string') {
    throw new FastjsonSyntaxError(`bad MessageQueue key ${JSON.stringify(k)}`, 0);
  }
  return { topic: mq.topic, brokerName: mq.brokerName, queueId: Number(mq.queueId ?? 0) };
}

/** Entries of a MessageQueue-keyed map, from a parsed body's field. */
export function messageQueueEntries<V>(raw: unknown): Array<[MessageQueue, V]> {
  if (raw === undefined || raw === null) return [];
  if (raw instanceof Map) return [...raw].map(([k, v]) => [toMessageQueue(k), v as V]);
  if (typeof raw === 'object') return Object.entries(raw as Record<string, unknown>).map(([k, v]) => [toMessageQueue(k), v as V]);
  throw new FastjsonSyntaxError('expected a MessageQueue map', 0);
}

/** A Map with MessageQueue object keys, ready for `toFastjson`. */
export function messageQueueMap<V>(entries: Iterable<[MessageQueue, V]>): Map<MessageQueue, V> {
  const m = new Map<MessageQueue, V>();
  for (const [mq, v] of entries) m.set({ brokerName: mq.brokerName, queueId: mq.queueId, topic: mq.topic }, v);
  return m;
}

export function parseTopicStatsTable(body: Buffer | string): TopicStatsTable {
  const o = parseFastjson(body) as Record<string, unknown>;
  const out: TopicStatsTable = { offsetTable: messageQueueEntries<TopicOffset>(o['offsetTable']) };
  if (typeof o['topicPutTps'] === 'number') out.topicPutTps = o['topicPutTps'];
  return out;
}

export function topicStatsTableJson(t: TopicStatsTable): unknown {
  return { offsetTable: messageQueueMap(t.offsetTable), topicPutTps: t.topicPutTps };
}

export function parseConsumeStats(body: Buffer | string): ConsumeStats {
  const o = parseFastjson(body) as Record<string, unknown>;
  return {
    offsetTable: messageQueueEntries<OffsetWrapper>(o['offsetTable']),
    consumeTps: typeof o['consumeTps'] === 'number' ? o['consumeTps'] : 0,
  };
}

export function consumeStatsJson(s: ConsumeStats): unknown {
  return { offsetTable: messageQueueMap(s.offsetTable), consumeTps: s.consumeTps };
}
