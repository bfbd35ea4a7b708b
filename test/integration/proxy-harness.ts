/**
 * A broker (temp store, port 0) with the gRPC proxy in local mode on an ephemeral port, for tests that
 * drive rocketmq-client-nodejs. `restart()` stops both and starts them again over the same store and on
 * the same proxy port, so connected clients reconnect.
 */
import { createRequire } from 'node:module';
import { BrokerController } from '../../src/broker/broker-controller.js';
import { loadBrokerConfig } from '../../src/broker/broker-config.js';
import { newTopicConfig } from '../../src/broker/topic-config-manager.js';
import { GrpcProxy, type ProxyConfig } from '../../src/proxy/grpc-proxy.js';
import { tempDir } from '../support/paths.js';
import { SMALL_STORE } from './broker-harness.js';

// rocketmq-client-nodejs 1.0.8's consume services create an egg-logger of their own (ignoring the
// client's logger) whose flush interval is never cleared, so a process with a PushConsumer would not
// exit. Unref that interval (tests only).
try {
  const fbt = createRequire(import.meta.url)('egg-logger/lib/transports/file_buffer.js') as { prototype: { _createInterval(): NodeJS.Timeout } };
  const orig = fbt.prototype._createInterval;
  fbt.prototype._createInterval = function (this: unknown) {
    const t = orig.call(this);
    t.unref?.();
    return t;
  };
} catch {
  /* another egg-logger layout: nothing to patch */
}

export interface ProxyEnv {
  broker: BrokerController;
  proxy: GrpcProxy;
  endpoints: string;
  dir: string;
  createTopic(name: string, type?: 'NORMAL' | 'FIFO' | 'DELAY' | 'TRANSACTION' | 'MIXED', queues?: number): void;
  /** Marks a group FIFO (consumeMessageOrderly) with the given retryMaxTimes. */
  setGroup(group: string, opts: { fifo?: boolean; retryMaxTimes?: number }): void;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export const TEST_PROXY: Partial<ProxyConfig> = {
  host: '127.0.0.1',
  grpcServerPort: 0,
  minInvisibleTimeMillsForRecv: 1000,
  grpcClientConsumerMinLongPollingTimeoutMillis: 500,
  grpcPushConsumerLongPollingTimeoutMillis: 1000,
};

export async function startProxyEnv(brokerOverrides: Record<string, unknown> = {}, proxyOverrides: Partial<ProxyConfig> = {}): Promise<ProxyEnv> {
  const td = tempDir('rmq-proxy-');
  const cfg = () =>
    loadBrokerConfig(undefined, {
      namesrvAddr: '',
      brokerIP1: '127.0.0.1',
      listenPort: 0,
      storePathRootDir: td.dir,
      ...SMALL_STORE,
      transactionCheckInterval: 500,
      transactionTimeOut: 3000,
      ...brokerOverrides,
    });
  let broker = new BrokerController(cfg(), { host: '127.0.0.1' });
  await broker.start();
  let proxy = new GrpcProxy(broker, { ...TEST_PROXY, ...proxyOverrides });
  const { port } = await proxy.start();
  const env: ProxyEnv = {
    broker,
    proxy,
    endpoints: `127.0.0.1:${port}`,
    dir: td.dir,
    createTopic(name, type = 'NORMAL', queues = 4) {
      const tc = newTopicConfig(name, queues);
      tc.attributes = { 'message.type': type };
      env.broker.topicConfigManager.updateTopicConfig(tc);
    },
    setGroup(group, opts) {
      const sg = env.broker.subscriptionGroupManager.findSubscriptionGroupConfig(group)!;
      env.broker.subscriptionGroupManager.updateSubscriptionGroupConfig({
        ...sg,
        ...(opts.fifo !== undefined ? { consumeMessageOrderly: opts.fifo } : {}),
        ...(opts.retryMaxTimes !== undefined ? { retryMaxTimes: opts.retryMaxTimes } : {}),
      });
    },
    async restart() {
      await env.proxy.shutdown();
      await env.broker.shutdown();
      broker = new BrokerController(cfg(), { host: '127.0.0.1' });
      await broker.start();
      proxy = new GrpcProxy(broker, { ...TEST_PROXY, ...proxyOverrides, grpcServerPort: port });
      await proxy.start();
      env.broker = broker;
      env.proxy = proxy;
    },
    async stop() {
      await env.proxy.shutdown();
      await env.broker.shutdown();
      td.cleanup();
    },
  };
  return env;
}

/** Polls `cond` every 50 ms until true or `ms` passes. */
export async function waitFor(cond: () => boolean, ms: number, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A logger for the 5.x client that stays quiet. */
export const quietLogger = { info() {}, warn(...a: unknown[]) { if (process.env.PROXY_TEST_LOG) console.error('WARN', ...a); }, error(...a: unknown[]) { if (process.env.PROXY_TEST_LOG) console.error('ERROR', ...a); }, debug() {}, trace() {}, fatal() {}, child() { return quietLogger; } } as any;
