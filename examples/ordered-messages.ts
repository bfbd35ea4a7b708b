/**
 * Ordered messages: every step of an order goes to the same queue (selected by order id), and an
 * orderly consumer sees each order's steps in sequence. Ctrl-C stops it.
 *
 *   npm run build && node dist/examples/ordered-messages.js
 */
import { DefaultMQProducer, DefaultMQPushConsumer, Message, SelectMessageQueueByHash } from '../src/index.js';

const namesrvAddr = process.env.NAMESRV_ADDR ?? '127.0.0.1:9876';
const topic = process.env.TOPIC ?? 'OrderTopic';

const consumer = new DefaultMQPushConsumer({ consumerGroup: 'order_consumer_group', namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
consumer.subscribe(topic, '*');
consumer.registerMessageListenerOrderly(async (msgs, context) => {
  for (const m of msgs) console.log(`queue ${context.messageQueue.queueId}: ${m.keys} ${m.body.toString()}`);
  return 'SUCCESS';
});
await consumer.start();

const producer = new DefaultMQProducer({ producerGroup: 'order_producer_group', namesrvAddr });
await producer.start();
const selector = new SelectMessageQueueByHash();
for (const step of ['created', 'paid', 'shipped', 'delivered']) {
  for (let orderId = 1; orderId <= 3; orderId++) {
    await producer.send(new Message(topic, `order ${orderId} ${step}`, { tags: 'Order', keys: `order-${orderId}` }), selector, orderId);
  }
}
await producer.shutdown();

process.once('SIGINT', () => void consumer.shutdown().then(() => process.exit(0)));
