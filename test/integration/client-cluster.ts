/**
 * A name server and N brokers on 127.0.0.1 (ephemeral ports, temp dirs) for client integration tests.
 */
import { join } from 'node:path';
import { NamesrvController } from '../../src/namesrv/namesrv-controller.js';
import { BrokerController } from '../../src/broker/broker-controller.js';
import { loadBrokerConfig } from '../../src/broker/broker-config.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { MQClientAPI } from '../../src/client/mq-client-api.js';
import { tempDir } from '../support/paths.js';
import { SMALL_STORE } from './broker-harness.js';

export interface ClusterBroker {
  name: string;
  controller: BrokerController;
  port: number;
  dir: string;
  running: boolean;
}

export interface TestCluster {
  namesrvAddr: string;
  namesrv: NamesrvController;
  brokers: ClusterBroker[];
  /** Stops a broker (its data stays). */
  stopBroker(i: number): Promise<void>;
  /** Starts a stopped broker again on the same port over the same data. */
  startBroker(i: number): Promise<void>;
  /** Creates `topic` with `queues` read/write queues on every running broker and waits for its route. */
  createTopic(topic: string, queues: number): Promise<void>;
  /** Waits until the name server has a route for `topic` with `brokers` brokers. */
  waitRoute(topic: string, brokers?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startCluster(o: { brokers?: number; broker?: Record<string, unknown> } = {}): Promise<TestCluster> {
  const td = tempDir('rmq-client-it-');
  const namesrv = new NamesrvController({
    listenPort: 0,
    host: '127.0.0.1',
    kvConfigPath: join(td.dir, 'namesrv', 'kvConfig.json'),
    configStorePath: join(td.dir, 'namesrv', 'namesrv.properties'),
  });
  const { port: nsPort } = await namesrv.start();
  const namesrvAddr = `127.0.0.1:${nsPort}`;
  const n = o.brokers ?? 1;
  const brokers: ClusterBroker[] = [];
  // A restarted broker keeps its ports: the HA port it had (listenPort + 1 may belong to another socket).
  const make = (i: number, port: number, haListenPort?: number): BrokerController =>
    new BrokerController(
      loadBrokerConfig(undefined, {
        namesrvAddr,
        brokerName: `broker-${String.fromCharCode(97 + i)}`,
        brokerIP1: '127.0.0.1',
        listenPort: port,
        ...(haListenPort === undefined ? {} : { haListenPort }),
        storePathRootDir: join(td.dir, `broker-${i}`),
        ...SMALL_STORE,
        ...o.broker,
      }),
      { host: '127.0.0.1' },
    );
  for (let i = 0; i < n; i++) {
    const controller = make(i, 0);
    const { port } = await controller.start();
    brokers.push({ name: `broker-${String.fromCharCode(97 + i)}`, controller, port, dir: join(td.dir, `broker-${i}`), running: true });
  }
  const rc = new RemotingClient();
  const api = new MQClientAPI(rc);
  api.updateNameServerAddressList([namesrvAddr]);
  const cluster: TestCluster = {
    namesrvAddr,
    namesrv,
    brokers,
    async stopBroker(i) {
      const b = brokers[i]!;
      if (!b.running) return;
      b.running = false;
      await b.controller.shutdown();
    },
    async startBroker(i) {
      const b = brokers[i]!;
      if (b.running) return;
      b.controller = make(i, b.port, b.controller.config.haListenPort);
      await b.controller.start();
      b.running = true;
    },
    async createTopic(topic, queues) {
      for (const b of brokers) {
        if (!b.running) continue;
        b.controller.topicConfigManager.updateTopicConfig({ topicName: topic, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false });
      }
      await cluster.waitRoute(topic, brokers.filter((b) => b.running).length);
    },
    async waitRoute(topic, want = n, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        try {
          const r = await api.getTopicRouteInfoFromNameServer(topic, 1000);
          if (r.brokerDatas.length >= want) return;
        } catch {
          // not registered yet
        }
        if (Date.now() > end) throw new Error(`no route for ${topic} on ${want} broker(s) within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      rc.shutdown();
      for (const b of brokers) if (b.running) await b.controller.shutdown().catch(() => undefined);
      await namesrv.shutdown();
      td.cleanup();
    },
  };
  await cluster.waitRoute('TBW102', n);
  return cluster;
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
