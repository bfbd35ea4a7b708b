/**
 * Child process of broker-ali-ons.test: drives the npm client ali-ons against the name server given
 * in argv[2] and prints one JSON line with what it saw. ali-ons keeps background loops alive after
 * close(), so this runs in its own process and exits explicitly.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ons = require('ali-ons') as any;
const nameSrv = process.argv[2]!;
const topic = process.argv[3]!;

const silent = { info() {}, warn() {}, error() {}, debug() {} };
// ali-ons insists on an HTTP client for its Aliyun address server; with nameSrv it is never used.
const httpclient = { request: async () => { throw new Error('unused'); } };
// Short periods: ali-ons learns the %RETRY% route on its route poll.
const common = {
  httpclient, nameSrv, logger: silent, accessKeyId: 'ak', accessKeySecret: 'sk',
  pollNameServerInteval: 500, heartbeatBrokerInterval: 1000, persistConsumerOffsetInterval: 500, rebalanceInterval: 500,
};

async function main(): Promise<void> {
  const producer = new ons.Producer({ ...common, producerGroup: 'OnsPG' });
  const consumer = new ons.Consumer({
    ...common, consumerGroup: 'OnsCG', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', maxReconsumeTimes: 3,
    pullTimeDelayMillsWhenException: 200, brokerSuspendMaxTimeMillis: 1000, consumerTimeoutMillisWhenSuspend: 2000,
  });
  producer.on('error', () => undefined);
  consumer.on('error', () => undefined);
  await producer.ready();
  const sendStatus: string[] = [];
  for (const [i, tag] of ['TagA', 'TagB', 'TagA', 'TagA'].entries()) {
    const msg = new ons.Message(topic, tag, `ons body ${i}`);
    msg.keys = [`ons-key-${i}`];
    sendStatus.push((await producer.send(msg)).sendStatus);
  }
  const got: Array<{ body: string; tags: string; reconsumeTimes: number }> = [];
  let failedOnce = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  consumer.subscribe(topic, 'TagA', async (msg: { body: Buffer; tags: string; reconsumeTimes: number }) => {
    const body = msg.body.toString();
    got.push({ body, tags: msg.tags, reconsumeTimes: msg.reconsumeTimes });
    if (got.filter((g) => g.body === 'ons body 2').length >= 2 && got.some((g) => g.body === 'ons body 3') && got.some((g) => g.body === 'ons body 0')) resolveDone();
    if (body === 'ons body 2' && !failedOnce) {
      failedOnce = true;
      return ons.Consumer.ACTION_RETRY;
    }
    return undefined;
  });
  await consumer.ready();
  await Promise.race([done, new Promise((r) => setTimeout(r, 20_000))]);
  const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
  await bounded(consumer.close());
  await bounded(producer.close());
  process.stdout.write(JSON.stringify({ sendStatus, got }) + '\n');
  process.exit(0);
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ error: String((e as Error)?.stack ?? e) }) + '\n');
  process.exit(1);
});
