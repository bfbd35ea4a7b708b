/**
 * Seeded simulation of controller-mode failover: a fake clock, three replicas of one group, a SYNC
 * master acknowledging an append once a slave of its epoch holds it, crashes and restarts of any replica
 * (one down at a time), lost heartbeats (a master cut off from the controller while alive), partial
 * replication. Brokers follow docs/ha.md: a master writes only after confirming its epoch start and while
 * its controller lease holds; a rejoining replica cuts its log at the truncation point.
 *
 * Checked after every step: one master per epoch and growing epochs; every acknowledged append is in the
 * log of the current (confirmed) master; followers of the current epoch hold a prefix of its log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ElectionState, truncationPoint, type GroupView } from './election.js';

const HB_INTERVAL = 1000;
const HB_TIMEOUT = 3000;
/** A master stops writing this long after its last controller answer (< HB_TIMEOUT - HB_INTERVAL). */
const LEASE = 1500;
const STEP = 50;

interface Node {
  addr: string;
  prefer: boolean;
  alive: boolean;
  log: string[];
  role: 'MASTER' | 'SLAVE';
  epoch: number;
  /** Last epoch whose log this node followed or led. */
  followed: number;
  confirmed: boolean;
  lastAnswer: number;
  nextHb: number;
  downUntil: number;
  /** Heartbeats are lost until this time (cut off from the controller, still running). */
  cutUntil: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

function simulate(seed: number, steps: number): { elections: number; acked: number } {
  const rand = rng(seed);
  const ctl = new ElectionState({ heartbeatTimeoutMs: HB_TIMEOUT, electDelayMs: 3000 });
  const nodes: Node[] = ['a', 'b', 'c'].map((n, i) => ({
    addr: `10.0.0.${i + 1}:10911`,
    prefer: i === 0,
    alive: true,
    log: [],
    role: 'SLAVE',
    epoch: 0,
    followed: 0,
    confirmed: false,
    lastAnswer: -1e9,
    nextHb: Math.floor(rand() * HB_INTERVAL),
    downUntil: 0,
    cutUntil: 0,
  }));
  const acked = new Set<string>();
  let seq = 0;
  let now = 0;
  const apply = (n: Node, v: GroupView): void => {
    n.lastAnswer = now;
    if (v.masterAddr === n.addr) {
      if (n.role !== 'MASTER' || n.epoch !== v.epoch) {
        n.role = 'MASTER';
        n.epoch = v.epoch;
        n.confirmed = false; // confirmed by the next heartbeat, before any write
      }
      return;
    }
    n.role = 'SLAVE';
    n.confirmed = false;
    if (n.epoch !== v.epoch) {
      const tp = truncationPoint(v.epochs, n.followed, n.log.length);
      if (tp === 'wait') return;
      if (typeof tp === 'number') {
        n.log = n.log.slice(0, tp);
        ackedUpTo.delete(n);
      }
      n.epoch = v.epoch;
      n.followed = v.epoch;
    }
  };
  const heartbeat = (n: Node): void => {
    const isMaster = n.role === 'MASTER';
    const ack = isMaster ? Math.max(-1, ...nodes.filter((s) => s !== n && s.alive && s.role === 'SLAVE' && s.epoch === n.epoch).map((s) => s.log.length)) : -1;
    const v = ctl.heartbeat(now, { brokerName: 'g', addr: n.addr, haAddr: n.addr, maxOffset: n.log.length, ackOffset: ack, preferMaster: n.prefer, epoch: n.epoch, isMaster });
    if (isMaster && v.masterAddr === n.addr && v.epoch === n.epoch) {
      n.confirmed = true;
      n.followed = n.epoch;
    }
    apply(n, v);
  };
  let lastEvents = 0;
  /** Per master: prefix of its log already added to `acked` (a cut log restarts it). */
  const ackedUpTo = new Map<Node, number>();
  let checkedEvents = 0;
  for (let i = 0; i < steps; i++) {
    now += STEP;
    // Faults: at most one replica down or cut off at a time.
    const down = nodes.filter((n) => !n.alive || n.cutUntil > now).length;
    const r = rand();
    if (down === 0 && r < 0.004) {
      const victim = rand() < 0.6 ? nodes.find((n) => n.role === 'MASTER') ?? nodes[0]! : nodes[Math.floor(rand() * 3)]!;
      if (rand() < 0.7) {
        victim.alive = false;
        victim.downUntil = now + 2000 + Math.floor(rand() * 8000);
      } else victim.cutUntil = now + 1000 + Math.floor(rand() * 6000);
    }
    for (const n of nodes) {
      if (!n.alive && now >= n.downUntil) {
        // Restart: the log on disk survives; the process starts as a slave and asks the controller.
        n.alive = true;
        n.role = 'SLAVE';
        n.confirmed = false;
        n.nextHb = now;
      }
    }
    // Heartbeats.
    for (const n of nodes) {
      if (!n.alive || now < n.nextHb) continue;
      n.nextHb = now + HB_INTERVAL;
      if (n.cutUntil > now) continue;
      heartbeat(n);
    }
    ctl.tick(now);
    // Replication: slaves of the current master's epoch copy part of what they miss.
    for (const m of nodes) {
      if (!m.alive || m.role !== 'MASTER') continue;
      for (const s of nodes) {
        if (s === m || !s.alive || s.role !== 'SLAVE' || s.epoch !== m.epoch) continue;
        if (s.log.length > m.log.length) continue;
        const take = Math.floor(rand() * 4);
        s.log.push(...m.log.slice(s.log.length, s.log.length + take));
      }
      // Writes: a confirmed master within its lease appends; SYNC: acknowledged once a slave holds it.
      if (m.confirmed && now - m.lastAnswer < LEASE && rand() < 0.8) m.log.push(`e${m.epoch}-${seq++}`);
      const ackUpTo = Math.max(0, ...nodes.filter((s) => s !== m && s.alive && s.role === 'SLAVE' && s.epoch === m.epoch).map((s) => s.log.length));
      if (m.confirmed && now - m.lastAnswer < LEASE) {
        const from = ackedUpTo.get(m) ?? 0;
        for (let k = Math.min(from, ackUpTo); k < ackUpTo; k++) acked.add(m.log[k]!);
        ackedUpTo.set(m, ackUpTo);
      }
    }
    // Invariants.
    const ev = ctl.events;
    for (let k = Math.max(1, lastEvents); k < ev.length; k++) assert.ok(ev[k]!.epoch > ev[k - 1]!.epoch, 'epochs grow');
    lastEvents = ev.length;
    const cur = ev[ev.length - 1];
    const master = cur && nodes.find((n) => n.addr === cur.masterAddr);
    if ((i % 20 === 0 || ev.length !== checkedEvents) && master && master.alive && master.confirmed && master.epoch === cur.epoch) {
      checkedEvents = ev.length;
      const have = new Set(master.log);
      for (const id of acked) assert.ok(have.has(id), `seed ${seed} t=${now}: acknowledged ${id} missing on master ${master.addr} of epoch ${cur.epoch}`);
      for (const s of nodes) {
        if (s === master || !s.alive || s.epoch !== cur.epoch || s.role !== 'SLAVE') continue;
        for (let k = 0; k < s.log.length; k++) assert.equal(s.log[k], master.log[k], `seed ${seed}: follower ${s.addr} diverges at ${k}`);
      }
    }
  }
  return { elections: ctl.events.length, acked: acked.size };
}

test('election: bootstrap prefers the configured master; a dead master is replaced by the most advanced live replica', () => {
  const c = new ElectionState({ heartbeatTimeoutMs: 3000, electDelayMs: 3000 });
  const hb = (now: number, addr: string, maxOffset: number, o: { prefer?: boolean; isMaster?: boolean; epoch?: number; ack?: number } = {}) =>
    c.heartbeat(now, { brokerName: 'g', addr, haAddr: addr, maxOffset, ackOffset: o.ack ?? -1, preferMaster: o.prefer ?? false, epoch: o.epoch ?? 0, isMaster: o.isMaster ?? false });
  assert.equal(hb(0, 'b', 0).masterAddr, '');
  assert.equal(hb(10, 'a', 0, { prefer: true }).masterAddr, 'a');
  hb(500, 'a', 0, { isMaster: true, epoch: 1 });
  const v = hb(1000, 'a', 100, { isMaster: true, epoch: 1, ack: 80 });
  assert.deepEqual(v.epochs, [{ epoch: 1, masterAddr: 'a', startOffset: 0 }]);
  hb(1000, 'b', 90);
  hb(1000, 'c', 70);
  assert.deepEqual(c.tick(3500), []);
  hb(4000, 'b', 95);
  hb(4000, 'c', 70);
  const ev = c.tick(4100);
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.masterAddr, 'b', 'highest offset among live replicas, above the acknowledged floor');
  assert.equal(c.getView('g', 'c')!.epochs[1]!.startOffset, -1, 'start unknown until the new master confirms');
  hb(4200, 'b', 95, { isMaster: true, epoch: 2 });
  assert.equal(c.getView('g', 'a')!.epochs[1]!.startOffset, 95);
  // The old master returns: it must cut everything beyond 95 before following epoch 2.
  assert.equal(truncationPoint(c.getView('g', 'a')!.epochs, 1, 100), 95);
  assert.equal(truncationPoint(c.getView('g', 'a')!.epochs, 2, 130), undefined);
});

test('election: no candidate below the acknowledged floor', () => {
  const c = new ElectionState({ heartbeatTimeoutMs: 3000, electDelayMs: 3000 });
  c.heartbeat(0, { brokerName: 'g', addr: 'a', haAddr: 'a', maxOffset: 0, ackOffset: -1, preferMaster: true, epoch: 0, isMaster: false });
  c.heartbeat(500, { brokerName: 'g', addr: 'a', haAddr: 'a', maxOffset: 200, ackOffset: 150, preferMaster: true, epoch: 1, isMaster: true });
  c.heartbeat(4000, { brokerName: 'g', addr: 'b', haAddr: 'b', maxOffset: 120, ackOffset: -1, preferMaster: false, epoch: 1, isMaster: false });
  assert.deepEqual(c.tick(4100), [], 'b lacks acknowledged data: no master rather than a lossy one');
});

test('seeded simulation: crashes, restarts and lost heartbeats never lose an acknowledged append', () => {
  const seed = Number(process.env.HA_SIM_SEED ?? Date.now() % 1_000_000);
  console.log(`HA simulation seed ${seed} (HA_SIM_SEED=${seed} to replay)`);
  let elections = 0;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (s) => {
      const r = simulate(s, 4000);
      elections += r.elections;
    }),
    { seed, numRuns: 40 },
  );
  assert.ok(elections > 40, `failovers happened (${elections} elections)`);
});

test('election state survives a controller restart (epochs, master, floors, replica ids)', () => {
  const c = new ElectionState({ heartbeatTimeoutMs: 3000, electDelayMs: 3000 });
  c.heartbeat(0, { brokerName: 'g', addr: 'a', haAddr: 'a:1', maxOffset: 0, ackOffset: -1, preferMaster: true, epoch: 0, isMaster: false });
  c.heartbeat(10, { brokerName: 'g', addr: 'b', haAddr: 'b:1', maxOffset: 0, ackOffset: -1, preferMaster: false, epoch: 0, isMaster: false });
  c.heartbeat(500, { brokerName: 'g', addr: 'a', haAddr: 'a:1', maxOffset: 50, ackOffset: 40, preferMaster: true, epoch: 1, isMaster: true });
  c.heartbeat(4000, { brokerName: 'g', addr: 'b', haAddr: 'b:1', maxOffset: 45, ackOffset: -1, preferMaster: false, epoch: 1, isMaster: false });
  c.tick(4000);
  const saved = JSON.parse(JSON.stringify(c.toJSON()));
  const r = new ElectionState({ heartbeatTimeoutMs: 3000, electDelayMs: 3000 });
  r.load(saved, 10_000);
  const v = r.heartbeat(10_001, { brokerName: 'g', addr: 'a', haAddr: 'a:1', maxOffset: 50, ackOffset: -1, preferMaster: true, epoch: 1, isMaster: true });
  assert.equal(v.epoch, 2, 'a restarted controller does not bootstrap again');
  assert.equal(v.masterAddr, 'b');
  assert.equal(v.replicaId, 1);
  assert.deepEqual(r.tick(11_000), [], 'nobody declared dead right after the restart');
});
