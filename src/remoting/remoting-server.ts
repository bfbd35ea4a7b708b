/**
 * Remoting TCP server: accepts connections, decodes frames, dispatches requests to registered
 * processors. Unknown codes are answered with REQUEST_CODE_NOT_SUPPORTED; handler errors with
 * SYSTEM_ERROR; a malformed frame closes only the connection that sent it.
 *
 *   const server = new RemotingServer({ host: '127.0.0.1', port: 0 });
 *   server.registerProcessor(RequestCode.HEART_BEAT, (req, conn) => createResponse(req, ResponseCode.SUCCESS));
 *   const { port } = await server.listen();
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { RmqError } from '../common/errors.js';
import { componentLogger, type Logger } from '../common/logger.js';
import { Connection, Processors } from './connection.js';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-codec.js';
import type { RemotingServerOptions, RequestHandler } from './types.js';

const SOCKET_HIGH_WATER_MARK_BYTES = 1024 * 1024;
/** Java's serverChannelMaxIdleTimeSeconds. */
export const DEFAULT_SERVER_IDLE_TIMEOUT_MS = 120_000;

export interface RemotingServerEvents {
  connection: [conn: Connection];
  disconnect: [conn: Connection];
}

export class RemotingServer extends EventEmitter {
  private readonly options: RemotingServerOptions;
  private readonly processors = new Processors();
  private readonly live = new Set<Connection>();
  private readonly log: Logger;
  private server: Server | null = null;
  private boundPort = 0;

  constructor(options: RemotingServerOptions, logger?: Logger) {
    super();
    this.options = options;
    this.log = logger ?? componentLogger('remoting-server');
  }

  registerProcessor(code: number, handler: RequestHandler): void {
    this.processors.register(code, handler);
  }

  /** Handles every code without its own processor (instead of REQUEST_CODE_NOT_SUPPORTED). */
  registerDefaultProcessor(handler: RequestHandler): void {
    this.processors.registerDefault(handler);
  }

  /** Open connections. */
  get connections(): ReadonlySet<Connection> {
    return this.live;
  }

  get port(): number {
    return this.boundPort;
  }

  listen(): Promise<{ host: string; port: number }> {
    if (this.server !== null) return Promise.reject(new RmqError('ALREADY_LISTENING', 'server already listening'));
    const host = this.options.host ?? '0.0.0.0';
    // A 1 MiB write high-water mark: a burst of responses (e.g. pull bodies) rarely pauses reading.
    const server = createServer({ noDelay: true, keepAlive: true, highWaterMark: SOCKET_HIGH_WATER_MARK_BYTES }, (socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        this.server = null;
        reject(new RmqError('LISTEN_FAILED', `cannot listen on ${host}:${this.options.port}: ${err.message}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen(this.options.port, host, () => {
        server.off('error', onError);
        server.on('error', (err) => this.log.error({ err: err.message }, 'server socket error'));
        const addr = server.address();
        this.boundPort = typeof addr === 'object' && addr !== null ? addr.port : this.options.port;
        this.log.debug({ host, port: this.boundPort }, 'listening');
        resolve({ host, port: this.boundPort });
      });
    });
  }

  private accept(socket: Socket): void {
    if (socket.remoteAddress === undefined) {
      // Already gone (reset before we saw it).
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, {
      processors: this.processors,
      maxFrameBytes: this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      pauseReadOnBackpressure: true,
      idleTimeoutMs: this.options.idleTimeoutMs ?? DEFAULT_SERVER_IDLE_TIMEOUT_MS,
      logger: this.log,
    });
    this.live.add(conn);
    conn.on('close', () => {
      this.live.delete(conn);
      this.emit('disconnect', conn);
    });
    this.emit('connection', conn);
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const c of [...this.live]) c.destroy();
    this.live.clear();
    if (server === null) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  override on<K extends keyof RemotingServerEvents>(event: K, listener: (...args: RemotingServerEvents[K]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
}
