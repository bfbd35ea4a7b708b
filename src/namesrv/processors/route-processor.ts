/**
 * Route and topic queries and edits: GET_ROUTEINFO_BY_TOPIC, GET_BROKER_CLUSTER_INFO,
 * GET_ALL_TOPIC_LIST_FROM_NAMESERVER, GET_TOPICS_BY_CLUSTER, DELETE_TOPIC_IN_NAMESRV,
 * REGISTER_TOPIC_IN_NAMESRV, WIPE/ADD_WRITE_PERM_OF_BROKER (remoting-protocol.md §5.4, §6.8), and the
 * system/unit topic lists mqadmin and the dashboard ask for.
 * Bodies are standard JSON (quoted map keys), which every Java and JS client reads.
 */
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import {
  AddWritePermOfBrokerRequestHeader,
  AddWritePermOfBrokerResponseHeader,
  DeleteTopicFromNamesrvRequestHeader,
  GetRouteInfoRequestHeader,
  GetTopicsByClusterRequestHeader,
  RegisterTopicRequestHeader,
  WipeWritePermOfBrokerRequestHeader,
  WipeWritePermOfBrokerResponseHeader,
} from '../../protocol/headers/namesrv.js';
import { fastjsonBody, parseFastjson } from '../../protocol/body/fastjson.js';
import type { QueueData, TopicRouteData } from '../../protocol/body/types.js';
import { ORDER_TOPIC_CONFIG } from '../kv-config-manager.js';
import type { NamesrvContext, ProcessorEntries } from './context.js';

/** TopicSysFlag bits. */
const FLAG_UNIT = 0x1;
const FLAG_UNIT_SUB = 0x2;

/** Java's FAQUrl.suggestTodo(APPLY_TOPIC_URL) suffix. */
const FAQ_SUFFIX = '\nSee http://rocketmq.apache.org/docs/faq/ for further details.';

export function routeProcessors(ctx: NamesrvContext): ProcessorEntries {
  const getRouteInfo = (req: RemotingCommand): RemotingCommand => {
    const h = GetRouteInfoRequestHeader.decodeCommand(req);
    const route = ctx.routeInfo.pickupTopicRouteData(h.topic);
    if (route === null) {
      return createResponse(req, ResponseCode.TOPIC_NOT_EXIST, `No topic route info in name server for the topic: ${h.topic}${FAQ_SUFFIX}`);
    }
    let out: TopicRouteData = route;
    if (ctx.config.orderMessageEnable) {
      const conf = ctx.kvConfig.get(ORDER_TOPIC_CONFIG, h.topic);
      // Keep fastjson's alphabetical key order: orderTopicConf sits between filterServerTable and queueDatas.
      if (conf !== undefined) out = { brokerDatas: route.brokerDatas, filterServerTable: route.filterServerTable, orderTopicConf: conf, queueDatas: route.queueDatas };
    }
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, fastjsonBody(out));
  };

  const getClusterInfo = (req: RemotingCommand): RemotingCommand =>
    createResponse(req, ResponseCode.SUCCESS, undefined, {}, fastjsonBody(ctx.routeInfo.getAllClusterInfo()));

  const getAllTopicList = (req: RemotingCommand): RemotingCommand => {
    if (!ctx.config.enableAllTopicList) return createResponse(req, ResponseCode.SYSTEM_ERROR, 'disable');
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, fastjsonBody({ topicList: ctx.routeInfo.getAllTopicList() }));
  };

  const getTopicsByCluster = (req: RemotingCommand): RemotingCommand => {
    if (!ctx.config.enableTopicList) return createResponse(req, ResponseCode.SYSTEM_ERROR, 'disable');
    const h = GetTopicsByClusterRequestHeader.decodeCommand(req);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, fastjsonBody({ topicList: ctx.routeInfo.getTopicsByCluster(h.cluster) }));
  };

  const deleteTopic = (req: RemotingCommand): RemotingCommand => {
    const h = DeleteTopicFromNamesrvRequestHeader.decodeCommand(req);
    ctx.routeInfo.deleteTopic(h.topic, h.clusterName);
    return createResponse(req, ResponseCode.SUCCESS);
  };

  const registerTopic = (req: RemotingCommand): RemotingCommand => {
    const h = RegisterTopicRequestHeader.decodeCommand(req);
    if (req.body !== undefined && req.body.length > 0) {
      const route = parseFastjson(req.body) as Partial<TopicRouteData> | null;
      const qds = Array.isArray(route?.queueDatas) ? (route!.queueDatas as QueueData[]) : [];
      ctx.routeInfo.registerTopic(h.topic, qds);
    }
    return createResponse(req, ResponseCode.SUCCESS);
  };

  const wipeWritePerm = (req: RemotingCommand): RemotingCommand => {
    const h = WipeWritePermOfBrokerRequestHeader.decodeCommand(req);
    const wipeTopicCount = ctx.routeInfo.wipeWritePermOfBroker(h.brokerName);
    ctx.log.info({ brokerName: h.brokerName, wipeTopicCount, from: req.extFields['bname'] }, 'write permission wiped');
    return createResponse(req, ResponseCode.SUCCESS, undefined, WipeWritePermOfBrokerResponseHeader.encode({ wipeTopicCount }));
  };

  const addWritePerm = (req: RemotingCommand): RemotingCommand => {
    const h = AddWritePermOfBrokerRequestHeader.decodeCommand(req);
    const addTopicCount = ctx.routeInfo.addWritePermOfBroker(h.brokerName);
    ctx.log.info({ brokerName: h.brokerName, addTopicCount }, 'write permission added');
    return createResponse(req, ResponseCode.SUCCESS, undefined, AddWritePermOfBrokerResponseHeader.encode({ addTopicCount }));
  };

  const topicListBy =
    (pred: (flag: number) => boolean) =>
    (req: RemotingCommand): RemotingCommand => {
      if (!ctx.config.enableTopicList) return createResponse(req, ResponseCode.SYSTEM_ERROR, 'disable');
      return createResponse(req, ResponseCode.SUCCESS, undefined, {}, fastjsonBody({ topicList: ctx.routeInfo.getTopicsBySysFlag(pred) }));
    };

  const getSystemTopicList = (req: RemotingCommand): RemotingCommand =>
    createResponse(req, ResponseCode.SUCCESS, undefined, {}, fastjsonBody(ctx.routeInfo.getSystemTopicList()));

  return [
    [RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, getSystemTopicList],
    [RequestCode.GET_UNIT_TOPIC_LIST, topicListBy((f) => (f & FLAG_UNIT) !== 0)],
    [RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST, topicListBy((f) => (f & FLAG_UNIT_SUB) !== 0)],
    [RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST, topicListBy((f) => (f & FLAG_UNIT) === 0 && (f & FLAG_UNIT_SUB) !== 0)],
    [RequestCode.GET_ROUTEINFO_BY_TOPIC, getRouteInfo],
    [RequestCode.GET_BROKER_CLUSTER_INFO, getClusterInfo],
    [RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, getAllTopicList],
    [RequestCode.GET_TOPICS_BY_CLUSTER, getTopicsByCluster],
    [RequestCode.DELETE_TOPIC_IN_NAMESRV, deleteTopic],
    [RequestCode.REGISTER_TOPIC_IN_NAMESRV, registerTopic],
    [RequestCode.WIPE_WRITE_PERM_OF_BROKER, wipeWritePerm],
    [RequestCode.ADD_WRITE_PERM_OF_BROKER, addWritePerm],
  ];
}
