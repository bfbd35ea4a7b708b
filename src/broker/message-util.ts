/**
 * Small helpers on encoded property strings (name\x01value\x02...) and stored records, used by the
 * send, send-back and schedule paths. The send hot path only appends; decode/re-encode is for the
 * colder retry and delay paths.
 */
import { decodeProperties, encodeProperties, NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR, type Properties } from '../message/properties.js';
import { encodeSocketAddress, parseSocketAddress, type SocketAddress } from '../message/socket-address.js';
import { javaStringHashCode } from '../common/java-hash.js';
import { PROPERTY } from '../message/message-const.js';
import type { MessageInner } from '../store/types.js';
import type { MessageExt as StoredRecord } from '../message/message-record.js';

/** Appends name=value to an encoded properties string (no check for an existing key). */
export function appendProperty(props: string, name: string, value: string): string {
  if (props.length === 0) return name + NAME_VALUE_SEPARATOR + value;
  const sep = props.charCodeAt(props.length - 1) === 2 ? '' : PROPERTY_SEPARATOR;
  return props + sep + name + NAME_VALUE_SEPARATOR + value;
}

/** Appends one encoded properties string to another. */
export function concatProperties(a: string, b: string): string {
  if (!a) return b;
  if (!b) return a;
  return a.charCodeAt(a.length - 1) === 2 ? a + b : a + PROPERTY_SEPARATOR + b;
}

/** Encodes properties without the trailing separator, as a Java broker stores them. */
export function encodePropertiesStored(props: Properties): string {
  const s = encodeProperties(props);
  return s.endsWith(PROPERTY_SEPARATOR) ? s.slice(0, -1) : s;
}

export function removeProperties(props: string, names: string[]): string {
  const p = decodeProperties(props);
  let changed = false;
  for (const n of names) {
    if (n in p) {
      delete p[n];
      changed = true;
    }
  }
  return changed ? encodePropertiesStored(p) : props;
}

/** "ip:port" -> record host bytes; 127.0.0.1:0 when the address cannot be parsed. */
export function hostBytes(addr: string): Buffer {
  try {
    const a = parseSocketAddress(addr);
    return encodeSocketAddress(a.address, a.port);
  } catch {
    return encodeSocketAddress('127.0.0.1', 0);
  }
}

export function socketAddressBytes(a: SocketAddress): Buffer {
  return encodeSocketAddress(a.address, a.port);
}

/**
 * A record the broker writes for itself (pop revive checkpoints, transaction op records): queue 0,
 * born and stored here, filtered by `tag` (TAGS plus its hash as the consume-queue tagsCode).
 * `moreProperties` is appended to the TAGS property as encoded text.
 */
export function brokerRecord(storeHost: Buffer, topic: string, tag: string, body: Buffer, moreProperties = ''): MessageInner {
  return {
    topic,
    queueId: 0,
    flag: 0,
    body,
    properties: `${PROPERTY.TAGS}\u0001${tag}` + moreProperties,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: storeHost,
    storeHost,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    tagsCode: javaStringHashCode(tag),
  };
}

/** What changes when a stored record is put again (the rest is kept; see reputRecord). */
export type RecordChange = Pick<MessageInner, 'topic' | 'queueId' | 'properties'> &
  Partial<Pick<MessageInner, 'sysFlag' | 'reconsumeTimes' | 'preparedTransactionOffset' | 'tagsCode'>>;

/**
 * A stored record put again (delay and timer delivery, retry and DLQ moves, transaction commits):
 * flag, body (copied out of the read buffer), born time and host, sysFlag, reconsumeTimes and
 * preparedTransactionOffset are kept unless `change` sets them; stored by this broker.
 */
export function reputRecord(m: StoredRecord, storeHost: Buffer, change: RecordChange): MessageInner {
  return {
    flag: m.flag,
    body: Buffer.from(m.body),
    sysFlag: m.sysFlag,
    bornTimestamp: m.bornTimestamp,
    bornHost: socketAddressBytes(m.bornHost),
    storeHost,
    reconsumeTimes: m.reconsumeTimes,
    preparedTransactionOffset: m.preparedTransactionOffset,
    ...change,
  };
}
