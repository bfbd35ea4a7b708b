/**
 * A real full disk: the store on a 1 MiB tmpfs (skipped where mounting is not permitted). Appends past the
 * space are refused with SERVICE_NOT_AVAILABLE and a clear remark, acknowledged messages stay readable,
 * the process stays up, and writing resumes once the file system is grown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DefaultMessageStore } from '../../src/store/default-message-store.js';
import { decodeRecord } from '../../src/message/message-record.js';
import { makeMessage, testConfig } from '../../src/store/testing.js';
import { tempDir } from '../support/paths.js';
import type { PutMessageResult } from '../../src/store/types.js';

function readAll(s: DefaultMessageStore, topic: string): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const g = s.getMessage('G', topic, 0, off, 32, 1 << 20);
    if (g.status !== 'FOUND') break;
    out.push(...g.messages.map((m) => Buffer.from(m)));
    off = g.nextBeginOffset;
  }
  return out;
}

test('ENOSPC on a small tmpfs: refused appends, reads go on, writing resumes when space returns', async (t) => {
  const { dir, cleanup } = tempDir('rmq-enospc-');
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { encoding: 'utf8' });
  if (mount.status !== 0) {
    cleanup();
    t.skip(`cannot mount a tmpfs here (${(mount.stderr || mount.error?.message || '').trim()})`);
    return;
  }
  let s: DefaultMessageStore | undefined;
  try {
    const cfg = testConfig(dir, { mappedFileSizeCommitLog: 256 * 1024, mappedFileSizeConsumeQueue: 20 * 2000 });
    s = new DefaultMessageStore(cfg);
    await s.start();
    const acked: Buffer[] = [];
    const refused: PutMessageResult[] = [];
    const body = Buffer.alloc(2000, 0x41);
    for (let round = 0; round < 200 && refused.length === 0; round++) {
      const rs = await Promise.all(Array.from({ length: 16 }, (_, i) => s!.putMessage(makeMessage('Full', 0, body, { KEYS: `r${round}-${i}` }))));
      for (const r of rs) {
        if (r.status === 'PUT_OK') acked.push(s.selectOneMessageByOffset(r.appendResult!.wroteOffset)!);
        else refused.push(r);
      }
    }
    assert.ok(refused.length > 0, 'the file system never filled up');
    for (const r of refused) {
      assert.equal(r.status, 'SERVICE_NOT_AVAILABLE');
      assert.match(r.remark!, /ENOSPC|EFBIG|space/i);
    }
    // reads go on: everything acknowledged that is visible is intact and in order
    const visible = readAll(s, 'Full');
    assert.ok(visible.length > 0);
    for (let i = 0; i < visible.length; i++) assert.ok(visible[i]!.equals(acked[i]!), `record ${i}`);
    // while full the store keeps answering (the refused batch's partial write was given back, so a small
    // append may fit again)
    const again = await s.putMessage(makeMessage('Full', 0, body));
    assert.ok(again.status === 'PUT_OK' || again.status === 'SERVICE_NOT_AVAILABLE', again.status);
    if (again.status === 'PUT_OK') acked.push(s.selectOneMessageByOffset(again.appendResult!.wroteOffset)!);
    // space returns
    const grow = spawnSync('mount', ['-o', 'remount,size=16m', dir], { encoding: 'utf8' });
    assert.equal(grow.status, 0, grow.stderr);
    const ok = await s.putMessage(makeMessage('Full', 0, body, { KEYS: 'after' }));
    assert.equal(ok.status, 'PUT_OK', ok.remark);
    acked.push(s.selectOneMessageByOffset(ok.appendResult!.wroteOffset)!);
    assert.equal(decodeRecord(acked.at(-1)!).queueOffset, acked.length - 1, 'queue offsets stay dense');
    await s.flushLogics();
    assert.deepEqual(readAll(s, 'Full'), acked);
    await s.shutdown();
    s = new DefaultMessageStore(cfg);
    await s.start();
    assert.deepEqual(readAll(s, 'Full'), acked);
    assert.equal(s.queryMessage('Full', 'after', 2, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
    await s.shutdown();
    s = undefined;
  } finally {
    if (s) await s.shutdown().catch(() => undefined);
    if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    try {
      cleanup();
    } catch (e) {
      console.log(`# could not remove ${dir}: ${(e as Error).message}`);
    }
  }
});
