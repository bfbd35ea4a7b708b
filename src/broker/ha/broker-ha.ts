/**
 * The broker's HA wiring: replication (ha-service.ts), slave metadata sync, offset take-back and the
 * pull "read from the slave" suggestion.
 *
 * Metadata sync (slave, every slaveSyncMetadataInterval, RocketMQ: 10 s in 4.9.8): GET_ALL_TOPIC_CONFIG (21),
 * GET_ALL_CONSUMER_OFFSET (43), GET_ALL_DELAY_OFFSET (45), GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201) from the
 * master's remoting address; the slave's tables are replaced by the master's.
 *
 * Offset take-back: while the master is down, consumers commit offsets to the slave (the client falls
 * back to it). Those commits are remembered; once the master answers again, each one that is ahead of
 * the master's offset is sent to it with UPDATE_CONSUMER_OFFSET (15) before the slave adopts the
 * master's table, so a consumer restarting against the master does not receive those messages again.
 * Only offsets committed on the slave by clients are sent back (not values copied from the master), so
 * an offset reset on the master is not undone.
 */
import { totalmem } from 'node:os';
import { createRequest } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { parseFastjson } from '../../protocol/body/fastjson.js';
import { RemotingClient } from '../../remoting/remoting-client.js';
import type { Logger } from '../../common/logger.js';
import type { GetMessageResult } from '../../store/types.js';
import type { BrokerController } from '../broker-controller.js';
import { TOPIC_GROUP_SEPARATOR } from '../consumer-offset-manager.js';
import { readTopicConfig } from '../topic-config-manager.js';
import { readSubscriptionGroupConfig } from '../subscription-group-manager.js';
import { HaService, type HaConfig } from './ha-service.js';

const SYNC_TIMEOUT_MS = 3000;
/** RocketMQ's whichBrokerWhenConsumeSlowly default. */
const SLAVE_BROKER_ID = 1;

export class BrokerHa {
  readonly service: HaService;
  private readonly remoting = new RemotingClient({ connectTimeoutMs: 1000 }, undefined);
  private syncTimer: NodeJS.Timeout | undefined;
  private findMasterTimer: NodeJS.Timeout | undefined;
  private syncing = false;
  /** Master remoting address as learnt from the name server ("" = unknown). */
  masterAddr = '';
  /** "topic@group" -> queueId -> offset committed by clients on this slave, not yet given back. */
  private readonly localCommits = new Map<string, Map<number, number>>();
  lastMetadataSync = 0;

  constructor(
    private readonly b: BrokerController,
    private readonly log: Logger,
  ) {
    this.service = new HaService(b.store, () => b.config as unknown as HaConfig, log);
  }

  async start(host: string): Promise<void> {
    const b = this.b;
    const c = b.config;
    this.service.wrapStore();
    if (c.haMasterAddress) this.service.setMasterHaAddress(c.haMasterAddress);
    const port = await this.service.start(host, c.listenPort === 0);
    c.haListenPort = port;
    // Remember offsets committed on this broker while it is a slave (see the module comment).
    const com = b.consumerOffsetManager;
    const commit = com.commitOffset.bind(com);
    com.commitOffset = (group: string, topic: string, queueId: number, offset: number) => {
      commit(group, topic, queueId, offset);
      if (b.config.brokerRole !== 'SLAVE') return;
      const key = topic + TOPIC_GROUP_SEPARATOR + group;
      let m = this.localCommits.get(key);
      if (!m) this.localCommits.set(key, (m = new Map()));
      m.set(queueId, offset);
    };
    this.syncTimer = setInterval(() => void this.syncMetadata(), Math.max(200, c.slaveSyncMetadataInterval));
    this.syncTimer.unref?.();
    // A slave that started before its master registered learns nothing from its first REGISTER_BROKER;
    // ask again every second until the master's address is known (not every registerNameServerPeriod).
    this.findMasterTimer = setInterval(() => {
      if (b.config.brokerRole !== 'SLAVE' || this.service.masterHaAddress) return;
      void b.registerBrokerAll();
    }, 1000);
    this.findMasterTimer.unref?.();
  }

  /** REGISTER_BROKER answer: the master's HA and remoting addresses (empty while the master is down). */
  onRegisterResponse(ext: Record<string, unknown> | undefined): void {
    if (!ext || this.b.config.brokerRole !== 'SLAVE') return;
    const ha = typeof ext.haServerAddr === 'string' ? ext.haServerAddr : '';
    const master = typeof ext.masterAddr === 'string' ? ext.masterAddr : '';
    if (ha && !this.b.config.haMasterAddress) this.service.setMasterHaAddress(ha);
    if (master) {
      const first = !this.masterAddr;
      this.masterAddr = master;
      if (first) void this.syncMetadata();
    }
  }

  /** Master remoting address: from the name server, else haMasterAddress with port - 1. */
  private masterRemotingAddr(): string {
    if (this.masterAddr) return this.masterAddr;
    const ha = this.service.masterHaAddress;
    const i = ha.lastIndexOf(':');
    if (i < 0) return '';
    return `${ha.slice(0, i)}:${Number(ha.slice(i + 1)) - 1}`;
  }

  private async fetch(addr: string, code: number): Promise<unknown> {
    const res = await this.remoting.invoke(addr, createRequest(code, {}), SYNC_TIMEOUT_MS);
    if (res.code !== ResponseCode.SUCCESS) throw new Error(`code ${res.code} ${res.remark ?? ''}`);
    return res.body && res.body.length > 0 ? parseFastjson(res.body) : {};
  }

  /** One round of slave metadata sync; returns false when the master did not answer. */
  async syncMetadata(): Promise<boolean> {
    const b = this.b;
    if (b.config.brokerRole !== 'SLAVE' || this.syncing) return false;
    const addr = this.masterRemotingAddr();
    if (!addr) return false;
    this.syncing = true;
    try {
      const topics = (await this.fetch(addr, RequestCode.GET_ALL_TOPIC_CONFIG)) as { topicConfigTable?: Record<string, unknown> };
      const table = b.topicConfigManager.table;
      let changed = false;
      for (const [name, raw] of Object.entries(topics.topicConfigTable ?? {})) {
        const tc = readTopicConfig(name, raw);
        if (!tc) continue;
        const old = table.get(name);
        if (!old || JSON.stringify(old) !== JSON.stringify(tc)) {
          table.set(name, tc);
          changed = true;
        }
      }
      if (changed) {
        b.topicConfigManager.persist();
        b.topicConfigManager.onChange?.('');
      }

      await this.giveBackOffsets(addr);
      const offsets = (await this.fetch(addr, RequestCode.GET_ALL_CONSUMER_OFFSET)) as { offsetTable?: Record<string, Record<string, unknown>> };
      const ot = b.consumerOffsetManager.offsetTable;
      for (const [key, qs] of Object.entries(offsets.offsetTable ?? {})) {
        let m = ot.get(key);
        if (!m) ot.set(key, (m = new Map()));
        const local = this.localCommits.get(key);
        for (const [q, v] of Object.entries(qs)) {
          const qid = Number(q);
          const off = Number(v);
          if (!Number.isInteger(qid) || !Number.isFinite(off)) continue;
          // A commit not given back yet stays (it is ahead of the master's).
          if (local?.has(qid) && local.get(qid)! > off) continue;
          m.set(qid, off);
        }
      }
      b.consumerOffsetManager.persist(true);

      const delay = (await this.fetch(addr, RequestCode.GET_ALL_DELAY_OFFSET)) as { offsetTable?: Record<string, unknown> };
      const dt = b.scheduleMessageService.offsetTable;
      for (const [k, v] of Object.entries(delay.offsetTable ?? {})) {
        const level = Number(k);
        const off = Number(v);
        if (Number.isInteger(level) && level >= 1 && Number.isFinite(off)) dt.set(level, off);
      }
      b.scheduleMessageService.persist(true);

      const groups = (await this.fetch(addr, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)) as { subscriptionGroupTable?: Record<string, unknown> };
      for (const [name, raw] of Object.entries(groups.subscriptionGroupTable ?? {})) {
        const sg = readSubscriptionGroupConfig(raw, name, b.config.maxReconsumeTimes);
        if (sg) b.subscriptionGroupManager.table.set(sg.groupName, sg);
      }
      b.subscriptionGroupManager.persist();
      this.lastMetadataSync = Date.now();
      return true;
    } catch (e) {
      this.log.debug({ master: addr, err: (e as Error).message }, 'metadata sync from master failed');
      return false;
    } finally {
      this.syncing = false;
    }
  }

  /** Sends offsets committed on this slave back to the master (UPDATE_CONSUMER_OFFSET). */
  private async giveBackOffsets(addr: string): Promise<void> {
    for (const [key, qs] of [...this.localCommits]) {
      const at = key.indexOf(TOPIC_GROUP_SEPARATOR);
      const topic = key.slice(0, at);
      const group = key.slice(at + 1);
      for (const [queueId, offset] of [...qs]) {
        const req = createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: group, topic, queueId: String(queueId), commitOffset: String(offset) });
        // Only raise the master's offset: ask first, send when ours is ahead.
        const q = await this.remoting.invoke(addr, createRequest(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: group, topic, queueId: String(queueId) }), SYNC_TIMEOUT_MS);
        const masterOffset = q.code === ResponseCode.SUCCESS ? Number((q.extFields as Record<string, unknown> | undefined)?.offset ?? -1) : -1;
        if (masterOffset < offset) {
          const res = await this.remoting.invoke(addr, req, SYNC_TIMEOUT_MS);
          if (res.code !== ResponseCode.SUCCESS) throw new Error(`offset give-back refused: ${res.code}`);
          this.log.info({ topic, group, queueId, offset, masterOffset }, 'offset committed on the slave given back to the master');
        }
        qs.delete(queueId);
      }
      if (qs.size === 0) this.localCommits.delete(key);
    }
  }

  /**
   * suggestWhichBrokerId for a pull answer (PullMessageProcessor): a master suggests the slave when
   * slaveReadEnable and the consumer is far behind (the data it asks for is unlikely to be in memory);
   * a slave suggests the master unless slaveReadEnable (RocketMQ answers PULL_RETRY_IMMEDIATELY there; we
   * serve the read anyway, so consumers keep going while the master is down).
   */
  suggestWhichBrokerId(r: GetMessageResult, topic: string, queueId: number): number {
    const c = this.b.config;
    if (c.brokerRole === 'SLAVE') return c.slaveReadEnable ? c.brokerId : 0;
    if (!c.slaveReadEnable || this.service.connectionCount === 0) return 0;
    if (r.suggestPullingFromSlave) return SLAVE_BROKER_ID;
    // RocketMQ: behind by more than accessMessageInMemoryMaxRatio (40 %) of physical memory.
    const n = r.queueOffsets.length;
    if (n === 0) return 0;
    const phy = this.b.store.getCommitLogOffsetInQueue(topic, queueId, r.queueOffsets[n - 1]!);
    if (phy < 0) return 0;
    const behind = this.b.store.getMaxPhyOffset() - phy;
    return behind > totalmem() * (c.accessMessageInMemoryMaxRatio / 100) ? SLAVE_BROKER_ID : 0;
  }

  runtimeInfo(): Record<string, string> {
    const s = this.service;
    const out: Record<string, string> = {};
    if (this.b.config.brokerRole === 'SLAVE') {
      out.haMasterAddress = s.masterHaAddress;
      out.haSlaveConnected = String(s.slaveConnected);
      out.lastMetadataSync = String(this.lastMetadataSync);
    } else {
      out.haConnectionCount = String(s.connectionCount);
      out.haSlaveAckOffset = String(s.slaveAckOffset);
      out.haReplicationLagBytes = String(s.slaveAckOffset < 0 ? -1 : Math.max(0, this.b.store.getMaxPhyOffset() - s.slaveAckOffset));
    }
    out.haListenPort = String(s.listenPort);
    return out;
  }

  async shutdown(): Promise<void> {
    if (this.syncTimer) clearInterval(this.syncTimer);
    if (this.findMasterTimer) clearInterval(this.findMasterTimer);
    await this.service.shutdown();
    this.remoting.close();
  }
}
