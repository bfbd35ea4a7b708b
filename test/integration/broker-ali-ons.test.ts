/**
 * 4.x compatibility: the npm client ali-ons (pure-JS RocketMQ 4.x remoting client) produces and
 * consumes through our name server and broker: tags, a consumer group, a retried message.
 * ali-ons runs in a child process (broker-ali-ons-child.js) because its timers outlive close().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NamesrvController } from '../../src/namesrv/namesrv-controller.js';
import { CreateTopicRequestHeader } from '../../src/protocol/headers/admin.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { tempDir } from '../support/paths.js';
import { startBroker } from './broker-harness.js';

test('ali-ons producer and push consumer work against our name server and broker (tags, group, retry)', { timeout: 60_000 }, async () => {
  const kv = tempDir('rmq-ons-');
  const ns = new NamesrvController({ listenPort: 0, host: '127.0.0.1', kvConfigPath: `${kv.dir}/kv.json`, configStorePath: `${kv.dir}/ns.properties` });
  const { port: nsPort } = await ns.start();
  // Delay levels 3.. are 200 ms here so the retry comes back quickly.
  const t = await startBroker({ namesrvAddr: `127.0.0.1:${nsPort}`, messageDelayLevel: '1s 200ms 200ms 200ms 200ms 200ms' });
  try {
    // ali-ons does not auto-create topics through TBW102: create it as mqadmin updateTopic would.
    const ext = CreateTopicRequestHeader.encode({
      topic: 'OnsTopic', defaultTopic: 'TBW102', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', order: false,
    });
    assert.equal((await t.call(RequestCode.UPDATE_AND_CREATE_TOPIC, ext)).code, 0);
    assert.equal(await t.broker.registerBrokerAll(), 1);
    const child = fileURLToPath(new URL('./broker-ali-ons-child.js', import.meta.url));
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [child, `127.0.0.1:${nsPort}`, 'OnsTopic'], { timeout: 45_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
      );
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { error?: string; sendStatus: string[]; got: Array<{ body: string; tags: string; reconsumeTimes: number }> };
    assert.equal(r.error, undefined, r.error);
    assert.deepEqual(r.sendStatus, ['SEND_OK', 'SEND_OK', 'SEND_OK', 'SEND_OK']);
    assert.ok(r.got.every((g) => g.tags === 'TagA'), JSON.stringify(r.got));
    assert.ok(!r.got.some((g) => g.body === 'ons body 1'));
    assert.ok(r.got.some((g) => g.body === 'ons body 0') && r.got.some((g) => g.body === 'ons body 3'), JSON.stringify(r.got));
    const retried = r.got.filter((g) => g.body === 'ons body 2');
    assert.equal(retried.length, 2, JSON.stringify(r.got));
    assert.equal(retried[1]!.reconsumeTimes, 1);
    assert.ok(t.broker.topicConfigManager.get('%RETRY%OnsCG'));
  } finally {
    await t.stop();
    await ns.shutdown();
    kv.cleanup();
  }
});
