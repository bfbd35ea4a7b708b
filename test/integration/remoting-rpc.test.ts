/**
 * The remoting layer through real sockets on 127.0.0.1: request/response correlation, timeouts,
 * oneway, unknown codes, handler failures, serialization echo, malformed and oversized frames,
 * connection reuse and reconnect, broker -> client requests, deferred (long-poll) answers.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../support/paths.js';
import { RemotingServer } from '../../src/remoting/remoting-server.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { Connection, RemotingTimeoutError, ConnectionClosedError } from '../../src/remoting/connection.js';
import { FrameDecoder, encodeFrame } from '../../src/remoting/frame-codec.js';
import {
  createRequest,
  createResponse,
  SERIALIZE_ROCKETMQ,
  FLAG_RESPONSE,
  type RemotingCommand,
} from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import type { RemotingConnection } from '../../src/remoting/types.js';

const ECHO = 9001;
const SLOW = 9002;
const NEVER = 9003;
const THROW = 9004;
const REJECT = 9005;
const DEFERRED = 9006;
const ONEWAY_SINK = 9007;
const CALL_BACK = 9008;
const GARBAGE = 9009;
const PARTIAL = 9010;
const BAD_PRE_ENCODED = 9011;

const onewaySeen: RemotingCommand[] = [];
const deferred: Array<{ req: RemotingCommand; conn: RemotingConnection }> = [];

const server = new RemotingServer({ host: '127.0.0.1', port: 0 });
server.registerProcessor(ECHO, (req) => createResponse(req, ResponseCode.SUCCESS, undefined, { ...req.extFields }, req.body));
server.registerProcessor(SLOW, async (req) => {
  await new Promise((r) => setTimeout(r, Number(req.extFields['delayMs'])));
  return createResponse(req, ResponseCode.SUCCESS, undefined, { i: req.extFields['i']! });
});
server.registerProcessor(NEVER, () => null);
server.registerProcessor(THROW, () => {
  throw new Error('boom in handler');
});
server.registerProcessor(REJECT, async () => {
  throw new Error('async boom');
});
server.registerProcessor(GARBAGE, () => 42 as unknown as RemotingCommand);
server.registerProcessor(PARTIAL, async () => ({ code: ResponseCode.SUCCESS, remark: 'bare' }) as unknown as RemotingCommand);
// a pre-encoded response whose encoding fails half way: the ordinary encoding must go out instead
server.registerProcessor(BAD_PRE_ENCODED, (req) => {
  const res = createResponse(req, ResponseCode.SUCCESS, undefined, { k: 'v' });
  return Object.assign(res, {
    pristine: true,
    encodedLength: 64,
    encodeInto(buf: Buffer, at: number): void {
      buf.fill(0xee, at, at + 20);
      throw new Error('encoder bug');
    },
  });
});
server.registerProcessor(DEFERRED, (req, conn) => {
  deferred.push({ req, conn });
  return null;
});
server.registerProcessor(ONEWAY_SINK, (req) => {
  onewaySeen.push(req);
  return createResponse(req, ResponseCode.SUCCESS); // must not be sent: the request is oneway
});
server.registerProcessor(CALL_BACK, async (req, conn) => {
  // The server asks the client something on the same connection (as a broker does).
  const res = await conn.invoke(createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, { q: req.extFields['q']! }), 2000);
  return createResponse(req, ResponseCode.SUCCESS, undefined, { answer: res.extFields['a']! });
});

const { port } = await server.listen();
const addr = `127.0.0.1:${port}`;
const client = new RemotingClient({ connectTimeoutMs: 2000 });
client.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (req) =>
  createResponse(req, ResponseCode.SUCCESS, undefined, { a: `re:${req.extFields['q']}` }),
);

after(async () => {
  client.shutdown();
  await server.close();
});

function rawSocket(): Promise<{ socket: Socket; frames: RemotingCommand[]; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve({ socket, frames, closed }));
    const frames: RemotingCommand[] = [];
    const dec = new FrameDecoder();
    socket.on('data', (c) => dec.push(c, (f) => frames.push(f)));
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.once('error', reject);
  });
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('remoting: request/response round trip with header and body', async () => {
  const res = await client.invoke(addr, createRequest(ECHO, { k: 'v', n: '1' }, Buffer.from('hello')), 3000);
  assert.equal(res.code, ResponseCode.SUCCESS);
  assert.equal(res.flag & FLAG_RESPONSE, FLAG_RESPONSE);
  assert.deepEqual({ ...res.extFields }, { k: 'v', n: '1' });
  assert.equal(res.body?.toString(), 'hello');
});

test('remoting: 2000 pipelined requests answered out of order are matched by opaque', async () => {
  const n = 2000;
  const calls = [];
  for (let i = 0; i < n; i++) {
    calls.push(client.invoke(addr, createRequest(SLOW, { i: String(i), delayMs: String((n - i) % 7) }), 5000));
  }
  const results = await Promise.all(calls);
  results.forEach((r, i) => assert.equal(r.extFields['i'], String(i)));
  assert.equal(client.connectedAddresses().length, 1, 'one connection per address');
});

test('remoting: bursts of frames of every size through the output buffer arrive whole and in order', async () => {
  // sizes around the buffer limits (512 B first buffer, 36 KiB largest, 16 KiB written uncopied),
  // in bursts of different lengths, so buffers fill mid-turn, get sealed, and are replaced
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const sizes = [0, 1, 100, 511, 512, 600, 4095, 4096, 16 * 1024 - 1, 16 * 1024, 20_000, 36 * 1024, 40_000];
  for (const burst of [1, 3, 50, 400]) {
    const calls: Array<Promise<RemotingCommand>> = [];
    const bodies: Buffer[] = [];
    for (let i = 0; i < burst; i++) {
      const body = Buffer.alloc(sizes[rnd(sizes.length)]! + rnd(3), i & 0xff);
      if (body.length >= 2) body.writeUInt16BE(i & 0xffff, 0);
      bodies.push(body);
      const req = createRequest(ECHO, { i: String(i) }, body);
      if (i % 2 === 1) req.serializeType = SERIALIZE_ROCKETMQ;
      calls.push(client.invoke(addr, req, 10_000));
    }
    const results = await Promise.all(calls);
    results.forEach((r, i) => {
      assert.equal(r.extFields['i'], String(i));
      assert.ok((r.body ?? Buffer.alloc(0)).equals(bodies[i]!), `body ${i} of ${burst}`);
    });
  }
});

test('remoting: a pre-encoded response that fails to encode goes out encoded the ordinary way', async () => {
  for (const serializeType of [SERIALIZE_ROCKETMQ, undefined] as const) {
    const req = createRequest(BAD_PRE_ENCODED, {});
    if (serializeType !== undefined) req.serializeType = serializeType;
    const res = await client.invoke(addr, req, 3000);
    assert.equal(res.code, ResponseCode.SUCCESS);
    assert.equal(res.extFields['k'], 'v');
  }
  // the connection still frames correctly
  const echo = await client.invoke(addr, createRequest(ECHO, { n: '1' }, Buffer.from('after')), 3000);
  assert.equal(echo.body?.toString(), 'after');
});

test('remoting: per-request timeout; late answer dropped; connection still usable', async () => {
  const t0 = Date.now();
  await assert.rejects(client.invoke(addr, createRequest(NEVER), 150), RemotingTimeoutError);
  const took = Date.now() - t0;
  assert.ok(took >= 140 && took < 1500, `timeout took ${took} ms`);
  await assert.rejects(client.invoke(addr, createRequest(SLOW, { i: '1', delayMs: '200' }), 50), /timeout/);
  await new Promise((r) => setTimeout(r, 250)); // the late response arrives and is dropped
  const ok = await client.invoke(addr, createRequest(ECHO, { x: 'y' }), 2000);
  assert.equal(ok.extFields['x'], 'y');
});

test('remoting: mixed timeouts on one connection each fire on time', async () => {
  const t0 = Date.now();
  const long = client.invoke(addr, createRequest(NEVER), 1200);
  const short = client.invoke(addr, createRequest(NEVER), 100);
  const mid = client.invoke(addr, createRequest(NEVER), 400);
  const when = (p: Promise<unknown>) => p.then(() => -1, () => Date.now() - t0);
  const [tl, ts, tm] = await Promise.all([when(long), when(short), when(mid)]);
  assert.ok(ts >= 95 && ts < 600, `short fired after ${ts} ms`);
  assert.ok(tm >= 395 && tm < 1000, `mid fired after ${tm} ms`);
  assert.ok(tl >= 1195 && tl < 2500, `long fired after ${tl} ms`);
});

test('remoting: oneway request reaches the handler and gets no response', async () => {
  const { socket, frames } = await rawSocket();
  const req = createRequest(ONEWAY_SINK, { tag: 'ow' });
  req.flag |= 0x2;
  socket.write(encodeFrame(req));
  await until(() => onewaySeen.some((r) => r.extFields['tag'] === 'ow'));
  // A following two-way request is answered; nothing came back for the oneway one.
  socket.write(encodeFrame(createRequest(ECHO, { after: '1' })));
  await until(() => frames.length >= 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.extFields['after'], '1');
  socket.destroy();
  // through the client API as well
  await client.invokeOneway(addr, createRequest(ONEWAY_SINK, { tag: 'ow2' }));
  await until(() => onewaySeen.some((r) => r.extFields['tag'] === 'ow2'));
});

test('remoting: unknown request code -> REQUEST_CODE_NOT_SUPPORTED', async () => {
  const res = await client.invoke(addr, createRequest(31337), 2000);
  assert.equal(res.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  assert.equal(res.remark, ' request type 31337 not supported');
});

test('remoting: handler throws (sync or async) -> SYSTEM_ERROR with the message', async () => {
  const a = await client.invoke(addr, createRequest(THROW), 2000);
  assert.equal(a.code, ResponseCode.SYSTEM_ERROR);
  assert.match(a.remark ?? '', /boom in handler/);
  const b = await client.invoke(addr, createRequest(REJECT), 2000);
  assert.equal(b.code, ResponseCode.SYSTEM_ERROR);
  assert.match(b.remark ?? '', /async boom/);
});

test('remoting: a handler returning garbage gets SYSTEM_ERROR; a bare object is completed', async () => {
  const a = await client.invoke(addr, createRequest(GARBAGE), 2000);
  assert.equal(a.code, ResponseCode.SYSTEM_ERROR);
  assert.match(a.remark ?? '', /no valid response/);
  const b = await client.invoke(addr, createRequest(PARTIAL), 2000);
  assert.equal(b.code, ResponseCode.SUCCESS);
  assert.equal(b.remark, 'bare');
  assert.equal(b.flag & FLAG_RESPONSE, FLAG_RESPONSE);
});

test('remoting: response uses the serialization of the request (ROCKETMQ binary)', async () => {
  const { socket, frames } = await rawSocket();
  const req = createRequest(ECHO, { bin: 'yes' }, Buffer.from('b'));
  req.serializeType = SERIALIZE_ROCKETMQ;
  const bytes = encodeFrame(req);
  assert.equal(bytes.readUInt8(4), SERIALIZE_ROCKETMQ);
  socket.write(bytes);
  await until(() => frames.length === 1);
  assert.equal(frames[0]!.serializeType, SERIALIZE_ROCKETMQ);
  assert.equal(frames[0]!.opaque, req.opaque);
  assert.equal(frames[0]!.extFields['bin'], 'yes');
  socket.destroy();
});

test('remoting: a Java fixture request fed byte by byte is answered', async () => {
  const { socket, frames } = await rawSocket();
  const bytes = readFileSync(fixturePath('remoting', '050-client-to-broker-HEART_BEAT.bin'));
  for (let i = 0; i < bytes.length; i++) socket.write(bytes.subarray(i, i + 1));
  await until(() => frames.length === 1);
  assert.equal(frames[0]!.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  assert.equal(frames[0]!.remark, ' request type 34 not supported');
  socket.destroy();
});

test('remoting: malformed frame closes only that connection', async () => {
  const bad = await rawSocket();
  const good = await rawSocket();
  const header = Buffer.from('{this is not json');
  const frame = Buffer.alloc(8 + header.length);
  frame.writeInt32BE(4 + header.length, 0);
  frame.writeUInt32BE(header.length, 4);
  header.copy(frame, 8);
  bad.socket.write(frame);
  await Promise.race([bad.closed, new Promise((_, rej) => setTimeout(() => rej(new Error('not closed')), 3000))]);
  good.socket.write(encodeFrame(createRequest(ECHO, { still: 'up' })));
  await until(() => good.frames.length === 1);
  assert.equal(good.frames[0]!.extFields['still'], 'up');
  good.socket.destroy();
  const res = await client.invoke(addr, createRequest(ECHO, { also: 'fine' }), 2000);
  assert.equal(res.extFields['also'], 'fine');
});

test('remoting: oversized frame is rejected and the connection closed', async () => {
  const small = new RemotingServer({ host: '127.0.0.1', port: 0, maxFrameBytes: 4096 });
  small.registerProcessor(ECHO, (req) => createResponse(req, ResponseCode.SUCCESS));
  const s = await small.listen();
  const c = new RemotingClient();
  try {
    const a = `127.0.0.1:${s.port}`;
    await assert.rejects(c.invoke(a, createRequest(ECHO, {}, Buffer.alloc(10000)), 2000), ConnectionClosedError);
    const ok = await c.invoke(a, createRequest(ECHO, {}, Buffer.alloc(100)), 2000);
    assert.equal(ok.code, ResponseCode.SUCCESS, 'a new connection is made and works');
    // the client refuses to send more than its own limit
    const c2 = new RemotingClient({ maxFrameBytes: 1000 });
    await assert.rejects(c2.invoke(a, createRequest(ECHO, {}, Buffer.alloc(2000)), 2000), /exceeds the 1000-byte limit/);
    c2.shutdown();
  } finally {
    c.shutdown();
    await small.close();
  }
});

test('remoting: client reuses its connection and reconnects after the server closes it', async () => {
  const c = new RemotingClient();
  try {
    await c.invoke(addr, createRequest(ECHO), 2000);
    const before = [...server.connections];
    await c.invoke(addr, createRequest(ECHO), 2000);
    assert.equal(server.connections.size, before.length, 'no new connection for the second call');
    const conn = await c.getConnection(addr);
    const serverSide = [...server.connections].find((sc) => sc.remoteAddress === conn.localAddress);
    assert.ok(serverSide, 'server sees the client by address');
    serverSide.close();
    await until(() => conn.closed);
    const res = await c.invoke(addr, createRequest(ECHO, { again: '1' }), 2000);
    assert.equal(res.extFields['again'], '1');
    assert.notEqual(await c.getConnection(addr), conn);
  } finally {
    c.shutdown();
  }
});

test('remoting: a server restarted on the same port is reached again by the same client', async () => {
  const first = new RemotingServer({ host: '127.0.0.1', port: 0 });
  first.registerProcessor(ECHO, (req) => createResponse(req, ResponseCode.SUCCESS, 'first'));
  const { port: p } = await first.listen();
  const c = new RemotingClient({ connectTimeoutMs: 1000 });
  const a = `127.0.0.1:${p}`;
  let second: RemotingServer | undefined;
  try {
    assert.equal((await c.invoke(a, createRequest(ECHO), 2000)).remark, 'first');
    const pendingCall = c.invoke(a, createRequest(NEVER), 5000);
    await first.close();
    await assert.rejects(pendingCall, ConnectionClosedError);
    await assert.rejects(c.invoke(a, createRequest(ECHO), 1000), (e: any) => e.code === 'CONNECT_FAILED');
    second = new RemotingServer({ host: '127.0.0.1', port: p });
    second.registerProcessor(ECHO, (req) => createResponse(req, ResponseCode.SUCCESS, 'second'));
    await second.listen();
    assert.equal((await c.invoke(a, createRequest(ECHO), 2000)).remark, 'second');
  } finally {
    c.shutdown();
    await second?.close();
  }
});

test('remoting: pending calls fail at once when the connection closes', async () => {
  const c = new RemotingClient();
  try {
    const p = c.invoke(addr, createRequest(NEVER), 10000);
    const conn = await c.getConnection(addr);
    await until(() => conn.pendingCount === 1);
    const t0 = Date.now();
    conn.destroy();
    await assert.rejects(p, ConnectionClosedError);
    assert.ok(Date.now() - t0 < 1000);
  } finally {
    c.shutdown();
  }
});

test('remoting: connect failure is a clear retriable error', async () => {
  const c = new RemotingClient({ connectTimeoutMs: 1000 });
  const probe = new RemotingServer({ host: '127.0.0.1', port: 0 });
  const { port: freePort } = await probe.listen();
  await probe.close();
  await assert.rejects(c.invoke(`127.0.0.1:${freePort}`, createRequest(ECHO), 1000), (e: any) => e.code === 'CONNECT_FAILED' && e.retriable === true);
  await assert.rejects(c.invoke('nonsense', createRequest(ECHO), 1000), /bad address/);
  c.shutdown();
});

test('remoting: server -> client request on the same connection (broker callback)', async () => {
  const res = await client.invoke(addr, createRequest(CALL_BACK, { q: 'state?' }), 3000);
  assert.equal(res.code, ResponseCode.SUCCESS);
  assert.equal(res.extFields['answer'], 're:state?');
});

test('remoting: handler answers later through conn.sendResponse (long polling)', async () => {
  const p = client.invoke(addr, createRequest(DEFERRED, { id: 'lp' }), 3000);
  await until(() => deferred.length === 1);
  const { req, conn } = deferred[0]!;
  assert.ok(conn instanceof Connection);
  setTimeout(() => conn.sendResponse(createResponse(req, ResponseCode.PULL_NOT_FOUND, 'NO_NEW_MSG')), 30);
  const res = await p;
  assert.equal(res.code, ResponseCode.PULL_NOT_FOUND);
  assert.equal(res.remark, 'NO_NEW_MSG');
});

test('remoting: the server closes a connection idle longer than idleTimeoutMs', async () => {
  const idle = new RemotingServer({ host: '127.0.0.1', port: 0, idleTimeoutMs: 150 });
  idle.registerProcessor(ECHO, (req) => createResponse(req, ResponseCode.SUCCESS));
  const s = await idle.listen();
  const c = new RemotingClient();
  try {
    const a = `127.0.0.1:${s.port}`;
    await c.invoke(a, createRequest(ECHO), 2000);
    const conn = await c.getConnection(a);
    // Traffic keeps it open.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 80));
      await c.invoke(a, createRequest(ECHO), 2000);
    }
    assert.equal(conn.closed, false);
    await until(() => conn.closed, 2000);
    assert.equal((await c.invoke(a, createRequest(ECHO), 2000)).code, ResponseCode.SUCCESS, 'reconnects');
  } finally {
    c.shutdown();
    await idle.close();
  }
});

test('remoting: server reports connections and their close', async () => {
  const c = new RemotingClient();
  const seen: string[] = [];
  const onConn = (conn: Connection) => seen.push(conn.remoteAddress);
  server.on('connection', onConn);
  try {
    await c.invoke(addr, createRequest(ECHO), 2000);
    const local = (await c.getConnection(addr)).localAddress;
    assert.ok(seen.includes(local));
    const sc = [...server.connections].find((x) => x.remoteAddress === local)!;
    const closed = new Promise<void>((r) => sc.on('close', () => r()));
    c.shutdown();
    await closed;
    assert.ok(![...server.connections].includes(sc));
  } finally {
    server.off('connection', onConn);
    c.shutdown();
  }
});
