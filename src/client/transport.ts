/**
 * What the client needs from the remoting layer: request/response and oneway calls to "ip:port"
 * addresses over one reused connection per peer, and handlers for requests brokers send to us.
 * RemotingClient (src/remoting) provides this; tests can substitute an in-memory fake.
 */
import type { RemotingCommand } from '../protocol/remoting-command.js';
import type { RequestHandler } from '../remoting/types.js';

export interface ClientTransport {
  invoke(addr: string, cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand>;
  invokeOneway(addr: string, cmd: RemotingCommand, timeoutMs?: number): Promise<void>;
  /**
   * Sends a pre-encoded binary frame over an already open connection (see Connection.sendFrame), the
   * answer or the failure through the callbacks; false (and no callback) when there is none or the
   * transport does not use the binary serialization, in which case the caller takes the ordinary path.
   */
  sendFrame?(addr: string, head: Buffer, body: Buffer | undefined, code: number, opaqueOffset: number, timeoutMs: number, onResponse: (res: RemotingCommand) => void, onError: (err: Error) => void): boolean;
  /** Handles broker -> client requests (NOTIFY_CONSUMER_IDS_CHANGED, ...) arriving on our connections. */
  registerProcessor(code: number, handler: RequestHandler): void;
  /** Closes every connection. */
  shutdown(): Promise<void> | void;
}
