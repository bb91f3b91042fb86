/**
 * Webhook matchConditions: CEL expressions over `object`, `oldObject` and `request`, evaluated
 * with @marcbachmann/cel-js (a maintained CEL implementation for JavaScript). All conditions
 * must be true for the webhook to be called. Kubernetes' CEL library additions (the
 * `authorizer` variable, `isSorted`, `url`, `quantity`, regex `find`, ...) are not available: an
 * expression that names them does not compile, so a configuration using them is refused.
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { isPlainObject } from '../../apis/object.js';

const env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false })
  .registerVariable('object', 'dyn')
  .registerVariable('oldObject', 'dyn')
  .registerVariable('request', 'dyn');

/** Compiled expressions by text (configurations are few; their expressions fewer). */
const compiled = new Map<string, ParseResult>();
const MAX_CACHED = 1000;

function compile(expression: string): ParseResult {
  let p = compiled.get(expression);
  if (!p) {
    p = env.parse(expression);
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(expression, p);
  }
  return p;
}

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** Compilation errors of an expression (for validation); none when it compiles to a bool or dyn. */
export function checkMatchConditionExpression(expression: string): string[] {
  let p: ParseResult;
  try {
    p = compile(expression);
  } catch (e) {
    return [`compilation failed: ${firstLine(e)}`];
  }
  const r = p.check();
  if (!r.valid) return [`compilation failed: ${firstLine(r.error)}`];
  if (r.type !== undefined && r.type !== 'bool' && r.type !== 'dyn') return [`must evaluate to bool`];
  return [];
}

/** JSON as CEL sees it: integers are CEL ints (BigInt), other numbers doubles. */
export function toCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toCel(x);
    return out;
  }
  return v;
}

export interface MatchCondition {
  name: string;
  expression: string;
}

/**
 * Evaluates the conditions in order: `{matches}` when every one is true (or one is false), or
 * `{error}` naming the first that failed to evaluate to a bool.
 */
export function evaluateMatchConditions(conditions: MatchCondition[], vars: { object: unknown; oldObject: unknown; request: unknown }): { matches: boolean; error?: string } {
  if (conditions.length === 0) return { matches: true };
  const ctx = { object: toCel(vars.object ?? null), oldObject: toCel(vars.oldObject ?? null), request: toCel(vars.request) };
  const errors: string[] = [];
  for (const c of conditions) {
    try {
      const v: unknown = compile(c.expression)(ctx);
      if (v === false) return { matches: false };
      if (v !== true) errors.push(`matchCondition '${c.name}' must evaluate to bool, got ${typeof v}`);
    } catch (e) {
      errors.push(`matchCondition '${c.name}': ${firstLine(e)}`);
    }
  }
  return errors.length ? { matches: false, error: errors.join(', ') } : { matches: true };
}
