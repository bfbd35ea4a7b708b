/**
 * bench/proxy: the 5.x gRPC path (rocketmq-client-nodejs -> proxy -> broker) against the 4.x remoting
 * path (our client -> broker) in the same run, against one server child process (name server + broker +
 * proxy in local mode, as `rmq dev`).
 *
 *   node .build/proxy/bench/proxy/main.js [--seconds 5] [--window 64] [--rate 5000] [--latency-seconds 10]
 *
 * 1. send throughput, 1 KiB bodies, `window` sends in flight: remoting (DefaultMQProducer) then gRPC
 *    (Producer.send);
 * 2. receive throughput of what each sent: remoting (DefaultLitePullConsumer, from the first offset) and
 *    gRPC (SimpleConsumer loops, receive 32 + ack each message: pop consumption includes the ack);
 * 2b. the same over a lean gRPC client (grpc-js with the same protos, one message per SendMessage,
 *    ReceiveMessage 32 + one AckMessage per batch): the proxy's own cost without the official client's;
 * 3. receive latency at a steady rate over gRPC: a lean sender paced at `rate` msg/s in a child process
 *    (`--latency-sender lean|client` to send from this process), a PushConsumer here; latency = receive
 *    time - send time (same host clock). Prints p50 / p99 / max.
 * The server's CPU is not included in the client process's figures; one JSON line at the end.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { ConsumeResult, Producer, PushConsumer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { messagingServiceDefinition } from '../../src/proxy/proto.js';
import { DefaultLitePullConsumer, DefaultMQProducer, Message } from '../../src/index.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SECONDS = opt('seconds', 5);
const WINDOW = opt('window', 64);
const RATE = opt('rate', 5000);
const LAT_SECONDS = opt('latency-seconds', 10);
/** --latency-sender client: pace with rocketmq-client-nodejs instead of the lean client. */
const SENDER = args.includes('--latency-sender') ? args[args.indexOf('--latency-sender') + 1] : 'child';
/** `--latency-sender child` (default): a lean paced sender in its own process; `lean`: in this process; `client`: rocketmq-client-nodejs here. */
const PACE_CHILD = SENDER === 'child';
const LEAN_SENDER = SENDER !== 'client';
const BODY = Buffer.alloc(1024, 7);
const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, close() {} } as any;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds of a process (Linux /proc; 0 elsewhere). */
function procCpu(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(parts[11]) + Number(parts[12])) / 100;
  } catch {
    return 0;
  }
}

/** Runs fn and reports the CPU share (of one core) of this process and of the server. */
async function withCpu<T>(label: string, serverPid: number, fn: () => Promise<T>): Promise<T> {
  const c0 = process.cpuUsage();
  const s0 = procCpu(serverPid);
  const t0 = Date.now();
  const r = await fn();
  const wall = (Date.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const client = (c.user + c.system) / 1e6 / wall;
  const server = (procCpu(serverPid) - s0) / wall;
  console.log(`  ${label}: client CPU ${(client * 100).toFixed(0)}%, server CPU ${(server * 100).toFixed(0)}%`);
  return r;
}

async function startServer(topics: string[]): Promise<{ namesrvAddr: string; proxyAddr: string; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, [new URL('./server-child.js', import.meta.url).pathname, ...topics], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, RMQ_LOG_LEVEL: 'warn' } });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    setTimeout(() => reject(new Error('server start timeout')), 30_000).unref();
  });
  const info = JSON.parse(line) as { namesrvAddr: string; proxyAddr: string; pid: number };
  return { ...info, stop: () => child.stdin!.end() };
}

/** Runs `send` with `window` calls in flight for `seconds`; returns messages/s. */
async function pump(seconds: number, window: number, send: () => Promise<unknown>): Promise<{ count: number; rate: number; errors: number }> {
  let count = 0;
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const start = Date.now();
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (Date.now() < end) {
        try {
          await send();
          count++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { count, rate: count / ((Date.now() - start) / 1000), errors };
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! : NaN;
}

/** A bare MessagingService client on the same protos (no rocketmq-client-nodejs overhead). */
function rawClient(addr: string): { call: (rpc: string, req: unknown) => Promise<any>; stream: (rpc: string, req: unknown) => Promise<any[]>; close: () => void } {
  const Ctor = grpc.makeGenericClientConstructor(messagingServiceDefinition() as any, 'MessagingService');
  const c = new Ctor(addr, grpc.credentials.createInsecure()) as any;
  const md = new grpc.Metadata();
  md.set('x-mq-client-id', `bench-raw@${process.pid}`);
  return {
    call: (rpc, req) => new Promise((res, rej) => c[rpc](req, md, { deadline: Date.now() + 10_000 }, (e: Error | null, r: any) => (e ? rej(e) : res(r)))),
    stream: (rpc, req) =>
      new Promise((res, rej) => {
        const out: any[] = [];
        const s = c[rpc](req, md, { deadline: Date.now() + 10_000 });
        s.on('data', (d: any) => out.push(d));
        s.on('error', rej);
        s.on('end', () => res(out));
      }),
    close: () => c.close(),
  };
}

/** Paced lean sender (own process, so the consumer's process measures only receiving). */
async function paceChild(addr: string, rate: number, seconds: number): Promise<void> {
  const raw = rawClient(addr);
  const start = Date.now();
  let sent = 0;
  let errors = 0;
  const inflight = new Set<Promise<unknown>>();
  while (Date.now() - start < seconds * 1000) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate);
    while (sent < due) {
      const now = Date.now();
      const p = raw
        .call('SendMessage', { messages: [{ topic: { name: 'BenchLatency' }, body: BODY, userProperties: { sendMs: String(now) }, systemProperties: { messageId: `LAT${process.pid}x${sent}`, messageType: 1, bornHost: 'bench', bornTimestamp: { seconds: Math.floor(now / 1000), nanos: 0 } } }] })
        .then((r: any) => {
          if (r.status.code !== 20000) throw new Error(r.status.message);
        })
        .catch(() => errors++);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      sent++;
    }
    await sleep(1);
  }
  await Promise.all(inflight);
  process.stdout.write(JSON.stringify({ sent, errors }) + '\n');
  raw.close();
}

if (process.argv[2] === '--pace-child') {
  await paceChild(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
  process.exit(0);
}

const server = await startServer(['BenchRemoting', 'BenchGrpc', 'BenchLatency', 'BenchRaw']);
const out: Record<string, unknown> = { seconds: SECONDS, window: WINDOW, bodyBytes: BODY.length };
try {
  // ---- send
  const p4 = new DefaultMQProducer({ producerGroup: 'bench-p4', namesrvAddr: server.namesrvAddr, compressMsgBodyOverHowmuch: 1 << 30 } as any);
  await p4.start();
  await p4.send(new Message('BenchRemoting', BODY));
  const r4 = await withCpu('remoting send', server.pid, () => pump(SECONDS, WINDOW, () => p4.send(new Message('BenchRemoting', BODY))));
  await p4.shutdown();
  const p5 = new Producer({ endpoints: server.proxyAddr, namespace: '', topics: ['BenchGrpc'], logger: quiet } as any);
  await p5.startup();
  await p5.send({ topic: 'BenchGrpc', body: BODY });
  const r5 = await withCpu('gRPC send', server.pid, () => pump(SECONDS, WINDOW, () => p5.send({ topic: 'BenchGrpc', body: BODY })));
  out.sendRemoting = Math.round(r4.rate);
  out.sendGrpc = Math.round(r5.rate);
  out.sendRatio = +(r5.rate / r4.rate).toFixed(2);
  console.log(`send 1 KiB, window ${WINDOW}: remoting ${Math.round(r4.rate)} msg/s (${r4.errors} errors), gRPC ${Math.round(r5.rate)} msg/s (${r5.errors} errors), ratio ${(r5.rate / r4.rate).toFixed(2)}`);

  // ---- receive what each path stored
  const total4 = r4.count + 1;
  const c4 = new DefaultLitePullConsumer({ consumerGroup: 'bench-c4', namesrvAddr: server.namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pullBatchSize: 32 } as any);
  c4.subscribe('BenchRemoting', '*');
  await c4.start();
  let got4 = 0;
  const t4 = Date.now();
  let last4 = t4;
  await withCpu('remoting receive', server.pid, async () => {
    while (got4 < total4 && Date.now() - t4 < 60_000) {
      const n = (await c4.poll(1000)).length;
      got4 += n;
      if (n) last4 = Date.now();
    }
  });
  const recv4 = got4 / (Math.max(1, last4 - t4) / 1000);
  await c4.shutdown();

  const total5 = r5.count + 1;
  const LOOPS = 8;
  const consumers: SimpleConsumer[] = [];
  for (let i = 0; i < 2; i++) {
    const c = new SimpleConsumer({ endpoints: server.proxyAddr, namespace: '', consumerGroup: 'bench-c5', subscriptions: new Map([['BenchGrpc', '*']]), awaitDuration: 2000, logger: quiet } as any);
    await c.startup();
    consumers.push(c);
  }
  let got5 = 0;
  const t5 = Date.now();
  // Rates end at the last message received and acked (idle loops then sit in a long poll).
  let last5 = t5;
  await withCpu('gRPC receive+ack', server.pid, () => Promise.all(
    Array.from({ length: LOOPS }, async (_, i) => {
      const c = consumers[i % consumers.length]!;
      while (got5 < total5 && Date.now() - t5 < 60_000) {
        const msgs = await c.receive(32, 30_000).catch(() => []);
        await Promise.all(msgs.map((m) => c.ack(m).catch(() => undefined)));
        got5 += msgs.length;
        if (msgs.length) last5 = Date.now();
      }
    }),
  ));
  const recv5 = got5 / (Math.max(1, last5 - t5) / 1000);
  for (const c of consumers) await c.shutdown();
  out.receiveRemoting = Math.round(recv4);
  out.receiveGrpc = Math.round(recv5);
  out.receiveRatio = +(recv5 / recv4).toFixed(2);
  console.log(`receive 1 KiB: remoting ${Math.round(recv4)} msg/s (${got4}/${total4}), gRPC receive+ack ${Math.round(recv5)} msg/s (${got5}/${total5}), ratio ${(recv5 / recv4).toFixed(2)}`);

  // ---- lean gRPC client: the proxy's cost alone
  const raw = rawClient(server.proxyAddr);
  let rawId = 0;
  const rawSend = await withCpu('lean gRPC send', server.pid, () =>
    pump(SECONDS, WINDOW, async () => {
      const r = await raw.call('SendMessage', { messages: [{ topic: { name: 'BenchRaw' }, body: BODY, systemProperties: { messageId: `RAW${process.pid}x${rawId++}`, messageType: 1, bornHost: 'bench', bornTimestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 0 } } }] });
      if (r.status.code !== 20000) throw new Error(r.status.message);
    }),
  );
  const rawTotal = rawSend.count;
  let rawGot = 0;
  const tr = Date.now();
  let rawLast = tr;
  await withCpu('lean gRPC receive+ack', server.pid, () =>
    Promise.all(
      Array.from({ length: 8 }, async () => {
        while (rawGot < rawTotal && Date.now() - tr < 60_000) {
          const items = await raw
            .stream('ReceiveMessage', { group: { name: 'bench-raw' }, messageQueue: { topic: { name: 'BenchRaw' }, id: -1 }, filterExpression: { type: 1, expression: '*' }, batchSize: 32, invisibleDuration: { seconds: 30, nanos: 0 }, longPollingTimeout: { seconds: 5, nanos: 0 } })
            .catch(() => []);
          const msgs = items.filter((i: any) => i.message).map((i: any) => i.message);
          if (msgs.length) await raw.call('AckMessage', { group: { name: 'bench-raw' }, topic: { name: 'BenchRaw' }, entries: msgs.map((m: any) => ({ messageId: m.systemProperties.messageId, receiptHandle: m.systemProperties.receiptHandle })) });
          rawGot += msgs.length;
          if (msgs.length) rawLast = Date.now();
        }
      }),
    ),
  );
  const rawRecv = rawGot / (Math.max(1, rawLast - tr) / 1000);
  out.sendGrpcLean = Math.round(rawSend.rate);
  out.receiveGrpcLean = Math.round(rawRecv);
  console.log(`lean gRPC client: send ${Math.round(rawSend.rate)} msg/s (ratio ${(rawSend.rate / r4.rate).toFixed(2)}), receive+ack ${Math.round(rawRecv)} msg/s (${rawGot}/${rawTotal}, ratio ${(rawRecv / recv4).toFixed(2)})`);

  // ---- latency at a steady rate
  const lat: number[] = [];
  const push = new PushConsumer({
    endpoints: server.proxyAddr,
    namespace: '',
    consumerGroup: 'bench-lat',
    subscriptions: new Map([['BenchLatency', '*']]),
    messageListener: {
      consume(m: any) {
        const sent = Number(m.properties.get('sendMs'));
        if (sent) lat.push(Date.now() - sent);
        return ConsumeResult.SUCCESS;
      },
    },
    logger: quiet,
  } as any);
  await push.startup();
  const pl = new Producer({ endpoints: server.proxyAddr, namespace: '', topics: ['BenchLatency'], logger: quiet } as any);
  await pl.startup();
  await sleep(1500); // assignments and first receive loops
  let sent = 0;
  let sendErrors = 0;
  if (PACE_CHILD) {
    const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--pace-child', server.proxyAddr, String(RATE), String(LAT_SECONDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
    ({ sent, errors: sendErrors } = JSON.parse(line) as { sent: number; errors: number });
  }
  const start = Date.now();
  const inflight = new Set<Promise<unknown>>();
  while (!PACE_CHILD && Date.now() - start < LAT_SECONDS * 1000) {
    const due = Math.floor(((Date.now() - start) / 1000) * RATE);
    while (sent < due) {
      const now = Date.now();
      // The lean client paces the sends (the official producer alone cannot sustain high rates here).
      const p = (LEAN_SENDER
        ? raw.call('SendMessage', { messages: [{ topic: { name: 'BenchLatency' }, body: BODY, userProperties: { sendMs: String(now) }, systemProperties: { messageId: `LAT${process.pid}x${sent}`, messageType: 1, bornHost: 'bench', bornTimestamp: { seconds: Math.floor(now / 1000), nanos: 0 } } }] }).then((r: any) => {
            if (r.status.code !== 20000) throw new Error(r.status.message);
          })
        : pl.send({ topic: 'BenchLatency', body: BODY, properties: new Map([['sendMs', String(now)]]) })
      ).catch(() => sendErrors++);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      sent++;
    }
    await sleep(1);
  }
  await Promise.all(inflight);
  const endWait = Date.now() + 10_000;
  while (lat.length < sent - sendErrors && Date.now() < endWait) await sleep(50);
  const sorted = lat.slice().sort((a, b) => a - b);
  out.latencyRate = RATE;
  out.latencySent = sent;
  out.latencyReceived = lat.length;
  out.latencyP50 = pct(sorted, 50);
  out.latencyP99 = pct(sorted, 99);
  out.latencyMax = sorted[sorted.length - 1];
  out.latencySender = SENDER;
  console.log(`latency at ${RATE} msg/s (${SENDER} sender, PushConsumer) for ${LAT_SECONDS} s over gRPC: sent ${sent} (${sendErrors} errors), received ${lat.length}, p50 ${pct(sorted, 50)} ms, p99 ${pct(sorted, 99)} ms, max ${sorted[sorted.length - 1]} ms`);
  raw.close();
  await pl.shutdown();
  await push.shutdown();
  await p5.shutdown();
} finally {
  server.stop();
}
console.log(JSON.stringify(out));
process.exit(0);
