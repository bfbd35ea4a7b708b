import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, encodeFrame } from '../remoting/frame-codec.js';
import { createResponse, createRequest, SERIALIZE_ROCKETMQ } from '../protocol/remoting-command.js';
import { ResponseCode } from '../protocol/response-code.js';
import { parseSendResponse } from './mq-client-api.js';

test('parseSendResponse: a binary send answer read in place gives what the generic header codec gives, errors included', () => {
  const value = fc.oneof(
    fc.integer({ min: -3_000_000_000, max: 3_000_000_000 }).map(String),
    fc.constantFrom('', '+5', '-0', '007', '1e3', ' 4', 'true', 'false', 'DefaultRegion', '7F0000010000271100000000000A1B2C', '9007199254740993', 'ü', '12a'),
    fc.string({ maxLength: 40 }),
  );
  const keys = ['msgId', 'queueId', 'queueOffset', 'transactionId', 'MSG_REGION', 'TRACE_ON', 'batchUniqId', 'recallHandle', 'extra', 'queueid'];
  const outcome = (fn: () => unknown): unknown => {
    try {
      return { ok: fn() };
    } catch (e) {
      return { err: (e as Error).message };
    }
  };
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...keys), value), fc.constantFrom(ResponseCode.SUCCESS, ResponseCode.FLUSH_DISK_TIMEOUT), (ext, code) => {
      const req = createRequest(310);
      req.serializeType = SERIALIZE_ROCKETMQ;
      const frame = encodeFrame(createResponse(req, code, undefined, ext));
      const inPlace = decodeFrame(frame);
      const generic = decodeFrame(frame);
      void generic.extFields; // decoded: parseSendResponse takes the generic codec's path
      assert.deepEqual(outcome(() => parseSendResponse(inPlace)), outcome(() => parseSendResponse(generic)));
    }),
    { numRuns: 500 },
  );
  // the common answer, read in place
  const req = createRequest(310);
  req.serializeType = SERIALIZE_ROCKETMQ;
  const ok = decodeFrame(encodeFrame(createResponse(req, ResponseCode.SUCCESS, undefined, { msgId: '7F00000100002A9F0000000000000400', queueId: '3', queueOffset: '17', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' })));
  assert.deepEqual(parseSendResponse(ok), { sendStatus: 'SEND_OK', offsetMsgId: '7F00000100002A9F0000000000000400', queueId: 3, queueOffset: 17, transactionId: undefined, regionId: 'DefaultRegion', traceOn: true });
});
