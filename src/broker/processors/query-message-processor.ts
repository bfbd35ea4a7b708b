/**
 * QUERY_MESSAGE (12): by key through the index (`topic#key`), or by UNIQ_KEY when extField
 * `_UNIQUE_KEY_QUERY` is "true"; VIEW_MESSAGE_BY_ID (33): the record at a commit-log offset.
 * Index hits are re-checked against the real topic/keys here (the index holds only hashes), so
 * clients get no collisions; Java leaves that to the client, which filters again anyway.
 */
import { createResponse, type RemotingCommand } from '../../protocol/remoting-command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { QueryMessageRequestHeader, UNIQUE_KEY_QUERY, ViewMessageRequestHeader } from '../../protocol/headers/query-message.js';
import type { RemotingConnection } from '../../remoting/types.js';
import { PROPERTY } from '../../message/message-const.js';
import { decodeRecord } from '../../message/message-record.js';
import { getEncodedProperty } from '../../message/properties.js';
import type { BrokerController } from '../broker-controller.js';

export class QueryMessageProcessor {
  constructor(private readonly b: BrokerController) {}

  register(reg: (code: number, h: (req: RemotingCommand, conn: RemotingConnection) => RemotingCommand | null) => void): void {
    reg(RequestCode.QUERY_MESSAGE, (req) => this.queryMessage(req));
    reg(RequestCode.VIEW_MESSAGE_BY_ID, (req) => this.viewMessageById(req));
  }

  queryMessage(req: RemotingCommand): RemotingCommand {
    const h = QueryMessageRequestHeader.decodeCommand(req);
    const unique = String((req.extFields as Record<string, unknown>)[UNIQUE_KEY_QUERY] ?? '') === 'true';
    const maxNum = unique ? this.b.config.defaultQueryMaxNum : h.maxNum;
    const r = this.b.store.queryMessage(h.topic, h.key, Math.max(1, maxNum), h.beginTimestamp, h.endTimestamp);
    const matched: Buffer[] = [];
    for (const rec of r.messages) {
      try {
        const m = decodeRecord(rec);
        if (m.topic !== h.topic) continue;
        const ok = unique
          ? getEncodedProperty(m.propertiesString, PROPERTY.UNIQ_KEY) === h.key
          : (getEncodedProperty(m.propertiesString, PROPERTY.KEYS) ?? '').split(' ').includes(h.key) ||
            getEncodedProperty(m.propertiesString, PROPERTY.UNIQ_KEY) === h.key;
        if (ok) matched.push(rec);
      } catch {
        // an undecodable record is not a match
      }
    }
    const ext = {
      indexLastUpdateTimestamp: String(r.indexLastUpdateTimestamp),
      indexLastUpdatePhyoffset: String(r.indexLastUpdatePhyoffset),
    };
    if (matched.length === 0) return createResponse(req, ResponseCode.QUERY_NOT_FOUND, 'can not find message, maybe time range not correct', ext);
    return createResponse(req, ResponseCode.SUCCESS, undefined, ext, Buffer.concat(matched));
  }

  viewMessageById(req: RemotingCommand): RemotingCommand {
    const h = ViewMessageRequestHeader.decodeCommand(req);
    const rec = this.b.store.selectOneMessageByOffset(h.offset);
    if (!rec) return createResponse(req, ResponseCode.SYSTEM_ERROR, `can not find message by the offset, ${h.offset}`);
    return createResponse(req, ResponseCode.SUCCESS, undefined, {}, rec);
  }
}
