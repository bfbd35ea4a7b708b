import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileSql, FilterParseError, parseSelector, printExpr, type Expr, type Value } from './index.js';

const match = (sql: string, props: Record<string, string>): boolean => compileSql(sql).matches((n) => props[n]);

test('comparisons convert string properties to the literal type, as RocketMQ does', () => {
  assert.equal(match('a > 5', { a: '10' }), true);
  assert.equal(match('a > 5', { a: '3' }), false);
  assert.equal(match('a > 5', { a: '5.5' }), false, 'Integer.valueOf("5.5") fails: no match');
  assert.equal(match('a > 5.0', { a: '5.5' }), true);
  assert.equal(match('a = 5', { a: '5' }), true);
  assert.equal(match('a = 5', { a: 'five' }), false);
  assert.equal(match("a = 'x'", { a: 'x' }), true);
  assert.equal(match("a <> 'x'", { a: 'y' }), true);
  assert.equal(match('a BETWEEN 0 AND 3', { a: '3' }), true);
  assert.equal(match('a NOT BETWEEN 0 AND 3', { a: '4' }), true);
  assert.equal(match('a >= b', { a: '2.5', b: '2.5' }), true, 'two strings are ordered as doubles');
  assert.equal(match('a = TRUE', { a: 'true' }), true);
  assert.equal(match('a = 99999999999', { a: '99999999999' }), true, 'a Long literal');
  assert.equal(match('a = 5', { a: '99999999999' }), false, 'out of int range for an Integer literal');
});

test('nulls: comparisons with an absent property are unknown, so the message does not match', () => {
  assert.equal(match('a > 5', {}), false);
  assert.equal(match('NOT (a > 5)', {}), false);
  assert.equal(match("a <> 'x'", {}), false);
  assert.equal(match("a NOT IN ('x')", {}), false);
  assert.equal(match('a IS NULL', {}), true);
  assert.equal(match('a IS NOT NULL', { a: '' + 1 }), true);
  assert.equal(match('a > 5 OR b = 1', { b: '1' }), true);
  assert.equal(match('a > 5 AND b = 1', { b: '1' }), false);
  assert.equal(match('a', { a: 'true' }), false, 'a bare property is a Boolean cast: strings are FALSE');
});

test('IN, keywords in any case, comments, quotes', () => {
  assert.equal(match("region in ('eu', 'us') and not (tier = 'free')", { region: 'eu', tier: 'pro' }), true);
  assert.equal(match("region NOT IN ('eu', 'us')", { region: 'apac' }), true);
  assert.equal(match("name = 'O''Brien' -- trailing comment", { name: "O'Brien" }), true);
  assert.equal(match('/* c */ a = 1', { a: '1' }), true);
  assert.equal(match('TRUE', {}), true);
  assert.equal(match('NULL', {}), false);
});

test('parse errors name line and column', () => {
  const err = (sql: string): FilterParseError => {
    try {
      parseSelector(sql);
    } catch (e) {
      assert.ok(e instanceof FilterParseError, String(e));
      return e;
    }
    assert.fail(`${sql} parsed`);
  };
  assert.equal(err('a > 5 AND AND b = 1').message, "line 1, column 11: expected a value (a property, 'string', number, TRUE, FALSE, NULL or '(') but found 'AND'");
  assert.match(err('a = ').message, /^line 1, column 5: .*end of input/);
  assert.match(err("a > 'x'").message, /^line 1, column 5: value 'x' cannot be compared/);
  assert.match(err('a = NULL').message, /^line 1, column 3: NULL cannot be compared/);
  assert.match(err('a BETWEEN 5 AND 3').message, /^line 1, column 3: illegal values of BETWEEN/);
  assert.match(err("5 IN ('x')").message, /^line 1, column 1: expected a property/);
  assert.match(err('a = 1\n  AND (b = 2').message, /^line 2, column 13: expected '\)'/);
  assert.match(err("a = 'open").message, /^line 1, column 5: unterminated string/);
  assert.match(err('a = 1 ; b').message, /^line 1, column 7: unexpected character ';'/);
  assert.match(err("'x'").message, /will not result in a boolean/);
  assert.match(err('a = 0.0').message, /RocketMQ refuses 0.0/);
  assert.match(err('').message, /empty/);
});

// ---------------------------------------------------------------- reference evaluator
// An independent, literal transcription of RocketMQ's expression classes over tagged Java values.

type J = { t: 'Integer' | 'Long'; v: bigint } | { t: 'Double'; v: number } | { t: 'String'; v: string } | { t: 'Boolean'; v: boolean } | null;
class RefError extends Error {}

function toJ(v: Value): J {
  if (v === null) return null;
  if (typeof v === 'string') return { t: 'String', v };
  if (typeof v === 'boolean') return { t: 'Boolean', v };
  if (typeof v === 'number') return { t: 'Double', v };
  return v.k === 'i' ? { t: 'Integer', v: BigInt(v.v) } : { t: 'Long', v: v.v };
}

function valueOf(t: 'Integer' | 'Long' | 'Double' | 'Boolean', s: string): NonNullable<J> {
  if (t === 'Boolean') return { t, v: s.toLowerCase() === 'true' };
  if (t === 'Double') {
    const x = s.trim();
    if (!/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/.test(x)) throw new RefError('NumberFormatException');
    return { t, v: Number(/[fFdD]$/.test(x) && !/y$|N$/.test(x) ? x.slice(0, -1) : x) };
  }
  if (!/^[+-]?\d+$/.test(s)) throw new RefError('NumberFormatException');
  const b = BigInt(s);
  const lim = t === 'Integer' ? 1n << 31n : 1n << 63n;
  if (b < -lim || b >= lim) throw new RefError('NumberFormatException');
  return { t, v: b };
}

function jcompareTo(a: NonNullable<J>, b: NonNullable<J>): number {
  if (a.t === 'Double' && b.t === 'Double') {
    const x = a.v;
    const y = b.v;
    if (x < y) return -1;
    if (x > y) return 1;
    const bits = (d: number): number => (Number.isNaN(d) ? 2 : Object.is(d, -0) ? -1 : 0);
    return Math.sign(bits(x) - bits(y));
  }
  const x = a.v as bigint | string | boolean;
  const y = b.v as bigint | string | boolean;
  return x < y ? -1 : x > y ? 1 : 0;
}

function refCompare(lv0: NonNullable<J>, rv0: NonNullable<J>): number {
  let lv = lv0;
  let rv = rv0;
  const num = (x: NonNullable<J>): number => Number(x.v);
  if (lv.t !== rv.t) {
    switch (lv.t) {
      case 'Boolean':
        if (rv.t === 'String') throw new RefError('ClassCastException');
        return -1;
      case 'Integer':
        if (rv.t === 'Long') lv = { t: 'Long', v: lv.v };
        else if (rv.t === 'Double') lv = { t: 'Double', v: num(lv) };
        else if (rv.t === 'String') rv = valueOf('Integer', rv.v);
        else return -1;
        break;
      case 'Long':
        if (rv.t === 'Integer') rv = { t: 'Long', v: rv.v };
        else if (rv.t === 'Double') lv = { t: 'Double', v: num(lv) };
        else if (rv.t === 'String') rv = valueOf('Long', rv.v);
        else return -1;
        break;
      case 'Double':
        if (rv.t === 'Integer' || rv.t === 'Long') rv = { t: 'Double', v: num(rv) };
        else if (rv.t === 'String') rv = valueOf('Double', rv.v);
        else return -1;
        break;
      case 'String':
        lv = valueOf(rv.t as 'Boolean' | 'Integer' | 'Long' | 'Double', lv.v)!;
        break;
    }
  }
  return jcompareTo(lv, rv!);
}

function refEval(e: Expr, props: Record<string, string>): J {
  const bool = (b: boolean | null): J => (b === null ? null : { t: 'Boolean', v: b });
  const asB = (j: J): boolean | null => (j === null ? null : (j.v as boolean));
  switch (e.type) {
    case 'Literal':
      return toJ(e.value);
    case 'Property':
      return props[e.name] === undefined ? null : { t: 'String', v: props[e.name]! };
    case 'BoolCast': {
      const v = refEval(e.operand, props);
      if (v === null) return null;
      return bool(v.t === 'Boolean' ? v.v : false);
    }
    case 'Negate': {
      const v = refEval(e.operand, props);
      if (v === null) return null;
      if (v.t === 'Integer') return { t: 'Integer', v: BigInt.asIntN(32, -v.v) };
      if (v.t === 'Long') return { t: 'Long', v: BigInt.asIntN(64, -v.v) };
      if (v.t === 'Double') return { t: 'Double', v: -v.v };
      return null;
    }
    case 'Not': {
      const v = asB(refEval(e.operand, props));
      return v === null ? null : bool(!v);
    }
    case 'And': {
      const l = asB(refEval(e.left, props));
      if (l === false) return bool(false);
      const r = asB(refEval(e.right, props));
      if (r === false) return bool(false);
      return l === null || r === null ? null : bool(true);
    }
    case 'Or': {
      const l = asB(refEval(e.left, props));
      if (l === true) return bool(true);
      const r = asB(refEval(e.right, props));
      if (r === true) return bool(true);
      return l === null || r === null ? null : bool(false);
    }
    case 'IsNull': {
      const isNull = refEval(e.operand, props) === null;
      return bool(e.not ? !isNull : isNull);
    }
    case 'In': {
      const v = props[e.property];
      if (v === undefined) return null;
      return bool(e.values.includes(v) !== e.not);
    }
    case 'Between': {
      const ge: Expr = { type: 'Compare', op: e.not ? '<' : '>=', left: e.value, right: e.low };
      const le: Expr = { type: 'Compare', op: e.not ? '>' : '<=', left: e.value, right: e.high };
      return refEval({ type: e.not ? 'Or' : 'And', left: ge, right: le }, props);
    }
    case 'Compare': {
      if (e.op === '<>') return refEval({ type: 'Not', operand: { ...e, op: '=' } }, props);
      const lv = refEval(e.left, props);
      const rv = refEval(e.right, props);
      if (e.op === '=') {
        if ((lv === null) !== (rv === null)) return lv === null ? null : bool(false);
        if (lv === null || rv === null) return bool(true);
        if (lv.t === rv.t && (lv.t === 'Double' ? Object.is(lv.v, rv.v) : lv.v === rv.v)) return bool(true);
        return bool(refCompare(lv, rv) === 0);
      }
      if (lv === null || rv === null) return null;
      let c: number;
      if (lv.t === 'String' && rv.t === 'String') c = jcompareTo(valueOf('Double', lv.v)!, valueOf('Double', rv.v)!);
      else c = refCompare(lv, rv);
      return bool(e.op === '>' ? c > 0 : e.op === '>=' ? c >= 0 : e.op === '<' ? c < 0 : c <= 0);
    }
  }
}

function refOutcome(e: Expr, props: Record<string, string>): string {
  try {
    const v = refEval(e, props);
    return v === null ? 'null' : String(v.v);
  } catch {
    return 'error';
  }
}

// ---------------------------------------------------------------- generators

const propName = fc.constantFrom('a', 'b', 'c', 'Tags', '$x', 'user_id');
const strLit = fc.string({ maxLength: 4 }).map((s) => "'" + s.replace(/'/g, "''") + "'");
const intLit = fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 2147483647 })).map(String);
const longLit = fc.bigInt({ min: 2147483648n, max: (1n << 63n) - 1n }).map((b) => b.toString() + (b % 2n === 0n ? 'L' : ''));
const floatLit = fc.oneof(fc.constantFrom('1.5', '0.5', '2.', '.25', '1e3', '3.0E-2'), fc.double({ min: 1e-10, max: 1e10, noNaN: true }).map((d) => (String(d).includes('.') || String(d).includes('e') ? String(d) : d + '.0')));
const num = fc.oneof(intLit, longLit, floatLit);
const operand = fc.oneof({ weight: 3, arbitrary: propName }, { weight: 2, arbitrary: num }, { weight: 1, arbitrary: num.map((n) => '-' + n) }, { weight: 1, arbitrary: propName.map((n) => '-' + n) });
const eqOperand = fc.oneof(operand, strLit, fc.constantFrom('TRUE', 'FALSE'));

const { cond } = fc.letrec((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(operand, fc.constantFrom('>', '>=', '<', '<='), operand).map(([l, op, r]) => `${l} ${op} ${r}`),
    fc.tuple(eqOperand, fc.constantFrom('=', '<>'), eqOperand).map(([l, op, r]) => `${l} ${op} ${r}`),
    fc.tuple(operand, fc.boolean(), operand, operand).map(([v, not, lo, hi]) => `${v} ${not ? 'NOT ' : ''}BETWEEN ${lo} AND ${hi}`),
    fc.tuple(propName, fc.boolean(), fc.array(strLit, { minLength: 1, maxLength: 4 })).map(([p, not, vs]) => `${p} ${not ? 'NOT ' : ''}IN (${vs.join(', ')})`),
    fc.tuple(propName, fc.boolean()).map(([p, not]) => `${p} IS ${not ? 'NOT ' : ''}NULL`),
    fc.constantFrom('TRUE', 'FALSE', 'a'),
    tie('cond').map((c) => `NOT (${c})`),
    fc.tuple(tie('cond'), fc.constantFrom('AND', 'or', 'And'), tie('cond')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
    fc.tuple(tie('cond'), tie('cond')).map(([l, r]) => `${l} AND ${r}`),
  ),
}));

const propValue = fc.oneof(
  fc.constantFrom('0', '1', '5', '-3', '10', '1.5', '2.', '1e3', '1.5f', 'abc', 'true', 'TRUE', 'false', ' 7', '99999999999', '9223372036854775808', 'NaN', 'Infinity', ''),
  fc.integer({ min: -20, max: 20 }).map(String),
  fc.string({ maxLength: 3 }),
);
const propsArb = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'Tags', '$x', 'user_id'), propValue, { maxKeys: 6 });

function tryParse(src: string): Expr | undefined {
  try {
    return parseSelector(src);
  } catch (e) {
    if (e instanceof FilterParseError) return undefined;
    throw e;
  }
}

test('property: every generated expression prints and re-parses to the same AST', () => {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 1_000_000);
  console.log(`# filter print/parse seed ${seed} (FC_SEED=${seed} to replay)`);
  let parsed = 0;
  fc.assert(
    fc.property(cond, (src) => {
      const ast = tryParse(src);
      if (!ast) return true; // a semantically refused expression (e.g. BETWEEN 5 AND 3)
      parsed++;
      const printed = printExpr(ast);
      assert.deepEqual(parseSelector(printed), ast, `${src}\n  printed as ${printed}`);
      assert.equal(printExpr(parseSelector(printed)), printed);
      return true;
    }),
    { seed, numRuns: 1500 },
  );
  assert.ok(parsed > 500, `enough generated expressions parse (${parsed})`);
});

test('property: compiled evaluation agrees with the reference evaluator on random property maps', () => {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 1_000_000);
  console.log(`# filter evaluation seed ${seed} (FC_SEED=${seed} to replay)`);
  fc.assert(
    fc.property(cond, fc.array(propsArb, { minLength: 1, maxLength: 8 }), (src, maps) => {
      const ast = tryParse(src);
      if (!ast) return true;
      const sel = compileSql(src);
      for (const props of maps) {
        let got: string;
        try {
          const v = sel.evaluate((n) => props[n]);
          got = v === null ? 'null' : String(v);
        } catch {
          got = 'error';
        }
        assert.equal(got, refOutcome(ast, props), `${src} with ${JSON.stringify(props)}`);
        assert.equal(sel.matches((n) => props[n]), got === 'true');
      }
      return true;
    }),
    { seed, numRuns: 1500 },
  );
});
