/**
 * Master/slave replication in one process: HA frames on the master's haListenPort, SYNC_MASTER
 * statuses, slave reads and refused writes, metadata sync, a slave restarted from empty.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { ChunkReader, encodeReport, readOffset } from '../../src/broker/ha/ha-frames.js';
import { pull, records, send, startBroker, waitFor, type TestBroker } from './broker-harness.js';

const open: TestBroker[] = [];
after(async () => {
  for (const t of open) await t.stop().catch(() => undefined);
});

async function master(role: 'SYNC_MASTER' | 'ASYNC_MASTER', extra: Record<string, unknown> = {}): Promise<TestBroker> {
  // Without a name server a slave takes the master's remoting port to be its HA port - 1. With an
  // ephemeral remoting port the HA port is port + 1, or any free port when that one is taken (then the
  // slave's metadata sync would knock on the wrong door): start again until it is port + 1.
  for (let attempt = 1; ; attempt++) {
    const t = await startBroker({ brokerRole: role, syncFlushTimeout: 600, ...extra });
    if (t.broker.config.haListenPort === Number(t.addr.split(':')[1]) + 1 || attempt === 5) {
      open.push(t);
      return t;
    }
    await t.stop();
  }
}

async function slave(m: TestBroker, dir?: string): Promise<TestBroker> {
  const t = await startBroker(
    { brokerRole: 'SLAVE', brokerId: 1, haMasterAddress: `127.0.0.1:${m.broker.config.haListenPort}`, slaveSyncMetadataInterval: 200, haSendHeartbeatInterval: 500 },
    dir,
  );
  open.push(t);
  return t;
}

function commitLogBytes(t: TestBroker): Buffer {
  const s = t.broker.store;
  const parts: Buffer[] = [];
  for (let off = s.getMinPhyOffset(); off < s.getMaxPhyOffset(); ) {
    const b = s.getCommitLogData(off, 1 << 20);
    if (!b) break;
    parts.push(b);
    off += b.length;
  }
  return Buffer.concat(parts);
}

test('SYNC_MASTER without a slave answers SLAVE_NOT_AVAILABLE (the message is stored on the master)', async () => {
  const m = await master('SYNC_MASTER');
  const res = await send(m, 'HaTopic', 'lonely');
  assert.equal(res.code, ResponseCode.SLAVE_NOT_AVAILABLE, res.remark);
  assert.equal(m.broker.store.getMaxOffsetInQueue('HaTopic', Number(res.extFields?.queueId ?? 0)), 1);
});

test('replication: every record byte-identical on the slave, slave consume queues and index serve reads, slave refuses writes', async () => {
  const m = await master('SYNC_MASTER');
  const s = await slave(m);
  await waitFor(() => m.broker.ha!.service.connectionCount === 1, 5000);
  for (let i = 0; i < 300; i++) {
    const res = await send(m, 'HaTopic', `body-${i}-`.padEnd(50 + (i % 700), 'x'), { queueId: i % 4, keys: `key-${i}` });
    assert.equal(res.code, ResponseCode.SUCCESS, `send ${i}: ${res.code} ${res.remark}`);
  }
  // Acknowledged by SYNC_MASTER means the slave already has the bytes.
  assert.ok(s.broker.store.getMaxPhyOffset() >= m.broker.store.getMaxPhyOffset() - 0);
  assert.ok(commitLogBytes(s).equals(commitLogBytes(m)), 'commit logs byte-identical');
  // Metadata sync brings the topic; then the slave serves reads from its own consume queues.
  await waitFor(() => s.broker.topicConfigManager.get('HaTopic'), 5000);
  for (let q = 0; q < 4; q++) {
    assert.equal(s.broker.store.getMaxOffsetInQueue('HaTopic', q), 75);
    const res = await pull(s, 'HaTopic', q, 0);
    assert.equal(res.code, ResponseCode.SUCCESS, res.remark);
    assert.equal(records(res).length, 32);
    assert.equal(res.extFields?.suggestWhichBrokerId, '0', 'slave suggests the master');
  }
  // ... and its own index.
  const q = s.broker.store.queryMessage('HaTopic', 'key-123', 32, 0, Date.now() + 1000);
  assert.equal(q.messages.length, 1, 'index built on the slave');
  assert.ok(q.messages[0]!.equals(m.broker.store.queryMessage('HaTopic', 'key-123', 32, 0, Date.now() + 1000).messages[0]!));
  const w = await send(s, 'HaTopic', 'to the slave');
  assert.equal(w.code, ResponseCode.SERVICE_NOT_AVAILABLE);
  assert.match(w.remark ?? '', /slave/);
  const w2 = await send(s, 'NewTopicOnSlave', 'to the slave');
  assert.equal(w2.code, ResponseCode.SERVICE_NOT_AVAILABLE);
  assert.equal(s.broker.topicConfigManager.get('NewTopicOnSlave'), undefined, 'no topic auto-created on a slave');
});

test('metadata sync: consumer offsets, subscription groups and delay offsets copied from the master; slave commits given back', async () => {
  const m = await master('ASYNC_MASTER');
  const s = await slave(m);
  await waitFor(() => m.broker.ha!.service.connectionCount === 1, 5000);
  for (let i = 0; i < 10; i++) assert.equal((await send(m, 'SyncTopic', `m${i}`, { queueId: 0 })).code, ResponseCode.SUCCESS);
  m.broker.consumerOffsetManager.commitOffset('G1', 'SyncTopic', 0, 4);
  m.broker.subscriptionGroupManager.findSubscriptionGroupConfig('G1');
  await waitFor(() => s.broker.consumerOffsetManager.queryOffset('G1', 'SyncTopic', 0) === 4, 5000);
  await waitFor(() => s.broker.subscriptionGroupManager.table.has('G1'), 5000);
  // A consumer commits on the slave (as while the master is down): the master takes it back.
  const r = await s.call(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: 'G1', topic: 'SyncTopic', queueId: '0', commitOffset: '9' });
  assert.equal(r.code, ResponseCode.SUCCESS);
  await waitFor(() => m.broker.consumerOffsetManager.queryOffset('G1', 'SyncTopic', 0) === 9, 5000);
  assert.equal(s.broker.consumerOffsetManager.queryOffset('G1', 'SyncTopic', 0), 9);
});

test('FLUSH_SLAVE_TIMEOUT when the connected slave does not acknowledge within syncFlushTimeout', async () => {
  const m = await master('SYNC_MASTER', { syncFlushTimeout: 400 });
  // A raw HA peer: reports offset 0 once, reads frames, never acknowledges again.
  const sock = connect({ host: '127.0.0.1', port: m.broker.config.haListenPort });
  const reader = new ChunkReader();
  const frames: Array<{ offset: number; size: number }> = [];
  sock.on('data', (c: Buffer) => {
    reader.push(c);
    while (reader.available >= 12) {
      const h = reader.peek(12);
      const size = h.readInt32BE(8);
      if (reader.available < 12 + size) break;
      frames.push({ offset: readOffset(h), size });
      reader.take(12 + size);
    }
  });
  try {
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    sock.write(encodeReport(0));
    await waitFor(() => m.broker.ha!.service.connectionCount === 1, 5000);
    const t0 = Date.now();
    const res = await send(m, 'HaTopic', 'unacknowledged');
    assert.equal(res.code, ResponseCode.FLUSH_SLAVE_TIMEOUT, res.remark);
    assert.ok(Date.now() - t0 >= 350, 'waited for syncFlushTimeout');
    // The bytes were streamed in (offset, size, bytes) frames starting at 0.
    await waitFor(() => frames.some((f) => f.size > 0), 3000);
    assert.equal(frames.find((f) => f.size > 0)!.offset, 0);
  } finally {
    sock.destroy();
  }
});

test('a slave restarted from empty catches up byte-identically', async () => {
  const m = await master('ASYNC_MASTER');
  for (let i = 0; i < 500; i++) assert.equal((await send(m, 'CatchUp', `early-${i}`.padEnd(300, 'y'))).code, ResponseCode.SUCCESS);
  let s = await slave(m);
  await waitFor(() => s.broker.store.getMaxPhyOffset() === m.broker.store.getMaxPhyOffset(), 10_000);
  const dir = s.dir;
  await s.broker.shutdown();
  open.splice(open.indexOf(s), 1);
  rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < 200; i++) assert.equal((await send(m, 'CatchUp', `late-${i}`)).code, ResponseCode.SUCCESS);
  s = await slave(m);
  await waitFor(() => s.broker.store.getMaxPhyOffset() === m.broker.store.getMaxPhyOffset(), 10_000);
  assert.ok(commitLogBytes(s).equals(commitLogBytes(m)));
  let total = 0;
  for (const q of s.broker.store.listQueues()) if (q.topic === 'CatchUp') total += q.maxOffset;
  assert.equal(total, 700);
});

test('suggestWhichBrokerId: a slave with slaveReadEnable keeps consumers, a master not far behind keeps them too', async () => {
  const m = await master('ASYNC_MASTER', { slaveReadEnable: true });
  const t = await startBroker({ brokerRole: 'SLAVE', brokerId: 1, slaveReadEnable: true, haMasterAddress: `127.0.0.1:${m.broker.config.haListenPort}`, slaveSyncMetadataInterval: 200 });
  open.push(t);
  await waitFor(() => m.broker.ha!.service.connectionCount === 1, 5000);
  for (let i = 0; i < 5; i++) assert.equal((await send(m, 'SuggestTopic', `s${i}`)).code, ResponseCode.SUCCESS);
  await waitFor(() => t.broker.topicConfigManager.get('SuggestTopic') && t.broker.store.getMaxOffsetInQueue('SuggestTopic', 0) === 5, 5000);
  const fromSlave = await pull(t, 'SuggestTopic', 0, 0);
  assert.equal(fromSlave.code, ResponseCode.SUCCESS);
  assert.equal(fromSlave.extFields?.suggestWhichBrokerId, '1');
  const fromMaster = await pull(m, 'SuggestTopic', 0, 0);
  assert.equal(fromMaster.extFields?.suggestWhichBrokerId, '0');
});

test('SYNC_MASTER with SYNC_FLUSH: acknowledged after the local fsync and the slave, both honoured', async () => {
  const m = await master('SYNC_MASTER', { flushDiskType: 'SYNC_FLUSH' });
  const s = await slave(m);
  await waitFor(() => m.broker.ha!.service.connectionCount === 1, 5000);
  for (let i = 0; i < 20; i++) {
    const res = await send(m, 'SyncFlushTopic', `sf${i}`);
    assert.equal(res.code, ResponseCode.SUCCESS, res.remark);
    assert.ok(s.broker.store.getMaxPhyOffset() >= m.broker.store.getMaxPhyOffset() - 0, 'slave has the bytes when the send is answered');
  }
  const w = await send(m, 'SyncFlushTopic', 'no-wait', { props: { WAIT: 'false' } });
  assert.equal(w.code, ResponseCode.SUCCESS);
});
