/**
 * `rmq produce`: sends a few messages through the client SDK (DefaultMQProducer) for a quick
 * trial, one result line per message (or one JSON line each with --json).
 */
import { DefaultMQProducer } from '../client/producer.js';
import { Message } from '../client/message.js';
import { parseIntArg, requireArg, UsageError } from '../admin/args.js';
import { resolveNamesrvAddr } from '../admin/admin-client.js';
import { toJsonLine } from './format.js';
import { reportError } from './util.js';

export interface ProduceOptions {
  topic?: string;
  namesrvAddr?: string;
  body?: string;
  tags?: string;
  keys?: string;
  count?: string;
  group?: string;
  delay?: string;
  json?: boolean;
}

export async function runProduce(opts: ProduceOptions): Promise<number> {
  const json = opts.json === true;
  let producer: DefaultMQProducer | undefined;
  try {
    const topic = requireArg('-t', opts.topic);
    const namesrvAddr = resolveNamesrvAddr(opts.namesrvAddr);
    const count = parseIntArg('-c', opts.count, 1);
    if (count < 1) throw new UsageError('-c must be at least 1');
    const delayTimeLevel = opts.delay === undefined ? undefined : parseIntArg('--delay', opts.delay);
    producer = new DefaultMQProducer({ producerGroup: opts.group ?? 'rmq-cli-producer', namesrvAddr });
    await producer.start();
    const body = opts.body ?? 'Hello RocketMQ';
    for (let i = 0; i < count; i++) {
      // With several messages, number the bodies so they can be told apart when consumed.
      const text = count > 1 ? `${body} ${i}` : body;
      const msg = new Message(topic, text, { tags: opts.tags, keys: opts.keys, delayTimeLevel });
      const r = await producer.send(msg);
      if (json) {
        process.stdout.write(
          toJsonLine({
            sendStatus: r.sendStatus,
            msgId: r.msgId,
            offsetMsgId: r.offsetMsgId,
            topic: r.messageQueue.topic,
            brokerName: r.messageQueue.brokerName,
            queueId: r.messageQueue.queueId,
            queueOffset: r.queueOffset,
          }) + '\n',
        );
      } else {
        process.stdout.write(
          `${r.sendStatus} msgId=${r.msgId} offsetMsgId=${r.offsetMsgId} queue=${r.messageQueue.brokerName}:${r.messageQueue.queueId} queueOffset=${r.queueOffset}\n`,
        );
      }
    }
    return 0;
  } catch (err) {
    return reportError('produce', err, json);
  } finally {
    await producer?.shutdown().catch(() => undefined);
  }
}
