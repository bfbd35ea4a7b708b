/**
 * Hand-written lexer and recursive-descent parser for RocketMQ's SQL92 selector (the grammar of
 * RocketMQ's SelectorParser.jj, itself ActiveMQ's without LIKE and arithmetic):
 *
 *   selector   := or
 *   or         := and ( OR and )*
 *   and        := equality ( AND equality )*
 *   equality   := comparison ( '=' comparison | '<>' comparison | IS NULL | IS NOT NULL )*
 *   comparison := unary ( ('>' | '>=' | '<' | '<=') unary
 *                       | [NOT] BETWEEN unary AND unary
 *                       | [NOT] IN '(' string (',' string)* ')' )*
 *   unary      := '+' unary | '-' unary | NOT unary | primary
 *   primary    := literal | identifier | '(' or ')'
 *   literal    := 'string' ('' escapes a quote) | integer [L] | decimal | TRUE | FALSE | NULL
 *
 * Keywords are case-insensitive; identifiers are [a-zA-Z_$][a-zA-Z0-9_$]* (message property names);
 * `-- comment` and block comments are skipped. Note NOT binds tighter than comparisons, as in RocketMQ:
 * `NOT a = 1` is `(NOT a) = 1`; write `NOT (a = 1)`.
 *
 * The semantic checks RocketMQ makes while building the tree are made here too (so an expression is
 * refused here exactly when RocketMQ refuses it): NULL is not comparable with = / <>, only numbers and
 * properties with < <= > >=, BETWEEN bounds must be ordered, IN needs a property, AND / OR / NOT need
 * boolean operands, a decimal literal must be a positive double (RocketMQ refuses 0.0 and
 * overflow), an integer must fit a Java long. Errors name the position: "line 1, column 14: ...".
 */
import { isBooleanExpr, jint, jlong, printExpr, type CompareOp, type Expr, type Value } from './ast.js';
import { compareValues } from './evaluate.js';

export class FilterParseError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`line ${line}, column ${column}: ${detail}`);
    this.name = 'FilterParseError';
  }
}

type TokKind = 'id' | 'kw' | 'str' | 'int' | 'float' | 'op' | 'eof';
interface Token {
  kind: TokKind;
  /** Upper-cased keyword, operator text, identifier name, or decoded string. */
  text: string;
  /** Source text as written (numbers, messages). */
  raw: string;
  line: number;
  column: number;
}

const KEYWORDS = new Set(['NOT', 'AND', 'OR', 'BETWEEN', 'IN', 'TRUE', 'FALSE', 'NULL', 'IS']);

function isIdStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$';
}
function isIdPart(c: string): boolean {
  return isIdStart(c) || (c >= '0' && c <= '9');
}
function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = src.length;
  const err = (at: number, msg: string): never => {
    throw new FilterParseError(line, at - lineStart + 1, msg);
  };
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '-' && src[i + 1] === '-') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) err(i, 'unterminated comment');
      for (let j = i; j < end; j++) {
        if (src[j] === '\n') {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 2;
      continue;
    }
    const column = i - lineStart + 1;
    const start = i;
    if (isIdStart(c)) {
      while (i < n && isIdPart(src[i]!)) i++;
      const word = src.slice(start, i);
      const up = word.toUpperCase();
      if (KEYWORDS.has(up)) out.push({ kind: 'kw', text: up, raw: word, line, column });
      else out.push({ kind: 'id', text: word, raw: word, line, column });
      continue;
    }
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= n) err(start, 'unterminated string literal');
        const ch = src[i]!;
        if (ch === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (ch === '\n') {
          line++;
          lineStart = i + 1;
        }
        s += ch;
        i++;
      }
      out.push({ kind: 'str', text: s, raw: src.slice(start, i), line, column });
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1]))) {
      // FLOATING: d+ '.' d* exp? | '.' d+ exp? | d+ exp ; DECIMAL: '0' | [1-9] d* [lL]?
      let j = i;
      while (isDigit(src[j])) j++;
      let isFloat = false;
      if (src[j] === '.') {
        isFloat = true;
        j++;
        while (isDigit(src[j])) j++;
      }
      const expStart = j;
      if (src[j] === 'e' || src[j] === 'E') {
        let k = j + 1;
        if (src[k] === '+' || src[k] === '-') k++;
        if (isDigit(src[k])) {
          while (isDigit(src[k])) k++;
          j = k;
          isFloat = true;
        }
      }
      if (isFloat) {
        out.push({ kind: 'float', text: src.slice(i, j), raw: src.slice(i, j), line, column });
        i = j;
        continue;
      }
      j = expStart;
      if (c === '0') j = i + 1; // "0" alone; "007" lexes as 0, 0, 7 (as in RocketMQ)
      let text = src.slice(i, j);
      if (c !== '0' && (src[j] === 'l' || src[j] === 'L')) j++;
      else text = src.slice(i, j);
      out.push({ kind: 'int', text, raw: src.slice(i, j), line, column });
      i = j;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '<>' || two === '>=' || two === '<=') {
      out.push({ kind: 'op', text: two, raw: two, line, column });
      i += 2;
      continue;
    }
    if ('=<>(),+-'.includes(c)) {
      out.push({ kind: 'op', text: c, raw: c, line, column });
      i++;
      continue;
    }
    err(i, `unexpected character '${c}'`);
  }
  out.push({ kind: 'eof', text: '', raw: 'end of input', line, column: i - lineStart + 1 });
  return out;
}

const MAX_LONG = (1n << 63n) - 1n;
const MAX_DOUBLE = Number.MAX_VALUE;
const MIN_DOUBLE = 5e-324;

interface Node {
  e: Expr;
  tok: Token;
}

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }
  private isKw(t: Token, kw: string): boolean {
    return t.kind === 'kw' && t.text === kw;
  }
  private isOp(t: Token, op: string): boolean {
    return t.kind === 'op' && t.text === op;
  }
  private fail(t: Token, msg: string): never {
    throw new FilterParseError(t.line, t.column, msg);
  }
  private found(t: Token): string {
    return t.kind === 'eof' ? 'end of input' : `'${t.raw}'`;
  }
  private expectKw(kw: string): Token {
    const t = this.next();
    if (!this.isKw(t, kw)) this.fail(t, `expected ${kw} but found ${this.found(t)}`);
    return t;
  }
  private expectOp(op: string): Token {
    const t = this.next();
    if (!this.isOp(t, op)) this.fail(t, `expected '${op}' but found ${this.found(t)}`);
    return t;
  }

  /** asBooleanExpression: boolean nodes as they are, a property cast to boolean, others refused. */
  private asBoolean(n: Node): Expr {
    if (isBooleanExpr(n.e)) return n.e;
    if (n.e.type === 'Property') return { type: 'BoolCast', operand: n.e };
    return this.fail(n.tok, `expression will not result in a boolean value: ${printExpr(n.e)}`);
  }

  parseSelector(): Expr {
    const first = this.peek();
    if (first.kind === 'eof') this.fail(first, 'the expression is empty');
    const n = this.or();
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t, `expected AND, OR, a comparison or end of input but found ${this.found(t)}`);
    return this.asBoolean(n);
  }

  private or(): Node {
    let left = this.and();
    while (this.isKw(this.peek(), 'OR')) {
      this.next();
      const right = this.and();
      left = { e: { type: 'Or', left: this.asBoolean(left), right: this.asBoolean(right) }, tok: left.tok };
    }
    return left;
  }

  private and(): Node {
    let left = this.equality();
    while (this.isKw(this.peek(), 'AND')) {
      this.next();
      const right = this.equality();
      left = { e: { type: 'And', left: this.asBoolean(left), right: this.asBoolean(right) }, tok: left.tok };
    }
    return left;
  }

  private checkEqualOperand(n: Node, op: Token): void {
    if (n.e.type === 'Literal' && n.e.value === null) this.fail(op, `NULL cannot be compared with ${op.text}; use IS NULL / IS NOT NULL`);
  }

  private equality(): Node {
    let left = this.comparison();
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, '=') || this.isOp(t, '<>')) {
        this.next();
        const right = this.comparison();
        this.checkEqualOperand(left, t);
        this.checkEqualOperand(right, t);
        if (left.e.type === 'Literal' && right.e.type === 'Literal' && typeof left.e.value === 'boolean' && typeof right.e.value !== 'boolean') {
          this.fail(t, `'${printExpr(left.e)}' cannot be compared with '${printExpr(right.e)}'`);
        }
        left = { e: { type: 'Compare', op: t.text as CompareOp, left: left.e, right: right.e }, tok: left.tok };
      } else if (this.isKw(t, 'IS')) {
        this.next();
        let not = false;
        if (this.isKw(this.peek(), 'NOT')) {
          this.next();
          not = true;
        }
        this.expectKw('NULL');
        left = { e: { type: 'IsNull', not, operand: left.e }, tok: left.tok };
      } else return left;
    }
  }

  /** checkLessThanOperand: only numbers, properties and arithmetic-like nodes can be ordered. */
  private checkOrderable(n: Node, op: Token): void {
    if (n.e.type === 'Literal') {
      const v = n.e.value;
      if (typeof v === 'number' || (v !== null && typeof v === 'object')) return;
      this.fail(n.tok, `value ${printExpr(n.e)} cannot be compared with ${op.text} (only numbers and properties can)`);
    }
    if (isBooleanExpr(n.e)) this.fail(n.tok, `a boolean expression cannot be compared with ${op.text}`);
  }

  private comparison(): Node {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.text === '>' || t.text === '>=' || t.text === '<' || t.text === '<=')) {
        this.next();
        const right = this.unary();
        this.checkOrderable(left, t);
        this.checkOrderable(right, t);
        left = { e: { type: 'Compare', op: t.text as CompareOp, left: left.e, right: right.e }, tok: left.tok };
        continue;
      }
      let not = false;
      let kwTok = t;
      if (this.isKw(t, 'NOT') && (this.isKw(this.peek(1), 'BETWEEN') || this.isKw(this.peek(1), 'IN'))) {
        this.next();
        not = true;
        kwTok = this.peek();
      }
      if (this.isKw(kwTok, 'BETWEEN')) {
        this.next();
        const low = this.unary();
        this.expectKw('AND');
        const high = this.unary();
        if (!not) this.checkBetweenBounds(low, high, kwTok);
        this.checkOrderable(left, kwTok);
        this.checkOrderable(low, kwTok);
        this.checkOrderable(high, kwTok);
        left = { e: { type: 'Between', not, value: left.e, low: low.e, high: high.e }, tok: left.tok };
        continue;
      }
      if (this.isKw(kwTok, 'IN')) {
        this.next();
        this.expectOp('(');
        const values: string[] = [];
        for (;;) {
          const s = this.next();
          if (s.kind !== 'str') this.fail(s, `expected a string literal in the IN list but found ${this.found(s)}`);
          values.push(s.text);
          const sep = this.next();
          if (this.isOp(sep, ')')) break;
          if (!this.isOp(sep, ',')) this.fail(sep, `expected ',' or ')' but found ${this.found(sep)}`);
        }
        if (left.e.type !== 'Property') this.fail(left.tok, `expected a property before ${not ? 'NOT IN' : 'IN'}, got ${printExpr(left.e)}`);
        left = { e: { type: 'In', not, property: left.e.name, values }, tok: left.tok };
        continue;
      }
      return left;
    }
  }

  private checkBetweenBounds(low: Node, high: Node, at: Token): void {
    if (low.e.type !== 'Literal' || high.e.type !== 'Literal') return;
    const lv = low.e.value;
    const hv = high.e.value;
    if (lv === null || hv === null) this.fail(at, 'illegal values of BETWEEN: the bounds can not be NULL');
    let c: number;
    try {
      c = compareValues(hv, lv);
    } catch (e) {
      return this.fail(at, `illegal values of BETWEEN: ${(e as Error).message}`);
    }
    if (c < 0) this.fail(at, `illegal values of BETWEEN: the low bound (${printExpr(low.e)}) must be less than or equal to the high bound (${printExpr(high.e)})`);
  }

  private unary(): Node {
    const t = this.peek();
    if (this.isOp(t, '+')) {
      this.next();
      return this.unary();
    }
    if (this.isOp(t, '-')) {
      this.next();
      const n = this.unary();
      return { e: { type: 'Negate', operand: n.e }, tok: t };
    }
    if (this.isKw(t, 'NOT')) {
      this.next();
      const n = this.unary();
      return { e: { type: 'Not', operand: this.asBoolean(n) }, tok: t };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'str':
        return { e: { type: 'Literal', value: t.text }, tok: t };
      case 'int': {
        const big = BigInt(t.text);
        if (big > MAX_LONG) this.fail(t, `integer ${t.text} is out of the long range`);
        const value: Value = big <= 2147483647n ? jint(Number(big)) : jlong(big);
        return { e: { type: 'Literal', value }, tok: t };
      }
      case 'float': {
        const v = Number(t.text);
        if (v > MAX_DOUBLE) this.fail(t, `${t.text} is greater than ${MAX_DOUBLE}`);
        // RocketMQ refuses decimals below Double.MIN_VALUE, which includes 0.0 (write 0 instead).
        if (v < MIN_DOUBLE) this.fail(t, `${t.text} is less than 4.9E-324 (RocketMQ refuses 0.0; write 0)`);
        return { e: { type: 'Literal', value: v }, tok: t };
      }
      case 'id':
        return { e: { type: 'Property', name: t.text }, tok: t };
      case 'kw':
        if (t.text === 'TRUE') return { e: { type: 'Literal', value: true }, tok: t };
        if (t.text === 'FALSE') return { e: { type: 'Literal', value: false }, tok: t };
        if (t.text === 'NULL') return { e: { type: 'Literal', value: null }, tok: t };
        break;
      case 'op':
        if (t.text === '(') {
          const n = this.or();
          this.expectOp(')');
          return { e: n.e, tok: t };
        }
        break;
      default:
        break;
    }
    return this.fail(t, `expected a value (a property, 'string', number, TRUE, FALSE, NULL or '(') but found ${this.found(t)}`);
  }
}

/** Parses a selector; throws FilterParseError with the line and column of the problem. */
export function parseSelector(src: string): Expr {
  return new Parser(tokenize(src)).parseSelector();
}
