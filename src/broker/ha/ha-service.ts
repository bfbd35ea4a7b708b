/**
 * Master/slave replication of the commit log (RocketMQ 4.x HAService / HAConnection / HAClient).
 *
 *   master: listens on haListenPort; per slave connection reads 8-byte offset reports and streams
 *           transfer frames (ha-frames.ts) from the reported offset; empty frame after
 *           haSendHeartbeatInterval idle; closes a connection silent for haHousekeepingInterval.
 *   slave:  connects to the master's HA address (haMasterAddress, else the REGISTER_BROKER answer),
 *           reports its max offset, appends each run of frames at exactly that offset
 *           (MessageStore.appendToCommitLog dispatches consume queues and index), reports again.
 *
 * SYNC_MASTER: a put answers only once a slave has acknowledged the bytes (offset report >= end of the
 * written records): SLAVE_NOT_AVAILABLE at once when no slave is connected or it is more than
 * haSlaveFallbehindMax behind, FLUSH_SLAVE_TIMEOUT after syncFlushTimeout. Combined with either flush
 * mode: the store answers after its own flush (SYNC_FLUSH) first; a slave problem overrides
 * FLUSH_DISK_TIMEOUT. Messages carrying WAIT=false do not wait.
 *
 * The role is read on every call, so a promotion (failover) changes behaviour without a restart.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Logger } from '../../common/logger.js';
import type { MessageInner, MessageStore, PutMessageResult, PutMessageStatus } from '../../store/types.js';
import { putCallbackFrom } from '../../store/put-callback.js';
import { ChunkReader, encodeReport, encodeTransferHeader, readOffset, REPORT_SIZE, TRANSFER_HEADER_SIZE } from './ha-frames.js';
import { readInt32BE } from '../../common/bytes.js';

export interface HaConfig {
  brokerRole: 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';
  haListenPort: number;
  haSendHeartbeatInterval: number;
  haHousekeepingInterval: number;
  haTransferBatchSize: number;
  haSlaveFallbehindMax: number;
  syncFlushTimeout: number;
  mappedFileSizeCommitLog: number;
}

const RECONNECT_MS = 1000;
/** Slave: stop reading the socket while this much is waiting to be appended. */
const SLAVE_MAX_BUFFERED = 8 * 1024 * 1024;

interface Waiter {
  target: number;
  resolve: (s: PutMessageStatus) => void;
  timer: NodeJS.Timeout;
}

/** Master side: one connected slave. */
class HaConnection {
  /** Last offset the slave reported (-1 before its first report). */
  ackOffset = -1;
  private nextTransfer = -1;
  private lastRead = Date.now();
  private lastWrite = Date.now();
  private readonly reader = new ChunkReader();
  private wakeUp: (() => void) | undefined;
  closed = false;

  constructor(
    private readonly svc: HaService,
    readonly socket: Socket,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => svc.log.warn({ slave: socket.remoteAddress, err: e.message }, 'HA connection error'));
    socket.on('close', () => this.close());
    void this.transferLoop();
  }

  get remote(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  private onData(chunk: Buffer): void {
    this.lastRead = Date.now();
    this.reader.push(chunk);
    let last = -1;
    while (this.reader.available >= REPORT_SIZE) last = readOffset(this.reader.take(REPORT_SIZE));
    if (last < 0) return;
    if (this.nextTransfer < 0 && last > this.svc.store.getMaxPhyOffset()) {
      // A slave ahead of its master (a demoted master not truncated yet) cannot be fed consistently.
      this.svc.log.error({ slave: this.remote, slaveOffset: last, masterOffset: this.svc.store.getMaxPhyOffset() }, 'slave is ahead of the master; closing');
      this.close();
      return;
    }
    this.ackOffset = last;
    if (this.nextTransfer < 0) {
      this.nextTransfer = last === 0 ? this.svc.startOffsetForEmptySlave() : last;
      this.svc.log.info({ slave: this.remote, from: this.nextTransfer }, 'slave connected, transfer starts');
    }
    this.svc.onSlaveAck();
    this.wake();
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async transferLoop(): Promise<void> {
    const cfg = this.svc.cfg();
    const store = this.svc.store;
    while (!this.closed) {
      const now = Date.now();
      if (now - this.lastRead > cfg.haHousekeepingInterval) {
        this.svc.log.warn({ slave: this.remote }, 'HA connection silent too long; closing');
        this.close();
        return;
      }
      if (this.nextTransfer < 0) {
        await this.sleep(100);
        continue;
      }
      const data = store.getCommitLogData(this.nextTransfer, cfg.haTransferBatchSize);
      if (data && data.length > 0) {
        const header = encodeTransferHeader(this.nextTransfer, data.length);
        this.socket.cork();
        this.socket.write(header);
        const ok = this.socket.write(data);
        this.socket.uncork();
        this.nextTransfer += data.length;
        this.lastWrite = Date.now();
        if (!ok) await new Promise<void>((resolve) => {
          const done = (): void => {
            this.socket.off('drain', done);
            this.socket.off('close', done);
            resolve();
          };
          this.socket.on('drain', done);
          this.socket.on('close', done);
        });
        continue;
      }
      if (now - this.lastWrite >= cfg.haSendHeartbeatInterval) {
        this.socket.write(encodeTransferHeader(this.nextTransfer, 0));
        this.lastWrite = now;
      }
      // Woken by a new append; the timeout covers heartbeats and housekeeping.
      await this.sleep(Math.min(1000, cfg.haSendHeartbeatInterval));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.wake();
    this.svc.onConnectionClosed(this);
  }
}

/** Slave side: the connection to the master. */
class HaClient {
  private socket: Socket | undefined;
  private reader = new ChunkReader();
  private busy = false;
  private lastRead = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private connectedTo = '';
  connected = false;

  constructor(
    private readonly svc: HaService,
    private readonly masterHaAddr: () => string,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), Math.min(RECONNECT_MS, this.svc.cfg().haSendHeartbeatInterval));
    this.timer.unref?.();
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    const addr = this.masterHaAddr();
    if (this.socket && addr && addr !== this.connectedTo) {
      this.svc.log.info({ from: this.connectedTo, to: addr }, 'master HA address changed; reconnecting');
      this.drop();
    }
    if (!this.socket) {
      if (addr) this.connectTo(addr);
      return;
    }
    if (!this.connected) return;
    const cfg = this.svc.cfg();
    if (Date.now() - this.lastRead > cfg.haHousekeepingInterval) {
      this.svc.log.warn({ master: addr }, 'master silent too long; reconnecting');
      this.drop();
      return;
    }
    this.report();
  }

  private connectTo(addr: string): void {
    const i = addr.lastIndexOf(':');
    const host = addr.slice(0, i);
    const port = Number(addr.slice(i + 1));
    if (!host || !Number.isInteger(port)) {
      this.svc.log.error({ addr }, 'bad master HA address');
      return;
    }
    const s = connect({ host, port });
    this.socket = s;
    this.connectedTo = addr;
    this.reader = new ChunkReader();
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connected = true;
      this.lastRead = Date.now();
      this.svc.log.info({ master: addr, offset: this.svc.store.getMaxPhyOffset() }, 'connected to master');
      this.report();
    });
    s.on('data', (chunk: Buffer) => {
      this.lastRead = Date.now();
      this.reader.push(chunk);
      if (this.reader.available > SLAVE_MAX_BUFFERED) s.pause();
      void this.drain(s);
    });
    s.on('error', (e) => this.svc.log.debug({ master: addr, err: e.message }, 'HA client connection error'));
    s.on('close', () => {
      if (this.socket === s) {
        this.socket = undefined;
        this.connected = false;
      }
    });
  }

  private drop(): void {
    const s = this.socket;
    this.socket = undefined;
    this.connected = false;
    s?.destroy();
  }

  private report(): void {
    const s = this.socket;
    if (s && this.connected && !s.destroyed) s.write(encodeReport(this.svc.store.getMaxPhyOffset()));
  }

  /** Appends every complete run of frames; one appendToCommitLog call per contiguous run. */
  private async drain(s: Socket): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.socket === s) {
        const parts: Buffer[] = [];
        let start = -1;
        let total = 0;
        let sawHeartbeat = false;
        while (this.reader.available >= TRANSFER_HEADER_SIZE) {
          const h = this.reader.peek(TRANSFER_HEADER_SIZE);
          const off = readOffset(h, 0);
          const size = readInt32BE(h, 8);
          if (size < 0 || size > 64 * 1024 * 1024) {
            this.svc.log.error({ size }, 'bad HA frame size; reconnecting');
            this.drop();
            return;
          }
          if (this.reader.available < TRANSFER_HEADER_SIZE + size) break;
          const expected = start < 0 ? this.svc.store.getMaxPhyOffset() : start + total;
          if (off !== expected) {
            // An empty slave may start where the master starts it only if its store can begin there.
            this.svc.log.error({ frameOffset: off, localMaxOffset: expected }, 'HA frame offset does not match the local commit log; reconnecting');
            this.drop();
            return;
          }
          this.reader.take(TRANSFER_HEADER_SIZE);
          if (size === 0) {
            sawHeartbeat = true;
            continue;
          }
          if (start < 0) start = off;
          parts.push(this.reader.take(size));
          total += size;
          if (total >= 4 * 1024 * 1024) break;
        }
        if (total === 0) {
          if (sawHeartbeat) this.report();
          break;
        }
        const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
        const ok = await this.svc.store.appendToCommitLog(start, data);
        if (!ok) {
          this.svc.log.error({ start, bytes: total }, 'replicated append refused; reconnecting');
          this.drop();
          return;
        }
        this.svc.onSlaveAppended();
        this.report();
        if (this.reader.available <= SLAVE_MAX_BUFFERED && s.isPaused()) s.resume();
      }
    } finally {
      this.busy = false;
    }
    if (this.socket === s && this.reader.available >= TRANSFER_HEADER_SIZE) void this.drain(s);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.drop();
  }
}

export class HaService {
  private server: Server | undefined;
  private readonly conns = new Set<HaConnection>();
  private waiters: Waiter[] = [];
  private client: HaClient | undefined;
  private masterHaAddr = '';
  /**
   * Controller mode with minInSyncReplicas 1: a master without a slave in sync acknowledges alone, once
   * the controller has recorded an acknowledged-offset floor covering the message (onFloorReported), so
   * no replica lacking it can be elected.
   */
  loneMasterOk?: () => boolean;
  /** Asks for an early controller heartbeat (a lone master has messages waiting for the floor). */
  onLoneWait?: () => void;
  private loneWaiters: Waiter[] = [];
  private reportedFloor = -1;
  /** Controller mode: a reason to refuse writes (master not confirmed, lease expired), else undefined. */
  writeGate?: () => string | undefined;
  /** Called after every replicated append on a slave (tests, lag metrics). */
  onAppended?: () => void;
  listenPort = 0;

  constructor(
    readonly store: MessageStore,
    readonly cfg: () => HaConfig,
    readonly log: Logger,
  ) {}

  /** Opens the HA port (any role: a slave may be promoted later). */
  async start(host = '0.0.0.0', allowEphemeralFallback = false): Promise<number> {
    const server = createServer((s) => {
      const c = new HaConnection(this, s);
      this.conns.add(c);
    });
    const listen = (port: number): Promise<number> =>
      new Promise((resolve, reject) => {
        const onErr = (e: Error): void => reject(e);
        server.once('error', onErr);
        server.listen(port, host, () => {
          server.off('error', onErr);
          const a = server.address();
          resolve(typeof a === 'object' && a ? a.port : port);
        });
      });
    try {
      this.listenPort = await listen(this.cfg().haListenPort);
    } catch (e) {
      if (!allowEphemeralFallback) throw e;
      this.listenPort = await listen(0);
    }
    // after listen: a refused first port (handled above) is not a server error
    server.on('error', (e) => this.log.error({ err: e.message }, 'HA server error'));
    this.server = server;
    if (this.cfg().brokerRole === 'SLAVE') this.startSlave();
    return this.listenPort;
  }

  /** Slave: the master's HA address ("host:port"); "" = unknown. */
  setMasterHaAddress(addr: string): void {
    if (addr && addr !== this.masterHaAddr) this.log.info({ master: addr }, 'master HA address');
    if (addr) this.masterHaAddr = addr;
  }

  get masterHaAddress(): string {
    return this.masterHaAddr;
  }

  startSlave(): void {
    if (this.client) return;
    this.client = new HaClient(this, () => this.masterHaAddr);
    this.client.start();
  }

  stopSlave(): void {
    this.client?.stop();
    this.client = undefined;
  }

  get slaveConnected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Offset where a slave reporting 0 starts: the beginning of the master's last commit-log file. */
  startOffsetForEmptySlave(): number {
    // RocketMQ starts at the last file (maxOffset - maxOffset % mappedFileSizeCommitLog); our store can
    // only grow an empty slave from offset 0 upwards, so the whole retained log is sent instead.
    return this.store.getMinPhyOffset();
  }

  /** Largest offset acknowledged by a connected slave (-1 when none). */
  get slaveAckOffset(): number {
    let m = -1;
    for (const c of this.conns) if (c.ackOffset > m) m = c.ackOffset;
    return m;
  }

  get connectionCount(): number {
    let n = 0;
    for (const c of this.conns) if (c.ackOffset >= 0) n++;
    return n;
  }

  /** A slave is connected and not more than haSlaveFallbehindMax behind `target`. */
  isSlaveOk(target: number): boolean {
    const ack = this.slaveAckOffset;
    return ack >= 0 && target - ack < this.cfg().haSlaveFallbehindMax;
  }

  onConnectionClosed(c: HaConnection): void {
    this.conns.delete(c);
    this.log.info({ slave: c.remote }, 'slave connection closed');
  }

  onSlaveAck(): void {
    if (this.waiters.length === 0) return;
    const ack = this.slaveAckOffset;
    let i = 0;
    while (i < this.waiters.length && this.waiters[i]!.target <= ack) {
      const w = this.waiters[i++]!;
      clearTimeout(w.timer);
      w.resolve('PUT_OK');
    }
    if (i > 0) this.waiters = this.waiters.slice(i);
  }

  onSlaveAppended(): void {
    this.onAppended?.();
  }

  /** New data on the master: wake every transfer loop. */
  notifyNewData(): void {
    for (const c of this.conns) c.wake();
  }

  /** SYNC_MASTER: resolves when a slave has acknowledged `target` (status of the replication). */
  waitForSlave(target: number): Promise<PutMessageStatus> {
    if (!this.isSlaveOk(target)) return this.loneMasterOk?.() ? this.waitForFloor(target) : Promise.resolve('SLAVE_NOT_AVAILABLE');
    if (this.slaveAckOffset >= target) return Promise.resolve('PUT_OK');
    return new Promise((resolve) => {
      const w: Waiter = {
        target,
        resolve,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve('FLUSH_SLAVE_TIMEOUT');
        }, this.cfg().syncFlushTimeout),
      };
      // Keep waiters sorted by target; appends finish almost always in order, so this is a push.
      let i = this.waiters.length;
      while (i > 0 && this.waiters[i - 1]!.target > target) i--;
      this.waiters.splice(i, 0, w);
    });
  }

  private waitForFloor(target: number): Promise<PutMessageStatus> {
    if (this.reportedFloor >= target) return Promise.resolve('PUT_OK');
    return new Promise((resolve) => {
      const w: Waiter = {
        target,
        resolve,
        timer: setTimeout(() => {
          const i = this.loneWaiters.indexOf(w);
          if (i >= 0) this.loneWaiters.splice(i, 1);
          resolve('FLUSH_SLAVE_TIMEOUT');
        }, this.cfg().syncFlushTimeout),
      };
      this.loneWaiters.push(w);
      this.onLoneWait?.();
    });
  }

  /** The controller recorded `offset` as this master's acknowledged floor (-1 resets it: new epoch). */
  onFloorReported(offset: number): void {
    if (offset < 0) {
      this.reportedFloor = -1;
      return;
    }
    if (offset > this.reportedFloor) this.reportedFloor = offset;
    if (this.loneWaiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.loneWaiters) {
      if (w.target <= this.reportedFloor) {
        clearTimeout(w.timer);
        w.resolve('PUT_OK');
      } else keep.push(w);
    }
    this.loneWaiters = keep;
  }

  /** Applies the SYNC_MASTER rule to a store answer. */
  /** The put's result, once a SYNC_MASTER's slave has it too (returned as is when nothing waits). */
  afterPut(r: PutMessageResult, wait: boolean): PutMessageResult | Promise<PutMessageResult> {
    if (r.status !== 'PUT_OK' && r.status !== 'FLUSH_DISK_TIMEOUT') return r;
    this.notifyNewData();
    if (!wait || this.cfg().brokerRole !== 'SYNC_MASTER' || !r.appendResult) return r;
    return this.afterSlave(r, r.appendResult.wroteOffset + r.appendResult.wroteBytes);
  }

  private async afterSlave(r: PutMessageResult, target: number): Promise<PutMessageResult> {
    const s = await this.waitForSlave(target);
    if (s === 'PUT_OK') return r;
    return {
      ...r,
      status: s,
      remark: s === 'SLAVE_NOT_AVAILABLE' ? 'no slave in sync with this SYNC_MASTER; the message is stored on the master only' : `no slave acknowledged within ${this.cfg().syncFlushTimeout} ms; the message is stored on the master`,
    };
  }

  /**
   * Routes every put of `store` through afterPut (the store object is shared by the broker's send
   * path, the schedule and timer services, so all of them honour SYNC_MASTER).
   */
  wrapStore(): void {
    const store = this.store as MessageStore & { __haWrapped?: boolean };
    if (store.__haWrapped) return;
    store.__haWrapped = true;
    const put = store.putMessage.bind(store);
    const puts = store.putMessages.bind(store);
    const refused = (): PutMessageResult | undefined => {
      const why = this.writeGate?.();
      return why === undefined ? undefined : { status: 'SERVICE_NOT_AVAILABLE', remark: why };
    };
    // Transfers are woken once per commit-log write; a put waits on the slave only on a SYNC_MASTER
    // (this is every send's path: no promise layer of its own otherwise, no async frames).
    store.setCommitListener(() => this.notifyNewData());
    /** A SYNC_MASTER answers a put that waits for the store only once a slave has its bytes too. */
    const waitsForSlave = (m: MessageInner | undefined): boolean => this.cfg().brokerRole === 'SYNC_MASTER' && m !== undefined && waitStoreMsgOk(m);
    store.putMessage = (m: MessageInner) => {
      const no = refused();
      if (no !== undefined) return Promise.resolve(no);
      if (!waitsForSlave(m)) return put(m);
      return put(m).then((r) => this.afterPut(r, true));
    };
    const putCb = store.putMessageCb?.bind(store);
    if (putCb !== undefined) {
      store.putMessageCb = (m: MessageInner, done: (r: PutMessageResult) => void) => {
        const no = refused();
        if (no !== undefined) return done(no);
        if (!waitsForSlave(m)) return putCb(m, done);
        putCallbackFrom(put(m).then((r) => this.afterPut(r, true)), done, this.log);
      };
    }
    store.putMessages = (ms: MessageInner[]) => {
      const no = refused();
      if (no !== undefined) return Promise.resolve(no);
      if (!waitsForSlave(ms[0])) return puts(ms);
      return puts(ms).then((r) => this.afterPut(r, true));
    };
  }

  async shutdown(): Promise<void> {
    this.stopSlave();
    for (const w of [...this.waiters, ...this.loneWaiters]) {
      clearTimeout(w.timer);
      w.resolve('FLUSH_SLAVE_TIMEOUT');
    }
    this.waiters = [];
    this.loneWaiters = [];
    for (const c of [...this.conns]) c.close();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** WAIT property (default true): false = do not wait for flush / slave. */
function waitStoreMsgOk(m: MessageInner): boolean {
  return !m.properties.includes('WAIT\u0001false');
}
