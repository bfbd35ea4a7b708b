/**
 * RocketMQ's SQL92 message selector: parse, print, evaluate.
 *
 *   const sel = compileSql('a BETWEEN 0 AND 3 AND region IN (\'eu\', \'us\')');
 *   sel.matches((name) => props[name]);   // true / false
 *
 * Grammar and semantics: parser.ts and evaluate.ts; docs/broker.md ("SQL92 filters").
 */
import { printExpr, propertyNames, type Expr } from './ast.js';
import { compileSelector, type CompiledSelector } from './evaluate.js';
import { parseSelector } from './parser.js';

export { FilterParseError, parseSelector, tokenize } from './parser.js';
export { compileSelector, compareValues, FilterEvalError, type CompiledSelector, type PropertyLookup } from './evaluate.js';
export { printExpr, propertyNames, type Expr, type Value } from './ast.js';

export interface SqlSelector extends CompiledSelector {
  readonly expression: string;
  readonly ast: Expr;
  /** Property names the expression reads. */
  readonly properties: readonly string[];
}

/** Parses and compiles; throws FilterParseError ("line 1, column 14: ...") for a bad expression. */
export function compileSql(expression: string): SqlSelector {
  const ast = parseSelector(expression);
  const c = compileSelector(ast);
  return { expression, ast, properties: [...propertyNames(ast)], evaluate: c.evaluate, matches: c.matches };
}

/** The canonical (fully parenthesised) text of an expression. */
export function normalizeSql(expression: string): string {
  return printExpr(parseSelector(expression));
}
