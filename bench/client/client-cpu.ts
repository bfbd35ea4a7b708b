/**
 * The client SDK's own CPU cost per message, without sockets or a broker: sends through an
 * in-memory transport that answers at once (single messages and batches of 32, 1 KiB bodies,
 * 1000 in flight), and decoding pull bodies of 32 records into MessageExt.
 *
 *   npm run build && node dist/bench/client/client-cpu.js [--json]
 */
import { createResponse, type RemotingCommand } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { DefaultMQProducer, Message } from '../../src/index.js';
import type { ClientTransport } from '../../src/client/transport.js';
import { encodeRecord } from '../../src/message/message-record.js';
import { encodeSocketAddress } from '../../src/message/socket-address.js';
import { encodeProperties } from '../../src/message/properties.js';
import { decodePulledMessages } from '../../src/client/pulled-messages.js';

const route = Buffer.from(
  JSON.stringify({
    queueDatas: [{ brokerName: 'b', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 0 }],
    brokerDatas: [{ cluster: 'c', brokerName: 'b', brokerAddrs: { '0': '127.0.0.1:1' } }],
    filterServerTable: {},
  }),
);
const transport: ClientTransport = {
  async invoke(_addr: string, cmd: RemotingCommand) {
    if (cmd.code === RequestCode.GET_ROUTEINFO_BY_TOPIC) return createResponse(cmd, 0, undefined, {}, route);
    if (cmd.code === RequestCode.HEART_BEAT) return createResponse(cmd, 0);
    return createResponse(cmd, 0, undefined, { msgId: '7F00000100002A9F0000000000000000', queueId: '1', queueOffset: '5' });
  },
  async invokeOneway() {},
  registerProcessor() {},
  shutdown() {},
};

async function sendCost(batch: number, total: number): Promise<number> {
  const p = new DefaultMQProducer({ producerGroup: 'BenchPG', namesrvAddr: '127.0.0.1:9876', transport });
  await p.start();
  const body = Buffer.alloc(1024, 1);
  const one = (): Promise<unknown> => (batch === 1 ? p.send(new Message('T', body, { tags: 'TagA' })) : p.send(Array.from({ length: batch }, () => new Message('T', body))));
  for (let i = 0; i < 2000; i++) await one();
  const window = Math.max(1, Math.floor(1000 / batch));
  const t0 = process.cpuUsage();
  for (let sent = 0; sent < total; sent += window * batch) await Promise.all(Array.from({ length: window }, one));
  const cpu = process.cpuUsage(t0);
  await p.shutdown();
  return (cpu.user + cpu.system) / total;
}

function decodeCost(total: number): number {
  const records = Array.from({ length: 32 }, (_, i) =>
    encodeRecord({
      topic: 'BenchmarkTest', queueId: 0, flag: 0, queueOffset: i, physicalOffset: i * 1200, sysFlag: 0, bornTimestamp: Date.now(),
      bornHost: encodeSocketAddress('127.0.0.1', 5555), storeTimestamp: Date.now(), storeHost: encodeSocketAddress('127.0.0.1', 10911),
      reconsumeTimes: 0, preparedTransactionOffset: 0, body: Buffer.alloc(1024, 1),
      properties: encodeProperties({ UNIQ_KEY: '7F00000119A94E0E2F2A8092A6F00000', WAIT: 'true', CLUSTER: 'DefaultCluster' }),
    }),
  );
  const body = Buffer.concat(records);
  for (let i = 0; i < 2000; i++) decodePulledMessages(body, 'b', 0, 32);
  const t0 = process.cpuUsage();
  for (let n = 0; n < total; n += 32) decodePulledMessages(body, 'b', 0, 32);
  const cpu = process.cpuUsage(t0);
  return (cpu.user + cpu.system) / total;
}

const result = {
  send_single_cpu_us_per_msg: Math.round((await sendCost(1, 200_000)) * 100) / 100,
  send_batch32_cpu_us_per_msg: Math.round((await sendCost(32, 640_000)) * 100) / 100,
  pull_decode_cpu_us_per_msg: Math.round(decodeCost(1_000_000) * 100) / 100,
};
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(30)} ${v}`);
