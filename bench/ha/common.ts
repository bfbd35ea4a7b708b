/** Shared pieces of the HA benchmarks: a closed-loop producer load and runtime-info sampling. */
import { randomBytes } from 'node:crypto';
import { DefaultMQProducer, Message, SendStatus } from '../../src/index.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';

export function arg(name: string, def: number): number {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

export function flag(name: string): boolean {
  return process.argv.includes('--' + name);
}

const rc = new RemotingClient();

export async function runtime(addr: string): Promise<Record<string, string> | undefined> {
  try {
    const res = await rc.invoke(addr, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), 2000);
    return (JSON.parse(res.body!.toString()) as { table: Record<string, string> }).table;
  } catch {
    return undefined;
  }
}

export function closeRuntimeClient(): void {
  rc.close();
}

export interface Load {
  producer: DefaultMQProducer;
  /** Bodies acknowledged with SEND_OK. */
  acked: string[];
  ok: number;
  failed: number;
  notOk: number;
  lastOkAt: number;
  latencies: number[];
  stop(): Promise<void>;
}

/** `senders` closed-loop senders (each waits for its answer), unique bodies of `size` bytes. */
export async function startLoad(namesrvAddr: string, topic: string, senders: number, size: number, o: { keepBodies?: boolean; pollMs?: number; timeoutMs?: number } = {}): Promise<Load> {
  const producer = new DefaultMQProducer({
    producerGroup: `ha-bench-${process.pid}-${Date.now() % 100000}`,
    namesrvAddr,
    sendMsgTimeout: o.timeoutMs ?? 3000,
    retryTimesWhenSendFailed: 0,
    pollNameServerInterval: o.pollMs ?? 1000,
    compressMsgBodyOverHowmuch: 1 << 30,
  });
  await producer.start();
  const pad = randomBytes(Math.max(0, size - 24)).toString('base64').slice(0, Math.max(0, size - 24));
  let seq = 0;
  let stopped = false;
  const load: Load = {
    producer,
    acked: [],
    ok: 0,
    failed: 0,
    notOk: 0,
    lastOkAt: 0,
    latencies: [],
    async stop() {
      stopped = true;
      await Promise.all(loops);
      await producer.shutdown();
    },
  };
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const id = `b${process.pid}-${seq++}`;
      const t0 = performance.now();
      try {
        const r = await producer.send(new Message(topic, Buffer.from(id + '|' + pad)));
        if (r.sendStatus === SendStatus.SEND_OK) {
          load.ok++;
          load.lastOkAt = Date.now();
          if (load.latencies.length < 2_000_000) load.latencies.push(performance.now() - t0);
          if (o.keepBodies) load.acked.push(id);
        } else load.notOk++;
      } catch {
        load.failed++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const loops = Array.from({ length: senders }, () => loop());
  return load;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function bodyId(body: Buffer): string {
  const s = body.toString('latin1', 0, 40);
  const i = s.indexOf('|');
  return i < 0 ? s : s.slice(0, i);
}
