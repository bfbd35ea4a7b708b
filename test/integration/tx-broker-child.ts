/**
 * Child process for tx-crash.test.ts: a broker over argv[2] on port argv[3] (0 = any) registering with
 * the name server argv[4], with fast transaction checks. Prints "port <n>" once it listens; the parent
 * kills it with SIGKILL.
 */
import { BrokerController } from '../../src/broker/broker-controller.js';
import { loadBrokerConfig } from '../../src/broker/broker-config.js';
import { SMALL_STORE } from './broker-harness.js';

const [dir, port, namesrvAddr] = process.argv.slice(2);
const broker = new BrokerController(
  loadBrokerConfig(undefined, {
    namesrvAddr: namesrvAddr!,
    brokerIP1: '127.0.0.1',
    listenPort: Number(port),
    // No slaves here: an ephemeral HA port, so a restart on the same listenPort never meets a taken listenPort + 1.
    haListenPort: 0,
    storePathRootDir: dir!,
    ...SMALL_STORE,
    transactionCheckInterval: 200,
    transactionTimeOut: 500,
    registerNameServerPeriod: 1000,
  }),
  { host: '127.0.0.1' },
);
const r = await broker.start();
broker.topicConfigManager.updateTopicConfig({ topicName: 'TxCrashTopic', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
process.stdout.write(`port ${r.port}\n`);
