/**
 * bench/peer-adapter.mjs (the shared peer harness's interface) driven directly: it starts `rmq dev`
 * from this compiled tree, creates a fresh topic, publishes with acknowledgements, consumes them all
 * and stops the broker on close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repoRoot } from '../support/paths.js';

interface Peer {
  client: string;
  durability: string;
  reset(): Promise<void>;
  producer(): Promise<(buf: Buffer, done: (err?: Error) => void) => void>;
  consume(onMessage: (buf: Buffer) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

test('peer adapter: open, reset, produce with acks, consume everything, close', async () => {
  // The compiled tree this test runs from (dist/ or a build folder) is what the adapter imports.
  process.env.RMQ_DIST = fileURLToPath(new URL('../../', import.meta.url));
  const adapter = (await import(pathToFileURL(join(repoRoot(), 'bench', 'peer-adapter.mjs')).href)) as { open(): Promise<Peer>; pidFile: string };
  const peer = await adapter.open();
  try {
    assert.match(peer.client, /rocketmq-ts/);
    assert.match(peer.durability, /ASYNC_FLUSH/);
    const pid = Number(readFileSync(adapter.pidFile, 'utf8').trim());
    assert.ok(pid > 0);
    await peer.reset();
    const send = await peer.producer();
    const n = 500;
    await new Promise<void>((resolve, reject) => {
      let acked = 0;
      for (let i = 0; i < n; i++) {
        const b = Buffer.alloc(64);
        b.writeUInt32LE(i, 0);
        send(b, (err) => {
          if (err) return reject(err);
          if (++acked === n) resolve();
        });
      }
    });
    const seen = new Set<number>();
    const stop = await peer.consume((buf) => seen.add(buf.readUInt32LE(0)));
    for (let i = 0; i < 600 && seen.size < n; i++) await new Promise((r) => setTimeout(r, 50));
    await stop();
    assert.equal(seen.size, n);
  } finally {
    await peer.close();
  }
  assert.ok(!existsSync(adapter.pidFile), 'pid file removed on close');
});
