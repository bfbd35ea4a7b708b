/**
 * SIGKILL with pending timers: a broker in a child process receives timer messages (some due before
 * the kill, most after), is killed with SIGKILL, and a broker reopened over the same directory must
 * deliver every acknowledged timer message (at least once, none early).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { uniqueKeyGenerator } from '../../src/message/message-id.js';
import { tempDir } from '../support/paths.js';
import { pull, records, sendRequest, startBroker, waitFor } from './broker-harness.js';

const childPath = fileURLToPath(new URL('./broker-timer-child.js', import.meta.url));
const TOPIC = 'TimerCrashTopic';

function startChild(dir: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childPath, dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RMQ_LOG_LEVEL: 'silent' } });
    let out = '';
    let err = '';
    const bound = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not start: ${err}`));
    }, 20_000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /port (\d+)\n/.exec(out);
      if (m) {
        clearTimeout(bound);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('error', reject);
  });
}

test('SIGKILL with pending timers: every acknowledged timer message is delivered after reopen, none early', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = tempDir('rmq-timer-crash-');
  const client = new RemotingClient();
  let reopened: Awaited<ReturnType<typeof startBroker>> | undefined;
  try {
    const { child, port } = await startChild(dir);
    const addr = `127.0.0.1:${port}`;
    const N = 300;
    const due = new Map<string, number>();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      const body = `crash-${i}`;
      const delay = 200 + ((i * 37) % 2800);
      const req = sendRequest(TOPIC, body, { queueId: i % 2, props: { UNIQ_KEY: uniqueKeyGenerator.next(), TIMER_DELAY_MS: String(delay) } });
      const sentAt = Date.now();
      sends.push(
        client.invoke(addr, req, 5000).then((res) => {
          assert.equal(res.code, ResponseCode.SUCCESS, res.remark);
          due.set(body, sentAt + delay);
        }),
      );
    }
    await Promise.all(sends);
    await new Promise((r) => setTimeout(r, 700)); // some are delivered, most still pending
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    client.close();

    reopened = await startBroker({}, dir);
    const pendingAfter = reopened.broker.timerMessageService!.stats.pending;
    const seen = new Map<string, number>();
    const next = [0, 0];
    let early = 0;
    await waitFor(async () => {
      for (const q of [0, 1]) {
        const ms = records(await pull(reopened!, TOPIC, q, next[q]!));
        for (const m of ms) {
          const b = m.body.toString();
          seen.set(b, (seen.get(b) ?? 0) + 1);
          if (m.storeTimestamp < Number(m.properties.TIMER_OUT_MS)) early++;
          next[q] = m.queueOffset + 1;
        }
      }
      return seen.size === N;
    }, 30_000, 20);
    const dups = [...seen.values()].filter((n) => n > 1).length;
    console.log(`# timer crash: ${N} acknowledged, ${pendingAfter} pending after reopen, ${dups} delivered twice`);
    assert.equal(seen.size, N, 'every acknowledged timer message delivered');
    assert.equal(early, 0, 'none delivered before its time');
    for (const b of due.keys()) assert.ok(seen.has(b), b);
  } finally {
    client.close();
    if (reopened) await reopened.stop();
    cleanup();
  }
});
