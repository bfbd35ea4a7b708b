/**
 * Remoting TCP client: one connection per "ip:port", created on first use, reused, and recreated after
 * it closes. Requests brokers send to us (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE, ...)
 * arrive on these connections and go to the processors registered here.
 *
 *   const client = new RemotingClient();
 *   const res = await client.invoke('127.0.0.1:9876', createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 3000);
 */
import { connect } from 'node:net';
import { RmqError } from '../common/errors.js';
import { componentLogger, type Logger } from '../common/logger.js';
import { SERIALIZE_JSON, SERIALIZE_ROCKETMQ, type RemotingCommand, type SerializeType } from '../protocol/remoting-command.js';
import { Connection, Processors } from './connection.js';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-codec.js';
import type { RemotingClientOptions, RequestHandler } from './types.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;

/** Splits "host:port" (or "[v6]:port"). */
export function parseAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  let host = addr.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535 || host === '') {
    throw new RmqError('BAD_ADDRESS', `bad address "${addr}" (expected host:port)`);
  }
  return { host, port };
}

export class RemotingClient {
  private readonly options: RemotingClientOptions;
  private readonly processors = new Processors();
  private readonly connections = new Map<string, Connection>();
  private readonly connecting = new Map<string, Promise<Connection>>();
  private readonly log: Logger;
  private stopped = false;
  private readonly serializeType: SerializeType;

  constructor(options: RemotingClientOptions = {}, logger?: Logger) {
    this.options = options;
    this.serializeType = options.serializeType === 'ROCKETMQ' ? SERIALIZE_ROCKETMQ : SERIALIZE_JSON;
    this.log = logger ?? componentLogger('remoting-client');
  }

  registerProcessor(code: number, handler: RequestHandler): void {
    this.processors.register(code, handler);
  }

  registerDefaultProcessor(handler: RequestHandler): void {
    this.processors.registerDefault(handler);
  }

  /** The open connection to `addr`, connecting if needed. */
  getConnection(addr: string, timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS): Promise<Connection> {
    const open = this.connections.get(addr);
    if (open !== undefined && !open.closed) return Promise.resolve(open);
    if (this.stopped) return Promise.reject(new RmqError('CLIENT_SHUTDOWN', 'remoting client is shut down'));
    const inFlight = this.connecting.get(addr);
    if (inFlight !== undefined) return inFlight;
    const p = this.connect(addr, timeoutMs).finally(() => this.connecting.delete(addr));
    this.connecting.set(addr, p);
    return p;
  }

  private connect(addr: string, timeoutMs: number): Promise<Connection> {
    let host: string;
    let port: number;
    try {
      ({ host, port } = parseAddress(addr));
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<Connection>((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true, keepAlive: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RmqError('CONNECT_FAILED', `connect to ${addr} timed out after ${timeoutMs} ms`, { retriable: true }));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new RmqError('CONNECT_FAILED', `connect to ${addr} failed: ${err.message}`, { retriable: true, cause: err }));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        if (this.stopped) {
          socket.destroy();
          reject(new RmqError('CLIENT_SHUTDOWN', 'remoting client is shut down'));
          return;
        }
        const conn = new Connection(socket, {
          processors: this.processors,
          maxFrameBytes: this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
          logger: this.log,
        });
        this.connections.set(addr, conn);
        conn.on('close', () => {
          if (this.connections.get(addr) === conn) this.connections.delete(addr);
          this.log.debug({ addr }, 'connection closed');
        });
        resolve(conn);
      });
    });
  }

  /** Sends a request to `addr` and waits for the response (the connect time counts against timeoutMs). */
  invoke(addr: string, cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    if (this.serializeType === SERIALIZE_ROCKETMQ) cmd.serializeType = SERIALIZE_ROCKETMQ;
    // Hot path: an open connection, no extra promise layers.
    const open = this.connections.get(addr);
    if (open !== undefined && !open.closed) return open.invoke(cmd, timeoutMs);
    return this.connectThenInvoke(addr, cmd, timeoutMs);
  }

  /**
   * A pre-encoded binary request over an open connection (Connection.sendFrame), answered through
   * callbacks; false (and no callback) when not connected or not binary.
   */
  sendFrame(addr: string, head: Buffer, body: Buffer | undefined, code: number, opaqueOffset: number, timeoutMs: number, onResponse: (res: RemotingCommand) => void, onError: (err: Error) => void): boolean {
    if (this.serializeType !== SERIALIZE_ROCKETMQ) return false;
    const open = this.connections.get(addr);
    if (open === undefined || open.closed) return false;
    open.sendFrame(head, body, code, opaqueOffset, timeoutMs, onResponse, onError);
    return true;
  }

  private async connectThenInvoke(addr: string, cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const start = Date.now();
    const conn = await this.getConnection(addr, Math.min(timeoutMs, this.options.connectTimeoutMs ?? timeoutMs));
    return conn.invoke(cmd, Math.max(1, timeoutMs - (Date.now() - start)));
  }

  /** Sends a oneway request to `addr`; resolves once written. */
  invokeOneway(addr: string, cmd: RemotingCommand, timeoutMs?: number): Promise<void> {
    if (this.serializeType === SERIALIZE_ROCKETMQ) cmd.serializeType = SERIALIZE_ROCKETMQ;
    const open = this.connections.get(addr);
    if (open !== undefined && !open.closed) return open.invokeOneway(cmd);
    return this.getConnection(addr, timeoutMs ?? this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS).then((conn) => conn.invokeOneway(cmd));
  }

  /** Closes the connection to `addr` (the next call reconnects). */
  closeConnection(addr: string): void {
    const c = this.connections.get(addr);
    if (c !== undefined) {
      this.connections.delete(addr);
      c.close();
    }
  }

  /** Addresses with an open connection. */
  connectedAddresses(): string[] {
    return [...this.connections.keys()];
  }

  /** Closes every connection; later calls fail. */
  shutdown(): void {
    this.stopped = true;
    for (const c of this.connections.values()) c.destroy();
    this.connections.clear();
  }

  close(): void {
    this.shutdown();
  }
}
