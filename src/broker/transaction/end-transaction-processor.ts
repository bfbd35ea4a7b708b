/**
 * END_TRANSACTION (37, remoting-protocol.md §6.6) from 4.x producers, plus two request codes of our
 * own for operators (RocketMQ does not use 19000-19099; documented in docs/broker.md):
 *
 * | Code  | Name                 | Request                                   | Response body |
 * |-------|----------------------|-------------------------------------------|---------------|
 * | 19001 | LIST_HALF_MESSAGES   | extFields `limit` (optional, default 1000) | JSON `{"halfMessages":[HalfMessageInfo...]}` |
 * | 19002 | RESOLVE_HALF_MESSAGE | extFields `where` (`half`\|`checkMax`), `queueOffset`, `commit` (`true`/`false`) | — |
 *
 * END_TRANSACTION is normally oneway; a two-way request gets SUCCESS or SYSTEM_ERROR with the reason.
 * commitOrRollback 0 (UNKNOW) is ignored: the check-back will ask again.
 */
import { createResponse, isOneway, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { EndTransactionRequestHeader } from '../../protocol/headers/transaction.js';
import { SYS_FLAG } from '../../message/message-const.js';
import type { RemotingConnection } from '../../remoting/types.js';
import type { BrokerController } from '../broker-controller.js';

export const TxRequestCode = {
  LIST_HALF_MESSAGES: 19001,
  RESOLVE_HALF_MESSAGE: 19002,
} as const;

type Reg = (code: number, h: (req: RemotingCommand, conn: RemotingConnection) => Promise<RemotingCommand | null> | RemotingCommand | null) => void;

export class EndTransactionProcessor {
  constructor(private readonly b: BrokerController) {}

  register(reg: Reg): void {
    reg(RequestCode.END_TRANSACTION, (req, conn) => this.endTransaction(req, conn));
    reg(TxRequestCode.LIST_HALF_MESSAGES, (req) => this.list(req));
    reg(TxRequestCode.RESOLVE_HALF_MESSAGE, (req) => this.resolve(req));
  }

  async endTransaction(req: RemotingCommand, conn: RemotingConnection): Promise<RemotingCommand | null> {
    const answer = (code: number, remark?: string): RemotingCommand | null => (isOneway(req) ? null : createResponse(req, code, remark));
    const b = this.b;
    if (b.config.brokerRole === 'SLAVE') return answer(ResponseCode.SLAVE_NOT_AVAILABLE, 'the broker is a slave, END_TRANSACTION is not allowed');
    let h: EndTransactionRequestHeader;
    try {
      h = EndTransactionRequestHeader.decodeCommand(req);
    } catch (e) {
      b.log.warn({ err: (e as Error).message, addr: conn.remoteAddress }, 'END_TRANSACTION with a bad header');
      return answer(ResponseCode.SYSTEM_ERROR, (e as Error).message);
    }
    const kind = h.commitOrRollback;
    if (kind === SYS_FLAG.TRANSACTION_NOT_TYPE) {
      if (req.remark) b.log.info({ group: h.producerGroup, msgId: h.msgId, remark: req.remark }, 'END_TRANSACTION with state UNKNOW');
      return answer(ResponseCode.SUCCESS);
    }
    if (kind !== SYS_FLAG.TRANSACTION_COMMIT && kind !== SYS_FLAG.TRANSACTION_ROLLBACK) {
      return answer(ResponseCode.SYSTEM_ERROR, `commitOrRollback ${kind} is not 0, 8 or 12`);
    }
    const r = await b.transactionService.end(h.commitLogOffset, kind === SYS_FLAG.TRANSACTION_COMMIT, h.producerGroup, h.tranStateTableOffset);
    if (r.status !== 'OK') {
      b.log.warn({ group: h.producerGroup, msgId: h.msgId, commitLogOffset: h.commitLogOffset, status: r.status, remark: r.remark }, 'END_TRANSACTION refused');
      return answer(ResponseCode.SYSTEM_ERROR, r.remark);
    }
    return answer(ResponseCode.SUCCESS);
  }

  list(req: RemotingCommand): RemotingCommand {
    const ext = req.extFields as Record<string, string | undefined>;
    const limit = Math.max(1, Math.min(100_000, Number(ext.limit ?? 1000) || 1000));
    const halfMessages = this.b.transactionService.listHalfMessages(limit);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, Buffer.from(JSON.stringify({ halfMessages })));
  }

  async resolve(req: RemotingCommand): Promise<RemotingCommand> {
    const ext = req.extFields as Record<string, string | undefined>;
    const where = ext.where === 'half' ? 'half' : ext.where === 'checkMax' ? 'checkMax' : undefined;
    const qo = Number(ext.queueOffset);
    if (!where || !Number.isInteger(qo) || qo < 0 || (ext.commit !== 'true' && ext.commit !== 'false')) {
      return createResponse(req, ResponseCode.INVALID_PARAMETER, 'need where=half|checkMax, queueOffset >= 0 and commit=true|false');
    }
    const r = await this.b.transactionService.resolve(where, qo, ext.commit === 'true');
    if (r.status === 'OK') return createResponse(req, ResponseCode.SUCCESS);
    return createResponse(req, r.status === 'NOT_FOUND' ? ResponseCode.QUERY_NOT_FOUND : ResponseCode.SYSTEM_ERROR, r.remark);
  }
}
