/**
 * Label selectors, the one home of their rules (k8s.io/apimachinery/pkg/labels and the
 * LabelSelector helpers of pkg/apis/meta/v1 and its validation):
 * - the string form (`?labelSelector=`): parsing, matching and printing of requirements;
 * - metav1.LabelSelector objects ({matchLabels, matchExpressions}): conversion to requirements
 *   (LabelSelectorAsSelector), matching, their string form (FormatLabelSelector) and validation.
 */
import { isPlainObject } from '../object.js';
import { FieldPath, forbidden, invalid, required, type FieldError } from '../validation/field.js';
import { isValidLabelValue } from '../validation/names.js';
import { validateLabelName, validateLabels } from '../validation/objectmeta.js';
import { StatusError } from './status.js';

// --- requirements (the string form) -----------------------------------------------------------

/** selection.Operator: `!` is DoesNotExist, `gt`/`lt` exist only in the string form. */
export type LabelOperator = 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const INTEGER_RE = /^-?\d+$/;

/**
 * labels.Parse: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (does not
 * exist), `a>1`, `a<1`, comma-separated and ANDed. A syntax error is a 400 BadRequest.
 */
export function parseLabelSelector(input: string): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  let i = 0;
  const s = input;
  const fail = (msg: string): never => {
    throw new StatusError(400, 'BadRequest', `unable to parse requirement: ${msg}`);
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
        if (!INTEGER_RE.test(v)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
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

/** Selector.Matches: every requirement holds for `labels`; no requirements match everything. */
export function labelsMatch(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  for (const r of reqs) {
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
        if (!has || !INTEGER_RE.test(v!)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.operator === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** Requirement.String: `a=b`, `a!=b`, `a in (x,y)` (values sorted), `a`, `!a`, `a>1`. */
export function requirementString(r: LabelRequirement): string {
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
}

/** Selector.String: the requirements ordered by key (stable), comma-joined; "" for none. */
export function requirementsString(reqs: LabelRequirement[]): string {
  return [...reqs]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(requirementString)
    .join(',');
}

// --- metav1.LabelSelector ---------------------------------------------------------------------

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

const EXPRESSION_OPERATORS: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * LabelSelectorAsSelector: matchLabels then matchExpressions as requirements; undefined when an
 * operator is not In, NotIn, Exists or DoesNotExist, or its values do not fit it (In and NotIn
 * need some, Exists and DoesNotExist none). Key and value syntax are not checked here (that is
 * validateLabelSelector's, which every stored selector has passed). A missing selector (which
 * selects nothing) and {} (everything) both give no requirements: see labelSelectorMatcher.
 */
export function labelSelectorRequirements(sel: LabelSelector | undefined | null): LabelRequirement[] | undefined {
  if (!isPlainObject(sel)) return [];
  const reqs: LabelRequirement[] = [];
  for (const [key, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key, operator: '=', values: [v] });
  for (const e of sel.matchExpressions ?? []) {
    const operator = Object.prototype.hasOwnProperty.call(EXPRESSION_OPERATORS, e.operator) ? EXPRESSION_OPERATORS[e.operator]! : undefined;
    const values = e.values ?? [];
    if (operator === undefined) return undefined;
    if (operator === 'in' || operator === 'notin' ? values.length === 0 : values.length > 0) return undefined;
    reqs.push({ key: e.key, operator, values });
  }
  return reqs;
}

/**
 * LabelSelectorAsSelector(sel).Matches as a function, converted once for many label sets: a
 * missing selector matches nothing, {} everything, an invalid one nothing.
 */
export function labelSelectorMatcher(sel: LabelSelector | undefined | null): (labels: Record<string, string> | undefined) => boolean {
  const reqs = isPlainObject(sel) ? labelSelectorRequirements(sel) : undefined;
  return reqs === undefined ? () => false : (labels) => labelsMatch(reqs, labels);
}

/** Whether `labels` satisfy the selector (see labelSelectorMatcher). */
export function labelSelectorMatches(sel: LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  return labelSelectorMatcher(sel)(labels);
}

/**
 * LabelSelectorAsSelector(sel).String(): requirements ordered by key; undefined when the
 * selector is invalid. A missing or empty selector gives "".
 */
export function labelSelectorString(sel: LabelSelector | undefined | null): string | undefined {
  const reqs = labelSelectorRequirements(sel);
  return reqs && requirementsString(reqs);
}

/** metav1.FormatLabelSelector: the selector string, "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  const s = labelSelectorString(sel);
  return s === undefined ? '<error>' : s === '' ? '<none>' : s;
}

/** A selector that selects everything (no requirements), as opposed to a missing one (nothing). */
export function labelSelectorIsEmpty(sel: LabelSelector | undefined | null): boolean {
  return !!sel && Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0;
}

export function validateLabelSelectorRequirement(req: LabelSelectorRequirement, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(invalid(path.child('operator'), req.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(req.key ?? '', path.child('key')));
  values.forEach((v, i) => {
    for (const m of isValidLabelValue(v)) errs.push(invalid(path.child('values').index(i), v, m));
  });
  return errs;
}

/** ValidateLabelSelector; a missing selector is valid. */
export function validateLabelSelector(sel: LabelSelector | undefined | null, path: FieldPath): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, path.child('matchLabels'));
  (sel.matchExpressions ?? []).forEach((r, i) => errs.push(...validateLabelSelectorRequirement(r, path.child('matchExpressions').index(i))));
  return errs;
}

/** Whether LabelSelectorAsSelector accepts the selector, key and value syntax included. */
export function labelSelectorConvertible(sel: LabelSelector | undefined | null): boolean {
  return validateLabelSelector(sel, FieldPath.root('selector')).length === 0;
}
