/**
 * Label selectors in their string form (`?labelSelector=`), with the grammar of
 * k8s.io/apimachinery/pkg/labels: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
 * `a` (exists), `!a` (does not exist), `a>1`, `a<1`, comma-separated and ANDed.
 */
import { badRequest } from '../errors.js';

export type LabelOperator = 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function parseLabelSelector(input: string): LabelSelector {
  const reqs: LabelRequirement[] = [];
  let i = 0;
  const s = input;
  const fail = (msg: string): never => {
    throw badRequest(`unable to parse requirement: ${msg}`);
  };
  const skipWs = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const readIdent = (): string => {
    skipWs();
    const start = i;
    while (i < s.length && !/[\s,=!<>()]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  const checkKey = (k: string) => {
    if (!KEY_RE.test(k) || k.length > 317) fail(`invalid label key "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  };
  const checkValue = (v: string) => {
    if (v.length > 63 || !VALUE_RE.test(v)) fail(`invalid label value: "${v}": must be 63 characters or less and must be empty or begin and end with an alphanumeric character`);
  };
  skipWs();
  if (i >= s.length) return [];
  while (i < s.length) {
    skipWs();
    let negated = false;
    if (s[i] === '!') {
      negated = true;
      i++;
    }
    const key = readIdent();
    if (!key) fail(`found '${s[i] ?? 'EOF'}', expected: identifier`);
    checkKey(key);
    skipWs();
    if (negated) {
      reqs.push({ key, operator: '!', values: [] });
    } else if (i >= s.length || s[i] === ',') {
      reqs.push({ key, operator: 'exists', values: [] });
    } else if (s.startsWith('==', i) || s.startsWith('!=', i)) {
      const op = s.slice(i, i + 2) as '==' | '!=';
      i += 2;
      const v = readIdent();
      checkValue(v);
      reqs.push({ key, operator: op, values: [v] });
    } else if (s[i] === '=' || s[i] === '>' || s[i] === '<') {
      const c = s[i]!;
      i++;
      const v = readIdent();
      if (c === '=') {
        checkValue(v);
        reqs.push({ key, operator: '=', values: [v] });
      } else {
        if (!/^-?\d+$/.test(v)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
        reqs.push({ key, operator: c === '>' ? 'gt' : 'lt', values: [v] });
      }
    } else {
      const word = readIdent();
      if (word !== 'in' && word !== 'notin') fail(`found '${word}', expected: in, notin, =, ==, !=, gt, lt`);
      skipWs();
      if (s[i] !== '(') fail(`found '${s[i] ?? 'EOF'}', expected: '('`);
      i++;
      const values: string[] = [];
      while (true) {
        const v = readIdent();
        skipWs();
        checkValue(v);
        values.push(v);
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ')') {
          i++;
          break;
        }
        fail(`found '${s[i] ?? 'EOF'}', expected: ',' or ')'`);
      }
      reqs.push({ key, operator: word as LabelOperator, values });
    }
    skipWs();
    if (i < s.length) {
      if (s[i] !== ',') fail(`found '${s[i]}', expected: ','`);
      i++;
    }
  }
  return reqs;
}

export function labelsMatch(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const r of sel) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = has ? labels![r.key]! : undefined;
    switch (r.operator) {
      case '=':
      case '==':
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case '!=':
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.operator === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** metav1.LabelSelector (matchLabels/matchExpressions) to requirements. Null selects nothing; {} everything. */
export function fromLabelSelectorObject(sel: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): LabelSelector {
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, operator: '=', values: [v] });
  for (const e of sel.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    const operator: LabelOperator =
      op === 'in' ? 'in' : op === 'notin' ? 'notin' : op === 'exists' ? 'exists' : op === 'doesnotexist' ? '!' : op === 'gt' ? 'gt' : 'lt';
    reqs.push({ key: e.key, operator, values: e.values ?? [] });
  }
  return reqs;
}

/** The string form Kubernetes prints for a selector (used by the scale subresource's status.selector). */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel
    .map((r) => {
      switch (r.operator) {
        case '=':
        case '==':
          return `${r.key}=${r.values[0]}`;
        case '!=':
          return `${r.key}!=${r.values[0]}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${[...r.values].sort().join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'gt':
          return `${r.key}>${r.values[0]}`;
        case 'lt':
          return `${r.key}<${r.values[0]}`;
      }
    })
    .sort()
    .join(',');
}
