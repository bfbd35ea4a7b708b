import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, encodeFrame } from '../remoting/frame-codec.js';
import { createRequest, SERIALIZE_ROCKETMQ } from '../protocol/remoting-command.js';
import { RequestCode } from '../protocol/request-code.js';
import { SendMessageRequestHeaderV2 } from '../protocol/headers/send-message.js';
import { encodeProperties } from '../message/properties.js';
import { encodeSendFrameHead, encodeSendStaticFields, OPAQUE_OFFSET_IN_FRAME, propertiesByteLength } from './send-frame.js';

const name = fc.string({ minLength: 1, maxLength: 30 });
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 10 }));

test('send frames encoded in place decode exactly as the generic V2 encoding', () => {
  fc.assert(
    fc.property(
      fc.record({
        group: name,
        topic: name,
        brokerName: name,
        queueNums: fc.integer({ min: 0, max: 1024 }),
        queueId: fc.integer({ min: 0, max: 255 }),
        sysFlag: fc.integer({ min: 0, max: 0xffff }),
        born: fc.integer({ min: 0, max: 4_102_444_800_000 }),
        flag: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        reconsume: fc.integer({ min: 0, max: 32 }),
        props: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !/[\u0001\u0002]/.test(k)), text.filter((v) => !/[\u0001\u0002]/.test(v))),
        body: fc.uint8Array({ maxLength: 64 }),
        opaque: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      }),
      (c) => {
        const body = Buffer.from(c.body);
        const st = encodeSendStaticFields(c.group, c.topic, 'TBW102', c.queueNums, c.brokerName);
        const head = encodeSendFrameHead(st, c.queueId, c.sysFlag, c.born, c.flag, c.reconsume, c.props, propertiesByteLength(c.props), body.length);
        head.writeInt32BE(c.opaque, OPAQUE_OFFSET_IN_FRAME);
        const ours = decodeFrame(Buffer.concat([head, body]));

        const expected = createRequest(
          RequestCode.SEND_MESSAGE_V2,
          SendMessageRequestHeaderV2.encode({
            producerGroup: c.group,
            topic: c.topic,
            defaultTopic: 'TBW102',
            defaultTopicQueueNums: c.queueNums,
            queueId: c.queueId,
            sysFlag: c.sysFlag,
            bornTimestamp: c.born,
            flag: c.flag,
            properties: encodeProperties(c.props),
            reconsumeTimes: c.reconsume,
            unitMode: false,
            batch: false,
            brokerName: c.brokerName,
          }),
          body.length ? body : undefined,
        );
        expected.opaque = c.opaque;
        expected.serializeType = SERIALIZE_ROCKETMQ;
        const generic = decodeFrame(encodeFrame(expected));
        for (const k of ['code', 'language', 'version', 'opaque', 'flag', 'remark', 'serializeType'] as const) assert.equal(ours[k], generic[k], k);
        assert.deepEqual({ ...ours.extFields }, { ...generic.extFields });
        assert.deepEqual(ours.body ?? Buffer.alloc(0), generic.body ?? Buffer.alloc(0));
        assert.deepEqual(SendMessageRequestHeaderV2.decodeCommand(decodeFrame(Buffer.concat([head, body]))), SendMessageRequestHeaderV2.decode(generic.extFields));
      },
    ),
    { numRuns: 400 },
  );
});
