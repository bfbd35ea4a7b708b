/** MessageQueueSelector implementations for `producer.send(msg, selector, arg)` (ordered sends). */
import { randomInt } from 'node:crypto';
import { javaStringHashCode } from '../common/java-hash.js';
import type { Message } from './message.js';
import type { MessageQueue } from './message-queue.js';

/** Picks the queue for a message among the topic's writable queues. */
export type MessageQueueSelector = (mqs: MessageQueue[], msg: Message, arg: unknown) => MessageQueue;
export interface MessageQueueSelectorObject {
  select(mqs: MessageQueue[], msg: Message, arg: unknown): MessageQueue;
}

/** Java's hashCode of the selector argument: Integer for int32 numbers, Long for larger integers and bigints, String otherwise. */
export function javaArgHashCode(arg: unknown): number {
  if (typeof arg === 'number' && Number.isInteger(arg)) {
    if (arg >= -2147483648 && arg <= 2147483647) return arg | 0;
    arg = BigInt(arg);
  }
  if (typeof arg === 'bigint') {
    const v = BigInt.asUintN(64, arg);
    return Number(BigInt.asIntN(32, v ^ (v >> 32n)));
  }
  return javaStringHashCode(String(arg));
}

/** The argument's Java hashCode modulo the queue count, as SelectMessageQueueByHash does. */
export class SelectMessageQueueByHash implements MessageQueueSelectorObject {
  select(mqs: MessageQueue[], _msg: Message, arg: unknown): MessageQueue {
    return mqs[Math.abs(javaArgHashCode(arg) % mqs.length)]!;
  }
}

export class SelectMessageQueueByRandom implements MessageQueueSelectorObject {
  select(mqs: MessageQueue[]): MessageQueue {
    return mqs[randomInt(mqs.length)]!;
  }
}

export function toSelectorFn(s: MessageQueueSelector | MessageQueueSelectorObject): MessageQueueSelector {
  return typeof s === 'function' ? s : (mqs, msg, arg) => s.select(mqs, msg, arg);
}
