/** LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42): body LockBatchRequestBody (remoting-protocol.md §8.5). */
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { fastjsonBody, parseFastjson } from '../../protocol/body/fastjson.js';
import type { MessageQueue } from '../../protocol/body/types.js';
import type { RemotingConnection } from '../../remoting/types.js';
import type { BrokerController } from '../broker-controller.js';

function readBody(req: RemotingCommand): { consumerGroup: string; clientId: string; mqSet: MessageQueue[] } {
  const o = parseFastjson(req.body ?? Buffer.from('{}')) as Record<string, unknown>;
  if (!o || typeof o !== 'object') throw new Error('LockBatchRequestBody must be a JSON object');
  const consumerGroup = String(o.consumerGroup ?? '');
  const clientId = String(o.clientId ?? '');
  if (!consumerGroup || !clientId) throw new Error('LockBatchRequestBody needs consumerGroup and clientId');
  const mqSet: MessageQueue[] = [];
  for (const m of Array.isArray(o.mqSet) ? o.mqSet : []) {
    const r = m as Record<string, unknown>;
    if (typeof r.topic === 'string') mqSet.push({ topic: r.topic, brokerName: String(r.brokerName ?? ''), queueId: Number(r.queueId ?? 0) });
  }
  return { consumerGroup, clientId, mqSet };
}

export class LockProcessor {
  constructor(private readonly b: BrokerController) {}

  register(reg: (code: number, h: (req: RemotingCommand, conn: RemotingConnection) => RemotingCommand | null) => void): void {
    reg(RequestCode.LOCK_BATCH_MQ, (req) => this.lock(req));
    reg(RequestCode.UNLOCK_BATCH_MQ, (req) => this.unlock(req));
  }

  lock(req: RemotingCommand): RemotingCommand {
    let body;
    try {
      body = readBody(req);
    } catch (e) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, (e as Error).message);
    }
    const lockOKMQSet = this.b.rebalanceLockManager.tryLockBatch(body.consumerGroup, body.mqSet, body.clientId);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, fastjsonBody({ lockOKMQSet }));
  }

  unlock(req: RemotingCommand): RemotingCommand | null {
    let body;
    try {
      body = readBody(req);
    } catch (e) {
      return createResponse(req, ResponseCode.SYSTEM_ERROR, (e as Error).message);
    }
    this.b.rebalanceLockManager.unlockBatch(body.consumerGroup, body.mqSet, body.clientId);
    return createResponse(req, ResponseCode.SUCCESS);
  }
}
