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

/** Hash of the argument's string form (Java hashCode of String(arg)) modulo the queue count. */
export class SelectMessageQueueByHash implements MessageQueueSelectorObject {
  select(mqs: MessageQueue[], _msg: Message, arg: unknown): MessageQueue {
    const h = typeof arg === 'number' && Number.isInteger(arg) ? arg | 0 : javaStringHashCode(String(arg));
    return mqs[Math.abs(h % mqs.length)]!;
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
