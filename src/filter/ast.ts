/**
 * AST of RocketMQ's SQL92 message selector and its printer. The printer parenthesises every operand,
 * so printing then parsing gives back the same tree (the property test checks this).
 *
 * Values follow Java's types, because RocketMQ's comparison rules depend on them: an integer literal
 * within int range is an Integer, a larger one a Long, a decimal a Double; property values are strings.
 */

export type Value = null | string | boolean | JInt | JLong | number;

/** Java Integer. */
export interface JInt {
  readonly k: 'i';
  readonly v: number;
}
/** Java Long. */
export interface JLong {
  readonly k: 'l';
  readonly v: bigint;
}

export const jint = (v: number): JInt => ({ k: 'i', v: v | 0 });
export const jlong = (v: bigint): JLong => ({ k: 'l', v: BigInt.asIntN(64, v) });

export type CompareOp = '=' | '<>' | '>' | '>=' | '<' | '<=';

export type Expr =
  | { type: 'Literal'; value: Value }
  | { type: 'Property'; name: string }
  /** A property used where a boolean is expected (`a AND b`): true only for a Boolean value. */
  | { type: 'BoolCast'; operand: Expr }
  | { type: 'Negate'; operand: Expr }
  | { type: 'Not'; operand: Expr }
  | { type: 'And'; left: Expr; right: Expr }
  | { type: 'Or'; left: Expr; right: Expr }
  | { type: 'Compare'; op: CompareOp; left: Expr; right: Expr }
  | { type: 'Between'; not: boolean; value: Expr; low: Expr; high: Expr }
  | { type: 'In'; not: boolean; property: string; values: string[] }
  | { type: 'IsNull'; not: boolean; operand: Expr };

/** Node types Java treats as BooleanExpression (allowed as AND / OR / NOT operands, refused by < >). */
export function isBooleanExpr(e: Expr): boolean {
  switch (e.type) {
    case 'Literal':
      return e.value === null || typeof e.value === 'boolean';
    case 'Not':
    case 'And':
    case 'Or':
    case 'Compare':
    case 'Between':
    case 'In':
    case 'IsNull':
    case 'BoolCast':
      return true;
    default:
      return false;
  }
}

export function quoteString(s: string): string {
  return "'" + s.replace(/'/g, "''") + "'";
}

export function printValue(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'string') return quoteString(v);
  if (typeof v === 'number') {
    const s = String(v);
    return /[.eE]/.test(s) ? s : s + '.0';
  }
  return v.k === 'i' ? String(v.v) : v.v.toString();
}

/** Selector text that parses back to this tree. */
export function printExpr(e: Expr): string {
  const p = (x: Expr): string => '(' + printExpr(x) + ')';
  switch (e.type) {
    case 'Literal':
      return printValue(e.value);
    case 'Property':
      return e.name;
    case 'BoolCast':
      return printExpr(e.operand);
    case 'Negate':
      return '-' + p(e.operand);
    case 'Not':
      return 'NOT ' + p(e.operand);
    case 'And':
      return p(e.left) + ' AND ' + p(e.right);
    case 'Or':
      return p(e.left) + ' OR ' + p(e.right);
    case 'Compare':
      return p(e.left) + ' ' + e.op + ' ' + p(e.right);
    case 'Between':
      return p(e.value) + (e.not ? ' NOT BETWEEN ' : ' BETWEEN ') + p(e.low) + ' AND ' + p(e.high);
    case 'In':
      return e.property + (e.not ? ' NOT IN (' : ' IN (') + e.values.map(quoteString).join(', ') + ')';
    case 'IsNull':
      return p(e.operand) + (e.not ? ' IS NOT NULL' : ' IS NULL');
  }
}

/** Property names an expression reads. */
export function propertyNames(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.type) {
    case 'Property':
      out.add(e.name);
      break;
    case 'In':
      out.add(e.property);
      break;
    case 'BoolCast':
    case 'Negate':
    case 'Not':
    case 'IsNull':
      propertyNames(e.operand, out);
      break;
    case 'And':
    case 'Or':
    case 'Compare':
      propertyNames(e.left, out);
      propertyNames(e.right, out);
      break;
    case 'Between':
      propertyNames(e.value, out);
      propertyNames(e.low, out);
      propertyNames(e.high, out);
      break;
    default:
      break;
  }
  return out;
}
