/**
 * decodeMessageId: what a message id encodes. An offset id (store host + commit-log offset) gives
 * the broker address and offset; a client id (UNIQ_KEY, MessageClientIDSetter's layout: ip 4 | pid 2
 * | class-loader hash 4 | ms since the start of the month 4 | counter 2) gives the producer's IP, pid
 * and send time (the month is taken as the latest one that puts the time in the past).
 */
import { decodeOffsetMessageId } from '../../message/message-id.js';
import { formatTimestamp } from '../../cli/format.js';
import { requireArg, UsageError } from '../args.js';
import { str, type AdminCommand } from '../command.js';
import { readUInt16BE, readUInt32BE } from '../../common/bytes.js';

export function decodeUniqKey(id: string, nowMs = Date.now()): { ip: string; pid: number; timestamp: number; counter: number } {
  if (!/^[0-9A-Fa-f]{32}$/.test(id)) throw new UsageError(`not a message id: ${id}`);
  const b = Buffer.from(id, 'hex');
  const ip = `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const pid = readUInt16BE(b, 4);
  const sinceMonthStart = readUInt32BE(b, 10);
  const counter = readUInt16BE(b, 14);
  const now = new Date(nowMs);
  let timestamp = new Date(now.getFullYear(), now.getMonth(), 1).getTime() + sinceMonthStart;
  if (timestamp > nowMs) timestamp = new Date(now.getFullYear(), now.getMonth() - 1, 1).getTime() + sinceMonthStart;
  return { ip, pid, timestamp, counter };
}

export const decodeMessageId: AdminCommand = {
  // mqadmin spells this one with a capital D
  name: 'DecodeMessageId',
  aliases: ['decodeMessageId'],
  description: 'decode unique message ID',
  options: [{ flags: '-i, --messageId <ids>', description: 'message id(s), comma-separated', required: true }],
  async run(_admin, opts) {
    const ids = requireArg('-i', str(opts, 'messageId')).split(',').map((s) => s.trim()).filter(Boolean);
    const out: Array<Record<string, unknown>> = [];
    const lines: string[] = [];
    for (const id of ids) {
      const u = decodeUniqKey(id);
      const o: Record<string, unknown> = { messageId: id, asClientId: { ip: u.ip, pid: u.pid, date: formatTimestamp(u.timestamp), timestamp: u.timestamp, counter: u.counter } };
      lines.push(`${id}: as client id (UNIQ_KEY): ip=${u.ip} pid=${u.pid} date=${formatTimestamp(u.timestamp)} counter=${u.counter}`);
      try {
        const d = decodeOffsetMessageId(id);
        // Only a real port makes the offset-id reading plausible.
        if (d.port > 0 && d.port <= 65535 && d.physicalOffset >= 0) {
          o['asOffsetId'] = { brokerAddr: `${d.address}:${d.port}`, commitLogOffset: d.physicalOffset };
          lines.push(`${' '.repeat(id.length)}  as offset id: broker=${d.address}:${d.port} commitLogOffset=${d.physicalOffset}`);
        }
      } catch {
        // not decodable as an offset id
      }
      out.push(o);
    }
    return { text: lines.join('\n'), json: { ids: out } };
  },
};
