/**
 * A child process appends with SYNC_FLUSH and is killed with SIGKILL at random moments, over and over;
 * after each kill the store is reopened (crash recovery) and every acknowledged message must be there,
 * byte-identical to what was sent, and readable through its consume queue and its key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DefaultMessageStore } from '../../src/store/default-message-store.js';
import { decodeRecord } from '../../src/message/message-record.js';
import { encodeRecord } from '../../src/message/message-record.js';
import { tempDir } from '../support/paths.js';
import { CRASH_TOPIC, crashTestConfig, crashTestMessage } from './store-crash-shared.js';

const CYCLES = Number(process.env.STORE_CRASH_CYCLES ?? 20);
const childPath = fileURLToPath(new URL('./store-crash-child.js', import.meta.url));

interface Ack {
  seq: number;
  queueId: number;
  queueOffset: number;
  phys: number;
}

function runChild(dir: string, firstSeq: number, killAfterMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childPath, dir, String(firstSeq)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RMQ_LOG_LEVEL: 'silent' } });
    let out = '';
    let err = '';
    let killTimer: NodeJS.Timeout | undefined;
    const bound = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      // the kill comes at a random moment after the first acknowledgement (so every cycle has some)
      if (!killTimer && out.startsWith('ready\n') && out.length > 6 && out.indexOf('\n', 6) > 0) killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(bound);
      if (killTimer) clearTimeout(killTimer);
      if (signal !== 'SIGKILL') return reject(new Error(`child exited ${code} ${signal}: ${err}`));
      const acks: Ack[] = [];
      for (const line of out.split('\n').slice(1)) {
        const parts = line.split(' ');
        if (parts.length !== 4) continue; // the last line may be cut by the kill
        const [seq, queueId, queueOffset, phys] = parts.map(Number) as [number, number, number, number];
        acks.push({ seq, queueId, queueOffset, phys });
      }
      resolve(acks);
    });
  });
}

test(`SIGKILL during SYNC_FLUSH appends, ${CYCLES} cycles: every acknowledged message survives`, { timeout: 120_000 }, async () => {
  const { dir, cleanup } = tempDir('rmq-crash-');
  const all: Ack[] = [];
  let seed = Number(process.env.STORE_CRASH_SEED ?? Date.now() % 100000);
  console.log(`# store-crash seed ${seed} (STORE_CRASH_SEED=${seed} to replay)`);
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const acks = await runChild(dir, cycle * 1_000_000, 20 + Math.floor(rand() * 250));
      all.push(...acks);
      // verify after every other kill (the child itself recovers from the kills in between)
      if (cycle % 2 === 1 || cycle === CYCLES - 1) {
        const s = new DefaultMessageStore(crashTestConfig(dir));
        await s.start();
        try {
          for (const a of all) {
            const g = s.getMessage('G', CRASH_TOPIC, a.queueId, a.queueOffset, 1, 1 << 20);
            assert.equal(g.status, 'FOUND', `seq ${a.seq} missing (cycle ${cycle})`);
            const stored = g.messages[0]!;
            const m = decodeRecord(stored);
            const sent = crashTestMessage(a.seq);
            assert.equal(m.commitLogOffset, a.phys);
            // byte-identical: re-encode what was sent with the store-assigned fields
            const expected = encodeRecord({ ...sent, queueOffset: a.queueOffset, physicalOffset: a.phys, storeTimestamp: m.storeTimestamp });
            assert.ok(expected.equals(stored), `seq ${a.seq} differs`);
          }
          const last = all.at(-1);
          if (last) assert.equal(s.queryMessage(CRASH_TOPIC, `seq${last.seq}`, 4, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
        } finally {
          await s.shutdown();
        }
      }
    }
    assert.ok(all.length >= CYCLES, `only ${all.length} acknowledged messages`);
    console.log(`# ${all.length} acknowledged messages over ${CYCLES} SIGKILL cycles verified`);
  } finally {
    cleanup();
  }
});
