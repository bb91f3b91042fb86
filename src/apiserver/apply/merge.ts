/**
 * Value operations of server-side apply, following structured-merge-diff: merging an applied
 * configuration into the live object, and removing the items of a field set from an object.
 * Inputs are never mutated.
 */
import { deepClone, isPlainObject } from '../../apis/object.js';
import type { JSONSchema } from '../../apis/schema/types.js';
import { indexItems, type FieldSet } from './fieldset.js';
import { encodeElement } from './path.js';
import { isEmptyList, isEmptyMap, unionKeys, type NodeType, type TypeContext } from './typed.js';

/**
 * Merges `config` over `live`: granular maps merge key by key, list-map items merge by key and
 * set items are unioned (both keeping live's order, with shared items in the configuration's
 * order), and everything else (scalars, atomic maps and lists) is replaced.
 */
export function mergeObjects(ctx: TypeContext, live: unknown, config: unknown): unknown {
  return mergeValue(ctx, live, config, ctx.root, true);
}

function mergeValue(ctx: TypeContext, l: unknown, r: unknown, schema: JSONSchema | undefined, atRoot = false): unknown {
  if (r === undefined) return deepClone(l);
  if (l === undefined) return deepClone(r);
  const t = ctx.typeOf(schema, r !== null ? r : l);
  if (t.kind === 'map' && !t.atomic && (l === null || isPlainObject(l)) && (r === null || isPlainObject(r))) {
    if (isEmptyMap(l) && isEmptyMap(r)) return deepClone(r);
    const lm = isPlainObject(l) ? l : undefined;
    const rm = isPlainObject(r) ? r : undefined;
    const out: Record<string, unknown> = {};
    for (const k of unionKeys(lm, rm)) {
      const v = mergeValue(ctx, lm?.[k], rm?.[k], ctx.fieldSchema(t, k, atRoot));
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (t.kind === 'list' && t.listType !== 'atomic' && (l === null || Array.isArray(l)) && (r === null || Array.isArray(r))) {
    if (isEmptyList(l) && isEmptyList(r)) return deepClone(r);
    return mergeList(ctx, t, Array.isArray(l) ? l : [], Array.isArray(r) ? r : []);
  }
  return deepClone(r);
}

/** structured-merge-diff's list merge, including its ordering of live-only and shared items. */
function mergeList(ctx: TypeContext, t: NodeType, lhs: unknown[], rhs: unknown[]): unknown[] {
  const itemSchema = ctx.itemSchema(t);
  const keysOf = (items: unknown[]) => items.map((item, i) => encodeElement(ctx.itemElement(t, item, i)));
  const lKeys = keysOf(lhs);
  const rKeys = keysOf(rhs);
  const observedR = indexItems(ctx, t, rhs);
  // A key duplicated in the live list has no single item to merge with.
  const counts = new Map<string, number>();
  for (const k of lKeys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const lItem = (k: string): unknown => (counts.get(k) === 1 ? lhs[lKeys.indexOf(k)] : undefined);

  const shared = rKeys.filter((k) => counts.has(k));
  let sharedIndex = 0;
  let nextShared: string | undefined = shared[sharedIndex++];
  const mergedR = new Set<string>();
  const out: unknown[] = [];
  const push = (v: unknown) => {
    if (v !== undefined) out.push(v);
  };

  for (let li = 0, ri = 0; li < lKeys.length || ri < rKeys.length; ) {
    if (li < lKeys.length && ri < rKeys.length) {
      const k = lKeys[li]!;
      if (k === rKeys[ri] && !mergedR.has(k)) {
        mergedR.add(k);
        push(mergeValue(ctx, lItem(k), observedR.get(k)!.item, itemSchema));
        li++;
        ri++;
        nextShared = shared[sharedIndex++];
        continue;
      }
      if (observedR.has(k) && nextShared !== undefined && nextShared !== k) {
        li++;
        continue;
      }
    }
    if (li < lKeys.length) {
      const k = lKeys[li]!;
      if (!observedR.has(k)) {
        push(deepClone(lhs[li]));
        li++;
        continue;
      }
      if (mergedR.has(k)) {
        li++;
        continue;
      }
    }
    if (ri < rKeys.length) {
      const k = rKeys[ri]!;
      ri++;
      if (mergedR.has(k)) continue; // duplicate in the configuration
      mergedR.add(k);
      push(mergeValue(ctx, lItem(k), observedR.get(k)!.item, itemSchema));
      if (nextShared === k) nextShared = shared[sharedIndex++];
    }
  }
  return out;
}

/** The object without the fields, list items and map keys that are members of `set`. */
export function removeItems(ctx: TypeContext, value: unknown, set: FieldSet): unknown {
  return removeFrom(ctx, value, set, ctx.root, true);
}

function removeFrom(ctx: TypeContext, value: unknown, set: FieldSet, schema: JSONSchema | undefined, atRoot = false): unknown {
  if (set.isEmpty) return value;
  const t = ctx.typeOf(schema, value);
  if (t.kind === 'map' && !t.atomic && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const pe = { kind: 'field', name: k } as const;
      if (set.hasMember(pe)) continue;
      const sub = set.childSet(pe);
      out[k] = sub ? removeFrom(ctx, v, sub, ctx.fieldSchema(t, k, atRoot)) : v;
    }
    return out;
  }
  if (t.kind === 'list' && t.listType !== 'atomic' && Array.isArray(value)) {
    const itemSchema = ctx.itemSchema(t);
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const pe = ctx.itemElement(t, item, i);
      if (set.hasMember(pe)) return;
      const sub = set.childSet(pe);
      out.push(sub ? removeFrom(ctx, item, sub, itemSchema) : item);
    });
    return out;
  }
  return value;
}

/**
 * Drops map entries whose value is null unless the schema marks the field nullable: what
 * decoding the merged object into its type does in Kubernetes (and CRD null pruning).
 */
export function dropNulls(ctx: TypeContext, value: unknown): unknown {
  return dropIn(ctx, value, ctx.root, true);
}

function dropIn(ctx: TypeContext, value: unknown, schema: JSONSchema | undefined, atRoot = false): unknown {
  const t = ctx.typeOf(schema, value);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const fs = t.kind === 'map' ? ctx.fieldSchema(t, k, atRoot) : undefined;
      if (v === null) {
        if (fs && ctx.set.resolve(fs).nullable) out[k] = v;
        continue;
      }
      out[k] = dropIn(ctx, v, fs);
    }
    return out;
  }
  if (Array.isArray(value)) {
    const itemSchema = t.kind === 'list' ? ctx.itemSchema(t) : undefined;
    return value.map((item) => dropIn(ctx, item, itemSchema));
  }
  return value;
}
