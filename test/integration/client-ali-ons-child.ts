/**
 * Child process of client-ali-ons.test: the npm client ali-ons (a RocketMQ 4.x client) either
 * consumes `count` messages (mode "consume") or sends `count` messages (mode "produce") through the
 * name server in argv[2], then prints one JSON line. Runs in its own process because ali-ons keeps
 * timers alive after close().
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ons = require('ali-ons') as any;
const [nameSrv, topic, mode, countArg] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countArg);

const silent = { info() {}, warn() {}, error() {}, debug() {} };
const httpclient = { request: async () => { throw new Error('unused'); } };
const common = {
  httpclient, nameSrv, logger: silent, accessKeyId: 'ak', accessKeySecret: 'sk',
  pollNameServerInteval: 500, heartbeatBrokerInterval: 1000, persistConsumerOffsetInterval: 500, rebalanceInterval: 500,
};
const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);

async function consume(): Promise<unknown> {
  const consumer = new ons.Consumer({
    ...common, consumerGroup: 'OnsInteropCG', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    pullTimeDelayMillsWhenException: 200, brokerSuspendMaxTimeMillis: 1000, consumerTimeoutMillisWhenSuspend: 2000,
  });
  consumer.on('error', () => undefined);
  const got: Array<{ body: string; tags: string; keys: string[]; msgId: string; props: Record<string, string> }> = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  consumer.subscribe(topic, '*', async (msg: { body: Buffer; tags: string; keys: string[]; msgId: string; properties: Record<string, string> }) => {
    got.push({ body: msg.body.toString(), tags: msg.tags, keys: msg.keys, msgId: msg.msgId, props: msg.properties });
    if (got.length >= count) resolveDone();
  });
  await consumer.ready();
  await Promise.race([done, new Promise((r) => setTimeout(r, 20_000))]);
  await bounded(consumer.close());
  return { got };
}

async function produce(): Promise<unknown> {
  const producer = new ons.Producer({ ...common, producerGroup: 'OnsInteropPG' });
  producer.on('error', () => undefined);
  await producer.ready();
  const sent: Array<{ msgId: string; sendStatus: string }> = [];
  for (let i = 0; i < count; i++) {
    const msg = new ons.Message(topic, 'OnsTag', `from ali-ons ${i}`);
    msg.keys = [`ons-${i}`];
    const r = await producer.send(msg);
    sent.push({ msgId: r.msgId, sendStatus: r.sendStatus });
  }
  await bounded(producer.close());
  return { sent };
}

(mode === 'consume' ? consume() : produce())
  .then((r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  })
  .catch((e) => {
    process.stdout.write(JSON.stringify({ error: String((e as Error)?.stack ?? e) }) + '\n');
    process.exit(1);
  });
