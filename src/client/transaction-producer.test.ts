import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeCluster, FAKE_NAMESRV } from './testing/fake-cluster.js';
import { TransactionMQProducer, type LocalTransactionState } from './transaction-producer.js';
import { Message } from './message.js';

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('transactions: commit, rollback, and an UNKNOW outcome resolved by the broker check', async () => {
  const cluster = new FakeCluster();
  const broker = cluster.addBroker('broker-a', 10911);
  cluster.createTopic('T', 1);
  const decisions = new Map<string, LocalTransactionState>([
    ['commit', 'COMMIT_MESSAGE'],
    ['rollback', 'ROLLBACK_MESSAGE'],
    ['unknown', 'UNKNOW'],
  ]);
  const checked: string[] = [];
  const producer = new TransactionMQProducer({
    producerGroup: 'TXPG',
    namesrvAddr: FAKE_NAMESRV,
    transport: cluster.transport(),
    transactionListener: {
      async executeLocalTransaction(msg) {
        const body = msg.body.toString();
        if (body === 'throws') throw new Error('local failure');
        return decisions.get(body)!;
      },
      async checkLocalTransaction(msg) {
        checked.push(msg.body.toString());
        assert.equal(msg.topic, 'T');
        assert.ok(msg.transactionId);
        return msg.body.toString() === 'unknown' ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE';
      },
    },
  });
  await producer.start();
  try {
    const r1 = await producer.sendMessageInTransaction(new Message('T', 'commit'), { orderId: 1 });
    assert.equal(r1.localTransactionState, 'COMMIT_MESSAGE');
    assert.equal(r1.sendStatus, 'SEND_OK');
    const r2 = await producer.sendMessageInTransaction(new Message('T', 'rollback'));
    assert.equal(r2.localTransactionState, 'ROLLBACK_MESSAGE');
    const r3 = await producer.sendMessageInTransaction(new Message('T', 'unknown'));
    assert.equal(r3.localTransactionState, 'UNKNOW');
    const r4 = await producer.sendMessageInTransaction(new Message('T', 'throws'));
    assert.equal(r4.localTransactionState, 'UNKNOW');
    await waitFor(() => broker.endTransactions.length === 4, 2000);
    assert.deepEqual(broker.endTransactions.map((e) => e.commitOrRollback), [8, 12, 0, 0]);
    assert.equal(broker.count('T'), 1);
    assert.equal(broker.halves.size, 2);
    broker.checkTransactions();
    await waitFor(() => broker.halves.size === 0, 2000);
    assert.deepEqual(checked.sort(), ['throws', 'unknown']);
    assert.ok(broker.endTransactions.slice(4).every((e) => e.fromTransactionCheck));
    assert.equal(broker.count('T'), 2);
  } finally {
    await producer.shutdown();
  }
});

test('sendMessageInTransaction without a listener is refused', async () => {
  const cluster = new FakeCluster();
  cluster.addBroker('broker-a', 10911);
  const producer = new TransactionMQProducer({ producerGroup: 'TXPG2', namesrvAddr: FAKE_NAMESRV, transport: cluster.transport() });
  await producer.start();
  try {
    await assert.rejects(producer.sendMessageInTransaction(new Message('T', 'x')), /TransactionListener is null/);
  } finally {
    await producer.shutdown();
  }
});
