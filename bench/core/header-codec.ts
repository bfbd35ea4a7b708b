/**
 * Remoting header codec cost: encode + decode of a SEND_MESSAGE_V2 request and its response, JSON
 * header against the ROCKETMQ binary header (ns per frame, one core, no sockets).
 *
 *   node .build/<dir>/bench/core/header-codec.js [--json]
 */
import { decodeFrame, encodeFrameParts } from '../../src/remoting/frame-codec.js';
import { SERIALIZE_JSON, SERIALIZE_ROCKETMQ, createRequest, createResponse, type SerializeType } from '../../src/protocol/remoting-command.js';

const body = Buffer.alloc(1024, 1);
function request(type: SerializeType) {
  const cmd = createRequest(310, {
    a: 'benchmark_producer', b: 'BenchTest', c: 'TBW102', d: '4', e: '3', f: '0', g: String(Date.now()), h: '0',
    i: 'UNIQ_KEY\u00017F0000011A2B4E0E2F2A8092A6F00000\u0002WAIT\u0001true\u0002', j: '0', k: 'false', m: 'false', n: 'broker-a',
  }, body);
  cmd.serializeType = type;
  return cmd;
}
function response(type: SerializeType) {
  const req = request(type);
  return createResponse(req, 0, undefined, { msgId: '7F00000100002A9F0000000000ABCDEF', queueId: '3', queueOffset: '123456', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' });
}

function run(label: string, type: SerializeType, n: number): Record<string, number> {
  const req = request(type);
  const res = response(type);
  const time = (f: () => void): number => {
    for (let i = 0; i < 20_000; i++) f();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    return Number(process.hrtime.bigint() - t0) / n;
  };
  const reqFrame = Buffer.concat(encodeFrameParts(req));
  const resFrame = Buffer.concat(encodeFrameParts(res));
  let sink = 0;
  const out = {
    encode_request_ns: time(() => { sink += encodeFrameParts(req)[0]!.length; }),
    decode_request_ns: time(() => { sink += decodeFrame(reqFrame).code; }),
    encode_response_ns: time(() => { sink += encodeFrameParts(res)[0]!.length; }),
    decode_response_ns: time(() => { sink += decodeFrame(resFrame).code; }),
    request_header_bytes: reqFrame.length - body.length,
  };
  if (sink === 42) console.log('');
  if (!process.argv.includes('--json')) {
    console.log(`${label}: ` + Object.entries(out).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
  }
  return out;
}

const n = 300_000;
const json = run('JSON', SERIALIZE_JSON, n);
const bin = run('ROCKETMQ', SERIALIZE_ROCKETMQ, n);
if (process.argv.includes('--json')) console.log(JSON.stringify({ json, rocketmq: bin }));
