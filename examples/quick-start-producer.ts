/**
 * Quick start: send five messages with a tag and a key (RocketMQ's quick-start Producer, in TypeScript).
 *
 *   npm start                                   # name server + broker in another terminal
 *   npm run build && node dist/examples/quick-start-producer.js
 *
 * In your own project: import { DefaultMQProducer, Message } from 'rocketmq-ts';
 */
import { DefaultMQProducer, Message } from '../src/index.js';

const namesrvAddr = process.env.NAMESRV_ADDR ?? '127.0.0.1:9876';
const topic = process.env.TOPIC ?? 'TopicTest';

const producer = new DefaultMQProducer({ producerGroup: 'please_rename_unique_group_name', namesrvAddr });
await producer.start();
try {
  for (let i = 0; i < 5; i++) {
    const msg = new Message(topic, `Hello RocketMQ ${i}`, { tags: 'TagA', keys: `OrderID${String(i).padStart(3, '0')}` });
    const result = await producer.send(msg);
    console.log(`SendResult [sendStatus=${result.sendStatus}, msgId=${result.msgId}, offsetMsgId=${result.offsetMsgId}, messageQueue=${result.messageQueue}, queueOffset=${result.queueOffset}]`);
  }
} finally {
  await producer.shutdown();
}
