import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetMaxOffsetRequestHeader,
  PullMessageRequestHeader,
  SendMessageRequestHeader,
  SendMessageRequestHeaderV2,
  SEND_MESSAGE_V2_KEYS,
  sendHeaderFromV2,
  sendHeaderToV2,
  RegisterBrokerRequestHeader,
  HeaderError,
  RequestCode,
  requestCodeName,
  ResponseCode,
  responseCodeName,
  languageCodeOf,
  languageNameOf,
} from './index.js';

const send = {
  producerGroup: 'PG',
  topic: 'T',
  defaultTopic: 'TBW102',
  defaultTopicQueueNums: 4,
  queueId: 1,
  sysFlag: 0,
  bornTimestamp: 1700000000123,
  flag: 0,
  properties: 'KEYS\u0001k\u0002',
  reconsumeTimes: 0,
  unitMode: false,
  batch: false,
  brokerName: 'broker-a',
};

test('header: encode writes strings and drops undefined, decode coerces back', () => {
  const ext = SendMessageRequestHeader.encode(send);
  assert.equal(ext['bornTimestamp'], '1700000000123');
  assert.equal(ext['unitMode'], 'false');
  assert.equal('maxReconsumeTimes' in ext, false);
  assert.equal(ext['bname'], 'broker-a');
  assert.deepEqual(SendMessageRequestHeader.decode(ext), send);
});

test('header: native JSON numbers and booleans (ali-ons) are coerced', () => {
  const h = PullMessageRequestHeader.decode({
    consumerGroup: 'G', topic: 'T', queueId: 3, queueOffset: 10, maxMsgNums: 32, sysFlag: 6,
    commitOffset: 0, suspendTimeoutMillis: 15000, subVersion: 1, subscription: '*', lo: true,
  });
  assert.equal(h.queueId, 3);
  assert.equal(h.lo, true);
  assert.equal(h.subscription, '*');
});

test('header: missing required field gives Java\'s message', () => {
  assert.throws(() => GetMaxOffsetRequestHeader.decode({ topic: 'T' }), (e: unknown) =>
    e instanceof HeaderError && e.message === 'the custom field queueId is null');
  assert.throws(() => GetMaxOffsetRequestHeader.decode({ topic: 'T', queueId: 'x' }), HeaderError);
  assert.throws(() => GetMaxOffsetRequestHeader.decode({ topic: 'T', queueId: '99999999999' }), HeaderError);
  assert.throws(() => GetMaxOffsetRequestHeader.validate({ topic: 'T' }), HeaderError);
  GetMaxOffsetRequestHeader.validate({ topic: 'T', queueId: 1 });
});

test('header: boolean follows Boolean.parseBoolean', () => {
  const base = { brokerName: 'b', brokerAddr: 'a', clusterName: 'c', haServerAddr: 'h', brokerId: '0' };
  assert.equal(RegisterBrokerRequestHeader.decode({ ...base, compressed: 'TRUE' }).compressed, true);
  assert.equal(RegisterBrokerRequestHeader.decode({ ...base, compressed: 'yes' }).compressed, false);
});

test('header: SEND_MESSAGE_V2 a..n mapping both ways', () => {
  const v2 = SendMessageRequestHeaderV2.encode(send);
  assert.equal(v2['a'], 'PG');
  assert.equal(v2['g'], '1700000000123');
  assert.equal('producerGroup' in v2, false);
  assert.equal(v2['n'], 'broker-a');
  assert.deepEqual(SendMessageRequestHeaderV2.decode(v2), send);
  const v1 = SendMessageRequestHeader.encode(send);
  assert.deepEqual(sendHeaderToV2(v1), v2);
  assert.deepEqual(sendHeaderFromV2(v2), v1);
  assert.deepEqual(Object.values(SEND_MESSAGE_V2_KEYS), 'abcdefghijklmn'.split(''));
  assert.throws(() => SendMessageRequestHeaderV2.decode({ b: 'T' }), /the custom field a is null/);
});

test('codes: name <-> number lookups', () => {
  assert.equal(RequestCode.SEND_MESSAGE_V2, 310);
  assert.equal(requestCodeName(105), 'GET_ROUTEINFO_BY_TOPIC');
  assert.equal(requestCodeName(200050), 'POP_MESSAGE');
  assert.equal(requestCodeName(99999), undefined);
  assert.equal(ResponseCode.TOPIC_NOT_EXIST, 17);
  assert.equal(responseCodeName(209), 'POLLING_FULL');
  assert.equal(languageCodeOf('JAVA'), 0);
  assert.equal(languageCodeOf('NODE_JS'), 13);
  assert.equal(languageNameOf(9), 'GO');
  assert.equal(languageNameOf(200), 'OTHER');
});

test('header: decodeCommand reads a binary frame exactly as decode reads its extFields', async () => {
  const fc = (await import('fast-check')).default;
  const { decodeFrame, encodeFrame } = await import('../remoting/frame-codec.js');
  const { createRequest, SERIALIZE_ROCKETMQ } = await import('./remoting-command.js');
  const value = fc.oneof(
    fc.integer({ min: -3_000_000_000, max: 3_000_000_000 }).map(String),
    fc.constantFrom('', '+5', '-0', '007', '1e3', ' 4', 'true', 'TRUE', 'false', 'tRuE', 'x', '9007199254740993', 'ü', '12a'),
    fc.string({ maxLength: 50 }),
  );
  const outcome = (fn: () => unknown): unknown => {
    try {
      return { ok: fn() };
    } catch (e) {
      return { err: (e as Error).message };
    }
  };
  for (const codec of [PullMessageRequestHeader, SendMessageRequestHeaderV2, GetMaxOffsetRequestHeader]) {
    const keys = Object.entries(codec.fields).map(([prop, f]) => (f as { key?: string }).key ?? prop);
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys, 'extra', 'Z'), value), (ext) => {
        const cmd = createRequest(11, ext);
        cmd.serializeType = SERIALIZE_ROCKETMQ;
        const lazy = decodeFrame(encodeFrame(cmd));
        const eager = decodeFrame(encodeFrame(cmd));
        assert.deepEqual(outcome(() => codec.decodeCommand(lazy)), outcome(() => codec.decode(eager.extFields)));
      }),
      { numRuns: 300 },
    );
  }
});

test('decimal text: written digits read back, for any safe integer', async () => {
  const fc = (await import('fast-check')).default;
  const { asciiInt, decimalLength, writeDecimal } = await import('./decimal-text.js');
  fc.assert(
    fc.property(fc.maxSafeInteger().map((n) => n), (n) => {
      const len = decimalLength(n);
      assert.equal(len, String(n).length);
      const b = Buffer.alloc(len + 2, 0x20);
      assert.equal(writeDecimal(b, n, 1, len), 1 + len);
      assert.equal(b.toString('latin1', 1, 1 + len), String(n));
      assert.equal(asciiInt(b, 1, 1 + len), n);
    }),
    { numRuns: 500 },
  );
});
