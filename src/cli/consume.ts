/**
 * `rmq consume`: a DefaultMQPushConsumer printing every message it receives (one line each, or one
 * JSON line with --json) until Ctrl-C, `-c` messages or `--seconds`.
 */
import { DefaultMQPushConsumer } from '../client/push-consumer.js';
import type { MessageExt } from '../client/message.js';
import type { ConsumeFromWhere } from '../protocol/body/types.js';
import { parseIntArg, requireArg, UsageError } from '../admin/args.js';
import { AdminClient, resolveNamesrvAddr } from '../admin/admin-client.js';
import { toJsonLine } from './format.js';
import { reportError } from './util.js';

export interface ConsumeOptions {
  topic?: string;
  group?: string;
  subExpression?: string;
  namesrvAddr?: string;
  from?: string;
  count?: string;
  seconds?: string;
  broadcast?: boolean;
  json?: boolean;
}

function fromWhere(from: string): { where: ConsumeFromWhere; timestamp?: string } {
  if (from === 'first') return { where: 'CONSUME_FROM_FIRST_OFFSET' };
  if (from === 'last') return { where: 'CONSUME_FROM_LAST_OFFSET' };
  if (/^\d{14}$/.test(from)) return { where: 'CONSUME_FROM_TIMESTAMP', timestamp: from };
  throw new UsageError(`--from must be first, last or yyyyMMddHHmmss, got "${from}"`);
}

function line(m: MessageExt, json: boolean): string {
  const o = {
    msgId: m.msgId,
    topic: m.topic,
    tags: m.tags ?? null,
    keys: m.keys ?? null,
    brokerName: m.brokerName,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    reconsumeTimes: m.reconsumeTimes,
    bornTimestamp: m.bornTimestamp,
    storeTimestamp: m.storeTimestamp,
    body: m.body.toString('utf8'),
  };
  if (json) return toJsonLine(o);
  return `msgId=${o.msgId} topic=${o.topic} tags=${o.tags ?? ''} keys=${o.keys ?? ''} queue=${o.brokerName}:${o.queueId} queueOffset=${o.queueOffset} reconsumeTimes=${o.reconsumeTimes} body=${o.body}`;
}

/**
 * RocketMQ starts a new group with CONSUME_FROM_LAST_OFFSET at offset 0 while a queue's first
 * messages are still in memory (the broker answers 0 for an unknown offset then), which is not what
 * "--from last" promises. So for a group no broker knows yet, its offsets are set to each queue's end
 * before the consumer starts; a known group resumes from its committed offsets as always.
 */
async function startNewGroupAtEnd(namesrvAddr: string, topic: string, group: string): Promise<void> {
  const admin = new AdminClient({ namesrvAddr });
  try {
    for (const b of await admin.masterBrokers()) {
      if ((await admin.getAllSubscriptionGroups(b.addr))[group]) return;
    }
    let targets;
    try {
      ({ targets } = await admin.topicMasters(topic));
    } catch {
      return; // no route yet: nothing to skip
    }
    for (const t of targets) {
      for (const o of (await admin.getTopicStats(t.addr, topic)).offsets) {
        await admin.updateConsumerOffset(t.addr, group, topic, o.mq.queueId, o.maxOffset);
      }
    }
  } finally {
    admin.close();
  }
}

export async function runConsume(opts: ConsumeOptions): Promise<number> {
  const json = opts.json === true;
  let consumer: DefaultMQPushConsumer | undefined;
  try {
    const topic = requireArg('-t', opts.topic);
    const group = requireArg('-g', opts.group);
    const namesrvAddr = resolveNamesrvAddr(opts.namesrvAddr);
    const max = opts.count === undefined ? Number.POSITIVE_INFINITY : parseIntArg('-c', opts.count);
    const seconds = opts.seconds === undefined ? undefined : parseIntArg('--seconds', opts.seconds);
    const { where, timestamp } = fromWhere(opts.from ?? 'first');
    if (where === 'CONSUME_FROM_LAST_OFFSET') await startNewGroupAtEnd(namesrvAddr, topic, group);
    consumer = new DefaultMQPushConsumer({
      consumerGroup: group,
      namesrvAddr,
      consumeFromWhere: where,
      consumeTimestamp: timestamp,
      messageModel: opts.broadcast ? 'BROADCASTING' : 'CLUSTERING',
    });
    consumer.subscribe(topic, opts.subExpression ?? '*');
    let received = 0;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    consumer.registerMessageListener(async (msgs) => {
      for (const m of msgs) {
        if (received >= max) break;
        received++;
        process.stdout.write(line(m, json) + '\n');
      }
      // Finish after this batch's result is processed, so shutdown persists its offset too.
      if (received >= max) setTimeout(finish, 50);
      return 'CONSUME_SUCCESS' as const;
    });
    await consumer.start();
    if (!json) process.stderr.write(`consuming ${topic} (${opts.subExpression ?? '*'}) as ${group}; Ctrl-C to stop\n`);
    const onSignal = (): void => finish();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const timer = seconds === undefined ? undefined : setTimeout(finish, seconds * 1000);
    await done;
    if (timer) clearTimeout(timer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    return 0;
  } catch (err) {
    return reportError('consume', err, json);
  } finally {
    // shutdown persists the offsets of what was consumed
    await consumer?.shutdown().catch(() => undefined);
  }
}
