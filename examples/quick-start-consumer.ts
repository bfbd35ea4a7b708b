/**
 * Quick start: a concurrent push consumer (RocketMQ's quick-start Consumer, in TypeScript). The first
 * delivery of the message keyed OrderID002 fails on purpose; the broker redelivers it through the
 * group's retry topic (after 10 s with the default delay levels) and the consumer prints its
 * reconsume count. Ctrl-C stops it cleanly (offsets are committed on shutdown).
 *
 *   npm run build && node dist/examples/quick-start-consumer.js
 *
 * In your own project: import { DefaultMQPushConsumer } from 'rocketmq-ts';
 */
import { DefaultMQPushConsumer } from '../src/index.js';

const namesrvAddr = process.env.NAMESRV_ADDR ?? '127.0.0.1:9876';
const topic = process.env.TOPIC ?? 'TopicTest';

const consumer = new DefaultMQPushConsumer({
  consumerGroup: 'please_rename_unique_group_name_4',
  namesrvAddr,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
});
consumer.subscribe(topic, 'TagA || TagB');
consumer.registerMessageListener(async (msgs) => {
  for (const m of msgs) {
    console.log(`Receive New Message: msgId=${m.msgId} keys=${m.keys} tags=${m.tags} reconsumeTimes=${m.reconsumeTimes} body=${m.body.toString()}`);
    if (m.keys === 'OrderID002' && m.reconsumeTimes === 0) {
      console.log(`Failing ${m.msgId} once, it will be redelivered`);
      return 'RECONSUME_LATER';
    }
  }
  return 'CONSUME_SUCCESS';
});
await consumer.start();
console.log('Consumer Started.');

const stop = async (): Promise<void> => {
  await consumer.shutdown();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
