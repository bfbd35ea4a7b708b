/**
 * Child process for store-crash.test.ts: opens a SYNC_FLUSH store and appends until killed, printing one
 * line per acknowledged message: `<seq> <queueId> <queueOffset> <physicalOffset>`.
 * Usage: node store-crash-child.js <storeDir> <firstSeq>
 */
import { DefaultMessageStore } from '../../src/store/default-message-store.js';
import { crashTestConfig, crashTestMessage } from './store-crash-shared.js';

const [dir, firstSeqArg] = process.argv.slice(2);
if (!dir || !firstSeqArg) {
  console.error('usage: store-crash-child <storeDir> <firstSeq>');
  process.exit(2);
}
const store = new DefaultMessageStore(crashTestConfig(dir));
await store.start();
process.stdout.write('ready\n');
let seq = Number(firstSeqArg);
const CONCURRENCY = 32;
async function worker(): Promise<void> {
  for (;;) {
    const n = seq++;
    const msg = crashTestMessage(n);
    const r = await store.putMessage(msg);
    if (r.status === 'PUT_OK') process.stdout.write(`${n} ${msg.queueId} ${r.appendResult!.logicsOffset} ${r.appendResult!.wroteOffset}\n`);
  }
}
for (let i = 0; i < CONCURRENCY; i++) void worker();
