/**
 * Turns a PULL_MESSAGE response body (stored records, concatenated) into MessageExt objects:
 * decode with the shared record codec, inflate compressed bodies, filter by tag string again
 * (the broker only compared hash codes), and stamp queue min/max offsets as RocketMQ's
 * PullAPIWrapper.processPullResult does.
 */
import { inflateSync } from 'node:zlib';
import { decodeTopic, newRecordScan, scanRecord, type MessageExt as StoredRecord } from '../message/message-record.js';
import { decodePropertiesBytes } from '../message/properties.js';
import { decodeSocketAddress } from '../message/socket-address.js';
import { createOffsetMessageIdAt } from '../message/message-id.js';
import { PROPERTY, SYS_FLAG } from '../message/message-const.js';
import { componentLogger } from '../common/logger.js';
import { MessageExt } from './message.js';
import { tagMatches, type SubscriptionData } from './subscription.js';

const log = componentLogger('client');

export function recordToMessageExt(r: StoredRecord, brokerName: string): MessageExt {
  let body = r.body;
  let sysFlag = r.sysFlag;
  if ((sysFlag & SYS_FLAG.COMPRESSED) !== 0) ({ body, sysFlag } = inflateBody(body, sysFlag, r.offsetMsgId));
  const m = new MessageExt(r.topic, body);
  m.properties = r.properties;
  m.flag = r.flag;
  m.brokerName = brokerName;
  m.queueId = r.queueId;
  m.queueOffset = r.queueOffset;
  m.commitLogOffset = r.commitLogOffset;
  m.storeSize = r.storeSize;
  m.bodyCRC = r.bodyCrc;
  m.sysFlag = sysFlag;
  m.bornTimestamp = r.bornTimestamp;
  m.bornHostAddress = r.bornHost;
  m.storeTimestamp = r.storeTimestamp;
  m.storeHostAddress = r.storeHost;
  m.reconsumeTimes = r.reconsumeTimes;
  m.preparedTransactionOffset = r.preparedTransactionOffset;
  m.offsetMsgId = r.offsetMsgId;
  m.msgId = r.properties[PROPERTY.UNIQ_KEY] ?? r.offsetMsgId;
  if (r.properties[PROPERTY.TRAN_MSG] === 'true') m.transactionId = m.properties[PROPERTY.UNIQ_KEY];
  return m;
}

const scan = newRecordScan();

/**
 * MessageExt straight from the record bytes (the record described by `scan`): no intermediate record
 * object, no properties string, host/topic text and id hex from the shared decode caches. Same result
 * as recordToMessageExt(decodeRecord(...)).
 */
function pulledMessageExt(buf: Buffer, brokerName: string): MessageExt {
  const r = scan;
  const sysFlag = r.sysFlag;
  const storeV6 = (sysFlag & SYS_FLAG.STOREHOST_V6) !== 0;
  const properties = decodePropertiesBytes(buf, r.propertiesStart, r.propertiesEnd);
  const offsetMsgId = createOffsetMessageIdAt(buf, r.storeHostAt, r.storeHostAt + (storeV6 ? 20 : 8), r.commitLogOffset);
  let body = buf.subarray(r.bodyStart, r.bodyEnd);
  let flag = sysFlag;
  if ((sysFlag & SYS_FLAG.COMPRESSED) !== 0) ({ body, sysFlag: flag } = inflateBody(body, sysFlag, offsetMsgId));
  const m = new MessageExt(decodeTopic(buf, r.topicStart, r.topicEnd), body);
  m.properties = properties;
  m.flag = r.flag;
  m.brokerName = brokerName;
  m.queueId = r.queueId;
  m.queueOffset = r.queueOffset;
  m.commitLogOffset = r.commitLogOffset;
  m.storeSize = r.storeSize;
  m.bodyCRC = r.bodyCrc;
  m.sysFlag = flag;
  m.bornTimestamp = r.bornTimestamp;
  m.bornHostAddress = decodeSocketAddress(buf, r.bornHostAt, (sysFlag & SYS_FLAG.BORNHOST_V6) !== 0);
  m.storeTimestamp = r.storeTimestamp;
  m.storeHostAddress = decodeSocketAddress(buf, r.storeHostAt, storeV6);
  m.reconsumeTimes = r.reconsumeTimes;
  m.preparedTransactionOffset = r.preparedTransactionOffset;
  m.offsetMsgId = offsetMsgId;
  m.msgId = properties[PROPERTY.UNIQ_KEY] ?? offsetMsgId;
  if (properties[PROPERTY.TRAN_MSG] === 'true') m.transactionId = properties[PROPERTY.UNIQ_KEY];
  return m;
}

function inflateBody(body: Buffer, sysFlag: number, offsetMsgId: string): { body: Buffer; sysFlag: number } {
  const type = sysFlag & SYS_FLAG.COMPRESSION_TYPE_MASK;
  // Type 0 comes from senders before 4.9.4 and means zlib.
  if (type === 0 || type === SYS_FLAG.COMPRESSION_ZLIB) {
    try {
      return { body: inflateSync(body), sysFlag: sysFlag & ~SYS_FLAG.COMPRESSED };
    } catch (e) {
      log.warn({ err: e, offsetMsgId }, 'cannot inflate message body, delivering it compressed');
    }
  } else {
    log.warn({ type, offsetMsgId }, 'unsupported compression type, delivering the body compressed');
  }
  return { body, sysFlag };
}

export function decodePulledMessages(
  body: Buffer,
  brokerName: string,
  minOffset: number,
  maxOffset: number,
  sub?: SubscriptionData,
): MessageExt[] {
  const out: MessageExt[] = [];
  const minS = String(minOffset);
  const maxS = String(maxOffset);
  let off = 0;
  while (off < body.length) {
    let m: MessageExt;
    try {
      scanRecord(body, off, scan);
      m = pulledMessageExt(body, brokerName);
    } catch (e) {
      // As RocketMQ's client does: keep the messages decoded so far, drop the undecodable rest
      // (the pull continues at the broker's nextBeginOffset), and say so loudly.
      log.error({ err: e, brokerName, byteOffset: off, bodyBytes: body.length, decoded: out.length }, 'undecodable message in pull response, skipping the rest of the batch');
      break;
    }
    off += scan.storeSize;
    if (sub && !tagMatches(sub, m.properties[PROPERTY.TAGS])) continue;
    m.properties[PROPERTY.MIN_OFFSET] = minS;
    m.properties[PROPERTY.MAX_OFFSET] = maxS;
    out.push(m);
  }
  return out;
}
