/**
 * REGISTER_BROKER body (remoting-protocol.md §6.7, §8.6): RegisterBrokerBody JSON, or, when the
 * request header says `compressed=true`, Java's deflated binary form:
 *
 * | Size | Field (all inside one zlib/deflate stream, integers big-endian)                     |
 * |------|--------------------------------------------------------------------------------------|
 * | 4    | D = DataVersion JSON length                                                          |
 * | D    | DataVersion JSON                                                                     |
 * | 4    | N = number of topic configs                                                          |
 * | N x  | int32 length + TopicConfig text "name read write perm filterType [attributesJson]"   |
 * |      | (fields separated by one space, as TopicConfig.encode writes them)                   |
 * | 4    | F = filter server list JSON length, then F bytes                                     |
 * | 4    | M = topic queue mapping count (5.x brokers only), then M x (int32 length + JSON)     |
 *
 * Requests with `version` < 37 (V3_0_11) carry a bare TopicConfigSerializeWrapper instead.
 * `bodyCrc32` in the header is CRC32(body) & 0x7FFFFFFF, checked when non-zero.
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { RmqError } from '../../common/errors.js';
import { parseFastjson, toFastjson } from './fastjson.js';
import type { DataVersion, RegisterBrokerBody, TopicConfig, TopicConfigSerializeWrapper } from './types.js';
import { readInt32BE, writeInt32BE } from '../../common/bytes.js';

/** MQVersion V3_0_11: from this version on the body is a RegisterBrokerBody. */
export const REGISTER_BODY_MIN_VERSION = 37;
/** MQVersion V5_0_0: compressed bodies from here on carry the topic queue mapping section. */
export const V5_0_0 = 413;
/** Bound on an inflated body, so a hostile peer cannot make us allocate without limit. */
const MAX_INFLATED_BYTES = 256 * 1024 * 1024;

export class RegisterBrokerBodyError extends RmqError {
  constructor(message: string, cause?: unknown) {
    super('BAD_REGISTER_BODY', message, { cause });
    this.name = 'RegisterBrokerBodyError';
  }
}

/** CRC32 of a body as Java's UtilAll.crc32 reports it (masked to 31 bits). */
export function bodyCrc32(body: Buffer | undefined): number {
  if (body === undefined || body.length === 0) return 0;
  return crc32(body) & 0x7fffffff;
}

function asDataVersion(v: unknown): DataVersion {
  const o = (v ?? {}) as Partial<DataVersion>;
  const out: DataVersion = { timestamp: Number(o.timestamp ?? 0), counter: Number(o.counter ?? 0) };
  if (o.stateVersion !== undefined) out.stateVersion = Number(o.stateVersion);
  return out;
}

function asTopicConfig(name: string, v: unknown): TopicConfig {
  const o = (v ?? {}) as Partial<TopicConfig>;
  const tc: TopicConfig = {
    topicName: typeof o.topicName === 'string' ? o.topicName : name,
    readQueueNums: Number(o.readQueueNums ?? 16),
    writeQueueNums: Number(o.writeQueueNums ?? 16),
    perm: Number(o.perm ?? 6),
    topicFilterType: typeof o.topicFilterType === 'string' ? o.topicFilterType : 'SINGLE_TAG',
    topicSysFlag: Number(o.topicSysFlag ?? 0),
    order: o.order === true,
  };
  if (o.attributes && typeof o.attributes === 'object') tc.attributes = o.attributes as Record<string, string>;
  return tc;
}

/** Normalises a parsed TopicConfigSerializeWrapper (tolerates missing fields, keeps 5.x extras). */
export function asTopicConfigWrapper(v: unknown): TopicConfigSerializeWrapper {
  const o = (v ?? {}) as Record<string, unknown>;
  const table: Record<string, TopicConfig> = {};
  const raw = o['topicConfigTable'];
  if (raw instanceof Map) throw new RegisterBrokerBodyError('topicConfigTable has non-string keys');
  for (const [name, tc] of Object.entries((raw ?? {}) as Record<string, unknown>)) table[name] = asTopicConfig(name, tc);
  const out: TopicConfigSerializeWrapper = { topicConfigTable: table, dataVersion: asDataVersion(o['dataVersion']) };
  if (o['topicQueueMappingInfoMap'] !== undefined) out.topicQueueMappingInfoMap = o['topicQueueMappingInfoMap'] as Record<string, unknown>;
  if (o['topicQueueMappingDetailMap'] !== undefined) out.topicQueueMappingDetailMap = o['topicQueueMappingDetailMap'] as Record<string, unknown>;
  if (o['mappingDataVersion'] !== undefined) out.mappingDataVersion = asDataVersion(o['mappingDataVersion']);
  return out;
}

/** Decodes a REGISTER_BROKER body. Throws RegisterBrokerBodyError. */
export function decodeRegisterBrokerBody(body: Buffer | undefined, opts: { compressed?: boolean; version?: number } = {}): RegisterBrokerBody {
  const version = opts.version ?? REGISTER_BODY_MIN_VERSION;
  if (body === undefined || body.length === 0) {
    return { topicConfigSerializeWrapper: { topicConfigTable: {}, dataVersion: { timestamp: 0, counter: 0 } }, filterServerList: [] };
  }
  if (opts.compressed) return decodeCompressed(body, version);
  let parsed: unknown;
  try {
    parsed = parseFastjson(body);
  } catch (e) {
    throw new RegisterBrokerBodyError(`register body is not JSON: ${(e as Error).message}`, e);
  }
  if (parsed === null || typeof parsed !== 'object') throw new RegisterBrokerBodyError('register body is not an object');
  const o = parsed as Record<string, unknown>;
  if (version < REGISTER_BODY_MIN_VERSION) {
    return { topicConfigSerializeWrapper: asTopicConfigWrapper(o), filterServerList: [] };
  }
  const fsl = o['filterServerList'];
  return {
    topicConfigSerializeWrapper: asTopicConfigWrapper(o['topicConfigSerializeWrapper']),
    filterServerList: Array.isArray(fsl) ? fsl.map(String) : [],
  };
}

function decodeCompressed(body: Buffer, version: number): RegisterBrokerBody {
  let data: Buffer;
  try {
    data = inflateSync(body, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (e) {
    throw new RegisterBrokerBodyError(`compressed register body does not inflate: ${(e as Error).message}`, e);
  }
  let pos = 0;
  const int = (): number => {
    if (pos + 4 > data.length) throw new RegisterBrokerBodyError('compressed register body truncated');
    const v = readInt32BE(data, pos);
    pos += 4;
    if (v < 0) throw new RegisterBrokerBodyError(`negative length ${v} in compressed register body`);
    return v;
  };
  const bytes = (n: number): string => {
    if (pos + n > data.length) throw new RegisterBrokerBodyError('compressed register body truncated');
    const s = data.toString('utf8', pos, pos + n);
    pos += n;
    return s;
  };
  try {
    const dataVersion = asDataVersion(parseFastjson(bytes(int())));
    const topicConfigTable: Record<string, TopicConfig> = {};
    const n = int();
    for (let i = 0; i < n; i++) {
      const parts = bytes(int()).split(' ');
      if (parts.length < 5) throw new RegisterBrokerBodyError(`bad topic config entry "${parts.join(' ')}"`);
      const tc: TopicConfig = {
        topicName: parts[0]!,
        readQueueNums: Number(parts[1]),
        writeQueueNums: Number(parts[2]),
        perm: Number(parts[3]),
        topicFilterType: parts[4]!,
        topicSysFlag: 0,
        order: false,
      };
      // Attributes JSON may itself contain spaces; it is everything after the fifth separator.
      if (parts.length >= 6 && parts.slice(5).join(' ') !== '') tc.attributes = parseFastjson(parts.slice(5).join(' ')) as Record<string, string>;
      topicConfigTable[tc.topicName] = tc;
    }
    const filterServerList = (parseFastjson(bytes(int())) as unknown[] | null) ?? [];
    const wrapper: TopicConfigSerializeWrapper = { topicConfigTable, dataVersion };
    if (version >= V5_0_0 && pos < data.length) {
      const m = int();
      const mapping: Record<string, unknown> = {};
      for (let i = 0; i < m; i++) {
        const info = parseFastjson(bytes(int())) as { topic?: string };
        mapping[String(info?.topic ?? i)] = info;
      }
      wrapper.topicQueueMappingInfoMap = mapping;
    }
    return { topicConfigSerializeWrapper: wrapper, filterServerList: filterServerList.map(String) };
  } catch (e) {
    if (e instanceof RegisterBrokerBodyError) throw e;
    throw new RegisterBrokerBodyError(`bad compressed register body: ${(e as Error).message}`, e);
  }
}

/** Encodes a REGISTER_BROKER body; `compressed` selects Java's deflated form (with the 5.x mapping section). */
export function encodeRegisterBrokerBody(body: RegisterBrokerBody, compressed = false): Buffer {
  if (!compressed) return Buffer.from(toFastjson(body), 'utf8');
  const chunks: Buffer[] = [];
  const putInt = (n: number) => {
    const b = Buffer.allocUnsafe(4);
    writeInt32BE(b, n, 0);
    chunks.push(b);
  };
  const putText = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    putInt(b.length);
    chunks.push(b);
  };
  const w = body.topicConfigSerializeWrapper;
  putText(toFastjson(w.dataVersion));
  const topics = Object.values(w.topicConfigTable);
  putInt(topics.length);
  for (const tc of topics) {
    putText(`${tc.topicName} ${tc.readQueueNums} ${tc.writeQueueNums} ${tc.perm} ${tc.topicFilterType} ${tc.attributes ? toFastjson(tc.attributes) : ''}`);
  }
  putText(toFastjson(body.filterServerList));
  const mapping = Object.values(w.topicQueueMappingInfoMap ?? {});
  putInt(mapping.length);
  for (const m of mapping) putText(toFastjson(m));
  return deflateSync(Buffer.concat(chunks), { level: 9 });
}
