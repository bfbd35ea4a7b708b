/**
 * The payment example end to end against a running name server and broker: A pays B a few times, one
 * payment bounces (insufficient funds), and the payee credits B once per transfer.
 *
 *   node dist/examples/payment/main.js            (NAMESRV_ADDR, default 127.0.0.1:9876; DATA_DIR, default a temp dir)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PayeeLedger, PayerLedger } from './ledger.js';
import { Payee, Payer } from './payment.js';

const namesrvAddr = process.env.NAMESRV_ADDR ?? '127.0.0.1:9876';
const dir = process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'rmq-payment-'));
const payerDb = new PayerLedger(join(dir, 'payer.db'));
const payeeDb = new PayeeLedger(join(dir, 'payee.db'));
payerDb.openAccount('A', 100_00);
payeeDb.openAccount('B', 0);

const payee = new Payee({ namesrvAddr, ledger: payeeDb, onCredit: (t, applied) => console.log(`credit ${t.id} ${t.amount} ${applied ? 'applied' : 'duplicate, skipped'}`) });
await payee.start();
const payer = new Payer({ namesrvAddr, ledger: payerDb });
await payer.start();
for (const amount of [10_00, 25_00, 500_00, 5_00]) {
  const r = await payer.pay({ id: randomUUID(), from: 'A', to: 'B', amount });
  console.log(`pay ${amount}: ${r.localTransactionState}`);
}
await new Promise((r) => setTimeout(r, 3000));
console.log(`A = ${payerDb.balance('A')}, B = ${payeeDb.balance('B')}, total = ${payerDb.balance('A') + payeeDb.balance('B')}`);
await payer.shutdown();
await payee.shutdown();
payerDb.close();
payeeDb.close();
