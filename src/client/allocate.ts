/**
 * Queue allocation strategies for clustering consumers (AllocateMessageQueueStrategy). Every member
 * of a group runs the same function over the same sorted inputs, so each queue gets exactly one owner
 * without any coordination. Results match Apache RocketMQ's strategies queue for queue.
 */
import { createHash } from 'node:crypto';
import type { MessageQueue } from './message-queue.js';

export interface AllocateMessageQueueStrategy {
  /** RocketMQ's strategy name (reported in consumer running info). */
  readonly name: string;
  /**
   * Queues owned by `currentCID`. `mqAll` and `cidAll` must be sorted identically on every member
   * (the rebalancer sorts them); returns [] when `currentCID` is not in `cidAll`.
   */
  allocate(consumerGroup: string, currentCID: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): MessageQueue[];
}

/** Contiguous blocks: the first `mq % cid` members get one extra queue. */
export class AllocateMessageQueueAveragely implements AllocateMessageQueueStrategy {
  readonly name = 'AVG';
  allocate(_group: string, currentCID: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): MessageQueue[] {
    const index = cidAll.indexOf(currentCID);
    if (index < 0 || mqAll.length === 0) return [];
    const mod = mqAll.length % cidAll.length;
    const averageSize =
      mqAll.length <= cidAll.length
        ? 1
        : mod > 0 && index < mod
          ? Math.floor(mqAll.length / cidAll.length) + 1
          : Math.floor(mqAll.length / cidAll.length);
    const startIndex = mod > 0 && index < mod ? index * averageSize : index * averageSize + mod;
    const range = Math.min(averageSize, mqAll.length - startIndex);
    const out: MessageQueue[] = [];
    for (let i = 0; i < range; i++) out.push(mqAll[(startIndex + i) % mqAll.length]!);
    return out;
  }
}

/** Round robin: member i gets queues i, i + n, i + 2n, ... */
export class AllocateMessageQueueAveragelyByCircle implements AllocateMessageQueueStrategy {
  readonly name = 'AVG_BY_CIRCLE';
  allocate(_group: string, currentCID: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): MessageQueue[] {
    const index = cidAll.indexOf(currentCID);
    if (index < 0) return [];
    const out: MessageQueue[] = [];
    for (let i = index; i < mqAll.length; i += cidAll.length) out.push(mqAll[i]!);
    return out;
  }
}

/** Java's MD5Hash: the first four digest bytes as an unsigned big-endian number. */
function md5Hash(key: string): number {
  return createHash('md5').update(key, 'utf8').digest().readUInt32BE(0);
}

/**
 * Consistent hashing on a ring of `virtualNodeCnt` virtual nodes per member (keys `cid-i`); each queue
 * (hashed by its Java toString) belongs to the first virtual node at or after its hash, wrapping.
 * Membership changes move only the queues of the member that came or went.
 */
export class AllocateMessageQueueConsistentHash implements AllocateMessageQueueStrategy {
  readonly name = 'CONSISTENT_HASH';
  constructor(readonly virtualNodeCnt = 10) {
    if (virtualNodeCnt < 1) throw new RangeError('virtualNodeCnt must be >= 1');
  }

  allocate(_group: string, currentCID: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): MessageQueue[] {
    if (!cidAll.includes(currentCID)) return [];
    // A TreeMap keyed by hash: a later node with the same hash replaces the earlier one, as put() does.
    const ringMap = new Map<number, string>();
    for (const cid of cidAll) {
      for (let i = 0; i < this.virtualNodeCnt; i++) ringMap.set(md5Hash(`${cid}-${i}`), cid);
    }
    const ring = [...ringMap.entries()].sort((a, b) => a[0] - b[0]);
    const out: MessageQueue[] = [];
    for (const mq of mqAll) {
      const h = md5Hash(mq.toString());
      // First ring position >= h (binary search), wrapping to the start.
      let lo = 0;
      let hi = ring.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ring[mid]![0] < h) lo = mid + 1;
        else hi = mid;
      }
      const owner = ring[lo === ring.length ? 0 : lo]![1];
      if (owner === currentCID) out.push(mq);
    }
    return out;
  }
}

/** Strategy by RocketMQ short name or class name, for configuration from strings. */
export function allocateStrategyByName(name: string): AllocateMessageQueueStrategy {
  switch (name) {
    case 'AVG':
    case 'AllocateMessageQueueAveragely':
      return new AllocateMessageQueueAveragely();
    case 'AVG_BY_CIRCLE':
    case 'AllocateMessageQueueAveragelyByCircle':
      return new AllocateMessageQueueAveragelyByCircle();
    case 'CONSISTENT_HASH':
    case 'AllocateMessageQueueConsistentHash':
      return new AllocateMessageQueueConsistentHash();
    default:
      throw new RangeError(`unknown allocate strategy ${name}`);
  }
}
