/**
 * GET_NAMESRV_CONFIG / UPDATE_NAMESRV_CONFIG: the configuration as Java properties text
 * ("key=value" lines). Keys in `configBlackList` cannot be changed remotely (NO_PERMISSION).
 */
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { parsePropertiesFile } from '../../common/properties-file.js';
import { applyNamesrvProperties, namesrvConfigToProperties } from '../namesrv-config.js';
import type { NamesrvContext, ProcessorEntries } from './context.js';

export function configProcessors(ctx: NamesrvContext): ProcessorEntries {
  const update = (req: RemotingCommand): RemotingCommand => {
    if (req.body === undefined || req.body.length === 0) return createResponse(req, ResponseCode.SUCCESS);
    const props = parsePropertiesFile(req.body.toString('utf8'));
    // As in RocketMQ, these four are always refused, whatever configBlackList says.
    const blocked = new Set(['configBlackList', 'configStorePath', 'kvConfigPath', 'rocketmqHome']);
    for (const k of ctx.config.configBlackList.split(';')) if (k.trim() !== '') blocked.add(k.trim());
    const denied = Object.keys(props).filter((k) => blocked.has(k));
    if (denied.length > 0) {
      return createResponse(req, ResponseCode.NO_PERMISSION, `Can not update config in black list: ${denied.join(',')}`);
    }
    const { applied, ignored } = applyNamesrvProperties(ctx.config, props, blocked);
    ctx.routeInfo.brokerChannelExpiredTime = ctx.config.brokerChannelExpiredTime;
    ctx.log.info({ applied, ignored }, 'namesrv config updated');
    ctx.persistConfig();
    return createResponse(req, ResponseCode.SUCCESS);
  };
  const get = (req: RemotingCommand): RemotingCommand =>
    createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(namesrvConfigToProperties(ctx.config), 'utf8'));
  return [
    [RequestCode.UPDATE_NAMESRV_CONFIG, update],
    [RequestCode.GET_NAMESRV_CONFIG, get],
  ];
}
