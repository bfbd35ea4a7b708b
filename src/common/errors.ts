/**
 * One base class for expected failures. `code` is stable (documented in docs/errors.md),
 * `retriable` tells a caller whether trying again can help, `cause` keeps the original error.
 */
export class RmqError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, opts: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RmqError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
  }
}

/** A remote peer answered with a non-success RocketMQ response code. */
export class RemotingResponseError extends RmqError {
  readonly responseCode: number;
  readonly remark: string | undefined;
  constructor(responseCode: number, remark: string | undefined, opts: { retriable?: boolean } = {}) {
    super('RESPONSE_ERROR', `CODE: ${responseCode} DESC: ${remark ?? ''}`, opts);
    this.name = 'RemotingResponseError';
    this.responseCode = responseCode;
    this.remark = remark;
  }
}
