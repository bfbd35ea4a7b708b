/**
 * Broker side of SQL92 filtering: compiled expressions cached per consumer group / topic / subscription
 * version (RocketMQ's ConsumerFilterManager), and the store MessageFilter that evaluates them on the
 * properties of each commit-log record (ExpressionMessageFilter.isMatchedByCommitLog).
 */
import { getEncodedProperty } from '../message/properties.js';
import type { MessageFilter } from '../store/types.js';
import { FilterParseError } from './parser.js';
import { compileSql, type SqlSelector } from './index.js';
import { readInt16BE, readInt32BE } from '../common/bytes.js';

export const EXPRESSION_TYPE_SQL92 = 'SQL92';

export function isSqlType(expressionType: string | undefined): boolean {
  return (expressionType ?? '').toUpperCase() === EXPRESSION_TYPE_SQL92;
}

/** Offset of the properties string in a stored record, and its length. */
function propertiesSpan(rec: Buffer): [number, number] {
  const sysFlag = readInt32BE(rec, 36);
  let p = 48 + (sysFlag & 0x10 ? 20 : 8) + 8 + (sysFlag & 0x20 ? 20 : 8) + 12;
  p += 4 + readInt32BE(rec, p);
  if (readInt32BE(rec, 4) === (0xdaa320ab | 0)) p += 2 + readInt16BE(rec, p);
  else p += 1 + rec[p]!;
  return [p + 2, readInt16BE(rec, p)];
}

/** A pull filter evaluating a compiled SQL92 selector on each record's properties. */
export class SqlMessageFilter implements MessageFilter {
  readonly all = false;
  constructor(readonly selector: SqlSelector) {}

  isMatchedByConsumeQueue(_tagsCode?: number): boolean {
    return true;
  }

  isMatchedByCommitLog(record: Buffer): boolean {
    let props: string;
    try {
      const [at, len] = propertiesSpan(record);
      props = record.toString('utf8', at, at + len);
    } catch {
      return false;
    }
    return this.selector.matches((name) => getEncodedProperty(props, name));
  }
}

const MAX_CACHED = 1000;

/** Compiles expressions once: by expression text (bounded), and per group/topic with its version. */
export class ConsumerFilterManager {
  private readonly byExpression = new Map<string, SqlSelector | FilterParseError>();
  private readonly byGroupTopic = new Map<string, { expression: string; version: number; result: SqlSelector | FilterParseError }>();

  /** The compiled selector, or the parse error. */
  compile(expression: string): SqlSelector | FilterParseError {
    let r = this.byExpression.get(expression);
    if (r === undefined) {
      try {
        r = compileSql(expression);
      } catch (e) {
        if (!(e instanceof FilterParseError)) throw e;
        r = e;
      }
      if (this.byExpression.size >= MAX_CACHED) this.byExpression.delete(this.byExpression.keys().next().value!);
      this.byExpression.set(expression, r);
    }
    return r;
  }

  /** Compiles (or reuses) the expression of a group's subscription to a topic. */
  get(group: string, topic: string, expression: string, version: number): SqlSelector | FilterParseError {
    const key = group + '@' + topic;
    const cur = this.byGroupTopic.get(key);
    if (cur && cur.expression === expression && cur.version === version) return cur.result;
    const result = this.compile(expression);
    if (this.byGroupTopic.size >= 10 * MAX_CACHED) this.byGroupTopic.clear();
    this.byGroupTopic.set(key, { expression, version, result });
    return result;
  }
}
