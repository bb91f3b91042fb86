/**
 * Federation v1's cluster selector annotation, `federation.alpha.kubernetes.io/cluster-selector`:
 * a JSON list of {key, operator, values} requirements on cluster labels, ANDed. Operators (as
 * Federation v1 accepted them): In/in, NotIn/notin, Exists/exists, DoesNotExist/!, =/==, !=,
 * Gt/gt/>, Lt/lt/<.
 */

export const CLUSTER_SELECTOR_ANNOTATION = 'federation.alpha.kubernetes.io/cluster-selector';

export type SelectorOperator = 'in' | 'notin' | 'exists' | 'doesnotexist' | 'eq' | 'neq' | 'gt' | 'lt';

export interface ClusterRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

const OPERATORS: Record<string, SelectorOperator> = {
  in: 'in',
  notin: 'notin',
  exists: 'exists',
  doesnotexist: 'doesnotexist',
  '!': 'doesnotexist',
  '=': 'eq',
  '==': 'eq',
  '!=': 'neq',
  gt: 'gt',
  '>': 'gt',
  lt: 'lt',
  '<': 'lt',
};

/** Parses the annotation value; throws an Error whose message says what is wrong and where. */
export function parseClusterSelector(json: string): ClusterRequirement[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new Error(`is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new Error('must be a JSON list of {"key", "operator", "values"} requirements');
  return doc.map((r, i) => {
    if (!r || typeof r !== 'object') throw new Error(`[${i}] must be an object`);
    const { key, operator, values } = r as { key?: unknown; operator?: unknown; values?: unknown };
    if (typeof key !== 'string' || key === '') throw new Error(`[${i}].key must be a non-empty string`);
    if (typeof operator !== 'string' || !OPERATORS[operator.toLowerCase()] ) throw new Error(`[${i}].operator: unsupported operator ${JSON.stringify(operator)}; use In, NotIn, Exists, DoesNotExist, =, ==, !=, Gt or Lt`);
    const op = OPERATORS[operator.toLowerCase()]!;
    const vals = values === undefined || values === null ? [] : values;
    if (!Array.isArray(vals) || vals.some((v) => typeof v !== 'string' && typeof v !== 'number')) throw new Error(`[${i}].values must be a list of strings`);
    const strs = vals.map(String);
    if ((op === 'in' || op === 'notin') && strs.length === 0) throw new Error(`[${i}].values must not be empty for ${operator}`);
    if ((op === 'eq' || op === 'neq') && strs.length !== 1) throw new Error(`[${i}].values must hold exactly one value for ${operator}`);
    if ((op === 'gt' || op === 'lt') && (strs.length !== 1 || !/^-?\d+$/.test(strs[0]!))) throw new Error(`[${i}].values must hold exactly one integer for ${operator}`);
    if ((op === 'exists' || op === 'doesnotexist') && strs.length !== 0) throw new Error(`[${i}].values must be empty for ${operator}`);
    return { key, operator: op, values: strs };
  });
}

export function clusterMatches(reqs: ClusterRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.operator) {
      case 'in':
      case 'eq':
        return has && r.values.includes(v!);
      case 'notin':
      case 'neq':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        return r.operator === 'gt' ? n > bound : n < bound;
      }
    }
  });
}
