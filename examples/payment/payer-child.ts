/**
 * A payer process for the payment crash test: makes the payments given as JSON in argv[4] and, for
 * the transfer whose id is argv[5], stops right after the local commit (before END_TRANSACTION),
 * prints "LOCAL_COMMITTED <id>" and waits to be killed.
 *
 *   node payer-child.js <namesrvAddr> <payer.db> <topic> '<transfers json>' [crashTransferId]
 */
import { PayerLedger, type Transfer } from './ledger.js';
import { Payer } from './payment.js';

const [namesrvAddr, dbPath, topic, transfersJson, crashId] = process.argv.slice(2);
const ledger = new PayerLedger(dbPath!);
const payer = new Payer({
  namesrvAddr: namesrvAddr!,
  ledger,
  topic,
  afterLocalCommit: async (t) => {
    if (t.id !== crashId) return;
    process.stdout.write(`LOCAL_COMMITTED ${t.id}\n`);
    await new Promise(() => undefined); // never answers: the parent sends SIGKILL
  },
});
await payer.start();
for (const t of JSON.parse(transfersJson!) as Transfer[]) {
  const r = await payer.pay(t);
  process.stdout.write(`PAID ${t.id} ${r.localTransactionState}\n`);
}
process.stdout.write('DONE\n');
await payer.shutdown();
ledger.close();
