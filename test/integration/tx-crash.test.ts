/**
 * SIGKILL of a broker holding transactional state: committed, rolled-back and undecided half messages,
 * then the broker process is killed and restarted over the same directory. Committed messages keep
 * exactly one copy (the op records are read back, no second commit), rolled-back ones never appear,
 * and the undecided ones are checked after the restart and committed once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NamesrvController } from '../../src/namesrv/namesrv-controller.js';
import { Message, TransactionMQProducer, type LocalTransactionState } from '../../src/index.js';
import { AdminClient } from '../../src/admin/admin-client.js';
import { tempDir } from '../support/paths.js';
import { waitUntil } from './client-cluster.js';

const CHILD = fileURLToPath(new URL('./tx-broker-child.js', import.meta.url));
const TOPIC = 'TxCrashTopic';

function startChild(dir: string, port: number, namesrvAddr: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [CHILD, dir, String(port), namesrvAddr], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RMQ_LOG_LEVEL: 'silent' } });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker child did not start: ${out} ${err}`));
    }, 20000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`broker child exited ${code}: ${err}`));
    });
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Every body on the topic (all queues, from offset 0) with its count. */
async function bodies(admin: AdminClient, addr: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let q = 0; q < 2; q++) {
    let off = 0;
    for (;;) {
      const r = await admin.pull(addr, 'TxCrashReader', TOPIC, q, off, 32);
      if (r.status !== 'FOUND' || r.messages.length === 0) break;
      for (const m of r.messages) out.set(m.body.toString(), (out.get(m.body.toString()) ?? 0) + 1);
      off = r.nextBeginOffset;
    }
  }
  return out;
}

test('SIGKILL of the broker: committed stay single, rolled back stay out, undecided are checked and committed after restart', { timeout: 90_000 }, async () => {
  const td = tempDir('rmq-tx-crash-');
  const namesrv = new NamesrvController({ listenPort: 0, host: '127.0.0.1', kvConfigPath: join(td.dir, 'ns', 'kv.json'), configStorePath: join(td.dir, 'ns', 'ns.properties') });
  const { port: nsPort } = await namesrv.start();
  const namesrvAddr = `127.0.0.1:${nsPort}`;
  const brokerDir = join(td.dir, 'broker');
  let { child, port } = await startChild(brokerDir, 0, namesrvAddr);
  const addr = `127.0.0.1:${port}`;
  let checkAnswer: LocalTransactionState = 'UNKNOW';
  const producer = new TransactionMQProducer({
    producerGroup: 'TxCrashPG',
    namesrvAddr,
    heartbeatBrokerInterval: 300,
    pollNameServerInterval: 300,
    transactionListener: {
      executeLocalTransaction: (m) => ({ c: 'COMMIT_MESSAGE', r: 'ROLLBACK_MESSAGE', u: 'UNKNOW' })[m.body.toString()[0] as 'c' | 'r' | 'u'] as LocalTransactionState,
      checkLocalTransaction: () => checkAnswer,
    },
  });
  const admin = new AdminClient({ namesrvAddr });
  try {
    await waitUntil(async () => {
      try {
        await admin.getTopicRoute(TOPIC);
        return true;
      } catch {
        return false;
      }
    }, 10000, 'the topic route');
    await producer.start();
    const sent: string[] = [];
    for (let i = 0; i < 10; i++) for (const k of ['c', 'r', 'u']) {
      await producer.sendMessageInTransaction(new Message(TOPIC, `${k}${i}`));
      sent.push(`${k}${i}`);
    }
    await waitUntil(async () => [...(await bodies(admin, addr)).keys()].length === 10, 10000, 'the ten commits stored');
    await kill(child);
    ({ child, port } = await startChild(brokerDir, port, namesrvAddr));
    const before = await bodies(admin, addr);
    assert.deepEqual([...before.keys()].sort(), sent.filter((b) => b.startsWith('c')).sort(), 'after the kill: only the committed ones');
    checkAnswer = 'COMMIT_MESSAGE';
    await waitUntil(async () => [...(await bodies(admin, addr)).keys()].length === 20, 20000, 'undecided ones committed by the check after restart');
    await new Promise((r) => setTimeout(r, 1000)); // more check passes: nothing more may be committed
    const after = await bodies(admin, addr);
    assert.deepEqual([...after.keys()].sort(), sent.filter((b) => !b.startsWith('r')).sort());
    for (const [b, n] of after) assert.equal(n, 1, `${b} stored once`);
  } finally {
    await producer.shutdown();
    admin.close();
    await kill(child);
    await namesrv.shutdown();
    td.cleanup();
  }
});
