/**
 * The server commands: `rmq namesrv`, `rmq broker` and `rmq dev` (name server, broker and the 5.x
 * gRPC proxy in local mode, in one process). They run until SIGINT/SIGTERM, then shut down cleanly
 * (proxy, then broker: it unregisters from the name server and persists its offsets and metadata).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AdminClient } from '../admin/admin-client.js';
import { brokerConfigToProperties, loadBrokerConfig, type BrokerConfig } from '../broker/broker-config.js';
import { BrokerController } from '../broker/broker-controller.js';
import { RmqError } from '../common/errors.js';
import { parsePropertiesFile } from '../common/properties-file.js';
import { NamesrvController } from '../namesrv/namesrv-controller.js';
import { applyNamesrvProperties, defaultNamesrvConfig, namesrvConfigToProperties, type NamesrvConfig } from '../namesrv/namesrv-config.js';
import type { GrpcProxy } from '../proxy/index.js';
import { errorMessage, EXIT_FAILED, EXIT_USAGE, onShutdownSignal } from './util.js';

/** `key=value` command-line arguments as a map (mqbroker-style overrides). */
export function parseOverrides(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0) throw new RmqError('USAGE', `expected key=value, got "${a}"`);
    out[a.slice(0, i).trim()] = a.slice(i + 1).trim();
  }
  return out;
}

function parsePort(name: string, v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RmqError('USAGE', `${name} must be a port 0..65535, got "${String(v)}"`);
  return n;
}

/** Name-server config: defaults, then the file, then overrides (RocketMQ key names; values coerced by type). */
export function loadNamesrvConfig(path: string | undefined, overrides: Record<string, unknown>): NamesrvConfig {
  const config = defaultNamesrvConfig();
  let raw: Record<string, string> = {};
  if (path) {
    try {
      raw = parsePropertiesFile(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new RmqError('BAD_CONFIG', `cannot read name server config ${path}: ${(e as Error).message}`);
    }
  }
  const props: Record<string, string> = { ...raw };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) props[k] = String(v);
  const { ignored } = applyNamesrvProperties(config, props);
  if (ignored.length) process.stderr.write(`namesrv: unknown config keys ignored: ${ignored.join(', ')}\n`);
  return config;
}

/** A clear message for the usual start-up failure. */
function startError(what: string, port: number, err: unknown): RmqError {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE' || /EADDRINUSE/.test(errorMessage(err))) {
    return new RmqError('PORT_IN_USE', `${what}: port ${port} is already in use (another instance running? pick another port)`);
  }
  return new RmqError('START_FAILED', `${what} failed to start: ${errorMessage(err)}`, { cause: err });
}

export async function runNamesrv(opts: Record<string, unknown>, args: string[]): Promise<number | null> {
  try {
    const overrides: Record<string, unknown> = parseOverrides(args);
    if (opts['port'] !== undefined) overrides['listenPort'] = parsePort('--port', opts['port']);
    const config = loadNamesrvConfig(opts['configFile'] as string | undefined, overrides);
    if (opts['printConfigItem']) {
      process.stdout.write(namesrvConfigToProperties(config));
      return 0;
    }
    const controller = new NamesrvController(config);
    let port: number;
    try {
      ({ port } = await controller.start());
    } catch (e) {
      throw startError('name server', config.listenPort, e);
    }
    process.stdout.write(`The Name Server boot success. serializeType=JSON, listening on port ${port} (${Math.round(performance.now())} ms)\n`);
    onShutdownSignal(async () => {
      await controller.shutdown();
      process.stdout.write('The Name Server shut down.\n');
    });
    return null;
  } catch (err) {
    process.stderr.write(`namesrv: ${errorMessage(err)}\n`);
    return err instanceof RmqError && err.code === 'USAGE' ? EXIT_USAGE : EXIT_FAILED;
  }
}

const IMPORTANT_BROKER_KEYS = [
  'brokerClusterName', 'brokerName', 'brokerId', 'namesrvAddr', 'brokerIP1', 'listenPort', 'brokerRole', 'flushDiskType',
  'storePathRootDir', 'autoCreateTopicEnable', 'autoCreateSubscriptionGroup', 'defaultTopicQueueNums', 'mappedFileSizeCommitLog',
  'fileReservedTime', 'deleteWhen', 'maxMessageSize',
];

export async function runBroker(opts: Record<string, unknown>, args: string[]): Promise<number | null> {
  try {
    const overrides: Record<string, unknown> = parseOverrides(args);
    if (typeof opts['namesrvAddr'] === 'string') overrides['namesrvAddr'] = opts['namesrvAddr'];
    const config = loadBrokerConfig(opts['configFile'] as string | undefined, overrides);
    if (opts['printConfigItem']) {
      process.stdout.write(brokerConfigToProperties(config));
      return 0;
    }
    if (opts['printImportantConfig']) {
      const c = config as unknown as Record<string, unknown>;
      process.stdout.write(IMPORTANT_BROKER_KEYS.map((k) => `${k}=${String(c[k] ?? '')}`).join('\n') + '\n');
      return 0;
    }
    if (config.unknownKeys?.length) process.stderr.write(`broker: unknown config keys ignored: ${config.unknownKeys.join(', ')}\n`);
    const controller = new BrokerController(config);
    let port: number;
    try {
      ({ port } = await controller.start());
    } catch (e) {
      throw startError('broker', config.listenPort, e);
    }
    process.stdout.write(
      `The broker[${config.brokerName}, ${config.brokerIP1}:${port}] boot success. serializeType=JSON` +
        `${config.namesrvAddr ? ` and name server is ${config.namesrvAddr}` : ' (no name server configured: pass -n or set NAMESRV_ADDR)'}` +
        ` (${Math.round(performance.now())} ms)\n`,
    );
    onShutdownSignal(async () => {
      await controller.shutdown();
      process.stdout.write(`The broker[${config.brokerName}] shut down.\n`);
    });
    return null;
  } catch (err) {
    process.stderr.write(`broker: ${errorMessage(err)}\n`);
    return err instanceof RmqError && err.code === 'USAGE' ? EXIT_USAGE : EXIT_FAILED;
  }
}

/** Waits (bounded) until the name server lists the broker, so clients find a route at once. */
async function waitRegistered(namesrvAddr: string, brokerName: string, timeoutMs: number): Promise<boolean> {
  const admin = new AdminClient({ namesrvAddr, timeoutMs: 1000 });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      try {
        const info = await admin.getClusterInfo();
        if (info.brokerAddrTable[brokerName]?.brokerAddrs['0']) return true;
      } catch {
        // not yet answering
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    return false;
  } finally {
    admin.close();
  }
}

export interface DevServers {
  namesrv: NamesrvController;
  broker: BrokerController;
  /** The 5.x gRPC proxy in local mode, when started. */
  proxy?: GrpcProxy;
  namesrvAddr: string;
  brokerAddr: string;
  /** "host:port" of the gRPC proxy (5.x clients' endpoints), when started. */
  proxyAddr?: string;
  config: BrokerConfig;
  stop(): Promise<void>;
}

/** Starts a name server and a broker in this process (also used by tests and the bench adapter). */
export async function startDev(opts: {
  dataDir: string;
  namesrvPort: number;
  brokerPort: number;
  host: string;
  configFile?: string;
  overrides?: Record<string, unknown>;
  /** Start the gRPC proxy (local mode) on this port (0 = any free port); undefined = no proxy. */
  proxyPort?: number;
}): Promise<DevServers> {
  // The proxy module (grpc-js, protos) loads while the servers start.
  const proxyModule = opts.proxyPort === undefined ? undefined : import('../proxy/index.js');
  const dataDir = resolve(opts.dataDir);
  mkdirSync(join(dataDir, 'namesrv'), { recursive: true });
  const nsConfig = loadNamesrvConfig(undefined, {
    listenPort: opts.namesrvPort,
    kvConfigPath: join(dataDir, 'namesrv', 'kvConfig.json'),
    configStorePath: join(dataDir, 'namesrv', 'namesrv.properties'),
  });
  const namesrv = new NamesrvController(nsConfig);
  let nsPort: number;
  try {
    ({ port: nsPort } = await namesrv.start());
  } catch (e) {
    throw startError('name server', opts.namesrvPort, e);
  }
  const namesrvAddr = `127.0.0.1:${nsPort}`;
  let broker: BrokerController | undefined;
  let proxy: GrpcProxy | undefined;
  let proxyPort = 0;
  try {
    const config = loadBrokerConfig(opts.configFile, {
      ...(opts.overrides ?? {}),
      namesrvAddr,
      listenPort: opts.brokerPort,
      brokerIP1: opts.host,
      storePathRootDir: join(dataDir, 'broker'),
    });
    broker = new BrokerController(config);
    let bPort: number;
    try {
      ({ port: bPort } = await broker.start());
    } catch (e) {
      throw startError('broker', opts.brokerPort, e);
    }
    const b = broker;
    if (proxyModule) {
      const { GrpcProxy } = await proxyModule;
      proxy = new GrpcProxy(b, { grpcServerPort: opts.proxyPort });
      try {
        ({ port: proxyPort } = await proxy.start());
      } catch (e) {
        proxy = undefined;
        throw startError('gRPC proxy', opts.proxyPort ?? 0, e);
      }
    }
    if (!(await waitRegistered(namesrvAddr, config.brokerName, 5000))) {
      process.stderr.write('warning: the broker has not registered with the name server yet\n');
    }
    const p = proxy;
    return {
      namesrv,
      broker: b,
      proxy: p,
      namesrvAddr,
      brokerAddr: `${opts.host}:${bPort}`,
      proxyAddr: p ? `${opts.host}:${proxyPort}` : undefined,
      config,
      async stop() {
        await p?.shutdown();
        await b.shutdown();
        await namesrv.shutdown();
      },
    };
  } catch (e) {
    await proxy?.shutdown().catch(() => undefined);
    await broker?.shutdown().catch(() => undefined);
    await namesrv.shutdown().catch(() => undefined);
    throw e;
  }
}

export async function runDev(opts: Record<string, unknown>, args: string[]): Promise<number | null> {
  try {
    const overrides = parseOverrides(args);
    const dataDir = String(opts['data'] ?? './data');
    const dev = await startDev({
      dataDir,
      namesrvPort: parsePort('--namesrv-port', opts['namesrvPort'] ?? 9876),
      brokerPort: parsePort('--broker-port', opts['brokerPort'] ?? 10911),
      host: String(opts['host'] ?? '127.0.0.1'),
      configFile: opts['configFile'] as string | undefined,
      overrides,
      // commander: --no-proxy sets proxy=false; --proxy-port defaults to 8081
      proxyPort: opts['proxy'] === false ? undefined : parsePort('--proxy-port', opts['proxyPort'] ?? 8081),
    });
    // performance.now() counts from process start, so this includes loading Node and the code.
    const readyMs = Math.round(performance.now());
    const rssMiB = Math.round(process.memoryUsage.rss() / 1048576);
    const c = dev.config;
    if (opts['json'] === true) {
      process.stdout.write(
        JSON.stringify({
          ready: true,
          readyMs,
          rssMiB,
          namesrvAddr: dev.namesrvAddr,
          brokerAddr: dev.brokerAddr,
          proxyAddr: dev.proxyAddr ?? null,
          brokerName: c.brokerName,
          clusterName: c.brokerClusterName,
          flushDiskType: c.flushDiskType,
          dataDir: resolve(dataDir),
          pid: process.pid,
        }) + '\n',
      );
    } else process.stdout.write(
      [
        `rocketmq-ts dev: name server + broker${dev.proxyAddr ? ' + gRPC proxy' : ''} ready in ${readyMs} ms (RSS ${rssMiB} MiB)`,
        `  name server  ${dev.namesrvAddr}`,
        `  broker       ${c.brokerName} (${c.brokerClusterName}) at ${dev.brokerAddr}, ${c.flushDiskType}`,
        ...(dev.proxyAddr ? [`  gRPC proxy   ${dev.proxyAddr} (5.x clients: endpoints ${dev.proxyAddr})`] : []),
        `  data         ${resolve(dataDir)}`,
        '',
        'Try it (another terminal):',
        `  export NAMESRV_ADDR=${dev.namesrvAddr}`,
        '  npx rmq produce -t TopicTest --tags TagA --keys order-1 -b "hello" -c 5',
        "  npx rmq consume -t TopicTest -g GroupTest -s 'TagA' -c 5",
        '  npx rmq admin clusterList',
        '  npx rmq admin topicStatus -t TopicTest',
        '  npx rmq bench produce -t BenchTest --seconds 5',
        `Existing RocketMQ 4.x clients: point them at the name server above${dev.proxyAddr ? '; 5.x clients at the gRPC proxy' : ''}. Ctrl-C stops ${dev.proxyAddr ? 'all' : 'both'}.`,
        '',
      ].join('\n'),
    );
    // With --json, stdout carries only the ready line.
    const say = (line: string): void => void (opts['json'] === true ? process.stderr : process.stdout).write(line);
    onShutdownSignal(async (signal) => {
      say(`${signal}: shutting down\n`);
      await dev.stop();
      say('stopped\n');
    });
    return null;
  } catch (err) {
    process.stderr.write(`dev: ${errorMessage(err)}\n`);
    return err instanceof RmqError && err.code === 'USAGE' ? EXIT_USAGE : EXIT_FAILED;
  }
}
