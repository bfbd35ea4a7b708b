/**
 * The name server: a RemotingServer with the namesrv processors, the route tables, the KV store and
 * the broker expiry scan. Several independent name servers may run side by side; brokers register
 * with each.
 *
 *   const ns = new NamesrvController({ listenPort: 0, host: '127.0.0.1', kvConfigPath: '/tmp/kv.json' });
 *   const { port } = await ns.start();
 *   ...
 *   await ns.shutdown();
 */
import { writePropertiesFile } from '../common/properties-file.js';
import { componentLogger, type Logger } from '../common/logger.js';
import { RemotingServer } from '../remoting/remoting-server.js';
import type { Connection } from '../remoting/connection.js';
import { KVConfigManager } from './kv-config-manager.js';
import { makeNamesrvConfig, namesrvConfigToProperties, type NamesrvConfig } from './namesrv-config.js';
import { RouteInfoManager } from './route-info-manager.js';
import { brokerProcessors } from './processors/broker-processor.js';
import { configProcessors } from './processors/config-processor.js';
import type { NamesrvContext } from './processors/context.js';
import { kvConfigProcessors } from './processors/kv-config-processor.js';
import { routeProcessors } from './processors/route-processor.js';

export interface NamesrvControllerOptions {
  /** Clock for liveness (tests inject a fake one). */
  now?: () => number;
  logger?: Logger;
}

export class NamesrvController {
  readonly config: NamesrvConfig;
  readonly routeInfo: RouteInfoManager;
  readonly kvConfig: KVConfigManager;
  private readonly server: RemotingServer;
  private readonly log: Logger;
  private scanTimer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(config: Partial<NamesrvConfig> = {}, opts: NamesrvControllerOptions = {}) {
    this.config = makeNamesrvConfig(config);
    this.log = opts.logger ?? componentLogger('namesrv');
    this.routeInfo = new RouteInfoManager({ brokerChannelExpiredTime: this.config.brokerChannelExpiredTime, now: opts.now, logger: this.log });
    this.kvConfig = new KVConfigManager(this.config.kvConfigPath, this.log);
    this.server = new RemotingServer({ host: this.config.host, port: this.config.listenPort, maxFrameBytes: this.config.maxFrameBytes }, this.log);
    const ctx: NamesrvContext = {
      config: this.config,
      routeInfo: this.routeInfo,
      kvConfig: this.kvConfig,
      log: this.log,
      persistConfig: () => this.persistConfig(),
    };
    for (const family of [brokerProcessors, routeProcessors, kvConfigProcessors, configProcessors]) {
      for (const [code, handler] of family(ctx)) this.server.registerProcessor(code, handler);
    }
    // A broker's connection closing means the broker is gone (RocketMQ's BrokerHousekeepingService).
    this.server.on('disconnect', (conn: Connection) => this.routeInfo.onConnectionClosed(conn));
  }

  /** Loads the KV store, listens, and starts the expiry scan. */
  async start(): Promise<{ host: string; port: number }> {
    if (this.started) return { host: this.config.host, port: this.server.port };
    this.kvConfig.load();
    const addr = await this.server.listen();
    this.started = true;
    this.scheduleScan();
    this.log.info({ host: addr.host, port: addr.port }, 'name server started');
    return addr;
  }

  get port(): number {
    return this.server.port;
  }

  private scheduleScan(): void {
    if (!this.started) return;
    // Re-read the interval each time: UPDATE_NAMESRV_CONFIG may change it.
    this.scanTimer = setTimeout(() => {
      try {
        this.routeInfo.scanNotActiveBroker();
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'broker scan failed');
      }
      this.scheduleScan();
    }, this.config.scanNotActiveBrokerInterval);
    this.scanTimer.unref();
  }

  private persistConfig(): void {
    const path = this.config.configStorePath;
    if (path === '') return;
    try {
      writePropertiesFile(path, namesrvConfigToProperties(this.config));
    } catch (e) {
      this.log.error({ path, err: (e as Error).message }, 'namesrv config not persisted');
    }
  }

  async shutdown(): Promise<void> {
    this.started = false;
    if (this.scanTimer !== null) clearTimeout(this.scanTimer);
    this.scanTimer = null;
    await this.server.close();
    this.log.info('name server stopped');
  }
}
