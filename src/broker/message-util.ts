/**
 * Small helpers on encoded property strings (name\x01value\x02...) and stored records, used by the
 * send, send-back and schedule paths. The send hot path only appends; decode/re-encode is for the
 * colder retry and delay paths.
 */
import { decodeProperties, encodeProperties, NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR, type Properties } from '../message/properties.js';
import { encodeSocketAddress, parseSocketAddress, type SocketAddress } from '../message/socket-address.js';

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
