/**
 * Path elements of structured-merge-diff field paths, with the two spellings Kubernetes uses:
 * the FieldsV1 keys of metadata.managedFields (`f:name`, `k:{"name":"web"}`, `v:"x"`, `i:0`)
 * and the human form of conflict messages (`.spec.containers[name="web"].image`).
 */
import { isPlainObject, type JsonValue } from '../../apis/object.js';

export type PathElement =
  | { kind: 'field'; name: string }
  /** A list-map item: its key fields, sorted by name. */
  | { kind: 'key'; fields: [string, JsonValue][] }
  /** A set item. */
  | { kind: 'value'; value: JsonValue }
  | { kind: 'index'; index: number };

export type Path = PathElement[];

export const field = (name: string): PathElement => ({ kind: 'field', name });

/** JSON the way Go's encoding/json writes it: map keys sorted, HTML characters escaped. */
export function goJSON(v: unknown): string {
  return JSON.stringify(sortKeys(v)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
  return out;
}

/** The FieldsV1 key of an element. Canonical: equal elements have equal keys. */
export function encodeElement(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `f:${pe.name}`;
    case 'key':
      return `k:{${pe.fields.map(([n, v]) => `${goJSON(n)}:${goJSON(v)}`).join(',')}}`;
    case 'value':
      return `v:${goJSON(pe.value)}`;
    case 'index':
      return `i:${pe.index}`;
  }
}

/**
 * Parses a FieldsV1 key. Returns undefined for unknown prefixes (ignored, as
 * structured-merge-diff does); throws on malformed keys.
 */
export function decodeElement(key: string): PathElement | undefined {
  const prefix = key.slice(0, 2);
  const rest = key.slice(2);
  switch (prefix) {
    case 'f:':
      return { kind: 'field', name: rest };
    case 'k:': {
      const parsed: unknown = JSON.parse(rest);
      if (!isPlainObject(parsed)) throw new Error(`invalid key path element ${key}`);
      const fields = Object.entries(parsed as Record<string, JsonValue>).sort((a, b) => cmpStr(a[0], b[0]));
      return { kind: 'key', fields };
    }
    case 'v:':
      return { kind: 'value', value: JSON.parse(rest) as JsonValue };
    case 'i:': {
      if (!/^-?\d+$/.test(rest)) throw new Error(`invalid index path element ${key}`);
      return { kind: 'index', index: Number(rest) };
    }
    default:
      return undefined;
  }
}

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const cmpNum = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

const KIND_RANK = { field: 0, key: 1, value: 2, index: 3 } as const;

/** structured-merge-diff's element order: fields, then keys, then values, then indexes. */
export function compareElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return KIND_RANK[a.kind] - KIND_RANK[b.kind];
  switch (a.kind) {
    case 'field':
      return cmpStr(a.name, (b as typeof a).name);
    case 'key': {
      const bf = (b as typeof a).fields;
      for (let i = 0; ; i++) {
        if (i >= a.fields.length || i >= bf.length) return cmpNum(a.fields.length, bf.length);
        const c = cmpStr(a.fields[i]![0], bf[i]![0]) || compareValues(a.fields[i]![1], bf[i]![1]);
        if (c) return c;
      }
    }
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index':
      return cmpNum(a.index, (b as typeof a).index);
  }
}

const valueRank = (v: unknown): number =>
  typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : Array.isArray(v) ? 3 : isPlainObject(v) ? 4 : 5;

/** structured-merge-diff's value order: numbers, strings, booleans, lists, maps, null. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number') return cmpNum(a, b as number);
  if (typeof a === 'string') return cmpStr(a, b as string);
  if (typeof a === 'boolean') return cmpNum(Number(a), Number(b));
  if (Array.isArray(a)) {
    const bl = b as unknown[];
    for (let i = 0; i < a.length && i < bl.length; i++) {
      const c = compareValues(a[i], bl[i]);
      if (c) return c;
    }
    return cmpNum(a.length, bl.length);
  }
  if (isPlainObject(a)) {
    const bo = b as Record<string, unknown>;
    const ak = Object.keys(a).sort();
    const bk = Object.keys(bo).sort();
    for (let i = 0; i < ak.length && i < bk.length; i++) {
      const c = cmpStr(ak[i]!, bk[i]!) || compareValues(a[ak[i]!], bo[bk[i]!]);
      if (c) return c;
    }
    return cmpNum(ak.length, bk.length);
  }
  return 0;
}

/** A value as structured-merge-diff's value.ToString prints it (strings Go-quoted). */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).sort().map((k) => `${k}=${valueString(v[k])}`).join(';')}}`;
  return String(v);
}

/** One element in Kubernetes' path notation. */
export function formatElement(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `.${pe.name}`;
    case 'key':
      return `[${pe.fields.map(([n, v]) => `${n}=${valueString(v)}`).join(',')}]`;
    case 'value':
      return `[=${valueString(pe.value)}]`;
    case 'index':
      return `[${pe.index}]`;
  }
}

/** A path in Kubernetes' notation: `.spec.template.spec.containers[name="web"].image`. */
export const formatPath = (path: readonly PathElement[]): string => path.map(formatElement).join('');
