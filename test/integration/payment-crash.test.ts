/**
 * The payment example (examples/payment) through a real broker: A pays B with transactional messages
 * whose local transaction is a SQLite debit. The payer process is killed (SIGKILL) after its local
 * commit and before END_TRANSACTION; a restarted payer answers the broker's check-back from its
 * transfers table, the payee credits B once per transfer, and the books balance.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PayeeLedger, PayerLedger, type Transfer } from '../../examples/payment/ledger.js';
import { Payee, Payer, parseTransfer } from '../../examples/payment/payment.js';
import { MessageExt } from '../../src/client/message.js';
import { tempDir } from '../support/paths.js';
import { startCluster, waitUntil, type TestCluster } from './client-cluster.js';

let cluster: TestCluster;
const TOPIC = 'PaymentTopic';

before(async () => {
  cluster = await startCluster({ broker: { transactionCheckInterval: 300, transactionTimeOut: 1000 } });
  await cluster.createTopic(TOPIC, 2);
});
after(async () => {
  await cluster?.stop();
});

const CHILD = fileURLToPath(new URL('../../examples/payment/payer-child.js', import.meta.url));

test('payer killed between its local commit and END_TRANSACTION: the check-back commits, B is credited once, the books balance', async () => {
  const td = tempDir('rmq-payment-');
  const payerPath = join(td.dir, 'payer.db');
  const seed = new PayerLedger(payerPath);
  seed.openAccount('A', 1000);
  seed.close();
  const payeeDb = new PayeeLedger(join(td.dir, 'payee.db'));
  payeeDb.openAccount('B', 0);
  let duplicates = 0;
  const payee = new Payee({ namesrvAddr: cluster.namesrvAddr, ledger: payeeDb, topic: TOPIC, onCredit: (_t, applied) => void (applied || duplicates++) });
  await payee.start();
  let restarted: Payer | undefined;
  let payerDb: PayerLedger | undefined;
  try {
    const transfers: Transfer[] = [
      { id: 't1', from: 'A', to: 'B', amount: 100 },
      { id: 't2', from: 'A', to: 'B', amount: 5000 }, // bounces: rolled back
      { id: 't3', from: 'A', to: 'B', amount: 250 },
      { id: 't4', from: 'A', to: 'B', amount: 300 }, // the payer dies after the local commit
      { id: 't5', from: 'A', to: 'B', amount: 1 }, // never sent
    ];
    const child = spawn(process.execPath, [CHILD, cluster.namesrvAddr, payerPath, TOPIC, JSON.stringify(transfers), 't4'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RMQ_LOG_LEVEL: 'error' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, sig) => resolve(sig ?? code)));
    try {
      await waitUntil(() => out.includes('LOCAL_COMMITTED t4') || child.exitCode !== null, 30000, `the child to commit t4 locally (stdout: ${out}, stderr: ${err})`);
      assert.ok(out.includes('LOCAL_COMMITTED t4'), `child output: ${out} ${err}`);
      child.kill('SIGKILL');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    assert.equal(await exited, 'SIGKILL');
    assert.match(out, /PAID t1 COMMIT_MESSAGE/);
    assert.match(out, /PAID t2 ROLLBACK_MESSAGE/);
    assert.match(out, /PAID t3 COMMIT_MESSAGE/);

    // Before the restart: A is already debited for t4, B has at most t1 + t3.
    payerDb = new PayerLedger(payerPath);
    assert.equal(payerDb.balance('A'), 1000 - 100 - 250 - 300);
    await waitUntil(() => payeeDb.balance('B') === 350, 15000, 'B credited with t1 and t3');

    // The payer comes back (same group, same database): the broker's check-back finds the t4 row.
    restarted = new Payer({ namesrvAddr: cluster.namesrvAddr, ledger: payerDb, topic: TOPIC, heartbeatBrokerInterval: 300 });
    await restarted.start();
    await waitUntil(() => payeeDb.balance('B') === 650, 20000, 'B credited with t4 after the check-back');
    await new Promise((r) => setTimeout(r, 1500)); // further check passes deliver nothing more
    assert.equal(payeeDb.balance('B'), 650);
    assert.equal(payeeDb.creditCount(), 3);
    assert.equal(payerDb.balance('A') + payeeDb.balance('B'), 1000, 'the books balance');
    assert.equal(payerDb.totalTransferred(), payeeDb.balance('B'));
    assert.equal(cluster.brokers[0]!.controller.transactionService.listHalfMessages().length, 0);

    // Redelivery of a transfer never credits twice.
    const again = new MessageExt(TOPIC, Buffer.from(JSON.stringify(transfers[0])));
    again.keys = 't1';
    assert.equal(payeeDb.credit(parseTransfer(again)!), false);
    assert.equal(payeeDb.balance('B'), 650);
    assert.equal(duplicates, 0);
  } finally {
    await restarted?.shutdown();
    await payee.shutdown();
    payerDb?.close();
    payeeDb.close();
    td.cleanup();
  }
});
