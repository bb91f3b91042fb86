/**
 * Table printing of custom resources from a CRD version's additionalPrinterColumns, as the
 * apiextensions-apiserver's table convertor does it: Name first, then one cell per column from
 * its JSONPath (the first result only), typed by the column's type; missing values are null,
 * which kubectl shows as <none>. A version without columns prints Name and Age.
 */
import type { KObject } from '../../apis/object.js';
import { isPlainObject } from '../../apis/object.js';
import type { TableColumn, TablePrinter } from '../registry/types.js';
import { GO_ZERO_TIME, humanDuration, isRfc3339 } from './age.js';
import { nameColumn } from './table.js';

export interface CrdColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** The column a CRD version without additionalPrinterColumns gets. */
const DEFAULT_COLUMNS: CrdColumn[] = [
  {
    name: 'Age',
    type: 'date',
    description: 'Time elapsed since the object was created.',
    jsonPath: '.metadata.creationTimestamp',
  },
];

export function printerFromColumns(cols: CrdColumn[]): TablePrinter {
  const defs = cols.length > 0 ? cols : DEFAULT_COLUMNS;
  const paths = defs.map((c) => compileOrNull(c.jsonPath));
  return {
    columns: [
      nameColumn,
      ...defs.map(
        (c): TableColumn => ({
          name: c.name,
          type: c.type as TableColumn['type'],
          format: c.format ?? '',
          description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
          priority: c.priority ?? 0,
        }),
      ),
    ],
    cells: (o: KObject, now: number) => [
      o.metadata?.name ?? '',
      ...defs.map((c, i) => {
        const path = paths[i];
        if (path === null) return null;
        let results: unknown[];
        try {
          results = evaluate(path, o);
        } catch {
          return null;
        }
        return results.length === 0 ? null : cellFor(c.type, results[0], now);
      }),
    ],
  };
}

/** The value of a CRD column's JSONPath in an object, all results, in order. Throws on a bad path. */
export function jsonPathResults(path: string, o: unknown): unknown[] {
  return evaluate(parseJsonPath(path), o);
}

function compileOrNull(path: string): Step[] | null {
  try {
    return parseJsonPath(path);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Cells
// ---------------------------------------------------------------------------------------------

/** cellForJSONValue, and for string columns the JSONPath printer's text of the value. */
function cellFor(type: string, value: unknown, now: number): unknown {
  if (type === 'string') return printText(value);
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      if (value === '' || value === 'null') return '<unknown>';
      if (!isRfc3339(value)) return '<invalid>';
      const ms = Date.parse(value);
      return ms === GO_ZERO_TIME ? '<unknown>' : humanDuration(now - ms);
    }
  }
  return null;
}

/** How k8s.io/client-go/util/jsonpath prints one value: text for scalars, JSON for maps and lists. */
function printText(value: unknown): string {
  if (value === null || value === undefined) return '<no value>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'boolean') return String(value);
  return goJson(value);
}

/** fmt.Sprint of a decoded JSON number: integers plainly, other floats in %g's shortest form. */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const abs = Math.abs(exp);
    return `${mantissa}e${exp < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
  }
  return String(n);
}

/** encoding/json.Marshal: sorted keys, with <, > and & escaped. */
function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${goJson(k)}:${goJson(v[k])}`).join(',')}}`;
  }
  const text = JSON.stringify(v) ?? 'null';
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---------------------------------------------------------------------------------------------
// JSONPath: the subset of k8s.io/client-go/util/jsonpath that printer columns use
// ---------------------------------------------------------------------------------------------

type Operand = { kind: 'path'; steps: Step[] } | { kind: 'literal'; value: string | number | boolean };

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'slice'; start?: number; end?: number; endDerived: boolean; step?: number }
  | { kind: 'union'; branches: Step[][] }
  | { kind: 'filter'; left: Step[]; op: string; right?: Operand };

const TERMINATORS = new Set(['.', ',', '[', ']', '$', '@', '{', '}', ' ', '\t', '\r', '\n']);

/** Parses a path such as `.status.conditions[?(@.type=="Ready")].status` (without braces). */
function parseJsonPath(path: string): Step[] {
  let text = path.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  const steps: Step[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '$' || c === '@') {
      i++;
    } else if (text.startsWith('..', i)) {
      steps.push({ kind: 'recursive' });
      i += 1; // the second dot starts the field
    } else if (c === '.') {
      let j = i + 1;
      let name = '';
      while (j < text.length && !TERMINATORS.has(text[j])) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        name += text[j];
        j++;
      }
      steps.push(name === '*' ? { kind: 'wildcard' } : { kind: 'field', name });
      i = j;
    } else if (text.startsWith('[?(', i)) {
      const end = filterEnd(text, i + 3);
      steps.push(parseFilter(text.slice(i + 3, end)));
      i = end + 2;
    } else if (c === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw new Error('unterminated array');
      steps.push(...parseBracket(text.slice(i + 1, end)));
      i = end + 1;
    } else {
      throw new Error(`unrecognized character in action: ${c}`);
    }
  }
  return steps;
}

/** Index of the ")" that closes a filter begun at `from`, quotes respected; "]" must follow. */
function filterEnd(text: string, from: number): number {
  let quote: string | undefined;
  for (let j = from; j < text.length; j++) {
    const c = text[j];
    if (quote) {
      if (c === quote && text[j - 1] !== '\\') quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ')') {
      if (text[j + 1] !== ']') throw new Error('unclosed array expect ]');
      return j;
    }
  }
  throw new Error('unterminated filter');
}

function parseBracket(inner: string): Step[] {
  const text = inner.trim() === '*' ? ':' : inner;
  const parts = text.split(',');
  if (parts.length > 1) return [{ kind: 'union', branches: parts.map((p) => parseBracket(p.trim())) }];
  const key = /^'([^']*)'$/.exec(text) ?? /^"([^"]*)"$/.exec(text);
  // As in Kubernetes, a quoted key is read as a field path: dots split it unless escaped.
  if (key) return parseJsonPath(`.${key[1]}`);
  const m = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/.exec(text);
  if (!m) throw new Error(`invalid array index ${text}`);
  const num = (s: string | undefined): number | undefined => (s === undefined || s === '' ? undefined : Number(s));
  const start = num(m[1]);
  if (m[2] === undefined) {
    // [n] is the slice [n:n+1]
    return [{ kind: 'slice', start, end: (start ?? 0) + 1, endDerived: true }];
  }
  return [{ kind: 'slice', start, end: num(m[2].slice(1)), endDerived: false, step: num(m[3]?.slice(1)) }];
}

function parseFilter(expr: string): Step {
  const m = /^([^!<>=]+)([!<>=]+)(.+?)$/.exec(expr);
  if (!m) return { kind: 'filter', left: parseJsonPath(expr), op: 'exists' };
  const op = m[2];
  if (!['==', '!=', '<', '>', '<=', '>='].includes(op)) throw new Error(`unrecognized filter operator ${op}`);
  return { kind: 'filter', left: parseJsonPath(m[1]), op, right: parseOperand(m[3].trim()) };
}

function parseOperand(text: string): Operand {
  const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(text);
  if (quoted) return { kind: 'literal', value: JSON.parse(`"${quoted[1]}"`) as string };
  const single = /^'([^']*)'$/.exec(text);
  if (single) return { kind: 'literal', value: single[1] };
  if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return { kind: 'literal', value: Number(text) };
  if (text === 'true' || text === 'false') return { kind: 'literal', value: text === 'true' };
  if (/^[@$.[]/.test(text)) return { kind: 'path', steps: parseJsonPath(text) };
  throw new Error(`unrecognized identifier ${text}`);
}

function evaluate(steps: Step[], root: unknown): unknown[] {
  let values: unknown[] = [root];
  for (const step of steps) values = applyStep(step, values);
  return values;
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isPlainObject(v)) return Object.values(v);
  return [];
}

function applyStep(step: Step, input: unknown[]): unknown[] {
  const out: unknown[] = [];
  switch (step.kind) {
    case 'field':
      for (const v of input) {
        if (step.name === '') out.push(v);
        else if (isPlainObject(v) && Object.prototype.hasOwnProperty.call(v, step.name)) out.push(v[step.name]);
      }
      return out;
    case 'wildcard':
      for (const v of input) out.push(...children(v));
      return out;
    case 'recursive': {
      const walk = (v: unknown): void => {
        const kids = children(v);
        if (kids.length === 0) return;
        out.push(v);
        kids.forEach(walk);
      };
      input.forEach(walk);
      return out;
    }
    case 'union':
      for (const branch of step.branches) {
        let vs = input;
        for (const s of branch) vs = applyStep(s, vs);
        out.push(...vs);
      }
      return out;
    case 'slice':
      for (const v of input) {
        if (v === null || v === undefined) continue;
        if (!Array.isArray(v)) throw new Error('not an array');
        out.push(...slice(step, v));
      }
      return out;
    case 'filter':
      for (const v of input) {
        if (v === null || v === undefined) continue;
        if (!Array.isArray(v)) throw new Error('not an array and cannot be filtered');
        for (const item of v) if (passes(step, item)) out.push(item);
      }
      return out;
  }
}

function slice(step: Extract<Step, { kind: 'slice' }>, v: unknown[]): unknown[] {
  const len = v.length;
  let start = step.start ?? 0;
  if (start < 0) start += len;
  let end = step.end ?? len;
  if (end < 0 || (end === 0 && step.endDerived)) end += len;
  if (end === start) return [];
  if (start >= len || start < 0 || end > len || end < 0 || start > end) throw new Error('array index out of bounds');
  const by = step.step ?? 1;
  if (by <= 0) throw new Error('step must be > 0');
  const out: unknown[] = [];
  for (let i = start; i < end; i += by) out.push(v[i]);
  return out;
}

function passes(filter: Extract<Step, { kind: 'filter' }>, item: unknown): boolean {
  const lefts = evaluate(filter.left, item);
  if (filter.op === 'exists') return lefts.length > 0;
  if (lefts.length === 0) return false;
  if (lefts.length > 1) throw new Error('can only compare one element at a time');
  let right: unknown;
  if (filter.right?.kind === 'literal') {
    right = filter.right.value;
  } else {
    const rights = evaluate(filter.right?.steps ?? [], item);
    if (rights.length === 0) return false;
    if (rights.length > 1) throw new Error('can only compare one element at a time');
    right = rights[0];
  }
  return compare(lefts[0], filter.op, right);
}

/** text/template's eq/ne/lt/le/gt/ge: values of different basic kinds cannot be compared. */
function compare(a: unknown, op: string, b: unknown): boolean {
  const kind = (v: unknown): string => (v === null || typeof v === 'object' ? 'invalid' : typeof v);
  if (kind(a) !== kind(b) || kind(a) === 'invalid') throw new Error('incompatible types for comparison');
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (typeof a === 'boolean') throw new Error('invalid type for comparison');
  const x = a as string | number;
  const y = b as string | number;
  switch (op) {
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    default:
      return x >= y;
  }
}

/** Name and Age: the table of a CRD version without additionalPrinterColumns. */
// Defined last: building it uses the parser's module-level constants.
export const defaultCrdPrinter: TablePrinter = printerFromColumns([]);
