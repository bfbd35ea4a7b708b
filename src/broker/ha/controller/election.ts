/**
 * The controller's state machine (docs/ha.md "Automatic master failover"): pure, no I/O, time passed in,
 * so the seeded simulation drives it with a fake clock.
 *
 *   const c = new ElectionState({ heartbeatTimeoutMs: 3000, electDelayMs: 3000 });
 *   const view = c.heartbeat(now, { brokerName, addr, haAddr, maxOffset, ackOffset, preferMaster });
 *   c.tick(now);   // elects when a master is missing or dead
 */

export interface ElectionConfig {
  /** A replica silent this long is dead (controllerHeartbeatTimeout). */
  heartbeatTimeoutMs: number;
  /** Bootstrap: wait this long for a preferred master before electing any replica. */
  electDelayMs: number;
}

export interface HeartbeatInput {
  brokerName: string;
  /** Remoting address: the replica's identity. */
  addr: string;
  haAddr: string;
  maxOffset: number;
  /** Master only: highest offset acknowledged by a slave (-1 if none / not master). */
  ackOffset: number;
  /** Configured as the master (brokerId 0): preferred at bootstrap. */
  preferMaster: boolean;
  /** The epoch the replica acts in; when it is master of `epoch`, `maxOffset` confirms the epoch start. */
  epoch: number;
  isMaster: boolean;
}

export interface EpochEntry {
  epoch: number;
  masterAddr: string;
  /** First offset written in this epoch (-1 until the master confirms). */
  startOffset: number;
}

export interface GroupView {
  epoch: number;
  masterAddr: string;
  masterHaAddr: string;
  /** The asking replica's id (for its brokerId while a slave). */
  replicaId: number;
  epochs: EpochEntry[];
}

interface Replica {
  id: number;
  addr: string;
  haAddr: string;
  lastHeartbeat: number;
  maxOffset: number;
  ackOffset: number;
  preferMaster: boolean;
}

interface Group {
  name: string;
  epoch: number;
  masterAddr: string;
  epochs: EpochEntry[];
  replicas: Map<string, Replica>;
  nextId: number;
  firstSeen: number;
  /** Highest offset the last master reported acknowledged by a slave. */
  masterAckOffset: number;
}

export interface ElectionEvent {
  brokerName: string;
  epoch: number;
  masterAddr: string;
  reason: string;
}

/** What survives a controller restart (epochs, masters, replica ids, acknowledged floors). */
export interface PersistedState {
  groups: Array<{ name: string; epoch: number; masterAddr: string; epochs: EpochEntry[]; nextId: number; masterAckOffset: number; replicas: Array<{ id: number; addr: string; haAddr: string; maxOffset: number; preferMaster: boolean }> }>;
}

export class ElectionState {
  private readonly groups = new Map<string, Group>();
  /** Every election, in order (tests, logs). */
  readonly events: ElectionEvent[] = [];
  /** Bumped when anything that must survive a restart changes (not heartbeat times or offsets). */
  version = 0;

  constructor(readonly cfg: ElectionConfig) {}

  private group(name: string, now: number): Group {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, epoch: 0, masterAddr: '', epochs: [], replicas: new Map(), nextId: 1, firstSeen: now, masterAckOffset: -1 };
      this.groups.set(name, g);
    }
    return g;
  }

  heartbeat(now: number, hb: HeartbeatInput): GroupView {
    const g = this.group(hb.brokerName, now);
    let r = g.replicas.get(hb.addr);
    if (!r) {
      r = { id: g.nextId++, addr: hb.addr, haAddr: hb.haAddr, lastHeartbeat: now, maxOffset: hb.maxOffset, ackOffset: -1, preferMaster: hb.preferMaster };
      g.replicas.set(hb.addr, r);
      this.version++;
    }
    r.lastHeartbeat = now;
    r.haAddr = hb.haAddr;
    r.maxOffset = hb.maxOffset;
    r.preferMaster = hb.preferMaster;
    if (g.masterAddr === hb.addr && hb.isMaster && hb.epoch === g.epoch) {
      r.ackOffset = hb.ackOffset;
      if (hb.ackOffset > g.masterAckOffset) {
        g.masterAckOffset = hb.ackOffset;
        this.version++;
      }
      const e = g.epochs[g.epochs.length - 1];
      // The new master confirms where its epoch starts before it accepts any write.
      if (e && e.epoch === g.epoch && e.startOffset < 0) {
        e.startOffset = hb.maxOffset;
        this.version++;
      }
    }
    // Bootstrap: the preferred master takes epoch 1 at once.
    if (g.epoch === 0 && hb.preferMaster) this.elect(g, r, 'bootstrap (preferred master)');
    return this.view(g, r);
  }

  private view(g: Group, r: Replica): GroupView {
    const m = g.replicas.get(g.masterAddr);
    return { epoch: g.epoch, masterAddr: g.masterAddr, masterHaAddr: m?.haAddr ?? '', replicaId: r.id, epochs: g.epochs.map((e) => ({ ...e })) };
  }

  /** Read-only view for a replica (no heartbeat recorded). */
  getView(brokerName: string, addr: string): GroupView | undefined {
    const g = this.groups.get(brokerName);
    if (!g) return undefined;
    const r = g.replicas.get(addr);
    const m = g.replicas.get(g.masterAddr);
    return { epoch: g.epoch, masterAddr: g.masterAddr, masterHaAddr: m?.haAddr ?? '', replicaId: r?.id ?? 0, epochs: g.epochs.map((e) => ({ ...e })) };
  }

  private alive(r: Replica, now: number): boolean {
    return now - r.lastHeartbeat <= this.cfg.heartbeatTimeoutMs;
  }

  private elect(g: Group, r: Replica, reason: string): void {
    g.epoch += 1;
    g.masterAddr = r.addr;
    g.masterAckOffset = -1;
    g.epochs.push({ epoch: g.epoch, masterAddr: r.addr, startOffset: -1 });
    this.version++;
    this.events.push({ brokerName: g.name, epoch: g.epoch, masterAddr: r.addr, reason });
  }

  /** Elects where a master is missing or dead; returns the elections made. */
  tick(now: number): ElectionEvent[] {
    const made: ElectionEvent[] = [];
    for (const g of this.groups.values()) {
      const master = g.replicas.get(g.masterAddr);
      if (master && this.alive(master, now)) continue;
      if (g.epoch === 0 && now - g.firstSeen < this.cfg.electDelayMs) continue;
      // A master elected but never confirmed its epoch start cannot be replaced safely before it is dead.
      const floor = g.masterAckOffset;
      let best: Replica | undefined;
      for (const r of g.replicas.values()) {
        if (r.addr === g.masterAddr || !this.alive(r, now) || r.maxOffset < floor) continue;
        if (!best || r.maxOffset > best.maxOffset || (r.maxOffset === best.maxOffset && r.id < best.id)) best = r;
      }
      if (!best) continue;
      const before = this.events.length;
      this.elect(g, best, g.epoch === 0 ? 'bootstrap' : `master ${g.masterAddr || '(none)'} dead`);
      made.push(...this.events.slice(before));
    }
    return made;
  }

  toJSON(): PersistedState {
    return {
      groups: [...this.groups.values()].map((g) => ({
        name: g.name,
        epoch: g.epoch,
        masterAddr: g.masterAddr,
        epochs: g.epochs,
        nextId: g.nextId,
        masterAckOffset: g.masterAckOffset,
        replicas: [...g.replicas.values()].map((r) => ({ id: r.id, addr: r.addr, haAddr: r.haAddr, maxOffset: r.maxOffset, preferMaster: r.preferMaster })),
      })),
    };
  }

  /** Restores a saved state; every replica counts as just heard from (`now`), so nobody is declared dead at once. */
  load(st: PersistedState, now: number): void {
    for (const g of st.groups ?? []) {
      const replicas = new Map<string, Replica>();
      for (const r of g.replicas ?? []) replicas.set(r.addr, { ...r, lastHeartbeat: now, ackOffset: -1 });
      this.groups.set(g.name, { name: g.name, epoch: g.epoch, masterAddr: g.masterAddr, epochs: g.epochs ?? [], nextId: g.nextId, masterAckOffset: g.masterAckOffset, replicas, firstSeen: now });
    }
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }
}

/**
 * Where a replica that followed `lastEpoch` must cut its log to rejoin: the start offset of the first later
 * epoch; undefined when nothing is to be cut, or when that start is not confirmed yet (-1: wait).
 */
export function truncationPoint(epochs: EpochEntry[], lastEpoch: number, maxOffset: number): number | undefined | 'wait' {
  const next = epochs.find((e) => e.epoch > lastEpoch);
  if (!next) return undefined;
  if (next.startOffset < 0) return 'wait';
  return maxOffset > next.startOffset ? next.startOffset : undefined;
}
