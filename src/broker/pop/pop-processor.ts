/**
 * Remoting face of pop consumption (remoting-protocol.md §5.7, §6.10): POP_MESSAGE, ACK_MESSAGE,
 * BATCH_ACK_MESSAGE, CHANGE_MESSAGE_INVISIBLETIME, NOTIFICATION, PEEK_MESSAGE, POLLING_INFO. The logic is
 * PopMessageService's; this maps headers and statuses.
 *
 * | PopStatus        | response                       |
 * |------------------|--------------------------------|
 * | FOUND            | 0 SUCCESS, body = records      |
 * | NO_MESSAGE       | 210 POLLING_TIMEOUT            |
 * | TOPIC_NOT_EXIST  | 17 TOPIC_NOT_EXIST             |
 * | GROUP_NOT_EXIST  | 26 SUBSCRIPTION_GROUP_NOT_EXIST|
 * | NO_PERMISSION    | 16 NO_PERMISSION               |
 * | BAD_FILTER       | 23 SUBSCRIPTION_PARSE_FAILED   |
 * | BAD_QUEUE        | 1 SYSTEM_ERROR                 |
 */
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import {
  AckMessageRequestHeader,
  ChangeInvisibleTimeRequestHeader,
  NotificationRequestHeader,
  PeekMessageRequestHeader,
  PollingInfoRequestHeader,
  PopMessageRequestHeader,
} from '../../protocol/headers/pop.js';
import type { RemotingConnection } from '../../remoting/types.js';
import { encodeRecord } from '../../message/message-record.js';
import { socketAddressBytes } from '../message-util.js';
import { buildExtraInfo, parseExtraInfo, type PopMessageService, type PopStatus } from './pop-service.js';

const POLLING_TIMEOUT = 210;

export function popStatusCode(s: PopStatus): number {
  switch (s) {
    case 'FOUND':
      return ResponseCode.SUCCESS;
    case 'NO_MESSAGE':
      return POLLING_TIMEOUT;
    case 'TOPIC_NOT_EXIST':
      return ResponseCode.TOPIC_NOT_EXIST;
    case 'GROUP_NOT_EXIST':
      return ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST;
    case 'NO_PERMISSION':
      return ResponseCode.NO_PERMISSION;
    case 'BAD_FILTER':
      return ResponseCode.SUBSCRIPTION_PARSE_FAILED;
    default:
      return ResponseCode.SYSTEM_ERROR;
  }
}

type Handler = (req: RemotingCommand, conn: RemotingConnection) => Promise<RemotingCommand | null> | RemotingCommand | null;

export class PopProcessor {
  constructor(private readonly pop: PopMessageService) {}

  register(reg: (code: number, h: Handler) => void): void {
    const guard = (fn: (req: RemotingCommand, conn: RemotingConnection) => Promise<RemotingCommand>): Handler => async (req, conn) => {
      try {
        return await fn(req, conn);
      } catch (e) {
        return createResponse(req, ResponseCode.SYSTEM_ERROR, (e as Error).message);
      }
    };
    reg(RequestCode.POP_MESSAGE, guard((req, conn) => this.popMessage(req, conn)));
    reg(RequestCode.ACK_MESSAGE, guard((req) => this.ackMessage(req)));
    reg(RequestCode.BATCH_ACK_MESSAGE, guard((req) => this.batchAck(req)));
    reg(RequestCode.CHANGE_MESSAGE_INVISIBLETIME, guard((req) => this.changeInvisible(req)));
    reg(RequestCode.NOTIFICATION, guard((req) => this.notification(req)));
    reg(RequestCode.PEEK_MESSAGE, guard(async (req) => this.peek(req)));
    reg(RequestCode.POLLING_INFO, guard(async (req) => createResponse(req, ResponseCode.SUCCESS, undefined, { pollingNum: String(this.pop.pollingNum) })));
    void PollingInfoRequestHeader;
  }

  private async popMessage(req: RemotingCommand, conn: RemotingConnection): Promise<RemotingCommand> {
    const h = PopMessageRequestHeader.decodeCommand(req);
    if (h.invisibleTime < 0 || h.maxMsgNums <= 0) return createResponse(req, ResponseCode.INVALID_PARAMETER, 'invisibleTime and maxMsgNums must be positive');
    const signal: { aborted: boolean; onabort?: () => void } = { aborted: false };
    const r = await this.pop.pop(
      { group: h.consumerGroup, topic: h.topic, queueId: h.queueId, maxMsgNums: h.maxMsgNums, invisibleTime: h.invisibleTime, pollTime: conn.closed ? 0 : h.pollTime, expType: h.expType, exp: h.exp, order: h.order, attemptId: h.attemptId, initMode: h.initMode },
      signal,
    );
    const code = popStatusCode(r.status);
    if (code !== ResponseCode.SUCCESS) return createResponse(req, code, r.remark ?? r.status);
    // startOffsetInfo / msgOffsetInfo (retryFlag queueId offsets) let Java clients build POP_CK per message.
    const starts = new Map<string, number>();
    const offs = new Map<string, number[]>();
    for (const m of r.messages) {
      const k = `${m.retryFlag} ${m.queueId}`;
      if (!starts.has(k)) starts.set(k, Number(m.extraInfo.split(' ')[0]));
      const l = offs.get(k) ?? [];
      l.push(m.queueOffset);
      offs.set(k, l);
    }
    const body = Buffer.concat(r.messages.map((m) => m.record));
    return createResponse(
      req,
      ResponseCode.SUCCESS,
      undefined,
      {
        popTime: String(r.popTime),
        invisibleTime: String(r.invisibleTime),
        reviveQid: '0',
        restNum: String(r.restNum),
        startOffsetInfo: [...starts].map(([k, v]) => `${k} ${v}`).join(';'),
        msgOffsetInfo: [...offs].map(([k, v]) => `${k} ${v.join(',')}`).join(';'),
      },
      body,
    );
  }

  private async ackMessage(req: RemotingCommand): Promise<RemotingCommand> {
    const h = AckMessageRequestHeader.decodeCommand(req);
    const e = parseExtraInfo(h.extraInfo);
    if (!e) return createResponse(req, ResponseCode.INVALID_PARAMETER, `bad extraInfo ${h.extraInfo}`);
    e.queueOffset = h.offset;
    const s = await this.pop.ack(h.consumerGroup, h.topic, e);
    return s === 'OK' ? createResponse(req, ResponseCode.SUCCESS) : createResponse(req, ResponseCode.NO_MESSAGE, `ack failed: ${s}`);
  }

  /** Body `{acks:[{c,t,r,so,q,rq,pt,it,b}]}` where b = offsets (JSON array or comma list). */
  private async batchAck(req: RemotingCommand): Promise<RemotingCommand> {
    let body: { acks?: Array<Record<string, unknown>> };
    try {
      body = JSON.parse(req.body?.toString('utf8') ?? '{}') as typeof body;
    } catch {
      return createResponse(req, ResponseCode.INVALID_PARAMETER, 'batch ack body is not JSON');
    }
    for (const a of body.acks ?? []) {
      const offsets = Array.isArray(a.b) ? (a.b as unknown[]).map(Number) : String(a.b ?? '').split(',').filter(Boolean).map(Number);
      const retryFlag = String(a.r ?? '0') === '1' || String(a.t ?? '').startsWith('%RETRY%') ? 1 : 0;
      for (const o of offsets) {
        await this.pop.ack(String(a.c), String(a.t), {
          startOffset: Number(a.so),
          popTime: Number(a.pt),
          invisibleTime: Number(a.it),
          reviveQid: Number(a.rq ?? 0),
          retryFlag,
          brokerName: this.pop.brokerName,
          queueId: Number(a.q),
          queueOffset: o,
        });
      }
    }
    return createResponse(req, ResponseCode.SUCCESS);
  }

  private async changeInvisible(req: RemotingCommand): Promise<RemotingCommand> {
    const h = ChangeInvisibleTimeRequestHeader.decodeCommand(req);
    const e = parseExtraInfo(h.extraInfo);
    if (!e) return createResponse(req, ResponseCode.INVALID_PARAMETER, `bad extraInfo ${h.extraInfo}`);
    e.queueOffset = h.offset;
    const r = await this.pop.changeInvisibleTime(h.consumerGroup, h.topic, e, h.invisibleTime);
    if (r.status !== 'OK' || !r.extraInfo) return createResponse(req, ResponseCode.NO_MESSAGE, `change invisible time failed: ${r.status}`);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {
      popTime: String(r.extraInfo.popTime),
      invisibleTime: String(r.extraInfo.invisibleTime),
      reviveQid: '0',
      extraInfo: buildExtraInfo(r.extraInfo),
    });
  }

  private async notification(req: RemotingCommand): Promise<RemotingCommand> {
    const h = NotificationRequestHeader.decodeCommand(req);
    const has = await this.pop.notification(h.consumerGroup, h.topic, h.queueId, h.pollTime);
    return createResponse(req, ResponseCode.SUCCESS, undefined, { hasMsg: String(has), pollingFull: 'false' });
  }

  private peek(req: RemotingCommand): RemotingCommand {
    const h = PeekMessageRequestHeader.decodeCommand(req);
    const msgs = this.pop.peek(h.consumerGroup, h.topic, h.queueId, Math.min(Math.max(1, h.maxMsgNums), 32));
    if (msgs.length === 0) return createResponse(req, POLLING_TIMEOUT, 'no new message');
    const body = Buffer.concat(
      msgs.map((m) =>
        encodeRecord({ ...m, bornHost: socketAddressBytes(m.bornHost), storeHost: socketAddressBytes(m.storeHost), properties: m.propertiesString, physicalOffset: m.commitLogOffset }),
      ),
    );
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, body);
  }
}
