/** A queue of a topic on one broker: the unit of load balancing and of consumer offsets. */
export class MessageQueue {
  constructor(
    readonly topic: string,
    readonly brokerName: string,
    readonly queueId: number,
  ) {}

  /** A stable map key. */
  get key(): string {
    return `${this.topic}@${this.brokerName}@${this.queueId}`;
  }

  /** Java's MessageQueue.toString(); consistent-hash allocation hashes this exact text. */
  toString(): string {
    return `MessageQueue [topic=${this.topic}, brokerName=${this.brokerName}, queueId=${this.queueId}]`;
  }

  equals(o: MessageQueue): boolean {
    return this.topic === o.topic && this.brokerName === o.brokerName && this.queueId === o.queueId;
  }

  toJSON(): { topic: string; brokerName: string; queueId: number } {
    return { topic: this.topic, brokerName: this.brokerName, queueId: this.queueId };
  }

  static from(o: { topic: string; brokerName: string; queueId: number }): MessageQueue {
    return new MessageQueue(o.topic, o.brokerName, Number(o.queueId));
  }
}

/** Java's MessageQueue.compareTo: topic, then broker name, then queue id. */
export function compareMessageQueue(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}
