/**
 * PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361), remoting-protocol.md §6.2.
 *
 * sysFlag bits: 0x1 commit the header's commitOffset, 0x2 long polling allowed, 0x4 subscription
 * expression in the header (else the group's subscription from its heartbeat), 0x8 class filter.
 * Tag filtering uses the consume queue's tagsCode (Java String.hashCode of the tag); the client filters
 * again by the tag string. Store statuses map to response codes as in the table below.
 *
 * | store status                                  | response                                  |
 * |-----------------------------------------------|-------------------------------------------|
 * | FOUND                                         | 0 SUCCESS, body = records                 |
 * | NO_MATCHED_MESSAGE, MESSAGE_WAS_REMOVING      | 20 PULL_RETRY_IMMEDIATELY                 |
 * | OFFSET_FOUND_NULL, OFFSET_OVERFLOW_ONE        | 19 PULL_NOT_FOUND (held when bit 1)       |
 * | NO_MESSAGE_IN_QUEUE, NO_MATCHED_LOGIC_QUEUE   | 21 if offset != 0, else 19                |
 * | OFFSET_OVERFLOW_BADLY, OFFSET_TOO_SMALL       | 21 PULL_OFFSET_MOVED                      |
 */
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { PullMessageRequestHeader, PullSysFlag } from '../../protocol/headers/pull-message.js';
import type { RemotingConnection } from '../../remoting/types.js';
import type { GetMessageStatus, MessageFilter } from '../../store/types.js';
import type { BrokerController } from '../broker-controller.js';
import { buildSubscriptionData, SUB_ALL, type SubscriptionData } from '../client-managers.js';
import { isReadable } from '../topic-config-manager.js';
import { isSqlType, SqlMessageFilter } from '../../filter/consumer-filter.js';
import { FilterParseError } from '../../filter/parser.js';

/** Tag filter on consume-queue codes: `*` matches everything, else the code set. */
export class TagCodeFilter implements MessageFilter {
  private readonly codes: Set<number> | undefined;
  constructor(sd: SubscriptionData | undefined) {
    this.codes = !sd || sd.subString === SUB_ALL || sd.codeSet.length === 0 ? undefined : new Set(sd.codeSet);
  }
  get all(): boolean {
    return this.codes === undefined;
  }
  isMatchedByConsumeQueue(tagsCode: number): boolean {
    if (!this.codes) return true;
    // Consume-queue codes are int64; tag hashes are int32 (Java compares tagsCode.intValue()).
    return this.codes.has(tagsCode | 0);
  }
}

export function pullResponseCode(status: GetMessageStatus, requestedOffset: number): number {
  switch (status) {
    case 'FOUND':
      return ResponseCode.SUCCESS;
    case 'NO_MATCHED_MESSAGE':
    case 'MESSAGE_WAS_REMOVING':
      return ResponseCode.PULL_RETRY_IMMEDIATELY;
    case 'OFFSET_FOUND_NULL':
    case 'OFFSET_OVERFLOW_ONE':
      return ResponseCode.PULL_NOT_FOUND;
    case 'NO_MESSAGE_IN_QUEUE':
    case 'NO_MATCHED_LOGIC_QUEUE':
      return requestedOffset !== 0 ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_NOT_FOUND;
    case 'OFFSET_OVERFLOW_BADLY':
    case 'OFFSET_TOO_SMALL':
      return ResponseCode.PULL_OFFSET_MOVED;
    default:
      return ResponseCode.SYSTEM_ERROR;
  }
}

export class PullMessageProcessor {
  /** Parsed header subscriptions, by expression (bounded). */
  private readonly subCache = new Map<string, SubscriptionData>();
  /** One filter per subscription object (heartbeat subscriptions are replaced, not mutated). */
  private readonly filters = new WeakMap<SubscriptionData, TagCodeFilter | SqlMessageFilter>();

  constructor(private readonly b: BrokerController) {}

  register(reg: (code: number, h: (req: RemotingCommand, conn: RemotingConnection) => RemotingCommand | null) => void): void {
    reg(RequestCode.PULL_MESSAGE, (req, conn) => this.processRequest(req, conn, true));
    reg(RequestCode.LITE_PULL_MESSAGE, (req, conn) => this.processRequest(req, conn, true));
  }

  private headerSubscription(topic: string, sub: string | undefined, type: string | undefined, version: number): SubscriptionData {
    const key = (type ?? 'TAG') + '\u0000' + topic + '\u0000' + (sub ?? SUB_ALL);
    let sd = this.subCache.get(key);
    if (!sd) {
      sd = buildSubscriptionData(topic, sub, type ?? 'TAG', version);
      if (this.subCache.size > 10_000) this.subCache.clear();
      this.subCache.set(key, sd);
    }
    return sd;
  }

  /** Runs one pull; returns null when the request was parked for long polling. */
  processRequest(req: RemotingCommand, conn: RemotingConnection, brokerAllowSuspend: boolean): RemotingCommand | null {
    const b = this.b;
    const h = PullMessageRequestHeader.decodeCommand(req);
    if (!isReadable(b.config.brokerPermission)) {
      return createResponse(req, ResponseCode.NO_PERMISSION, `the broker[${b.config.brokerIP1}] pulling message is forbidden`);
    }
    const sg = b.subscriptionGroupManager.findSubscriptionGroupConfig(h.consumerGroup);
    if (!sg) return createResponse(req, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group [${h.consumerGroup}] does not exist`);
    if (!sg.consumeEnable) return createResponse(req, ResponseCode.NO_PERMISSION, `subscription group no permission, ${h.consumerGroup}`);
    const hasSuspend = (h.sysFlag & PullSysFlag.SUSPEND) !== 0;
    const hasCommitOffset = (h.sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0;
    const hasSubscription = (h.sysFlag & PullSysFlag.SUBSCRIPTION) !== 0;
    const tc = b.topicConfigManager.get(h.topic);
    if (!tc) return createResponse(req, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist, apply first please!`);
    if (!isReadable(tc.perm)) return createResponse(req, ResponseCode.NO_PERMISSION, `the topic[${h.topic}] pulling message is forbidden`);
    if (h.queueId < 0 || h.queueId >= tc.readQueueNums) {
      return createResponse(
        req,
        ResponseCode.SYSTEM_ERROR,
        `queueId[${h.queueId}] is illegal, topic:[${h.topic}] topicConfig.readQueueNums:[${tc.readQueueNums}] consumer:[${conn.remoteAddress}]`,
      );
    }
    let sd: SubscriptionData | undefined;
    if (hasSubscription) {
      if (h.expressionType && h.expressionType.toUpperCase() !== 'TAG' && !isSqlType(h.expressionType)) {
        return createResponse(req, ResponseCode.SUBSCRIPTION_PARSE_FAILED, `The broker does not support consumer to filter message by ${h.expressionType}`);
      }
      sd = this.headerSubscription(h.topic, h.subscription, h.expressionType, h.subVersion);
    } else {
      const cg = b.consumerManager.getConsumerGroupInfo(h.consumerGroup);
      if (!cg) return createResponse(req, ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's group info not exist, group: ${h.consumerGroup}`);
      if (!sg.consumeBroadcastEnable && cg.messageModel === 'BROADCASTING') {
        return createResponse(req, ResponseCode.NO_PERMISSION, `the consumer group[${h.consumerGroup}] can not consume by broadcast way`);
      }
      sd = cg.subscriptionTable.get(h.topic);
      if (!sd) return createResponse(req, ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's subscription not exist, group: ${h.consumerGroup} topic: ${h.topic}`);
      if (sd.subVersion < h.subVersion) return createResponse(req, ResponseCode.SUBSCRIPTION_NOT_LATEST, `the consumer's subscription not latest`);
    }
    let filter = this.filters.get(sd);
    if (!filter) {
      if (isSqlType(sd.expressionType)) {
        // SQL92 (enablePropertyFilter): evaluated on each record's properties.
        if (!b.config.enablePropertyFilter) {
          return createResponse(req, ResponseCode.SYSTEM_ERROR, `The broker does not support consumer to filter message by ${sd.expressionType}`);
        }
        const sel = b.consumerFilterManager.get(h.consumerGroup, h.topic, sd.subString, sd.subVersion);
        if (sel instanceof FilterParseError) {
          return createResponse(req, ResponseCode.SUBSCRIPTION_PARSE_FAILED, `Invalid SQL92 expression "${sd.subString}": ${sel.message}`);
        }
        filter = new SqlMessageFilter(sel);
      } else filter = new TagCodeFilter(sd);
      this.filters.set(sd, filter);
    }
    const maxBytes = h.maxMsgBytes && h.maxMsgBytes > 0 ? Math.min(h.maxMsgBytes, b.config.maxTransferBytesOnMessageInMemory) : b.config.maxTransferBytesOnMessageInMemory;
    const maxNums = Math.min(Math.max(h.maxMsgNums, 1), b.config.maxTransferCountOnMessageInMemory);
    const r = b.store.getMessage(h.consumerGroup, h.topic, h.queueId, h.queueOffset, maxNums, maxBytes, filter);
    let code = pullResponseCode(r.status, h.queueOffset);
    const ext = {
      suggestWhichBrokerId: String(b.ha?.suggestWhichBrokerId(r, h.topic, h.queueId) ?? 0),
      nextBeginOffset: String(r.nextBeginOffset),
      minOffset: String(r.minOffset),
      maxOffset: String(r.maxOffset),
    };
    let response: RemotingCommand | null;
    if (code === ResponseCode.SUCCESS) {
      const body = r.messages.length === 1 ? r.messages[0]! : Buffer.concat(r.messages, r.bufferTotalSize || undefined);
      b.stats.onGet(r.messages.length);
      response = createResponse(req, code, r.status, ext, body);
    } else if (code === ResponseCode.PULL_NOT_FOUND && brokerAllowSuspend && hasSuspend) {
      const holdMs = b.config.longPollingEnable ? h.suspendTimeoutMillis : b.config.shortPollingTimeMills;
      b.pullRequestHoldService.suspend(
        {
          topic: h.topic,
          queueId: h.queueId,
          pullFromThisOffset: h.queueOffset,
          matches: filter.all ? undefined : (tagsCode) => filter.isMatchedByConsumeQueue(tagsCode),
          wake: () => {
            if (conn.closed) return;
            let res: RemotingCommand | null;
            try {
              res = this.processRequest(req, conn, false);
            } catch (e) {
              res = createResponse(req, ResponseCode.SYSTEM_ERROR, (e as Error).message);
            }
            if (res) conn.sendResponse(res);
          },
        },
        holdMs,
      );
      response = null;
    } else {
      response = createResponse(req, code, r.status, ext);
    }
    if (brokerAllowSuspend && hasCommitOffset && b.config.brokerRole !== 'SLAVE') {
      b.consumerOffsetManager.commitOffset(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
    }
    return response;
  }
}
