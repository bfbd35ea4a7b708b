/** How the message commands show one stored message: mqadmin's labelled lines, or a JSON object. */
import { inflateSync } from 'node:zlib';
import { formatTimestamp } from '../../cli/format.js';
import { formatSocketAddress } from '../../message/socket-address.js';
import { PROPERTY, SYS_FLAG } from '../../message/message-const.js';
import type { MessageExt } from '../../message/message-record.js';

/** The body as the producer sent it (zlib-compressed bodies inflated; a bad one is shown raw). */
export function messageBody(m: MessageExt): Buffer {
  if ((m.sysFlag & SYS_FLAG.COMPRESSED) !== 0) {
    try {
      return inflateSync(m.body);
    } catch {
      return m.body;
    }
  }
  return m.body;
}

/** Client-visible message id: the UNIQ_KEY when the producer set one, else the offset id. */
export function messageId(m: MessageExt): string {
  return m.properties[PROPERTY.UNIQ_KEY] ?? m.offsetMsgId;
}

export function messageJson(m: MessageExt): Record<string, unknown> {
  return {
    msgId: messageId(m),
    offsetMsgId: m.offsetMsgId,
    topic: m.topic,
    tags: m.properties[PROPERTY.TAGS] ?? null,
    keys: m.properties[PROPERTY.KEYS] ?? null,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    commitLogOffset: m.commitLogOffset,
    reconsumeTimes: m.reconsumeTimes,
    bornTimestamp: m.bornTimestamp,
    storeTimestamp: m.storeTimestamp,
    bornHost: formatSocketAddress(m.bornHost),
    storeHost: formatSocketAddress(m.storeHost),
    sysFlag: m.sysFlag,
    flag: m.flag,
    properties: m.properties,
    body: messageBody(m).toString('utf8'),
  };
}

export function messageText(m: MessageExt): string {
  const line = (k: string, v: unknown): string => `${(k + ':').padEnd(20)} ${String(v)}`;
  return [
    line('OffsetID', m.offsetMsgId),
    line('MsgId', messageId(m)),
    line('Topic', m.topic),
    line('Tags', `[${m.properties[PROPERTY.TAGS] ?? ''}]`),
    line('Keys', `[${m.properties[PROPERTY.KEYS] ?? ''}]`),
    line('Queue ID', m.queueId),
    line('Queue Offset', m.queueOffset),
    line('CommitLog Offset', m.commitLogOffset),
    line('Reconsume Times', m.reconsumeTimes),
    line('Born Timestamp', formatTimestamp(m.bornTimestamp)),
    line('Store Timestamp', formatTimestamp(m.storeTimestamp)),
    line('Born Host', formatSocketAddress(m.bornHost)),
    line('Store Host', formatSocketAddress(m.storeHost)),
    line('System Flag', m.sysFlag),
    line('Properties', JSON.stringify(m.properties)),
    line('Message Body', messageBody(m).toString('utf8')),
  ].join('\n');
}
