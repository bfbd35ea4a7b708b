/**
 * Message trace records in Apache RocketMQ's format (client TraceDataEncoder), stored as the body of
 * messages in RMQ_SYS_TRACE_TOPIC (or a customized trace topic). Each record's fields are joined by
 * CONTENT_SPLITOR (U+0001) and each record ends with FIELD_SPLITOR (U+0002); one trace message carries
 * many records, and its KEYS property lists every traced msgId (and message keys) so the broker's index
 * finds it by message id.
 *
 * | Type           | Fields after the type name, in order |
 * |----------------|---------------------------------------|
 * | Pub            | timestamp, regionId, groupName, topic, msgId, tags, keys, storeHost, bodyLength, costTime, msgType, offsetMsgId, success |
 * | SubBefore      | timestamp, regionId, groupName, requestId, msgId, retryTimes, keys |
 * | SubAfter       | requestId, msgId, costTime, success, keys, contextCode, timestamp |
 * | EndTransaction | timestamp, regionId, groupName, topic, msgId, tags, keys, storeHost, msgType, transactionId, transactionState, fromTransactionCheck |
 *
 * msgType is the MessageType ordinal: 0 Normal_Msg, 1 Trans_Msg_Half, 2 Trans_msg_Commit, 3 Delay_Msg,
 * 4 Order_Msg. contextCode is the ConsumeReturnType ordinal: 0 SUCCESS, 1 TIME_OUT, 2 EXCEPTION,
 * 3 RETURNNULL, 4 FAILED. Older writers omit trailing fields (Pub without offsetMsgId, SubAfter without
 * contextCode/timestamp); newer ones add clientHost to Pub. The decoder accepts all of them.
 */

export const CONTENT_SPLITOR = '\u0001';
export const FIELD_SPLITOR = '\u0002';
export const TRACE_TOPIC_DEFAULT = 'RMQ_SYS_TRACE_TOPIC';
export const TRACE_PRODUCER_GROUP_PREFIX = '_INNER_TRACE_PRODUCER';
export const DEFAULT_REGION = 'DefaultRegion';

export const MessageType = { Normal_Msg: 0, Trans_Msg_Half: 1, Trans_msg_Commit: 2, Delay_Msg: 3, Order_Msg: 4 } as const;
export const ConsumeReturnType = { SUCCESS: 0, TIME_OUT: 1, EXCEPTION: 2, RETURNNULL: 3, FAILED: 4 } as const;

export type TraceType = 'Pub' | 'SubBefore' | 'SubAfter' | 'EndTransaction';

/** One decoded (or to be encoded) trace record: the context fields and its one message. */
export interface TraceRecord {
  type: TraceType;
  timestamp: number;
  regionId: string;
  groupName: string;
  requestId: string;
  costTime: number;
  success: boolean;
  contextCode: number;
  topic: string;
  msgId: string;
  offsetMsgId: string;
  tags: string;
  keys: string;
  storeHost: string;
  clientHost: string;
  bodyLength: number;
  msgType: number;
  retryTimes: number;
  transactionId: string;
  transactionState: string;
  fromTransactionCheck: boolean;
}

export function emptyRecord(type: TraceType): TraceRecord {
  return {
    type, timestamp: 0, regionId: DEFAULT_REGION, groupName: '', requestId: '', costTime: 0, success: true, contextCode: 0,
    topic: '', msgId: '', offsetMsgId: '', tags: '', keys: '', storeHost: '', clientHost: '', bodyLength: 0, msgType: 0,
    retryTimes: 0, transactionId: '', transactionState: '', fromTransactionCheck: false,
  };
}

// Java's StringBuilder.append(null) writes "null"; keep that so Java readers parse our records alike.
const s = (v: string | undefined | null): string => (v === undefined || v === null ? 'null' : v);

/** One record as Apache's encoder writes it (ending with FIELD_SPLITOR). */
export function encodeTraceRecord(r: TraceRecord): string {
  let f: Array<string | number | boolean>;
  switch (r.type) {
    case 'Pub':
      f = [r.type, r.timestamp, s(r.regionId), s(r.groupName), s(r.topic), s(r.msgId), s(r.tags), s(r.keys), s(r.storeHost), r.bodyLength, r.costTime, r.msgType, s(r.offsetMsgId), r.success];
      break;
    case 'SubBefore':
      f = [r.type, r.timestamp, s(r.regionId), s(r.groupName), s(r.requestId), s(r.msgId), r.retryTimes, s(r.keys)];
      break;
    case 'SubAfter':
      f = [r.type, s(r.requestId), s(r.msgId), r.costTime, r.success, s(r.keys), r.contextCode, r.timestamp];
      break;
    case 'EndTransaction':
      f = [r.type, r.timestamp, s(r.regionId), s(r.groupName), s(r.topic), s(r.msgId), s(r.tags), s(r.keys), s(r.storeHost), r.msgType, s(r.transactionId), s(r.transactionState), r.fromTransactionCheck];
      break;
  }
  return f.join(CONTENT_SPLITOR) + FIELD_SPLITOR;
}

const int = (v: string | undefined): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

/** Decodes a trace message body; unknown or truncated records are skipped. */
export function decodeTraceData(data: string): TraceRecord[] {
  const out: TraceRecord[] = [];
  for (const rec of data.split(FIELD_SPLITOR)) {
    if (!rec) continue;
    const l = rec.split(CONTENT_SPLITOR);
    const t = l[0];
    if (t === 'Pub' && l.length >= 13) {
      const r = emptyRecord('Pub');
      r.timestamp = int(l[1]); r.regionId = l[2]!; r.groupName = l[3]!; r.topic = l[4]!; r.msgId = l[5]!; r.tags = l[6]!; r.keys = l[7]!;
      r.storeHost = l[8]!; r.bodyLength = int(l[9]); r.costTime = int(l[10]); r.msgType = int(l[11]);
      if (l.length === 13) r.success = l[12] === 'true';
      else {
        r.offsetMsgId = l[12]!;
        r.success = l[13] === 'true';
        if (l.length >= 15) r.clientHost = l[14]!;
      }
      out.push(r);
    } else if (t === 'SubBefore' && l.length >= 8) {
      const r = emptyRecord('SubBefore');
      r.timestamp = int(l[1]); r.regionId = l[2]!; r.groupName = l[3]!; r.requestId = l[4]!; r.msgId = l[5]!; r.retryTimes = int(l[6]); r.keys = l[7]!;
      out.push(r);
    } else if (t === 'SubAfter' && l.length >= 6) {
      const r = emptyRecord('SubAfter');
      r.requestId = l[1]!; r.msgId = l[2]!; r.costTime = int(l[3]); r.success = l[4] === 'true'; r.keys = l[5]!;
      if (l.length >= 7) r.contextCode = int(l[6]);
      if (l.length >= 8) r.timestamp = int(l[7]);
      out.push(r);
    } else if (t === 'EndTransaction' && l.length >= 13) {
      const r = emptyRecord('EndTransaction');
      r.timestamp = int(l[1]); r.regionId = l[2]!; r.groupName = l[3]!; r.topic = l[4]!; r.msgId = l[5]!; r.tags = l[6]!; r.keys = l[7]!;
      r.storeHost = l[8]!; r.msgType = int(l[9]); r.transactionId = l[10]!; r.transactionState = l[11]!; r.fromTransactionCheck = l[12] === 'true';
      out.push(r);
    }
  }
  return out;
}

/** The index keys of a record: its msgId and its message keys (as Apache's transKey set). */
export function traceKeys(r: TraceRecord): string[] {
  const k = [r.msgId];
  if (r.keys && r.keys !== 'null') k.push(r.keys);
  return k;
}
