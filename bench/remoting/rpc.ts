/**
 * Remoting micro-benchmarks: frame encode/decode cost, and pipelined request/response throughput
 * through RemotingClient -> RemotingServer on 127.0.0.1 with a SEND_MESSAGE_V2-like header and a 1 KiB body.
 *
 *   node .build/remoting/bench/remoting/rpc.js [inFlight=1000] [seconds=5]
 *
 * The RPC run puts the server in a child process, so `serverCpuUsPerRequest` is the server's own cost
 * per request (frame decode, SEND_MESSAGE_V2 header decode, response encode, socket I/O).
 */
import { fork } from 'node:child_process';
import { RemotingServer } from '../../src/remoting/remoting-server.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { FrameDecoder, decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { createRequest, createResponse } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { SendMessageRequestHeaderV2, SendMessageResponseHeader } from '../../src/protocol/headers/send-message.js';

const inFlight = Number(process.argv[2] === 'child-server' ? 0 : (process.argv[2] ?? 1000));
const seconds = Number(process.argv[3] ?? 5);
const body = Buffer.alloc(1024, 'x');
const header = {
  producerGroup: 'PG_BENCH',
  topic: 'BenchTopic',
  defaultTopic: 'TBW102',
  defaultTopicQueueNums: 4,
  queueId: 1,
  sysFlag: 0,
  bornTimestamp: Date.now(),
  flag: 0,
  properties: 'KEYS\u0001k1\u0002UNIQ_KEY\u00017F00000100002A9F0000000000000000\u0002WAIT\u0001true\u0002TAGS\u0001TagA\u0002',
  reconsumeTimes: 0,
  unitMode: false,
  batch: false,
  maxReconsumeTimes: 16,
};

function microbench(): void {
  const req = createRequest(RequestCode.SEND_MESSAGE_V2, SendMessageRequestHeaderV2.encode(header), body);
  const frame = encodeFrame(req);
  const n = 200_000;
  let t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) encodeFrame(req);
  const encNs = Number(process.hrtime.bigint() - t) / n;
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) decodeFrame(frame);
  const decNs = Number(process.hrtime.bigint() - t) / n;
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) SendMessageRequestHeaderV2.decode(decodeFrame(frame).extFields);
  const decHdrNs = Number(process.hrtime.bigint() - t) / n;
  const many = Buffer.concat(Array.from({ length: 1000 }, () => frame));
  const dec = new FrameDecoder();
  let got = 0;
  t = process.hrtime.bigint();
  for (let r = 0; r < 100; r++) for (let off = 0; off < many.length; off += 65536) dec.push(many.subarray(off, off + 65536), () => got++);
  const streamNs = Number(process.hrtime.bigint() - t) / got;
  console.log(
    JSON.stringify({
      frameBytes: frame.length,
      encodeNsPerFrame: Math.round(encNs),
      decodeNsPerFrame: Math.round(decNs),
      decodePlusHeaderNsPerFrame: Math.round(decHdrNs),
      streamDecode64KiBChunksNsPerFrame: Math.round(streamNs),
    }),
  );
}

async function serveChild(): Promise<void> {
  const server = new RemotingServer({ host: '127.0.0.1', port: 0 });
  let q = 0;
  server.registerProcessor(RequestCode.SEND_MESSAGE_V2, (req) => {
    const h = SendMessageRequestHeaderV2.decode(req.extFields);
    return createResponse(
      req,
      ResponseCode.SUCCESS,
      undefined,
      SendMessageResponseHeader.encode({ msgId: '7F00000100002A9F0000000000000000', queueId: h.queueId, queueOffset: q++, MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' }),
    );
  });
  const { port } = await server.listen();
  process.send!({ port });
  process.on('message', (m: { cpu0?: boolean; done?: boolean }) => {
    if (m.cpu0) cpuStart = process.cpuUsage();
    if (m.done) {
      const cpu = process.cpuUsage(cpuStart);
      process.send!({ cpuUs: cpu.user + cpu.system }, () => process.exit(0));
    }
  });
}

let cpuStart = process.cpuUsage();

async function rpc(): Promise<void> {
  // BENCH_CHILD_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server process.
  const execArgv = process.env.BENCH_CHILD_ARGS ? process.env.BENCH_CHILD_ARGS.split(' ') : [];
  const child = fork(new URL(import.meta.url), ['child-server'], { stdio: 'inherit', execArgv });
  const reply = <T>(): Promise<T> => new Promise((resolve) => child.once('message', (m) => resolve(m as T)));
  const { port } = await reply<{ port: number }>();
  const addr = `127.0.0.1:${port}`;
  const client = new RemotingClient();
  const ext = SendMessageRequestHeaderV2.encode(header);
  const lat: number[] = [];
  let done = 0;
  await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE_V2, { ...ext }, body), 10000);
  child.send({ cpu0: true });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  async function worker(): Promise<void> {
    while (performance.now() < end) {
      const s = performance.now();
      const res = await client.invoke(addr, createRequest(RequestCode.SEND_MESSAGE_V2, { ...ext }, body), 10000);
      if (res.code !== 0) throw new Error(`code ${res.code}`);
      lat.push(performance.now() - s);
      done++;
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = reply<{ cpuUs: number }>();
  child.send({ done: true });
  const { cpuUs: serverCpuUs } = await serverCpu;
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!.toFixed(2);
  console.log(
    JSON.stringify({
      inFlight,
      requests: done,
      perSecond: Math.round(done / elapsed),
      p50Ms: pct(0.5),
      p99Ms: pct(0.99),
      clientCpuUsPerRequest: Number(((cpu.user + cpu.system) / done).toFixed(2)),
      serverCpuUsPerRequest: Number((serverCpuUs / done).toFixed(2)),
    }),
  );
  client.shutdown();
}

if (process.argv[2] === 'child-server') {
  await serveChild();
} else {
  microbench();
  await rpc();
}
