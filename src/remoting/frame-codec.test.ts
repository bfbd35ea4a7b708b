import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { fixturePath } from '../../test/support/paths.js';
import {
  FrameDecoder,
  FrameError,
  decodeFrame,
  encodeFrame,
  encodeFrameParts,
  DEFAULT_MAX_FRAME_BYTES,
} from './frame-codec.js';
import { SERIALIZE_JSON, SERIALIZE_ROCKETMQ, type RemotingCommand } from '../protocol/remoting-command.js';

interface FixtureMeta {
  file: string;
  client: string;
  serializeType: string;
  code: number;
  opaque: number;
  flag: number;
  language: string;
  version: number;
  bodyLength: number;
  remark?: string;
  header: { extFields?: Record<string, unknown>; remark?: string };
}

const dir = fixturePath('remoting');
const index = JSON.parse(readFileSync(`${dir}/index.json`, 'utf8')) as { files: FixtureMeta[] };
const fixtures = index.files.map((m) => ({ meta: m, bytes: readFileSync(`${dir}/${m.file}`) }));

function plain(cmd: RemotingCommand): unknown {
  return { ...cmd, extFields: { ...cmd.extFields }, body: cmd.body === undefined ? undefined : Buffer.from(cmd.body).toString('hex') };
}

test('frame codec: every fixture decodes to the recorded header', () => {
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.bin')).length, fixtures.length);
  for (const { meta, bytes } of fixtures) {
    const cmd = decodeFrame(bytes);
    assert.equal(cmd.code, meta.code, meta.file);
    assert.equal(cmd.opaque, meta.opaque, meta.file);
    assert.equal(cmd.flag, meta.flag, meta.file);
    assert.equal(cmd.language, meta.language, meta.file);
    assert.equal(cmd.version, meta.version, meta.file);
    assert.equal(cmd.serializeType, meta.serializeType === 'JSON' ? SERIALIZE_JSON : SERIALIZE_ROCKETMQ, meta.file);
    assert.equal(cmd.remark, meta.header.remark ?? undefined, meta.file);
    assert.equal(cmd.body?.length ?? 0, meta.bodyLength, meta.file);
    const expectedExt = Object.fromEntries(Object.entries(meta.header.extFields ?? {}).map(([k, v]) => [k, String(v)]));
    assert.deepEqual({ ...cmd.extFields }, expectedExt, meta.file);
  }
});

test('frame codec: fixtures re-encode byte for byte (Java) or to an equal command (ali-ons)', () => {
  let identical = 0;
  for (const { meta, bytes } of fixtures) {
    const cmd = decodeFrame(bytes);
    const again = encodeFrame(cmd);
    if (meta.client.startsWith('java')) {
      // Java's fastjson writes header keys alphabetically and extFields in HashMap order, which we keep
      // (decode preserves insertion order); the binary header is canonical. So Java frames are identical.
      assert.ok(again.equals(bytes), `${meta.file} re-encodes differently`);
      identical++;
    } else {
      // ali-ons writes `code, language, opaque, flag, version, extFields` with native JSON numbers and
      // booleans in extFields; we write Java's key order and string values, which both Java and ali-ons
      // read the same way. So only the decoded command is compared.
      assert.deepEqual(plain(decodeFrame(again)), plain(cmd), meta.file);
    }
  }
  assert.ok(identical > 150, `${identical} byte-identical frames`);
});

test('frame codec: binary header round-trip, and JSON fallback for codes over 16 bits', () => {
  const cmd: RemotingCommand = {
    code: 310,
    language: 'GO',
    version: 479,
    opaque: -5,
    flag: 2,
    remark: 'héllo',
    extFields: { a: 'PG', b: 'T', 'ü': '' },
    body: Buffer.from('body'),
    serializeType: SERIALIZE_ROCKETMQ,
  };
  const bytes = encodeFrame(cmd);
  assert.equal(bytes.readUInt8(4), SERIALIZE_ROCKETMQ);
  assert.deepEqual(plain(decodeFrame(bytes)), plain(cmd));
  const noRemark = { ...cmd, remark: undefined, body: undefined, extFields: {} };
  assert.deepEqual(plain(decodeFrame(encodeFrame(noRemark))), plain(noRemark));
  const pop = { ...cmd, code: 200050 };
  const popBytes = encodeFrame(pop);
  assert.equal(popBytes.readUInt8(4), SERIALIZE_JSON);
  assert.equal(decodeFrame(popBytes).code, 200050);
});

test('frame codec: encodeFrameParts keeps the body uncopied', () => {
  const body = Buffer.alloc(1000, 7);
  const parts = encodeFrameParts({ code: 1, language: 'JAVA', version: 409, opaque: 1, flag: 0, extFields: {}, body, serializeType: 0 });
  assert.equal(parts.length, 2);
  assert.equal(parts[1], body);
});

test('frame codec: streaming decoder, byte by byte', () => {
  const all = Buffer.concat(fixtures.map((f) => f.bytes));
  const dec = new FrameDecoder();
  const got: RemotingCommand[] = [];
  for (let i = 0; i < all.length; i++) dec.push(all.subarray(i, i + 1), (c) => got.push(c));
  assert.equal(got.length, fixtures.length);
  got.forEach((c, i) => assert.deepEqual(plain(c), plain(decodeFrame(fixtures[i]!.bytes))));
  assert.equal(dec.bufferedBytes, 0);
});

test('frame codec: streaming decoder, random chunks (fast-check)', () => {
  const all = Buffer.concat(fixtures.map((f) => f.bytes));
  const expected = fixtures.map((f) => plain(decodeFrame(f.bytes)));
  const seed = Number(process.env.FC_SEED ?? Date.now() % 2147483647);
  console.log(`frame-codec random chunks: fast-check seed ${seed}`);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 400 }), (sizes) => {
      const dec = new FrameDecoder();
      const got: unknown[] = [];
      let pos = 0;
      let i = 0;
      while (pos < all.length) {
        const size = sizes[i++ % sizes.length]!;
        dec.push(all.subarray(pos, pos + size), (c) => got.push(plain(c)));
        pos += size;
      }
      assert.deepEqual(got, expected);
      return dec.bufferedBytes === 0;
    }),
    { seed, numRuns: 60 },
  );
});

test('frame codec: oversized frame rejected with a clear error', () => {
  const dec = new FrameDecoder();
  const huge = Buffer.alloc(8);
  huge.writeInt32BE(DEFAULT_MAX_FRAME_BYTES, 0); // + 4 for the length field itself exceeds the limit
  assert.throws(() => dec.push(huge, () => {}), (e: unknown) => e instanceof FrameError && e.code === 'FRAME_TOO_LARGE' && /exceeds the 16777216-byte limit/.test(e.message));
  assert.throws(() => dec.push(Buffer.alloc(1), () => {}), FrameError, 'decoder stays failed');
  const small = new FrameDecoder(1024);
  const big = encodeFrame({ code: 1, language: 'JAVA', version: 1, opaque: 1, flag: 0, extFields: {}, body: Buffer.alloc(2000), serializeType: 0 });
  assert.throws(() => small.push(big, () => {}), /exceeds the 1024-byte limit/);
  assert.throws(() => encodeFrame({ code: 1, language: 'JAVA', version: 1, opaque: 1, flag: 0, extFields: {}, body: Buffer.alloc(2000), serializeType: 0 }, 1024), FrameError);
  // exactly at the limit is fine
  const atLimit = encodeFrame({ code: 1, language: 'JAVA', version: 1, opaque: 1, flag: 0, extFields: {}, body: Buffer.alloc(100), serializeType: 0 });
  const ok = new FrameDecoder(atLimit.length);
  let n = 0;
  ok.push(atLimit, () => n++);
  assert.equal(n, 1);
});

test('frame codec: an incomplete frame holds what arrived, not what its length claims', () => {
  const dec = new FrameDecoder();
  const head = Buffer.alloc(100);
  head.writeInt32BE(DEFAULT_MAX_FRAME_BYTES - 4, 0); // the largest allowed frame
  head.writeUInt32BE(2, 4);
  dec.push(head, () => assert.fail('no frame yet'));
  assert.equal(dec.bufferedBytes, 100);
  assert.ok(dec.bufferedCapacityBytes <= 1024 * 1024, `${dec.bufferedCapacityBytes} bytes allocated`);
  // Trickled byte by byte it grows with what arrives, and still assembles exactly.
  const big = encodeFrame({ code: 1, language: 'JAVA', version: 1, opaque: 9, flag: 0, extFields: { k: 'v' }, body: Buffer.alloc(3 * 1024 * 1024 + 17, 5), serializeType: 0 });
  const d2 = new FrameDecoder();
  let got: RemotingCommand | undefined;
  for (let i = 0; i < big.length; i += 4099) d2.push(big.subarray(i, i + 4099), (c) => (got = c));
  assert.ok(got !== undefined);
  assert.equal(got.body!.length, 3 * 1024 * 1024 + 17);
  assert.ok(got.body!.every((b) => b === 5));
});

test('frame codec: malformed frames give FrameError, never a crash', () => {
  const bad: Buffer[] = [];
  const mk = (type: number, header: Buffer, body = Buffer.alloc(0)) => {
    const b = Buffer.alloc(8 + header.length + body.length);
    b.writeInt32BE(4 + header.length + body.length, 0);
    b.writeUInt32BE(((type << 24) | header.length) >>> 0, 4);
    header.copy(b, 8);
    body.copy(b, 8 + header.length);
    return b;
  };
  bad.push(mk(0, Buffer.from('{not json')));
  bad.push(mk(0, Buffer.from('[1,2]')));
  bad.push(mk(0, Buffer.from('{"opaque":1}')));
  bad.push(mk(0, Buffer.from('{"code":"x"}')));
  bad.push(mk(7, Buffer.from('{}')));
  bad.push(mk(1, Buffer.alloc(5)));
  const bin = Buffer.alloc(21);
  bin.writeInt32BE(1000, 13); // remark length beyond the header
  bad.push(mk(1, bin));
  const bin2 = Buffer.alloc(21 + 3);
  bin2.writeInt32BE(3, 17);
  bin2.writeInt16BE(50, 21); // key length beyond the block
  bad.push(mk(1, bin2));
  const lie = mk(0, Buffer.from('{"code":1}'));
  lie.writeUInt32BE(((0 << 24) | 500) >>> 0, 4); // header length beyond the frame
  bad.push(lie);
  const tiny = Buffer.alloc(4);
  tiny.writeInt32BE(2, 0);
  bad.push(Buffer.concat([tiny, Buffer.alloc(2)]));
  const neg = Buffer.alloc(8);
  neg.writeInt32BE(-1, 0);
  bad.push(neg);
  for (const b of bad) {
    assert.throws(() => new FrameDecoder().push(b, () => {}), FrameError, b.toString('hex').slice(0, 40));
  }
});

test('frame codec: random garbage only ever raises FrameError (fast-check)', () => {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 2147483647);
  console.log(`frame-codec garbage: fast-check seed ${seed}`);
  const valid = fixtures.slice(0, 20).map((f) => f.bytes);
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...valid).map((b) => new Uint8Array(b))), { maxLength: 8 }),
      fc.integer({ min: 0, max: 400 }),
      fc.integer({ min: 0, max: 255 }),
      (parts, flipAt, flipTo) => {
        const all = Buffer.concat(parts.map((p) => Buffer.from(p)));
        if (all.length > 0) all[flipAt % all.length] = flipTo;
        const dec = new FrameDecoder(1 << 20);
        try {
          dec.push(all, () => {});
        } catch (e) {
          if (!(e instanceof FrameError)) throw e;
        }
      },
    ),
    { seed, numRuns: 2000 },
  );
});

test('frame codec: ali-ons native extFields values become strings', () => {
  const header = Buffer.from('{"code":11,"language":"JAVA","opaque":3,"flag":0,"version":121,"extFields":{"queueId":1,"unitMode":false,"x":null}}');
  const b = Buffer.alloc(8 + header.length);
  b.writeInt32BE(4 + header.length, 0);
  b.writeUInt32BE(header.length, 4);
  header.copy(b, 8);
  const cmd = decodeFrame(b);
  assert.deepEqual({ ...cmd.extFields }, { queueId: '1', unitMode: 'false' });
});
