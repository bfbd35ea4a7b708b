/** PUT_KV_CONFIG, GET_KV_CONFIG, DELETE_KV_CONFIG, GET_KVLIST_BY_NAMESPACE (remoting-protocol.md §5.4). */
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import {
  DeleteKVConfigRequestHeader,
  GetKVConfigRequestHeader,
  GetKVConfigResponseHeader,
  GetKVListByNamespaceRequestHeader,
  PutKVConfigRequestHeader,
} from '../../protocol/headers/namesrv.js';
import { fastjsonBody } from '../../protocol/body/fastjson.js';
import type { NamesrvContext, ProcessorEntries } from './context.js';

export function kvConfigProcessors(ctx: NamesrvContext): ProcessorEntries {
  const put = (req: RemotingCommand): RemotingCommand => {
    const h = PutKVConfigRequestHeader.decodeCommand(req);
    ctx.kvConfig.put(h.namespace, h.key, h.value);
    return createResponse(req, ResponseCode.SUCCESS);
  };
  const get = (req: RemotingCommand): RemotingCommand => {
    const h = GetKVConfigRequestHeader.decodeCommand(req);
    const value = ctx.kvConfig.get(h.namespace, h.key);
    if (value === undefined) return createResponse(req, ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${h.namespace} Key: ${h.key}`);
    return createResponse(req, ResponseCode.SUCCESS, undefined, GetKVConfigResponseHeader.encode({ value }));
  };
  const del = (req: RemotingCommand): RemotingCommand => {
    const h = DeleteKVConfigRequestHeader.decodeCommand(req);
    ctx.kvConfig.delete(h.namespace, h.key);
    return createResponse(req, ResponseCode.SUCCESS);
  };
  const list = (req: RemotingCommand): RemotingCommand => {
    const h = GetKVListByNamespaceRequestHeader.decodeCommand(req);
    const table = ctx.kvConfig.getKVListByNamespace(h.namespace);
    if (table === undefined) return createResponse(req, ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${h.namespace}`);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, fastjsonBody({ table }));
  };
  return [
    [RequestCode.PUT_KV_CONFIG, put],
    [RequestCode.GET_KV_CONFIG, get],
    [RequestCode.DELETE_KV_CONFIG, del],
    [RequestCode.GET_KVLIST_BY_NAMESPACE, list],
  ];
}
