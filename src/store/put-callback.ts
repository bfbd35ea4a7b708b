/**
 * putMessageCb's contract met from a put's promise (a store without the callback path, a SYNC_MASTER
 * that waits for its slave): a rejection answers UNKNOWN_ERROR with its message, and a callback that
 * throws is logged, never left as an unhandled rejection (which would stop the process).
 */
import type { Logger } from '../common/logger.js';
import type { PutMessageResult } from './types.js';

export function putCallbackFrom(put: Promise<PutMessageResult>, done: (r: PutMessageResult) => void, log: Logger): void {
  put
    .then(done, (e: unknown) => done({ status: 'UNKNOWN_ERROR', remark: e instanceof Error ? e.message : String(e) }))
    .catch((e: unknown) => log.error({ err: e }, 'put callback threw'));
}
