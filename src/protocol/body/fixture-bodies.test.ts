import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../../../test/support/paths.js';
import { decodeFrame } from '../../remoting/frame-codec.js';
import { parseFastjson } from './fastjson.js';
import { decodeRegisterBrokerBody, encodeRegisterBrokerBody, bodyCrc32 } from './register-broker-body.js';
import type { ClusterInfo, HeartbeatData, LockBatchRequestBody, TopicRouteData } from './types.js';

const index = JSON.parse(readFileSync(fixturePath('remoting', 'index.json'), 'utf8')) as { files: Array<{ file: string; codeName: string; kind: string; requestCodeName?: string }> };
const frames = index.files.map((m) => ({ meta: m, cmd: decodeFrame(readFileSync(fixturePath('remoting', m.file))) }));

test('bodies: every JSON body in the golden frames parses (fastjson quirks included)', () => {
  let n = 0;
  for (const { meta, cmd } of frames) {
    const b = cmd.body;
    if (b === undefined || (b[0] !== 0x7b && b[0] !== 0x5b)) continue; // message records are binary
    if (meta.codeName === 'PULL_MESSAGE' || meta.requestCodeName === 'PULL_MESSAGE' || meta.codeName?.startsWith('SEND')) continue;
    assert.doesNotThrow(() => parseFastjson(b), meta.file);
    n++;
  }
  assert.ok(n > 50, `${n} JSON bodies`);
});

test('bodies: typed views of recorded bodies', () => {
  const find = (pred: (f: (typeof frames)[number]) => boolean) => frames.find(pred)!.cmd.body!;
  const hb = parseFastjson(find((f) => f.meta.codeName === 'HEART_BEAT' && f.meta.kind === 'request')) as HeartbeatData;
  assert.match(hb.clientID, /@/);
  const route = parseFastjson(find((f) => f.meta.file.startsWith('183-'))) as TopicRouteData; // legacy unquoted keys (ali-ons)
  assert.equal(route.brokerDatas[0]!.brokerAddrs['0'], '127.0.0.1:10911');
  const cluster = parseFastjson(find((f) => f.meta.file.startsWith('027-'))) as ClusterInfo;
  assert.deepEqual(cluster.clusterAddrTable, { DefaultCluster: ['broker-a'] });
  const lock = parseFastjson(find((f) => f.meta.codeName === 'LOCK_BATCH_MQ')) as LockBatchRequestBody;
  assert.ok(Array.isArray(lock.mqSet) && typeof lock.consumerGroup === 'string');
});

test('bodies: recorded RegisterBrokerBody decodes, crc matches, and survives both encodings', () => {
  for (const { meta, cmd } of frames.filter((f) => f.meta.codeName === 'REGISTER_BROKER')) {
    assert.equal(bodyCrc32(cmd.body), Number(cmd.extFields['bodyCrc32']), meta.file);
    const body = decodeRegisterBrokerBody(cmd.body, { compressed: cmd.extFields['compressed'] === 'true', version: cmd.version });
    // The first registration carries every topic; incremental ones only the changed topics.
    assert.ok(Object.keys(body.topicConfigSerializeWrapper.topicConfigTable).length > 0, meta.file);
    assert.deepEqual(decodeRegisterBrokerBody(encodeRegisterBrokerBody(body), { version: cmd.version }), body);
    const viaCompressed = decodeRegisterBrokerBody(encodeRegisterBrokerBody(body, true), { compressed: true, version: 479 });
    assert.deepEqual(viaCompressed.topicConfigSerializeWrapper.dataVersion, body.topicConfigSerializeWrapper.dataVersion);
    for (const [name, tc] of Object.entries(body.topicConfigSerializeWrapper.topicConfigTable)) {
      // The compressed form carries no topicSysFlag/order (Java's TopicConfig.encode omits them).
      const c = viaCompressed.topicConfigSerializeWrapper.topicConfigTable[name]!;
      assert.deepEqual([c.readQueueNums, c.writeQueueNums, c.perm, c.topicFilterType], [tc.readQueueNums, tc.writeQueueNums, tc.perm, tc.topicFilterType]);
    }
  }
  assert.throws(() => decodeRegisterBrokerBody(Buffer.from('not deflate'), { compressed: true }), /does not inflate/);
});
