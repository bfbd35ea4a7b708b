/**
 * Pulling at your own pace with DefaultLitePullConsumer and `for await`. Offsets are committed
 * automatically every 5 s (autoCommit) and on shutdown. Ctrl-C stops it.
 *
 *   npm run build && node dist/examples/lite-pull-consumer.js
 */
import { DefaultLitePullConsumer } from '../src/index.js';

const consumer = new DefaultLitePullConsumer({
  consumerGroup: 'lite_pull_consumer_test',
  namesrvAddr: process.env.NAMESRV_ADDR ?? '127.0.0.1:9876',
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
});
consumer.subscribe(process.env.TOPIC ?? 'TopicTest', '*');
await consumer.start();
process.once('SIGINT', () => void consumer.shutdown());

for await (const msgs of consumer) {
  for (const m of msgs) console.log(`${m.brokerName}:${m.queueId}@${m.queueOffset} ${m.msgId} ${m.body.toString()}`);
}
console.log('stopped');
