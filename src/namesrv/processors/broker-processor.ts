/**
 * Broker membership: REGISTER_BROKER, UNREGISTER_BROKER, QUERY_DATA_VERSION, BROKER_HEARTBEAT,
 * GET_BROKER_MEMBER_GROUP (remoting-protocol.md §5.4, §6.7).
 */
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import {
  BrokerHeartbeatRequestHeader,
  GetBrokerMemberGroupRequestHeader,
  QueryDataVersionRequestHeader,
  QueryDataVersionResponseHeader,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  UnRegisterBrokerRequestHeader,
} from '../../protocol/headers/namesrv.js';
import { bodyCrc32, decodeRegisterBrokerBody } from '../../protocol/body/register-broker-body.js';
import { fastjsonBody, parseFastjson } from '../../protocol/body/fastjson.js';
import type { DataVersion } from '../../protocol/body/types.js';
import type { RemotingConnection } from '../../remoting/types.js';
import { ORDER_TOPIC_CONFIG } from '../kv-config-manager.js';
import type { NamesrvContext, ProcessorEntries } from './context.js';

export function brokerProcessors(ctx: NamesrvContext): ProcessorEntries {
  const registerBroker = (req: RemotingCommand, conn: RemotingConnection): RemotingCommand => {
    const h = RegisterBrokerRequestHeader.decodeCommand(req);
    if (h.bodyCrc32 !== undefined && h.bodyCrc32 !== 0) {
      const actual = bodyCrc32(req.body);
      if (actual !== h.bodyCrc32) {
        ctx.log.warn({ brokerAddr: h.brokerAddr, expected: h.bodyCrc32, actual }, 'register broker body crc32 mismatch');
        return createResponse(req, ResponseCode.SYSTEM_ERROR, 'crc32 not match');
      }
    }
    const body = decodeRegisterBrokerBody(req.body, { compressed: h.compressed === true, version: req.version });
    const result = ctx.routeInfo.registerBroker({
      clusterName: h.clusterName,
      brokerAddr: h.brokerAddr,
      brokerName: h.brokerName,
      brokerId: h.brokerId,
      haServerAddr: h.haServerAddr,
      topicConfigWrapper: body.topicConfigSerializeWrapper,
      filterServerList: body.filterServerList,
      conn,
      heartbeatTimeoutMillis: h.heartbeatTimeoutMillis,
      enableActingMaster: h.enableActingMaster,
    });
    const order = ctx.kvConfig.getKVListByNamespace(ORDER_TOPIC_CONFIG);
    return createResponse(
      req,
      ResponseCode.SUCCESS,
      undefined,
      RegisterBrokerResponseHeader.encode(result),
      order === undefined ? undefined : fastjsonBody({ table: order }),
    );
  };

  const unregisterBroker = (req: RemotingCommand): RemotingCommand => {
    const h = UnRegisterBrokerRequestHeader.decodeCommand(req);
    ctx.routeInfo.unregisterBroker(h.clusterName, h.brokerAddr, h.brokerName, h.brokerId);
    return createResponse(req, ResponseCode.SUCCESS);
  };

  const queryDataVersion = (req: RemotingCommand): RemotingCommand => {
    const h = QueryDataVersionRequestHeader.decodeCommand(req);
    const dv = (req.body && req.body.length > 0 ? parseFastjson(req.body) : {}) as Partial<DataVersion>;
    const dataVersion: DataVersion = { timestamp: Number(dv.timestamp ?? 0), counter: Number(dv.counter ?? 0) };
    if (dv.stateVersion !== undefined) dataVersion.stateVersion = Number(dv.stateVersion);
    const changed = ctx.routeInfo.isBrokerTopicConfigChanged(h.brokerAddr, dataVersion);
    if (!changed) ctx.routeInfo.updateBrokerInfoUpdateTimestamp(h.brokerAddr);
    const ours = ctx.routeInfo.queryBrokerTopicConfig(h.brokerAddr);
    return createResponse(
      req,
      ResponseCode.SUCCESS,
      undefined,
      QueryDataVersionResponseHeader.encode({ changed }),
      ours === undefined ? undefined : fastjsonBody(ours),
    );
  };

  const brokerHeartbeat = (req: RemotingCommand): RemotingCommand => {
    const h = BrokerHeartbeatRequestHeader.decodeCommand(req);
    ctx.routeInfo.updateBrokerInfoUpdateTimestamp(h.brokerAddr);
    return createResponse(req, ResponseCode.SUCCESS);
  };

  const getBrokerMemberGroup = (req: RemotingCommand): RemotingCommand => {
    const h = GetBrokerMemberGroupRequestHeader.decodeCommand(req);
    const brokerMemberGroup = ctx.routeInfo.getBrokerMemberGroup(h.clusterName, h.brokerName);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, fastjsonBody({ brokerMemberGroup }));
  };

  return [
    [RequestCode.GET_BROKER_MEMBER_GROUP, getBrokerMemberGroup],
    [RequestCode.REGISTER_BROKER, registerBroker],
    [RequestCode.UNREGISTER_BROKER, unregisterBroker],
    [RequestCode.QUERY_DATA_VERSION, queryDataVersion],
    [RequestCode.BROKER_HEARTBEAT, brokerHeartbeat],
  ];
}
