/** What every name server processor gets. */
import type { Logger } from '../../common/logger.js';
import type { RequestHandler } from '../../remoting/types.js';
import type { KVConfigManager } from '../kv-config-manager.js';
import type { NamesrvConfig } from '../namesrv-config.js';
import type { RouteInfoManager } from '../route-info-manager.js';

export interface NamesrvContext {
  config: NamesrvConfig;
  routeInfo: RouteInfoManager;
  kvConfig: KVConfigManager;
  log: Logger;
  /** Persists the config after UPDATE_NAMESRV_CONFIG. */
  persistConfig(): void;
}

/** A processor family: request code -> handler. */
export type ProcessorEntries = Array<[code: number, handler: RequestHandler]>;
