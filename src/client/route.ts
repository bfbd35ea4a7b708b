/**
 * From a topic's route (GET_ROUTEINFO_BY_TOPIC body) to the queues a producer may write and a
 * consumer may read, as RocketMQ's MQClientInstance.topicRouteData2TopicPublishInfo/SubscribeInfo do.
 */
import type { TopicRouteData } from '../protocol/body/types.js';
import { MessageQueue, compareMessageQueue } from './message-queue.js';

/** Permission bits of a QueueData (PermName). */
export const PERM = { PRIORITY: 8, READ: 4, WRITE: 2, INHERIT: 1 } as const;
export const MASTER_ID = '0';

export const isReadable = (perm: number): boolean => (perm & PERM.READ) === PERM.READ;
export const isWriteable = (perm: number): boolean => (perm & PERM.WRITE) === PERM.WRITE;

/** The parts of TopicRouteData (GET_ROUTEINFO_BY_TOPIC body) this module reads. */
export type RouteData = Pick<TopicRouteData, 'queueDatas' | 'brokerDatas'> & { orderTopicConf?: string | null };

/** The write side of a route with the rotating queue index producers use. */
export class TopicPublishInfo {
  orderTopic = false;
  haveTopicRouterInfo = false;
  messageQueueList: MessageQueue[] = [];
  /** Rotates through the queues; starts at a random place so producers spread out. */
  private sendWhichQueue = Math.floor(Math.random() * 1024);
  route?: RouteData;

  ok(): boolean {
    return this.messageQueueList.length > 0;
  }

  nextIndex(): number {
    this.sendWhichQueue = (this.sendWhichQueue + 1) | 0;
    return this.sendWhichQueue;
  }

  /** Round robin, skipping `lastBrokerName` (the broker that just failed) when another exists. */
  selectOneMessageQueue(lastBrokerName?: string): MessageQueue {
    const list = this.messageQueueList;
    if (lastBrokerName !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const mq = list[Math.abs(this.nextIndex()) % list.length]!;
        if (mq.brokerName !== lastBrokerName) return mq;
      }
    }
    return list[Math.abs(this.nextIndex()) % list.length]!;
  }

  /** Write queue count of a broker in this route, 0 when absent. */
  queueIdsOfBroker(brokerName: string): number {
    const qd = this.route?.queueDatas.find((q) => q.brokerName === brokerName);
    return qd ? qd.writeQueueNums : 0;
  }
}

export function topicRouteToPublishInfo(topic: string, route: RouteData): TopicPublishInfo {
  const info = new TopicPublishInfo();
  info.route = route;
  if (route.orderTopicConf) {
    // "brokerName:queueCount;..." pins the queues of an ordered topic.
    for (const part of route.orderTopicConf.split(';')) {
      const [brokerName, n] = part.split(':');
      if (!brokerName) continue;
      for (let i = 0; i < Number(n); i++) info.messageQueueList.push(new MessageQueue(topic, brokerName, i));
    }
    info.orderTopic = true;
  } else {
    const qds = [...route.queueDatas].sort((a, b) => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0));
    for (const qd of qds) {
      if (!isWriteable(qd.perm)) continue;
      const bd = route.brokerDatas.find((b) => b.brokerName === qd.brokerName);
      // Only a broker with a live master can take writes.
      if (!bd || !bd.brokerAddrs[MASTER_ID]) continue;
      for (let i = 0; i < qd.writeQueueNums; i++) info.messageQueueList.push(new MessageQueue(topic, qd.brokerName, i));
    }
  }
  info.haveTopicRouterInfo = true;
  return info;
}

export function topicRouteToSubscribeInfo(topic: string, route: RouteData): MessageQueue[] {
  const out: MessageQueue[] = [];
  for (const qd of route.queueDatas) {
    if (!isReadable(qd.perm)) continue;
    for (let i = 0; i < qd.readQueueNums; i++) out.push(new MessageQueue(topic, qd.brokerName, i));
  }
  return out.sort(compareMessageQueue);
}

/** Whether two routes differ in anything that changes queue lists or addresses. */
export function routeChanged(a: RouteData | undefined, b: RouteData): boolean {
  if (!a) return true;
  return canonicalRoute(a) !== canonicalRoute(b);
}

function canonicalRoute(r: RouteData): string {
  const q = [...r.queueDatas]
    .map((x) => `${x.brokerName}/${x.readQueueNums}/${x.writeQueueNums}/${x.perm}`)
    .sort()
    .join(',');
  const b = [...r.brokerDatas]
    .map((x) => `${x.brokerName}=${Object.keys(x.brokerAddrs).sort().map((k) => `${k}:${x.brokerAddrs[k]}`).join('|')}`)
    .sort()
    .join(',');
  return `${r.orderTopicConf ?? ''};${q};${b}`;
}

/** Master address of a broker name in a route, if any. */
export function findBrokerAddressInRoute(route: RouteData, brokerName: string): string | undefined {
  return route.brokerDatas.find((b) => b.brokerName === brokerName)?.brokerAddrs[MASTER_ID];
}
