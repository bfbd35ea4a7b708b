/**
 * `rmq admin` against answers recorded from Apache RocketMQ 4.9.8 (test/fixtures/remoting): a stand-in
 * name server replays the Java name server's bodies (fastjson output, e.g. `{0:"ip:port"}` broker
 * address maps), and a stand-in broker records what `rmq admin updateTopic` sends, which must carry the
 * same header fields as the 4.9.8 mqadmin request captured for the same command.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createResponse, type RemotingCommand } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { decodeFrame } from '../../src/remoting/frame-codec.js';
import { RemotingServer } from '../../src/remoting/remoting-server.js';
import { fixturePath } from '../support/paths.js';
import { runCli, runJson } from './cli-support.js';

function frame(name: string): RemotingCommand {
  return decodeFrame(readFileSync(fixturePath('remoting', name)));
}

/** The ACL fields mqadmin's RPC hook added in the recording; not part of the command's header. */
function withoutAcl(ext: Record<string, string>): Record<string, string> {
  const { Signature: _s, AccessKey: _a, ...rest } = ext;
  return rest;
}

describe('rmq admin against recorded 4.9.8 answers', () => {
  const namesrv = new RemotingServer({ host: '127.0.0.1', port: 0 });
  const broker = new RemotingServer({ host: '127.0.0.1', port: 0 });
  const received: RemotingCommand[] = [];
  let n: string[];

  before(async () => {
    const { port: brokerPort } = await broker.listen();
    // The recording's broker address, moved to the stand-in broker (the fastjson form is kept).
    const rewrite = (c: RemotingCommand): Buffer => Buffer.from(c.body!.toString('utf8').replaceAll('127.0.0.1:10911', `127.0.0.1:${brokerPort}`));
    const clusterInfo = rewrite(frame('027-namesrv-to-client-SUCCESS-for-GET_BROKER_CLUSTER_INFO.bin'));
    const route = rewrite(frame('031-namesrv-to-client-SUCCESS-for-GET_ROUTEINFO_BY_TOPIC.bin'));
    const topics = frame('036-namesrv-to-client-SUCCESS-for-GET_ALL_TOPIC_LIST_FROM_NAMESERVER.bin').body!;
    namesrv.registerProcessor(RequestCode.GET_BROKER_CLUSTER_INFO, (req) => createResponse(req, ResponseCode.SUCCESS, undefined, {}, clusterInfo));
    namesrv.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, (req) => createResponse(req, ResponseCode.SUCCESS, undefined, {}, route));
    namesrv.registerProcessor(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, (req) => createResponse(req, ResponseCode.SUCCESS, undefined, {}, topics));
    broker.registerDefaultProcessor((req) => {
      received.push(req);
      return createResponse(req, ResponseCode.SUCCESS);
    });
    // What a 4.9.8 broker answers when the group has no consumer online, and the calls that follow.
    broker.registerProcessor(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, (req) => {
      received.push(req);
      return createResponse(req, ResponseCode.CONSUMER_NOT_ONLINE, `Consumer not online, so can not reset offset, Group: ${req.extFields['group']}`);
    });
    broker.registerProcessor(RequestCode.GET_CONSUME_STATS, (req) => {
      received.push(req);
      // fastjson's MessageQueue-keyed map, as the Java broker writes it
      const body = '{"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T1"}:{"brokerOffset":9,"consumerOffset":7,"lastTimestamp":0},{"brokerName":"broker-a","queueId":1,"topic":"T1"}:{"brokerOffset":5,"consumerOffset":1,"lastTimestamp":0}}}';
      return createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(body));
    });
    broker.registerProcessor(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, (req) => {
      received.push(req);
      return createResponse(req, ResponseCode.SUCCESS, undefined, { offset: '3' });
    });
    const { port } = await namesrv.listen();
    n = ['-n', `127.0.0.1:${port}`];
  });

  after(async () => {
    await namesrv.close();
    await broker.close();
  });

  test('clusterList, topicList and topicRoute read the Java name server output', async () => {
    const cl = await runJson<{ brokers: Array<{ clusterName: string; brokerName: string; brokerId: number }> }>(['admin', 'clusterList', ...n]);
    assert.deepEqual(cl.brokers.map((b) => [b.clusterName, b.brokerName, b.brokerId]), [['DefaultCluster', 'broker-a', 0]]);
    const tl = await runJson<{ topicList: string[] }>(['admin', 'topicList', ...n]);
    assert.ok(tl.topicList.includes('FxTopic') && tl.topicList.includes('TBW102'));
    const tr = await runCli(['admin', 'topicRoute', ...n, '-t', 'TBW102', '-l']);
    assert.equal(tr.code, 0, tr.stderr);
    assert.match(tr.stdout, /DefaultCluster\s+broker-a\s+0:127\.0\.0\.1:\d+\s+8\s+8\s+7\(RWX\)/);
  });

  test('resetOffsetByTime against a broker that answers CONSUMER_NOT_ONLINE sets the offsets queue by queue', async () => {
    received.length = 0;
    const r = await runJson<{ clientsNotified: boolean; offsets: Array<{ queueId: number; offset: number }> }>(['admin', 'resetOffsetByTime', ...n, '-g', 'G1', '-t', 'T1', '-s', '1000', '-f', 'false']);
    assert.equal(r.clientsNotified, false);
    // Queue 0 moves back from 7 to 3; queue 1 stays at 1 (without force only backwards); queues 2..7
    // have no stored offset and get 3.
    assert.deepEqual(r.offsets.map((o) => [o.queueId, o.offset]), [[0, 3], [2, 3], [3, 3], [4, 3], [5, 3], [6, 3], [7, 3]]);
    const updates = received.filter((c) => c.code === RequestCode.UPDATE_CONSUMER_OFFSET).map((c) => [c.extFields['queueId'], c.extFields['commitOffset'], c.extFields['consumerGroup']]);
    assert.deepEqual(updates, [['0', '3', 'G1'], ['2', '3', 'G1'], ['3', '3', 'G1'], ['4', '3', 'G1'], ['5', '3', 'G1'], ['6', '3', 'G1'], ['7', '3', 'G1']]);
  });

  test('updateTopic sends the header 4.9.8 mqadmin sent for the same command', async () => {
    received.length = 0;
    // The recorded command: mqadmin updateTopic -c DefaultCluster -t FxTopic -r 2 -w 2
    const r = await runCli(['admin', 'updateTopic', ...n, '-c', 'DefaultCluster', '-t', 'FxTopic', '-r', '2', '-w', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(received.length, 1);
    const ours = received[0]!;
    const java = frame('030-client-to-broker-UPDATE_AND_CREATE_TOPIC.bin');
    assert.equal(ours.code, java.code);
    assert.deepEqual(withoutAcl(ours.extFields), withoutAcl(java.extFields));
  });
});
