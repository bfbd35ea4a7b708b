/**
 * Child process of client-crash.test: a push consumer member of group argv[4] on topic argv[3]
 * (name server argv[2]) that prints "READY" once it owns queues and one "GOT <body>" line per
 * message, consuming slowly, until it is killed.
 */
import { DefaultMQPushConsumer } from '../../src/index.js';

const [namesrvAddr, topic, group] = process.argv.slice(2) as [string, string, string];
const consumer = new DefaultMQPushConsumer({
  consumerGroup: group,
  namesrvAddr,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  pollNameServerInterval: 500,
  persistConsumerOffsetInterval: 200,
  consumeThreadMax: 1,
});
consumer.subscribe(topic, '*');
consumer.registerMessageListener(async (msgs) => {
  for (const m of msgs) process.stdout.write(`GOT ${m.body.toString()}\n`);
  await new Promise((r) => setTimeout(r, 5));
});
await consumer.start();
const timer = setInterval(() => {
  if (consumer.ownedMessageQueues(topic).length > 0) {
    process.stdout.write('READY\n');
    clearInterval(timer);
  }
}, 20);
