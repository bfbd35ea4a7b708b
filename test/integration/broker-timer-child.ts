/**
 * Child process for broker-timer-crash.test.ts: runs a broker over the directory given as argv[2] and
 * prints "port <n>" once it listens. The parent sends timer messages to it and kills it with SIGKILL.
 */
import { BrokerController } from '../../src/broker/broker-controller.js';
import { loadBrokerConfig } from '../../src/broker/broker-config.js';
import { SMALL_STORE } from './broker-harness.js';

const dir = process.argv[2]!;
const broker = new BrokerController(
  loadBrokerConfig(undefined, { namesrvAddr: '', brokerIP1: '127.0.0.1', listenPort: 0, storePathRootDir: dir, ...SMALL_STORE, timerFlushIntervalMs: 200 }),
  { host: '127.0.0.1' },
);
const { port } = await broker.start();
broker.topicConfigManager.updateTopicConfig({ topicName: 'TimerCrashTopic', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
process.stdout.write(`port ${port}\n`);
