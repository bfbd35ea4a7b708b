/**
 * Turns a PULL_MESSAGE response body (stored records, concatenated) into MessageExt objects:
 * decode with the shared record codec, inflate compressed bodies, filter by tag string again
 * (the broker only compared hash codes), and stamp queue min/max offsets as RocketMQ's
 * PullAPIWrapper.processPullResult does.
 */
import { inflateSync } from 'node:zlib';
import { decodeRecord, type MessageExt as StoredRecord } from '../message/message-record.js';
import { PROPERTY, SYS_FLAG } from '../message/message-const.js';
import { componentLogger } from '../common/logger.js';
import { MessageExt } from './message.js';
import { tagMatches, type SubscriptionData } from './subscription.js';

const log = componentLogger('client');

export function recordToMessageExt(r: StoredRecord, brokerName: string): MessageExt {
  let body = r.body;
  let sysFlag = r.sysFlag;
  if ((sysFlag & SYS_FLAG.COMPRESSED) !== 0) {
    const type = sysFlag & SYS_FLAG.COMPRESSION_TYPE_MASK;
    // Type 0 comes from senders before 4.9.4 and means zlib.
    if (type === 0 || type === SYS_FLAG.COMPRESSION_ZLIB) {
      try {
        body = inflateSync(body);
        sysFlag &= ~SYS_FLAG.COMPRESSED;
      } catch (e) {
        log.warn({ err: e, offsetMsgId: r.offsetMsgId }, 'cannot inflate message body, delivering it compressed');
      }
    } else {
      log.warn({ type, offsetMsgId: r.offsetMsgId }, 'unsupported compression type, delivering the body compressed');
    }
  }
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
    let r: StoredRecord;
    try {
      r = decodeRecord(body, off);
    } catch (e) {
      // As RocketMQ's client does: keep the messages decoded so far, drop the undecodable rest
      // (the pull continues at the broker's nextBeginOffset), and say so loudly.
      log.error({ err: e, brokerName, byteOffset: off, bodyBytes: body.length, decoded: out.length }, 'undecodable message in pull response, skipping the rest of the batch');
      break;
    }
    off += r.storeSize;
    if (sub && !tagMatches(sub, r.properties[PROPERTY.TAGS])) continue;
    const m = recordToMessageExt(r, brokerName);
    m.properties[PROPERTY.MIN_OFFSET] = minS;
    m.properties[PROPERTY.MAX_OFFSET] = maxS;
    out.push(m);
  }
  return out;
}
