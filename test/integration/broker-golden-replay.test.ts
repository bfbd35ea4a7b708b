/**
 * Replays every client->broker request recorded from Apache RocketMQ 4.9.8 clients (Java, binary
 * headers, mqadmin) and ali-ons 3.12.0 (test/fixtures/remoting) against our broker, one client
 * connection per recorded connection, in recorded order. Each answer must be what the Java broker
 * answered, except where the answer depends on timing or store state (pull statuses, offsets found or
 * not, send-back by a Java commit-log offset), where any of RocketMQ's legitimate answers is accepted.
 * Held pulls are shortened to 200 ms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeFrame } from '../../src/remoting/frame-codec.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { RequestCode, requestCodeName } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { fixturePath } from '../support/paths.js';
import { startBroker } from './broker-harness.js';

interface FrameInfo {
  file: string;
  scenario: string;
  connection: string;
  direction: string;
  kind: string;
  code: number;
  answeredBy?: string | null;
}

const STATE_DEPENDENT: Record<number, number[]> = {
  [RequestCode.PULL_MESSAGE]: [0, 19, 20, 21, 24, 25],
  [RequestCode.CONSUMER_SEND_MSG_BACK]: [0, 1],
  [RequestCode.QUERY_CONSUMER_OFFSET]: [0, 22],
  [RequestCode.GET_CONSUMER_LIST_BY_GROUP]: [0, 1],
};

test('recorded Java 4.9.8 and ali-ons requests get RocketMQ answers from our broker', async () => {
  const index = JSON.parse(readFileSync(fixturePath('remoting', 'index.json'), 'utf8')) as { files: FrameInfo[] };
  const byFile = new Map(index.files.map((f) => [f.file, f]));
  const requests = index.files.filter((f) => f.direction === 'client->broker' && f.kind.startsWith('request'));
  assert.ok(requests.length > 80);
  const t = await startBroker();
  const clients = new Map<string, RemotingClient>();
  const seen = new Map<string, number>();
  try {
    for (const f of requests) {
      let c = clients.get(f.connection);
      if (!c) {
        c = new RemotingClient();
        c.registerDefaultProcessor(() => null); // NOTIFY_CONSUMER_IDS_CHANGED etc.
        clients.set(f.connection, c);
      }
      const cmd = decodeFrame(readFileSync(fixturePath('remoting', f.file)));
      if (cmd.code === RequestCode.PULL_MESSAGE && (Number(cmd.extFields.sysFlag) & 0x2) !== 0) cmd.extFields.suspendTimeoutMillis = '200';
      const name = `${f.file} ${requestCodeName(cmd.code)}`;
      seen.set(f.scenario, (seen.get(f.scenario) ?? 0) + 1);
      if (f.kind.includes('oneway')) {
        await c.invokeOneway(t.addr, cmd);
        continue;
      }
      const res = await c.invoke(t.addr, cmd, 5000);
      assert.notEqual(res.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, name);
      assert.doesNotMatch(res.remark ?? '', /custom field|invalid/, `${name}: ${res.remark}`);
      const answer = f.answeredBy ? byFile.get(f.answeredBy) : undefined;
      const allowed = STATE_DEPENDENT[cmd.code] ?? (answer ? [answer.code] : undefined);
      if (allowed) assert.ok(allowed.includes(res.code), `${name}: got ${res.code} ${res.remark ?? ''}, expected one of ${allowed.join(',')}`);
      if (res.code === ResponseCode.SUCCESS && (cmd.code === RequestCode.SEND_MESSAGE_V2 || cmd.code === RequestCode.SEND_BATCH_MESSAGE)) {
        assert.ok(res.extFields.msgId && res.extFields.queueOffset !== undefined, name);
      }
    }
    // the recorded traffic created what a Java broker would have
    assert.ok(t.broker.topicConfigManager.get('FxTopic'));
    assert.ok(t.broker.topicConfigManager.get('FxOnsTopic'));
    assert.ok(t.broker.topicConfigManager.get('%RETRY%FxPushGroup'));
    assert.ok(t.broker.subscriptionGroupManager.table.get('FxOnsGroup'));
    assert.ok(seen.get('ons-consumer')! > 0 && seen.get('java-binary')! > 0);
  } finally {
    for (const c of clients.values()) c.close();
    await t.stop();
  }
});
