/**
 * Broker side of controller mode (docs/ha.md "Automatic master failover"): heartbeats the controller,
 * takes the role it decides (promotion to master with brokerId 0, demotion to slave with its replica id),
 * fences writes with a lease, and cuts a diverged log at start-up.
 *
 * Files: <storePathRootDir>/config/ha-epoch.json {"epoch": last epoch this broker's log followed or led};
 * <storePathRootDir>/config/ha-diverged (marker: the log must be cut at the next start).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../common/logger.js';
import { createRequest } from '../../protocol/remoting-command.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { RemotingClient } from '../../remoting/remoting-client.js';
import { DefaultMessageStore } from '../../store/default-message-store.js';
import type { BrokerRole, MessageStore } from '../../store/types.js';
import type { BrokerController } from '../broker-controller.js';
import { storeConfigOf } from '../broker-config.js';
import { CONTROLLER_HEARTBEAT } from './controller/controller-server.js';
import { truncationPoint, type GroupView } from './controller/election.js';

const START_WAIT_MS = 15_000;

export class FailoverClient {
  private readonly rc = new RemotingClient({ connectTimeoutMs: 1000 }, undefined);
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** Epoch this broker acts in (master: leads; slave: follows). */
  epoch = 0;
  /** Last epoch whose log this broker followed or led (persisted). */
  private followed = 0;
  confirmed = false;
  private lastAnswer = 0;
  private diverged = false;
  private readonly masterRole: BrokerRole;
  private readonly preferMaster: boolean;
  private startView: GroupView | undefined;
  private soon: NodeJS.Timeout | undefined;
  private again = false;
  /** Time of the last promotion (metrics). */
  promotedAt = 0;

  constructor(
    private readonly b: BrokerController,
    private readonly log: Logger,
  ) {
    const c = b.config;
    this.preferMaster = c.brokerRole !== 'SLAVE';
    this.masterRole = c.brokerRole !== 'SLAVE' ? c.brokerRole : (c.controllerMasterRole as BrokerRole);
    this.followed = this.readEpoch();
  }

  private epochFile(): string {
    return join(this.b.configDir(), 'ha-epoch.json');
  }

  private divergedFile(): string {
    return join(this.b.configDir(), 'ha-diverged');
  }

  private readEpoch(): number {
    try {
      return Number((JSON.parse(readFileSync(this.epochFile(), 'utf8')) as { epoch?: number }).epoch ?? 0) || 0;
    } catch {
      return 0;
    }
  }

  private writeEpoch(e: number): void {
    if (e === this.followed) return;
    this.followed = e;
    try {
      mkdirSync(this.b.configDir(), { recursive: true });
      writeFileSync(this.epochFile(), JSON.stringify({ epoch: e }) + '\n');
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'writing ha-epoch.json failed');
    }
  }

  /**
   * The acknowledged floor a master reports: a SYNC_MASTER that may acknowledge alone (no slave in sync)
   * reports its whole log, otherwise what a slave acknowledged.
   */
  private ackFloor(store: MessageStore): number {
    const s = this.b.ha?.service;
    if (!s) return -1;
    const max = store.getMaxPhyOffset();
    if (this.b.config.brokerRole === 'SYNC_MASTER' && !s.isSlaveOk(max) && s.loneMasterOk?.()) return max;
    return s.slaveAckOffset;
  }

  private async heartbeat(store: MessageStore, timeoutMs = 2000): Promise<GroupView> {
    const c = this.b.config;
    const isMaster = c.brokerRole !== 'SLAVE';
    const ackOffset = isMaster ? this.ackFloor(store) : -1;
    const sentEpoch = this.epoch;
    const body = {
      brokerName: c.brokerName,
      addr: this.b.brokerAddr || `${c.brokerIP1}:${c.listenPort}`,
      haAddr: `${c.brokerIP2}:${c.haListenPort}`,
      maxOffset: store.getMaxPhyOffset(),
      ackOffset,
      preferMaster: this.preferMaster,
      epoch: this.epoch,
      isMaster,
    };
    const res = await this.rc.invoke(c.controllerAddr, createRequest(CONTROLLER_HEARTBEAT, {}, Buffer.from(JSON.stringify(body))), timeoutMs);
    if (res.code !== ResponseCode.SUCCESS) throw new Error(`controller answered ${res.code}: ${res.remark ?? ''}`);
    this.lastAnswer = Date.now();
    const view = JSON.parse(res.body!.toString('utf8')) as GroupView;
    // The controller recorded our floor only if we are still its master for that epoch.
    if (isMaster && view.masterAddr === this.b.brokerAddr && view.epoch === sentEpoch && this.b.config.brokerRole !== 'SLAVE') this.b.ha?.service.onFloorReported(ackOffset);
    return view;
  }

  private setRole(role: BrokerRole, brokerId: number, store: MessageStore): void {
    const c = this.b.config;
    c.brokerRole = role;
    c.brokerId = brokerId;
    const sc = (store as unknown as { config?: { brokerRole: BrokerRole } }).config;
    if (sc) sc.brokerRole = role;
  }

  /**
   * Before the broker's services start: asks the controller for the role, cuts a diverged log (moves the
   * store's data aside and starts empty), and returns the store to use.
   */
  async preStart(store: MessageStore): Promise<MessageStore> {
    const c = this.b.config;
    const deadline = Date.now() + START_WAIT_MS;
    let view: GroupView | undefined;
    for (;;) {
      try {
        view = await this.heartbeat(store);
        if (view.masterAddr) break;
      } catch (e) {
        this.log.warn({ controller: c.controllerAddr, err: (e as Error).message }, 'controller not reachable');
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const me = `${c.brokerIP1}:${c.listenPort}`;
    if (view && view.masterAddr === me && !existsSync(this.divergedFile())) {
      this.setRole(this.masterRole, 0, store);
      this.epoch = view.epoch;
      return store;
    }
    this.setRole('SLAVE', view?.replicaId || Math.max(1, c.brokerId), store);
    let cut = existsSync(this.divergedFile());
    if (view) {
      const tp = truncationPoint(view.epochs, this.followed, store.getMaxPhyOffset());
      if (typeof tp === 'number') cut = true;
    }
    if (cut) store = await this.cutLog(store);
    if (view) {
      this.epoch = view.epoch;
      this.writeEpoch(view.epoch);
      this.startView = view;
    }
    return store;
  }

  /** The store has no truncation: move its data aside and start empty (a full copy from the master follows). */
  private async cutLog(store: MessageStore): Promise<MessageStore> {
    const c = this.b.config;
    this.log.warn({ maxOffset: store.getMaxPhyOffset(), followedEpoch: this.followed }, 'log diverged from the current master; moving it aside and starting empty');
    await store.shutdown();
    const root = c.storePathRootDir;
    const aside = join(root, `diverged-${Date.now()}`);
    mkdirSync(aside, { recursive: true });
    for (const name of ['commitlog', 'consumequeue', 'index', 'checkpoint', 'abort']) {
      const p = name === 'commitlog' && c.storePathCommitLog ? c.storePathCommitLog : join(root, name);
      if (existsSync(p)) renameSync(p, join(aside, name));
    }
    rmSync(this.divergedFile(), { force: true });
    const fresh = new DefaultMessageStore(storeConfigOf(c), { logger: this.log });
    await fresh.start();
    this.writeEpoch(0);
    return fresh;
  }

  private followView(v: GroupView): void {
    this.epoch = v.epoch;
    this.writeEpoch(v.epoch);
    const ha = this.b.ha;
    if (ha) {
      ha.service.setMasterHaAddress(v.masterHaAddr);
      ha.masterAddr = v.masterAddr;
    }
  }

  /** After the broker started: heartbeats, role changes, the write fence. */
  start(): void {
    const c = this.b.config;
    const ha = this.b.ha!;
    if (c.brokerRole === 'SLAVE' && this.startView) this.followView(this.startView);
    // RocketMQ 5 semantics: the sync state set shrinks to the master alone when no slave is in sync.
    ha.service.loneMasterOk = () => this.b.config.minInSyncReplicas <= 1;
    ha.service.onLoneWait = () => {
      if (this.soon) return;
      this.soon = setTimeout(() => {
        this.soon = undefined;
        void this.tick();
      }, 5);
    };
    ha.service.writeGate = () => {
      if (this.b.config.brokerRole === 'SLAVE') return undefined; // the store refuses with its own remark
      if (this.diverged) return 'this broker was demoted; restart it to rejoin as a slave';
      if (!this.confirmed) return 'this broker is becoming master; its epoch is not confirmed by the controller yet';
      if (Date.now() - this.lastAnswer > c.controllerLeaseMs) return 'this master lost contact with the controller; writes are fenced';
      return undefined;
    };
    this.timer = setInterval(() => void this.tick(), Math.max(100, c.controllerHeartbeatInterval));
    this.timer.unref?.();
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      const store = this.b.store;
      const v = await this.heartbeat(store);
      await this.apply(v, store);
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'controller heartbeat failed');
    } finally {
      this.busy = false;
    }
    if (this.again) {
      this.again = false;
      void this.tick();
    }
  }

  private async apply(v: GroupView, store: MessageStore): Promise<void> {
    const c = this.b.config;
    const me = this.b.brokerAddr;
    const ha = this.b.ha!;
    if (v.masterAddr === me) {
      if (this.diverged) return;
      if (c.brokerRole === 'SLAVE') {
        this.log.warn({ epoch: v.epoch, maxOffset: store.getMaxPhyOffset() }, 'promoted to master');
        ha.service.stopSlave();
        this.setRole(this.masterRole, 0, store);
        this.epoch = v.epoch;
        this.confirmed = false;
        ha.service.onFloorReported(-1);
        this.promotedAt = Date.now();
        this.startMasterServices();
        // Confirm the epoch start (our max offset, before any write), then take writes.
        const again = await this.heartbeat(store);
        if (again.masterAddr === me && again.epoch === this.epoch) {
          this.confirmed = true;
          this.writeEpoch(this.epoch);
        }
        void this.b.registerBrokerAll();
        return;
      }
      if (v.epoch === this.epoch) {
        this.confirmed = true;
        this.writeEpoch(this.epoch);
      }
      return;
    }
    if (!v.masterAddr) return;
    if (c.brokerRole !== 'SLAVE') {
      this.log.warn({ epoch: v.epoch, master: v.masterAddr }, 'demoted: another broker is master');
      this.confirmed = false;
      this.setRole('SLAVE', v.replicaId, store);
      void this.b.registerBrokerAll();
    }
    if (v.epoch !== this.epoch || !this.diverged) {
      const tp = truncationPoint(v.epochs, this.followed, store.getMaxPhyOffset());
      if (tp === 'wait') return;
      if (typeof tp === 'number') {
        // Bytes beyond tp were never acknowledged and are not on the new master: cut at the next start.
        if (!this.diverged) this.log.error({ cutAt: tp, maxOffset: store.getMaxPhyOffset() }, 'log diverged from the new master; restart this broker to cut it and rejoin');
        this.diverged = true;
        ha.service.stopSlave();
        try {
          writeFileSync(this.divergedFile(), String(tp) + '\n');
        } catch {
          // the start-up check recomputes it
        }
        return;
      }
    }
    if (c.brokerId !== v.replicaId) {
      c.brokerId = v.replicaId;
      void this.b.registerBrokerAll();
    }
    this.followView(v);
    ha.service.startSlave();
  }

  private startMasterServices(): void {
    const b = this.b;
    try {
      b.scheduleMessageService.start();
      b.timerMessageService?.start();
      b.transactionService.start();
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'starting master services after promotion failed');
    }
  }

  shutdown(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.rc.close();
  }
}
