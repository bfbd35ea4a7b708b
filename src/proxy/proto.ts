/**
 * The apache.rocketmq.v2 protos, loaded at run time from the copy the rocketmq-client-nodejs package
 * ships (node_modules/rocketmq-client-nodejs/proto), never hand-written. Messages are plain objects with
 * camelCase fields, enums as numbers, int64 as numbers, bytes as Buffers.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

export function protoDir(): string {
  // package.json is not exported by every package; resolve the main file and walk up.
  const main = require.resolve('rocketmq-client-nodejs');
  return join(dirname(main), '..', 'proto');
}

let cached: grpc.ServiceDefinition | undefined;

export function messagingServiceDefinition(): grpc.ServiceDefinition {
  if (cached) return cached;
  const dir = protoDir();
  const def = protoLoader.loadSync(['apache/rocketmq/v2/service.proto'], {
    includeDirs: [dir],
    keepCase: false,
    longs: Number,
    enums: Number,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { apache: { rocketmq: { v2: { MessagingService: { service: grpc.ServiceDefinition } } } } };
  cached = pkg.apache.rocketmq.v2.MessagingService.service;
  return cached;
}

/** v2 Code values (definition.proto). */
export const Code = {
  OK: 20000,
  MULTIPLE_RESULTS: 30000,
  BAD_REQUEST: 40000,
  ILLEGAL_TOPIC: 40002,
  ILLEGAL_CONSUMER_GROUP: 40003,
  ILLEGAL_MESSAGE_TAG: 40004,
  ILLEGAL_MESSAGE_GROUP: 40006,
  INVALID_TRANSACTION_ID: 40008,
  ILLEGAL_FILTER_EXPRESSION: 40010,
  ILLEGAL_INVISIBLE_TIME: 40011,
  ILLEGAL_DELIVERY_TIME: 40012,
  INVALID_RECEIPT_HANDLE: 40013,
  MESSAGE_PROPERTY_CONFLICT_WITH_TYPE: 40014,
  UNRECOGNIZED_CLIENT_TYPE: 40015,
  CLIENT_ID_REQUIRED: 40017,
  ILLEGAL_POLLING_TIME: 40018,
  FORBIDDEN: 40300,
  NOT_FOUND: 40400,
  MESSAGE_NOT_FOUND: 40401,
  TOPIC_NOT_FOUND: 40402,
  CONSUMER_GROUP_NOT_FOUND: 40403,
  MESSAGE_BODY_TOO_LARGE: 41301,
  TOO_MANY_REQUESTS: 42900,
  MESSAGE_PROPERTIES_TOO_LARGE: 43101,
  INTERNAL_ERROR: 50000,
  INTERNAL_SERVER_ERROR: 50001,
  HA_NOT_AVAILABLE: 50002,
  NOT_IMPLEMENTED: 50100,
  PROXY_TIMEOUT: 50400,
  MASTER_PERSISTENCE_TIMEOUT: 50401,
  SLAVE_PERSISTENCE_TIMEOUT: 50402,
  UNSUPPORTED: 50500,
} as const;

export const Permission = { NONE: 1, READ: 2, WRITE: 3, READ_WRITE: 4 } as const;
export const MessageType = { NORMAL: 1, FIFO: 2, DELAY: 3, TRANSACTION: 4 } as const;
export const ClientType = { PRODUCER: 1, PUSH_CONSUMER: 2, SIMPLE_CONSUMER: 3, PULL_CONSUMER: 4 } as const;
export const FilterType = { TAG: 1, SQL: 2 } as const;
export const DigestType = { CRC32: 1, MD5: 2, SHA1: 3 } as const;
export const Encoding = { IDENTITY: 1, GZIP: 2 } as const;
export const TransactionResolution = { COMMIT: 1, ROLLBACK: 2 } as const;

export interface Timestamp {
  seconds: number;
  nanos: number;
}
export interface Duration {
  seconds: number;
  nanos: number;
}

export const toTimestamp = (ms: number): Timestamp => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });
export const fromTimestamp = (t: Timestamp | null | undefined): number | undefined => (t ? Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1_000_000) : undefined);
export const toDuration = (ms: number): Duration => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });
export const fromDuration = (d: Duration | null | undefined): number | undefined => (d ? Number(d.seconds) * 1000 + Math.floor((d.nanos ?? 0) / 1_000_000) : undefined);
