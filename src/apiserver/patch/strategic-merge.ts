/**
 * Kubernetes strategic merge patch (application/strategic-merge-patch+json) for built-in kinds,
 * driven by the schema's x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key annotations,
 * with the semantics of k8s.io/apimachinery/pkg/util/strategicpatch as kube-apiserver applies
 * it (StrategicMergeMapPatch: parallel deletion lists merged, unmatched nulls ignored).
 *
 * - Maps merge recursively; a null value deletes the key. A map field whose patch strategy is
 *   "replace" is replaced by the patch map.
 * - Lists whose field has patch strategy "merge": lists of objects merge item by item on the
 *   merge key (matching items merge recursively, others are added), lists of scalars are
 *   unioned. Any other list (atomic) is replaced by the patch list.
 * - The resulting order of a merged list follows strategicpatch: items named by the patch take
 *   the patch's order; items only on the server keep their relative order and are interleaved
 *   by their position in the server list; an added item that the server does not have is
 *   placed before the remaining server-only items (kubectl sends $setElementOrder to control
 *   this).
 * - Directives:
 *   `$patch: replace` in a map replaces the map with the rest of the patch map; as a list item
 *   (`{"$patch": "replace"}`) it replaces the list with the other items. `$patch: delete` in a
 *   map removes the map; as a list item it removes the item(s) with that merge key.
 *   `$patch: merge` in a map is the default behaviour. `$deleteFromPrimitiveList/<field>: [...]`
 *   removes values from a scalar list; `$setElementOrder/<field>: [...]` orders a merged list
 *   (items are `{<mergeKey>: value}` for object lists, the values for scalar lists);
 *   `$retainKeys: [...]` drops the keys of the current map that are not listed (every non-null
 *   field of the patch map must be listed).
 * - Fields without a schema (unknown or preserve-unknown-fields) merge like maps and replace
 *   lists, i.e. JSON-merge-patch semantics, directives included.
 *
 * Errors are 400 BadRequest with strategicpatch's message, followed by the path they concern.
 * Neither argument is modified and the result shares no objects with them.
 */
import type { SchemaSet } from '../../apis/schema/resolve.js';
import type { JSONSchema } from '../../apis/schema/types.js';
import { StatusError } from '../errors.js';
import { isPlainObject } from '../../apis/object.js';

type Obj = Record<string, unknown>;

const DIRECTIVE_MARKER = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';
const SET_ELEMENT_ORDER = '$setElementOrder/';

/** Result of merging a map that carries `$patch: delete`: the field is removed. */
const DELETE = Symbol('delete');
type Merged = Obj | typeof DELETE;

export function applyStrategicMergePatch(doc: unknown, patch: unknown, schema: JSONSchema, set: SchemaSet): unknown {
  if (!isPlainObject(patch)) {
    throw new StatusError(400, 'BadRequest', `invalid strategic merge patch: the patch must be a JSON object, not ${jsonKind(patch)}`);
  }
  const working: Obj = isPlainObject(doc) ? clone(doc) : {};
  const out = new StrategicMerger(set).mergeMap(working, patch, set.resolve(schema), '');
  return out === DELETE ? {} : out;
}

interface PatchMeta {
  strategy: 'merge' | 'replace' | '';
  mergeKey: string;
}

/** The strategic merge patch metadata of a field: "merge,retainKeys" -> merge, "retainKeys" -> default. */
function patchMetaOf(s: JSONSchema | undefined): PatchMeta {
  const strategies = (s?.['x-kubernetes-patch-strategy'] ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const strategy = strategies.includes('merge') ? 'merge' : strategies.includes('replace') ? 'replace' : '';
  return { strategy, mergeKey: s?.['x-kubernetes-patch-merge-key'] ?? '' };
}

const isDirectiveKey = (k: string): boolean =>
  k === DIRECTIVE_MARKER || k === RETAIN_KEYS || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER);

class StrategicMerger {
  constructor(private readonly set: SchemaSet) {}

  private property(s: JSONSchema | undefined, name: string): JSONSchema | undefined {
    return s ? this.set.property(s, name) : undefined;
  }

  private items(s: JSONSchema | undefined): JSONSchema | undefined {
    return s ? this.set.items(s) : undefined;
  }

  /**
   * Merges `patch` into `original` (owned by the merger: it is modified and returned); with no
   * original the patch map is turned into a plain value (directives applied, nulls dropped).
   */
  mergeMap(original: Obj | undefined, patch: Obj, schema: JSONSchema | undefined, path: string): Merged {
    if (Object.hasOwn(patch, DIRECTIVE_MARKER)) {
      const directive = patch[DIRECTIVE_MARKER];
      if (directive === 'delete') return DELETE;
      if (directive === 'replace') {
        const { [DIRECTIVE_MARKER]: _d, ...rest } = patch;
        return this.mergeMap(undefined, rest, schema, path);
      }
      if (directive !== 'merge') throw fail(`unknown patch type: ${goFmt(directive)} in map: ${goFmt(patch)}`, path);
    }
    const out: Obj = original ?? {};

    if (Object.hasOwn(patch, RETAIN_KEYS)) this.retainKeys(out, patch, path);

    // $setElementOrder/<field>: merge that field's list now and order it; the main loop skips it.
    const ordered = new Set<string>();
    for (const [key, order] of Object.entries(patch)) {
      if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
      const field = key.slice(SET_ELEMENT_ORDER.length);
      if (this.setElementOrder(out, patch, field, order, schema, path)) ordered.add(field);
    }

    for (const [key, value] of Object.entries(patch)) {
      if (isDirectiveKey(key) || ordered.has(key)) continue;
      const fieldPath = join(path, key);
      if (value === null) {
        delete out[key];
        continue;
      }
      const fieldSchema = this.property(schema, key);
      const current = Object.hasOwn(out, key) ? out[key] : undefined;
      let merged: unknown;
      if (isPlainObject(value) && isPlainObject(current) && patchMetaOf(fieldSchema).strategy !== 'replace') {
        merged = this.mergeMap(current, value, fieldSchema, fieldPath);
      } else if (Array.isArray(value) && Array.isArray(current)) {
        merged = this.mergeList(current, value, fieldSchema, fieldPath);
      } else {
        merged = this.fresh(value, fieldSchema, fieldPath);
      }
      if (merged === DELETE) delete out[key];
      else setOwn(out, key, merged);
    }

    // $deleteFromPrimitiveList/<field>: applied after the field's own additions.
    for (const [key, values] of Object.entries(patch)) {
      if (!key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      if (!field || !Array.isArray(values)) {
        throw fail(`invalid patch format of primitive list: ${key} must be a list of values`, path);
      }
      const current = Object.hasOwn(out, field) ? out[field] : undefined;
      if (!Array.isArray(current)) continue;
      const drop = new Set(values.map(identity));
      setOwn(
        out,
        field,
        current.filter((v) => !drop.has(identity(v))),
      );
    }
    return out;
  }

  /** A patch value for a field the original does not have (or has with another type). */
  private fresh(value: unknown, schema: JSONSchema | undefined, path: string): unknown {
    if (isPlainObject(value)) return this.mergeMap(undefined, value, schema, path);
    if (Array.isArray(value)) return this.mergeList([], value, schema, path);
    return value;
  }

  /** Merges a patch list into the original list (owned by the merger) per the field's strategy. */
  private mergeList(original: unknown[], patch: unknown[], schema: JSONSchema | undefined, path: string): unknown[] {
    const { strategy, mergeKey } = patchMetaOf(schema);
    if (strategy !== 'merge') return patch.map(pruneNulls);
    if (original.length === 0 && patch.length === 0) return [];
    const itemSchema = this.items(schema);
    const objects = patch.some(isPlainObject) || original.some(isPlainObject);
    if (!objects) return this.mergeScalarList(original, patch);
    if (!mergeKey) throw fail('cannot merge lists without merge key for type map', path);
    patch.forEach((v, i) => {
      if (!isPlainObject(v)) throw fail(`list element types are not identical: ${goFmt(v)} is not a map`, `${path}[${i}]`);
    });
    return this.mergeObjectList(original, patch as Obj[], mergeKey, itemSchema, path);
  }

  private mergeScalarList(original: unknown[], patch: unknown[]): unknown[] {
    const seen = new Set<string>();
    const merged: unknown[] = [];
    for (const v of [...original, ...patch.map(pruneNulls)]) {
      const id = identity(v);
      if (seen.has(id)) continue;
      seen.add(id);
      merged.push(v);
    }
    return orderMerged(merged, patch, original, (v) => identity(v));
  }

  private mergeObjectList(
    original: unknown[],
    patch: Obj[],
    mergeKey: string,
    itemSchema: JSONSchema | undefined,
    path: string,
  ): unknown[] {
    const keyOf = (v: unknown): string | undefined =>
      isPlainObject(v) && Object.hasOwn(v, mergeKey) ? identity(v[mergeKey]) : undefined;

    // Special items first: deletions and a replace marker.
    let working = original.slice();
    let replace = false;
    const regular: { item: Obj; index: number }[] = [];
    patch.forEach((item, index) => {
      if (!Object.hasOwn(item, DIRECTIVE_MARKER)) {
        regular.push({ item, index });
        return;
      }
      const directive = item[DIRECTIVE_MARKER];
      const itemPath = `${path}[${index}]`;
      if (directive === 'delete') {
        const key = keyOf(item);
        if (key === undefined) throw noMergeKey(item, mergeKey, itemPath);
        working = working.filter((v) => keyOf(v) !== key);
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        throw fail('merging lists cannot yet be specified in the patch', itemPath);
      } else {
        throw fail(`unknown patch type: ${goFmt(directive)} in map: ${goFmt(item)}`, itemPath);
      }
    });
    for (const { item, index } of regular) {
      if (keyOf(item) === undefined) throw noMergeKey(item, mergeKey, `${path}[${index}]`);
    }

    if (replace) {
      const out: unknown[] = [];
      for (const { item, index } of regular) {
        const v = this.mergeMap(undefined, item, itemSchema, `${path}[${index}]`);
        if (v !== DELETE) out.push(v);
      }
      return out;
    }

    const serverOrder = working.slice();
    for (const { item, index } of regular) {
      const key = keyOf(item);
      const at = working.findIndex((v) => keyOf(v) === key);
      const itemPath = `${path}[${index}]`;
      const merged = at >= 0 ? this.mergeMap(working[at] as Obj, item, itemSchema, itemPath) : this.mergeMap(undefined, item, itemSchema, itemPath);
      if (merged === DELETE) continue; // cannot happen: regular items carry no $patch
      if (at >= 0) working[at] = merged;
      else working.push(merged);
    }
    return orderMerged(
      working,
      regular.map((r) => r.item),
      serverOrder,
      keyOf,
    );
  }

  private retainKeys(out: Obj, patch: Obj, path: string): void {
    const keep = patch[RETAIN_KEYS];
    if (!Array.isArray(keep)) throw fail(`invalid patch format of retainKeys: ${RETAIN_KEYS} must be a list of field names`, path);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || isDirectiveKey(k)) continue;
      if (!keep.includes(k)) {
        throw fail(`invalid patch format of retainKeys: field ${JSON.stringify(k)} is in the patch but not in ${RETAIN_KEYS}`, path);
      }
    }
    for (const k of Object.keys(out)) if (!keep.includes(k)) delete out[k];
  }

  /**
   * Handles `$setElementOrder/<field>`: merges the field's patch list (if any) into the
   * original list and orders the result. Returns whether the field was handled.
   */
  private setElementOrder(
    out: Obj,
    patch: Obj,
    field: string,
    order: unknown,
    schema: JSONSchema | undefined,
    path: string,
  ): boolean {
    const directive = `${SET_ELEMENT_ORDER}${field}`;
    if (!field || !Array.isArray(order)) {
      throw fail(`invalid patch format of setElementOrder list: ${directive} must be a list`, path);
    }
    const fieldPath = join(path, field);
    const fieldSchema = this.property(schema, field);
    const { mergeKey } = patchMetaOf(fieldSchema);
    const originalValue = Object.hasOwn(out, field) ? out[field] : undefined;
    const patchValue = Object.hasOwn(patch, field) ? patch[field] : undefined;
    if (patchValue === null) return false; // the field is deleted by the main loop
    if (patchValue !== undefined && !Array.isArray(patchValue)) {
      throw fail(`invalid patch format of setElementOrder list: ${field} must be a list to be ordered`, path);
    }
    const originalList = Array.isArray(originalValue) ? originalValue : undefined;
    if (!originalList && !patchValue) return false;

    // Keyed lists: every entry of the order list names an item by its merge key.
    const keyed = !!mergeKey && [...order, ...(originalList ?? []), ...(patchValue ?? [])].some(isPlainObject);
    const keyOf = (v: unknown): string | undefined =>
      keyed ? (isPlainObject(v) && Object.hasOwn(v, mergeKey) ? identity(v[mergeKey]) : undefined) : identity(v);
    if (keyed) {
      order.forEach((v, i) => {
        if (!isPlainObject(v) || !Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey, `${fieldPath}[${i}]`, directive);
      });
    }
    if (patchValue) checkPatchOrder(patchValue, order, keyed ? mergeKey : '', keyOf, directive, fieldPath);

    const merged = originalList
      ? patchValue
        ? this.mergeList(originalList, patchValue, fieldSchema, fieldPath)
        : originalList
      : this.mergeList([], patchValue!, fieldSchema, fieldPath);
    setOwn(out, field, orderMerged(merged, order, originalList ?? [], keyOf));
    return true;
  }
}

/**
 * The patch items of a list must appear in the $setElementOrder list, in the same relative order
 * (items being deleted are ignored).
 */
function checkPatchOrder(
  patchList: unknown[],
  order: unknown[],
  mergeKey: string,
  keyOf: (v: unknown) => string | undefined,
  directive: string,
  path: string,
): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? patchList.filter((v) => !(isPlainObject(v) && v[DIRECTIVE_MARKER] === 'delete')) : patchList;
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p];
    if (isPlainObject(item) && Object.hasOwn(item, DIRECTIVE_MARKER)) {
      p++;
      continue;
    }
    const key = keyOf(item);
    if (key === undefined) throw noMergeKey(item, mergeKey, path);
    if (key === keyOf(order[o])) p++;
    o++;
  }
  if (p < items.length) {
    throw fail(`The order in patch list: ${goFmt(patchList)} doesn't match ${directive} list: ${goFmt(order)}`, path);
  }
}

/**
 * Orders a merged list the way strategicpatch does: the items named in `patchOrder` in that
 * order, the others ("server-only") in their `serverOrder` order, the two sequences interleaved
 * by their positions in `serverOrder` (a patch item the server does not have goes before the
 * remaining server-only items).
 */
function orderMerged(
  merged: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  keyOf: (v: unknown) => string | undefined,
): unknown[] {
  const firstIndex = (list: unknown[]): Map<string, number> => {
    const m = new Map<string, number>();
    list.forEach((v, i) => {
      const k = keyOf(v);
      if (k !== undefined && !m.has(k)) m.set(k, i);
    });
    return m;
  };
  const inPatch = firstIndex(patchOrder);
  const inServer = firstIndex(serverOrder);
  const indexIn = (m: Map<string, number>, v: unknown): number => {
    const k = keyOf(v);
    return k === undefined ? -1 : (m.get(k) ?? -1);
  };
  const patchItems: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of merged) (indexIn(inPatch, v) >= 0 ? patchItems : serverOnly).push(v);
  const byIndex = (m: Map<string, number>) => (a: unknown, b: unknown) => {
    const ia = indexIn(m, a);
    const ib = indexIn(m, b);
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || 0;
  };
  patchItems.sort(byIndex(inPatch)); // Array.prototype.sort is stable
  serverOnly.sort(byIndex(inServer));

  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (j >= patchItems.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(patchItems[j++]);
    else {
      const li = indexIn(inServer, serverOnly[i]);
      const ri = indexIn(inServer, patchItems[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(patchItems[j++]);
    }
  }
  return out;
}

// --- helpers -------------------------------------------------------------------------------

function fail(message: string, path: string): StatusError {
  return new StatusError(
    400,
    'BadRequest',
    path ? `${message} (at ${path})` : message,
    path ? { causes: [{ reason: 'FieldValueInvalid', message, field: path }] } : undefined,
  );
}

function noMergeKey(item: unknown, mergeKey: string, path: string, where?: string): StatusError {
  const m = mergeKey
    ? `map: ${goFmt(item)} does not contain declared merge key: ${mergeKey}`
    : `map: ${goFmt(item)} does not contain the declared merge key`;
  return fail(where ? `${m} in ${where}` : m, path);
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Identity of a scalar list value or merge key value (1 and "1" differ, as in Go). */
function identity(v: unknown): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

/** Copy of a patch value with null-valued object keys dropped at every depth. */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneNulls);
  if (isPlainObject(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) setOwn(out, k, pruneNulls(x));
    return out;
  }
  return v;
}

function setOwn(obj: Obj, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Go's %v rendering of a JSON value, as strategicpatch's messages print maps and lists. */
function goFmt(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFmt).join(' ')}]`;
  if (isPlainObject(v)) {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goFmt(v[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}
