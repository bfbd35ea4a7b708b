/**
 * Evaluation of a selector against message properties, with RocketMQ's semantics (three-valued logic,
 * Java type conversions):
 *
 * - A property is its string value, or NULL when absent. Comparing with NULL gives NULL (unknown), and
 *   a message matches only when the whole expression is TRUE. Exception kept from RocketMQ: for `=` a
 *   non-null left side against a NULL right side is FALSE.
 * - Mixed types convert as Java's ComparisonExpression does: a string compared with an Integer / Long /
 *   Double literal is parsed as one (`a > 5` with a = "10" is TRUE); if it does not parse the evaluation
 *   fails and the message does not match. `<`-style comparisons of two strings compare them as doubles.
 *   Booleans compare with strings by Boolean.valueOf; a boolean against a number is "less".
 * - AND / OR / NOT: SQL three-valued logic with RocketMQ's short cuts (FALSE AND x, TRUE OR x).
 * - IN / NOT IN: NULL for an absent property. A bare property as a condition is TRUE only for a
 *   Boolean value, so always FALSE (or NULL when absent) for message properties.
 */
import type { Expr, JInt, JLong, Value } from './ast.js';
import { jint, jlong } from './ast.js';

/** An evaluation error (RocketMQ: the message does not match). */
export class FilterEvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterEvalError';
  }
}

type Kind = 'null' | 'string' | 'bool' | 'int' | 'long' | 'double';

function kindOf(v: Value): Kind {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'double';
    default:
      return (v as JInt | JLong).k === 'i' ? 'int' : 'long';
  }
}

const INT_RE = /^[+-]?\d+$/;
const DOUBLE_RE = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/;

/** Java Integer.valueOf(String). */
export function parseJavaInt(s: string): JInt {
  if (!INT_RE.test(s)) throw new FilterEvalError(`For input string: "${s}"`);
  const n = BigInt(s);
  if (n < -2147483648n || n > 2147483647n) throw new FilterEvalError(`For input string: "${s}" (out of int range)`);
  return jint(Number(n));
}

/** Java Long.valueOf(String). */
export function parseJavaLong(s: string): JLong {
  if (!INT_RE.test(s)) throw new FilterEvalError(`For input string: "${s}"`);
  const n = BigInt(s);
  if (n < -(1n << 63n) || n > (1n << 63n) - 1n) throw new FilterEvalError(`For input string: "${s}" (out of long range)`);
  return jlong(n);
}

/** Java Double.valueOf(String) (decimal forms; surrounding whitespace trimmed as Java does). */
export function parseJavaDouble(s: string): number {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  if (!DOUBLE_RE.test(t)) throw new FilterEvalError(`For input string: "${s}"`);
  const body = /[fFdD]$/.test(t) && !/Infinity$|NaN$/.test(t) ? t.slice(0, -1) : t;
  return Number(body);
}

/** Java Double.compare (NaN above everything, -0.0 below 0.0). */
function compareDouble(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  if (a === 0 && b === 0) {
    const na = Object.is(a, -0);
    const nb = Object.is(b, -0);
    return na === nb ? 0 : na ? -1 : 1;
  }
  return 0;
}

function toDouble(v: JInt | JLong): number {
  return v.k === 'i' ? v.v : Number(v.v);
}

/**
 * ComparisonExpression.__compare with string conversion on: converts the two values to a common type
 * and compares them. Throws FilterEvalError when a string does not parse as the other side's type.
 */
export function compareValues(lv: Value, rv: Value): number {
  let lk = kindOf(lv);
  const rk = kindOf(rv);
  if (lk !== rk) {
    switch (lk) {
      case 'bool':
        // Java casts the Boolean itself to String here (a ClassCastException): the evaluation fails.
        if (rk === 'string') throw new FilterEvalError(`cannot compare boolean ${String(lv)} with string '${String(rv)}'`);
        return -1;
      case 'int':
        if (rk === 'long') return cmpBig(BigInt((lv as JInt).v), (rv as JLong).v);
        if (rk === 'double') return compareDouble((lv as JInt).v, rv as number);
        if (rk === 'string') return cmpNum((lv as JInt).v, parseJavaInt(rv as string).v);
        return -1;
      case 'long':
        if (rk === 'int') return cmpBig((lv as JLong).v, BigInt((rv as JInt).v));
        if (rk === 'double') return compareDouble(Number((lv as JLong).v), rv as number);
        if (rk === 'string') return cmpBig((lv as JLong).v, parseJavaLong(rv as string).v);
        return -1;
      case 'double':
        if (rk === 'int' || rk === 'long') return compareDouble(lv as number, toDouble(rv as JInt | JLong));
        if (rk === 'string') return compareDouble(lv as number, parseJavaDouble(rv as string));
        return -1;
      case 'string': {
        const s = lv as string;
        if (rk === 'bool') return cmpBool(s.toLowerCase() === 'true', rv as boolean);
        if (rk === 'int') return cmpNum(parseJavaInt(s).v, (rv as JInt).v);
        if (rk === 'long') return cmpBig(parseJavaLong(s).v, (rv as JLong).v);
        if (rk === 'double') return compareDouble(parseJavaDouble(s), rv as number);
        return -1;
      }
      default:
        return -1;
    }
  }
  lk = rk;
  switch (lk) {
    case 'string':
      return (lv as string) < (rv as string) ? -1 : (lv as string) > (rv as string) ? 1 : 0;
    case 'bool':
      return cmpBool(lv as boolean, rv as boolean);
    case 'int':
      return cmpNum((lv as JInt).v, (rv as JInt).v);
    case 'long':
      return cmpBig((lv as JLong).v, (rv as JLong).v);
    case 'double':
      return compareDouble(lv as number, rv as number);
    default:
      return 0;
  }
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function cmpBool(a: boolean, b: boolean): number {
  return a === b ? 0 : a ? 1 : -1;
}

/** Java equals() between two values (same type and same value). */
function javaEquals(lv: Value, rv: Value): boolean {
  if (lv === rv) return true;
  const lk = kindOf(lv);
  if (lk !== kindOf(rv)) return false;
  if (lk === 'int' || lk === 'long') return (lv as JInt | JLong).v === (rv as JInt | JLong).v;
  // Double.equals compares bits: NaN equals NaN, 0.0 differs from -0.0 (exactly Object.is).
  if (lk === 'double') return Object.is(lv, rv);
  return false;
}

/** Looks a property up (undefined = absent). */
export type PropertyLookup = (name: string) => string | undefined;

type Fn = (props: PropertyLookup) => Value;

function negate(v: Value): Value {
  if (v === null) return null;
  if (typeof v === 'number') return -v;
  if (typeof v === 'object') return v.k === 'i' ? jint(-v.v) : jlong(-v.v);
  return null; // strings and booleans: RocketMQ returns null
}

function compileCompare(op: string, l: Fn, r: Fn): Fn {
  const asBool = (c: number): boolean => (op === '>' ? c > 0 : op === '>=' ? c >= 0 : op === '<' ? c < 0 : c <= 0);
  return (p) => {
    const lv = l(p);
    if (lv === null) return null;
    const rv = r(p);
    if (rv === null) return null;
    if (typeof lv === 'string' && typeof rv === 'string') {
      // Ordering two strings: RocketMQ compares them as doubles (or fails).
      return asBool(compareDouble(parseJavaDouble(lv), parseJavaDouble(rv)));
    }
    return asBool(compareValues(lv, rv));
  };
}

function compileEqual(l: Fn, r: Fn): Fn {
  return (p) => {
    const lv = l(p);
    const rv = r(p);
    if ((lv === null) !== (rv === null)) return lv === null ? null : false;
    if (javaEquals(lv, rv)) return true;
    return compareValues(lv, rv) === 0;
  };
}

function not(f: Fn): Fn {
  return (p) => {
    const v = f(p);
    return v === null ? null : !v;
  };
}

function and(l: Fn, r: Fn): Fn {
  return (p) => {
    const lv = l(p);
    if (lv === false) return false;
    const rv = r(p);
    if (rv === false) return false;
    if (lv === null || rv === null) return null;
    return true;
  };
}

function or(l: Fn, r: Fn): Fn {
  return (p) => {
    const lv = l(p);
    if (lv === true) return true;
    const rv = r(p);
    if (rv === true) return true;
    if (lv === null || rv === null) return null;
    return false;
  };
}

function compileNode(e: Expr): Fn {
  switch (e.type) {
    case 'Literal': {
      const v = e.value;
      return () => v;
    }
    case 'Property': {
      const name = e.name;
      return (p) => p(name) ?? null;
    }
    case 'BoolCast': {
      const f = compileNode(e.operand);
      return (p) => {
        const v = f(p);
        if (v === null) return null;
        return typeof v === 'boolean' ? v : false;
      };
    }
    case 'Negate': {
      const f = compileNode(e.operand);
      return (p) => negate(f(p));
    }
    case 'Not':
      return not(compileNode(e.operand));
    case 'And':
      return and(compileNode(e.left), compileNode(e.right));
    case 'Or':
      return or(compileNode(e.left), compileNode(e.right));
    case 'Compare': {
      const l = compileNode(e.left);
      const r = compileNode(e.right);
      if (e.op === '=') return compileEqual(l, r);
      if (e.op === '<>') return not(compileEqual(l, r));
      return compileCompare(e.op, l, r);
    }
    case 'Between': {
      const v = compileNode(e.value);
      const lo = compileNode(e.low);
      const hi = compileNode(e.high);
      return e.not ? or(compileCompare('<', v, lo), compileCompare('>', v, hi)) : and(compileCompare('>=', v, lo), compileCompare('<=', v, hi));
    }
    case 'In': {
      const name = e.property;
      const set = new Set(e.values);
      const neg = e.not;
      return (p) => {
        const v = p(name);
        if (v === undefined) return null;
        return set.has(v) !== neg;
      };
    }
    case 'IsNull': {
      const f = compileNode(e.operand);
      const isNull: Fn = (p) => f(p) === null;
      return e.not ? not(isNull) : isNull;
    }
  }
}

export interface CompiledSelector {
  /** TRUE, FALSE or NULL (unknown); throws FilterEvalError when a conversion fails. */
  evaluate(props: PropertyLookup): Value;
  /** Whether a message with these properties matches (TRUE only; an evaluation error is no match). */
  matches(props: PropertyLookup): boolean;
}

export function compileSelector(e: Expr): CompiledSelector {
  const f = compileNode(e);
  return {
    evaluate: f,
    matches(props) {
      try {
        return f(props) === true;
      } catch {
        return false;
      }
    },
  };
}
