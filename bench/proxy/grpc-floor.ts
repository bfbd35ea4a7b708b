/**
 * The ceiling of @grpc/grpc-js itself on this machine: a child process serves MessagingService with empty
 * handlers (Heartbeat answers OK at once), this process calls it with `--window` calls in flight for
 * `--seconds`. Compare with bench/proxy/main.js: the proxy cannot be faster than this.
 *
 *   node .build/<you>/bench/proxy/grpc-floor.js [--seconds 4] [--window 64]
 */
import { fork } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { messagingServiceDefinition } from '../../src/proxy/proto.js';

if (process.argv[2] === '--serve') {
  const server = new grpc.Server();
  const def = messagingServiceDefinition();
  const impl: Record<string, grpc.handleUnaryCall<unknown, unknown>> = {};
  for (const k of Object.keys(def)) impl[k] = (_call, cb) => cb(null, { status: { code: 20000, message: 'OK' } });
  server.addService(def, impl as grpc.UntypedServiceImplementation);
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => process.send!({ port }));
  process.on('disconnect', () => process.exit(0));
} else {
  const args = process.argv.slice(2);
  const opt = (n: string, d: number): number => (args.includes(`--${n}`) ? Number(args[args.indexOf(`--${n}`) + 1]) : d);
  const seconds = opt('seconds', 4);
  const window = opt('window', 64);
  const child = fork(new URL(import.meta.url).pathname, ['--serve']);
  const port = await new Promise<number>((res) => child.once('message', (m: any) => res(m.port)));
  const Ctor = grpc.makeGenericClientConstructor(messagingServiceDefinition() as any, 'MessagingService');
  const c = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any;
  const md = new grpc.Metadata();
  md.set('x-mq-client-id', 'floor@1');
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (Date.now() < end) {
        await new Promise((res, rej) => c.Heartbeat({ clientType: 1 }, md, (e: Error | null, r: unknown) => (e ? rej(e) : res(r))));
        n++;
      }
    }),
  );
  const rate = Math.round(n / ((Date.now() - t0) / 1000));
  console.log(`grpc-js empty unary calls, window ${window}: ${rate} calls/s`);
  console.log(JSON.stringify({ grpcFloorCallsPerSec: rate, window, seconds }));
  c.close();
  child.disconnect();
  process.exit(0);
}
