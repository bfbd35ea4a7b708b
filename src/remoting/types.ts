/**
 * The remoting layer's contract, used by the name server, broker and client.
 * Implemented in remoting-server.ts, remoting-client.ts and connection.ts.
 *
 *   const server = new RemotingServer({ host: '127.0.0.1', port: 0 });
 *   server.registerProcessor(RequestCode.HEART_BEAT, async (req, conn) => createResponse(req, ResponseCode.SUCCESS));
 *   const { port } = await server.listen();
 *
 *   const client = new RemotingClient();
 *   const res = await client.invoke(`127.0.0.1:${port}`, createRequest(RequestCode.HEART_BEAT, {}, body), 3000);
 */
import type { RemotingCommand } from '../protocol/remoting-command.js';

/**
 * Handles one request. Returns the response, or null when the handler answers later itself
 * (long polling: it keeps `conn` and calls `conn.sendResponse` when ready) or the request is oneway.
 * A thrown error becomes a SYSTEM_ERROR response with the error message as remark.
 */
export type RequestHandler = (
  req: RemotingCommand,
  conn: RemotingConnection,
) => Promise<RemotingCommand | null> | RemotingCommand | null;

/**
 * A response that can write its own binary frame (broker/processors/send-response.ts): the connection
 * reserves encodedLength bytes of its output buffer and has it write there, when the request was binary
 * and the object is still `pristine` (nobody changed its fields).
 */
export interface PreEncodedResponse {
  readonly encodedLength: number;
  readonly pristine: boolean;
  encodeInto(buf: Buffer, at: number, opaque: number): void;
}

/** One TCP connection, either side of it. Both sides may send requests. */
export interface RemotingConnection {
  /** "ip:port" of the peer. */
  readonly remoteAddress: string;
  /** "ip:port" of this end. */
  readonly localAddress: string;
  readonly closed: boolean;
  /** Free slot for the owner (e.g. the broker's client id for this channel). */
  readonly attributes: Map<string, unknown>;
  /** Sends a request and waits for its response (rejects with a timeout error after timeoutMs). */
  invoke(cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand>;
  /** Sends a request marked oneway; resolves once written to the socket. */
  invokeOneway(cmd: RemotingCommand): Promise<void>;
  /** Sends a response (used by handlers that answered null). No-op if closed. */
  sendResponse(cmd: RemotingCommand): void;
  /**
   * Answers `req` later, exactly as if the handler had returned `res` (or thrown `err`): the request's
   * opaque and serialization, nothing for a oneway request. For handlers that answered null and then
   * complete, without a promise layer of their own.
   */
  reply?(req: RemotingCommand, res: RemotingCommand | null): void;
  replyFailure?(req: RemotingCommand, err: unknown): void;
  close(): void;
  on(event: 'close', listener: () => void): this;
}

export interface RemotingServerOptions {
  host?: string;
  /** 0 = ephemeral. */
  port: number;
  /** Largest accepted frame, bytes (16 MiB). */
  maxFrameBytes?: number;
  /**
   * Close a connection with no traffic either way for this long (Java's serverChannelMaxIdleTimeSeconds,
   * 120 s). 0 = never.
   */
  idleTimeoutMs?: number;
}

export interface RemotingClientOptions {
  connectTimeoutMs?: number;
  maxFrameBytes?: number;
  /**
   * Header serialization of the requests this client sends (responses follow the request's):
   * 'JSON' (default, as Java's RemotingCommand) or 'ROCKETMQ' (the binary header, cheaper to build and
   * parse on both ends; Apache brokers and name servers read both).
   */
  serializeType?: 'JSON' | 'ROCKETMQ';
}
