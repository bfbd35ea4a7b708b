/**
 * The failover controller (`rmq controller`): one remoting server holding the election state
 * (election.ts) of every broker group, ticking every 200 ms.
 *
 * Request (not RocketMQ's controller protocol, whose bodies differ): code CONTROLLER_HEARTBEAT (1004),
 * JSON body = HeartbeatInput; answer SUCCESS with JSON body = GroupView.
 */
import { createResponse } from '../../../protocol/remoting-command.js';
import { ResponseCode } from '../../../protocol/response-code.js';
import { RemotingServer } from '../../../remoting/remoting-server.js';
import { componentLogger, type Logger } from '../../../common/logger.js';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ElectionState, type HeartbeatInput, type PersistedState } from './election.js';

export const CONTROLLER_HEARTBEAT = 1004;

export interface ControllerOptions {
  host?: string;
  port: number;
  heartbeatTimeoutMs?: number;
  electDelayMs?: number;
  /** File keeping the election state across restarts (written before answering when it changes). */
  statePath?: string;
}

export class ControllerServer {
  readonly state: ElectionState;
  private readonly server: RemotingServer;
  private timer: NodeJS.Timeout | undefined;
  readonly log: Logger;

  constructor(private readonly o: ControllerOptions) {
    this.log = componentLogger('controller');
    this.state = new ElectionState({ heartbeatTimeoutMs: o.heartbeatTimeoutMs ?? 3000, electDelayMs: o.electDelayMs ?? 3000 });
    this.server = new RemotingServer({ host: o.host ?? '0.0.0.0', port: o.port }, this.log);
    this.server.registerProcessor(CONTROLLER_HEARTBEAT, (req) => {
      let hb: HeartbeatInput;
      try {
        hb = JSON.parse(req.body?.toString('utf8') ?? '') as HeartbeatInput;
        if (typeof hb.brokerName !== 'string' || typeof hb.addr !== 'string' || !Number.isFinite(hb.maxOffset)) throw new Error('missing fields');
      } catch (e) {
        return createResponse(req, ResponseCode.SYSTEM_ERROR, `bad controller heartbeat: ${(e as Error).message}`);
      }
      const before = this.state.events.length;
      const view = this.state.heartbeat(Date.now(), hb);
      this.logElections(before);
      this.persist();
      return createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(JSON.stringify(view)));
    });
  }

  private saved = -1;

  /** Saves the state when it changed (tmp file + rename), before the answer that depends on it leaves. */
  private persist(): void {
    const p = this.o.statePath;
    if (!p || this.state.version === this.saved) return;
    try {
      writeFileSync(p + '.tmp', JSON.stringify(this.state.toJSON()));
      renameSync(p + '.tmp', p);
      this.saved = this.state.version;
    } catch (e) {
      this.log.error({ err: (e as Error).message, path: p }, 'saving controller state failed');
    }
  }

  private logElections(from: number): void {
    for (const e of this.state.events.slice(from)) this.log.warn(e, 'master elected');
  }

  async start(): Promise<number> {
    const p = this.o.statePath;
    if (p && existsSync(p)) {
      this.state.load(JSON.parse(readFileSync(p, 'utf8')) as PersistedState, Date.now());
      this.saved = this.state.version;
      this.log.info({ path: p, groups: this.state.groupNames() }, 'controller state loaded');
    }
    const { port } = await this.server.listen();
    this.timer = setInterval(() => {
      const before = this.state.events.length;
      this.state.tick(Date.now());
      this.logElections(before);
      this.persist();
    }, 200);
    this.timer.unref?.();
    this.log.info({ port }, 'controller started');
    return port;
  }

  async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.server.close();
  }
}
