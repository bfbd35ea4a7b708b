/**
 * Transactions through a real broker and our TransactionMQProducer: commit, rollback, UNKNOW resolved
 * by CHECK_TRANSACTION_STATE, exactly-once delivery to a group, END_TRANSACTION validation, the
 * transactionCheckMax move to TRANS_CHECK_MAX_TIME_TOPIC with operator resolution, and half messages
 * surviving a broker restart.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultMQPushConsumer, Message, TransactionMQProducer, type LocalTransactionState, type MessageExt } from '../../src/index.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest } from '../../src/protocol/remoting-command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { decodeOffsetMessageId } from '../../src/message/message-id.js';
import { TxRequestCode } from '../../src/broker/transaction/end-transaction-processor.js';
import { AdminClient } from '../../src/admin/admin-client.js';
import { listHalfMessages, resolveHalfMessage } from '../../src/admin/commands/half-messages.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
const TX_CONF = { transactionCheckInterval: 200, transactionTimeOut: 300, transactionCheckMax: 3 };

before(async () => {
  cluster = await startCluster({ broker: TX_CONF });
});
after(async () => {
  await cluster?.stop();
});

function consumer(group: string, topic: string, got: MessageExt[]): DefaultMQPushConsumer {
  const c = new DefaultMQPushConsumer({ consumerGroup: group, namesrvAddr: cluster.namesrvAddr, pollNameServerInterval: 500, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  c.subscribe(topic, '*');
  c.registerMessageListener(async (msgs) => {
    got.push(...msgs);
    return 'CONSUME_SUCCESS';
  });
  return c;
}

test('commit is delivered once, rollback never, UNKNOW is resolved by the check-back', async () => {
  const topic = 'TxTopicA';
  await cluster.createTopic(topic, 2);
  const execute = new Map<string, LocalTransactionState>([
    ['c', 'COMMIT_MESSAGE'],
    ['r', 'ROLLBACK_MESSAGE'],
    ['u-commit', 'UNKNOW'],
    ['u-rollback', 'UNKNOW'],
  ]);
  const checked: MessageExt[] = [];
  const producer = new TransactionMQProducer({
    producerGroup: 'TxPG_A',
    namesrvAddr: cluster.namesrvAddr,
    heartbeatBrokerInterval: 200,
    transactionListener: {
      executeLocalTransaction: (msg) => execute.get(msg.body.toString().split(':')[0]!)!,
      checkLocalTransaction: (msg) => {
        checked.push(msg);
        return msg.body.toString().startsWith('u-commit') ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE';
      },
    },
  });
  const got: MessageExt[] = [];
  const c = consumer('TxCG_A', topic, got);
  await producer.start();
  await c.start();
  try {
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      for (const k of execute.keys()) {
        const body = `${k}:${i}`;
        const m = new Message(topic, body);
        m.keys = [body];
        const r = await producer.sendMessageInTransaction(m);
        assert.equal(r.sendStatus, 'SEND_OK');
        assert.equal(r.localTransactionState, execute.get(k));
        sent.push(body);
      }
    }
    await waitUntil(() => got.length >= 10, 15000, 'committed messages (direct and by check-back)');
    await new Promise((r) => setTimeout(r, 1200)); // more check passes: nothing more may arrive
    const bodies = got.map((m) => m.body.toString()).sort();
    const want = sent.filter((b) => b.startsWith('c:') || b.startsWith('u-commit')).sort();
    assert.deepEqual(bodies, want, 'committed ones exactly once, rolled-back ones never');
    for (const m of got) {
      assert.equal(m.topic, topic);
      assert.equal(m.properties.TRAN_MSG, undefined, 'TRAN_MSG removed on commit');
      assert.equal(m.properties.REAL_TOPIC, undefined);
      assert.ok(m.preparedTransactionOffset < m.commitLogOffset, 'preparedTransactionOffset = the earlier half record offset');
    }
    // The check went only to unknown ones, with the real topic and a check count.
    assert.ok(checked.length >= 10);
    assert.ok(checked.every((m) => m.body.toString().startsWith('u-') && m.topic === topic && Number(m.properties.TRANSACTION_CHECK_TIMES) >= 1));
    const svc = cluster.brokers[0]!.controller.transactionService;
    assert.equal(svc.listHalfMessages().filter((h) => h.topic === topic).length, 0, 'no open half message left');
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
});

test('END_TRANSACTION is validated: wrong producer group or offset is refused; a repeated commit stores no second copy', async () => {
  const topic = 'TxTopicB';
  await cluster.createTopic(topic, 1);
  let sendResult: { queueOffset: number; offsetMsgId: string; msgId: string } | undefined;
  const producer = new TransactionMQProducer({
    producerGroup: 'TxPG_B',
    namesrvAddr: cluster.namesrvAddr,
    transactionListener: { executeLocalTransaction: () => 'UNKNOW', checkLocalTransaction: () => 'UNKNOW' },
  });
  await producer.start();
  const rc = new RemotingClient();
  const addr = `127.0.0.1:${cluster.brokers[0]!.port}`;
  const end = (group: string, tso: number, kind: number) =>
    rc.invoke(
      addr,
      createRequest(RequestCode.END_TRANSACTION, {
        producerGroup: group,
        tranStateTableOffset: String(tso),
        commitLogOffset: String(decodeOffsetMessageId(sendResult!.offsetMsgId).physicalOffset),
        commitOrRollback: String(kind),
        fromTransactionCheck: 'false',
        msgId: sendResult!.msgId,
      }),
      3000,
    );
  try {
    sendResult = await producer.sendMessageInTransaction(new Message(topic, 'validate'));
    const wrongGroup = await end('OtherGroup', sendResult.queueOffset, 8);
    assert.equal(wrongGroup.code, 1);
    assert.match(wrongGroup.remark ?? '', /producer group/);
    const wrongOffset = await end('TxPG_B', sendResult.queueOffset + 1000, 8);
    assert.equal(wrongOffset.code, 1);
    const ok1 = await end('TxPG_B', sendResult.queueOffset, 8);
    assert.equal(ok1.code, 0);
    const ok2 = await end('TxPG_B', sendResult.queueOffset, 8);
    assert.equal(ok2.code, 0);
    const rollbackLate = await end('TxPG_B', sendResult.queueOffset, 12);
    assert.equal(rollbackLate.code, 0);
    const store = cluster.brokers[0]!.controller.store;
    assert.equal(store.getMaxOffsetInQueue(topic, 0), 1, 'exactly one committed copy');
  } finally {
    rc.shutdown();
    await producer.shutdown();
  }
});

test('after transactionCheckMax checks a half message is moved aside; an operator lists and commits it', async () => {
  const topic = 'TxTopicC';
  await cluster.createTopic(topic, 1);
  let checks = 0;
  const producer = new TransactionMQProducer({
    producerGroup: 'TxPG_C',
    namesrvAddr: cluster.namesrvAddr,
    heartbeatBrokerInterval: 200,
    transactionListener: {
      executeLocalTransaction: () => 'UNKNOW',
      checkLocalTransaction: () => {
        checks++;
        return 'UNKNOW';
      },
    },
  });
  const got: MessageExt[] = [];
  const c = consumer('TxCG_C', topic, got);
  await producer.start();
  await c.start();
  const rc = new RemotingClient();
  const addr = `127.0.0.1:${cluster.brokers[0]!.port}`;
  try {
    const m = new Message(topic, 'stuck');
    m.keys = ['stuck-key'];
    await producer.sendMessageInTransaction(m);
    const list = async () => {
      const res = await rc.invoke(addr, createRequest(TxRequestCode.LIST_HALF_MESSAGES, {}), 3000);
      assert.equal(res.code, 0);
      return (JSON.parse(res.body!.toString()) as { halfMessages: Array<{ where: string; queueOffset: number; topic: string; keys: string; checkTimes: number }> }).halfMessages.filter((h) => h.topic === topic);
    };
    // Moving aside writes the copy first and the op record after it: until the op lands the half entry is
    // still listed too, so wait for the listing to settle on the one moved entry.
    await waitUntil(async () => {
      const l = await list();
      return l.length === 1 && l[0]!.where === 'checkMax';
    }, 15000, 'moved to TRANS_CHECK_MAX_TIME_TOPIC');
    const [h] = await list();
    assert.equal(h!.where, 'checkMax');
    assert.equal(h!.keys, 'stuck-key');
    assert.equal(h!.checkTimes, 3);
    // The last CHECK_TRANSACTION_STATE is oneway: the producer may answer it just after the move.
    await waitUntil(() => checks >= 3, 5000, 'the third check answered');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(checks, 3, 'checked exactly transactionCheckMax times');
    assert.equal(got.length, 0);
    // The operator's view and action through the admin commands (rmq admin listHalfMessages / resolveHalfMessage).
    const admin = new AdminClient({ namesrvAddr: cluster.namesrvAddr });
    try {
      const listed = await listHalfMessages.run(admin, { topic });
      const rows = listed.json as Array<{ where: string; queueOffset: number; brokerAddr: string; keys: string }>;
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.keys, 'stuck-key');
      assert.match(listed.text, /checkMax/);
      const done = await resolveHalfMessage.run(admin, { brokerAddr: rows[0]!.brokerAddr, offset: String(rows[0]!.queueOffset), where: 'checkMax', commit: true });
      assert.match(done.text, /COMMITTED/);
    } finally {
      admin.close();
    }
    await waitUntil(() => got.length === 1, 10000, 'the resolved message delivered');
    assert.equal(got[0]!.body.toString(), 'stuck');
    assert.equal((await list()).length, 0);
    const again = await rc.invoke(addr, createRequest(TxRequestCode.RESOLVE_HALF_MESSAGE, { where: 'checkMax', queueOffset: String(h!.queueOffset), commit: 'true' }), 3000);
    assert.equal(again.code, 0);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(got.length, 1, 'resolving twice delivers once');
  } finally {
    rc.shutdown();
    await c.shutdown();
    await producer.shutdown();
  }
});

test('half messages survive a broker restart; the check-back after restart commits them once', async () => {
  const topic = 'TxTopicD';
  await cluster.createTopic(topic, 1);
  let decide: LocalTransactionState = 'UNKNOW';
  const mk = () =>
    new TransactionMQProducer({
      producerGroup: 'TxPG_D',
      namesrvAddr: cluster.namesrvAddr,
      heartbeatBrokerInterval: 200,
      transactionListener: { executeLocalTransaction: () => 'UNKNOW', checkLocalTransaction: () => decide },
    });
  let producer = mk();
  await producer.start();
  for (let i = 0; i < 3; i++) await producer.sendMessageInTransaction(new Message(topic, `restart-${i}`));
  await producer.shutdown();
  await cluster.stopBroker(0);
  await cluster.startBroker(0);
  await cluster.waitRoute(topic);
  const svc = cluster.brokers[0]!.controller.transactionService;
  assert.equal(svc.listHalfMessages().filter((h) => h.topic === topic && h.where === 'half').length, 3, 'three open half messages after restart');
  assert.equal(svc.listHalfMessages().filter((h) => h.topic !== topic && h.where === 'half').length, 0, 'resolved ones stay resolved (op records, batched or not, read back)');
  decide = 'COMMIT_MESSAGE';
  producer = mk();
  await producer.start();
  const got: MessageExt[] = [];
  const c = consumer('TxCG_D', topic, got);
  await c.start();
  try {
    await waitUntil(() => got.length >= 3, 15000, 'three committed after restart');
    await new Promise((r) => setTimeout(r, 800));
    assert.deepEqual(got.map((m) => m.body.toString()).sort(), ['restart-0', 'restart-1', 'restart-2']);
  } finally {
    await c.shutdown();
    await producer.shutdown();
  }
});
