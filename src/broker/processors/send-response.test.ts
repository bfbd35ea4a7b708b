import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, encodeFrame } from '../../remoting/frame-codec.js';
import { createRequest, createResponse, SERIALIZE_ROCKETMQ } from '../../protocol/remoting-command.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { encodeSocketAddress } from '../../message/socket-address.js';
import { SendOkResponse } from './send-response.js';

test('the pre-encoded send answer decodes as the generic encoding of the same fields', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 53 - 1 }),
      fc.integer({ min: 0, max: 1023 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.ipV4(),
      fc.integer({ min: 0, max: 65535 }),
      (phys, queueId, queueOffset, opaque, ip, port) => {
        const req = createRequest(310);
        req.opaque = opaque;
        req.serializeType = SERIALIZE_ROCKETMQ;
        const host = encodeSocketAddress(ip, port);
        const hostHex = host.toString('hex').toUpperCase();
        const ours = new SendOkResponse(req, hostHex, phys, queueId, queueOffset);
        const hex = phys.toString(16).toUpperCase();
        const fields = { msgId: hostHex + '0'.repeat(16 - hex.length) + hex, queueId: String(queueId), queueOffset: String(queueOffset), MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' };
        const generic = createResponse(req, ResponseCode.SUCCESS, undefined, fields);
        generic.serializeType = SERIALIZE_ROCKETMQ;
        const a = decodeFrame(ours.encoded);
        const b = decodeFrame(encodeFrame(generic));
        for (const k of ['code', 'language', 'version', 'opaque', 'flag', 'remark', 'serializeType'] as const) assert.equal(a[k], b[k], k);
        assert.deepEqual({ ...a.extFields }, { ...b.extFields });
        assert.equal(ours.msgId, fields.msgId);
        assert.equal(ours.pristine, true);
        assert.deepEqual(ours.extFields, fields);
        assert.equal(ours.pristine, false);
      },
    ),
    { numRuns: 300 },
  );
});
