/**
 * Sets of field paths (structured-merge-diff's fieldpath.Set) and their FieldsV1 encoding in
 * metadata.managedFields, plus the walks that derive sets from objects: the fields an object
 * sets (what an applier owns) and the fields that differ between two objects (what an updater
 * takes over).
 *
 * A set is a tree: at each node, `member` says the node itself is in the set (FieldsV1 `.`),
 * and `children` holds deeper paths. Granular maps and non-atomic lists are never members by
 * themselves when built from an object; their leaves are. List items are members.
 */
import { deepEqual, isPlainObject } from '../../apis/object.js';
import type { SchemaSet } from '../../apis/schema/resolve.js';
import type { JSONSchema } from '../../apis/schema/types.js';
import {
  compareElements,
  decodeElement,
  encodeElement,
  formatPath,
  type Path,
  type PathElement,
} from './path.js';
import { isEmptyList, isEmptyMap, isStrippedPath, isUnownableNode, TypeContext, unionKeys, type NodeType } from './typed.js';

export type { Path, PathElement } from './path.js';

interface Node {
  pe: PathElement;
  member: boolean;
  /** Never empty when present. */
  children?: FieldSet;
}

export class FieldSet {
  private readonly nodes = new Map<string, Node>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  get isEmpty(): boolean {
    return this.nodes.size === 0;
  }

  /** Adds a path (and creates the intermediate nodes, which do not become members). */
  insert(path: readonly PathElement[]): this {
    const [pe, ...rest] = path;
    if (!pe) return this;
    const key = encodeElement(pe);
    let node = this.nodes.get(key);
    if (!node) this.nodes.set(key, (node = { pe, member: false }));
    if (rest.length) (node.children ??= new FieldSet()).insert(rest);
    else node.member = true;
    return this;
  }

  has(path: readonly PathElement[]): boolean {
    const [pe, ...rest] = path;
    if (!pe) return false;
    const node = this.nodes.get(encodeElement(pe));
    if (!node) return false;
    return rest.length ? (node.children?.has(rest) ?? false) : node.member;
  }

  /** Whether `pe` itself is a member at this level. */
  hasMember(pe: PathElement): boolean {
    return this.nodes.get(encodeElement(pe))?.member ?? false;
  }

  /** The paths under `pe`, relative to it (structured-merge-diff's WithPrefix). */
  childSet(pe: PathElement): FieldSet | undefined {
    return this.nodes.get(encodeElement(pe))?.children;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    for (const [k, n] of this.nodes) out.nodes.set(k, { pe: n.pe, member: n.member, ...(n.children ? { children: n.children.clone() } : {}) });
    return out;
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    for (const [k, n] of other.nodes) {
      const mine = out.nodes.get(k);
      if (!mine) {
        out.nodes.set(k, { pe: n.pe, member: n.member, ...(n.children ? { children: n.children.clone() } : {}) });
        continue;
      }
      mine.member ||= n.member;
      if (n.children) mine.children = mine.children ? mine.children.union(n.children) : n.children.clone();
    }
    return out;
  }

  /** Paths in this set that are not in `other` (path by path: children of a removed member stay). */
  difference(other: FieldSet): FieldSet {
    return this.combine(other, (n, o) => ({
      member: n.member && !o?.member,
      children: n.children && o?.children ? n.children.difference(o.children) : n.children?.clone(),
    }));
  }

  /** Like difference, but a member of `other` also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    return this.combine(other, (n, o) =>
      o?.member
        ? { member: false }
        : { member: n.member, children: n.children && o?.children ? n.children.recursiveDifference(o.children) : n.children?.clone() },
    );
  }

  intersection(other: FieldSet): FieldSet {
    return this.combine(other, (n, o) =>
      o ? { member: n.member && o.member, children: n.children && o.children ? n.children.intersection(o.children) : undefined } : { member: false },
    );
  }

  private combine(other: FieldSet, f: (n: Node, o: Node | undefined) => { member: boolean; children?: FieldSet | undefined }): FieldSet {
    const out = new FieldSet();
    for (const [k, n] of this.nodes) {
      const r = f(n, other.nodes.get(k));
      const children = r.children && !r.children.isEmpty ? r.children : undefined;
      if (r.member || children) out.nodes.set(k, { pe: n.pe, member: r.member, ...(children ? { children } : {}) });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.nodes.size !== other.nodes.size) return false;
    for (const [k, n] of this.nodes) {
      const o = other.nodes.get(k);
      if (!o || o.member !== n.member || !!o.children !== !!n.children) return false;
      if (n.children && !n.children.equals(o.children!)) return false;
    }
    return true;
  }

  /** The elements at this level that have paths below them, with those paths. */
  childEntries(): [PathElement, FieldSet][] {
    return this.sorted().flatMap((n) => (n.children ? [[n.pe, n.children] as [PathElement, FieldSet]] : []));
  }

  private sorted(): Node[] {
    return [...this.nodes.values()].sort((a, b) => compareElements(a.pe, b.pe));
  }

  /** Every member path, in structured-merge-diff's iteration order (members, then children, at each level). */
  paths(prefix: Path = []): Path[] {
    const nodes = this.sorted();
    const out: Path[] = [];
    for (const n of nodes) if (n.member) out.push([...prefix, n.pe]);
    for (const n of nodes) if (n.children) out.push(...n.children.paths([...prefix, n.pe]));
    return out;
  }

  get size(): number {
    let count = 0;
    for (const n of this.nodes.values()) count += (n.member ? 1 : 0) + (n.children?.size ?? 0);
    return count;
  }

  /** The FieldsV1 JSON object (`{"f:spec":{"f:replicas":{}}}`), keys in Kubernetes' order. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const n of this.sorted()) {
      if (!n.children) {
        out[encodeElement(n.pe)] = {};
        continue;
      }
      out[encodeElement(n.pe)] = { ...(n.member ? { '.': {} } : {}), ...n.children.toFieldsV1() };
    }
    return out;
  }

  /** Parses FieldsV1; throws on malformed keys. */
  static fromFieldsV1(v: unknown): FieldSet {
    return readV1(v).children ?? new FieldSet();
  }

  /** Paths in Kubernetes' notation, one per line (for messages and tests). */
  toString(): string {
    return this.paths().map(formatPath).join('\n');
  }
}

function readV1(v: unknown): { children?: FieldSet; member: boolean } {
  let children: FieldSet | undefined;
  let member = false;
  if (isPlainObject(v)) {
    for (const [k, sub] of Object.entries(v)) {
      if (k === '.') {
        member = true;
        continue;
      }
      const pe = decodeElement(k);
      if (!pe) continue;
      const r = readV1(sub);
      children ??= new FieldSet();
      if (r.member) children.insert([pe]);
      if (r.children) for (const p of r.children.paths()) children.insert([pe, ...p]);
    }
  }
  if (!children) member = true;
  return { ...(children ? { children } : {}), member };
}

export const encode = (set: FieldSet): Record<string, unknown> => set.toFieldsV1();
export const decode = (fieldsV1: unknown): FieldSet => FieldSet.fromFieldsV1(fieldsV1);
export const union = (a: FieldSet, b: FieldSet): FieldSet => a.union(b);
export const difference = (a: FieldSet, b: FieldSet): FieldSet => a.difference(b);
export const intersection = (a: FieldSet, b: FieldSet): FieldSet => a.intersection(b);
export const isEmpty = (a: FieldSet): boolean => a.isEmpty;

const contexts = new WeakMap<SchemaSet, WeakMap<JSONSchema, TypeContext>>();

/** A cached TypeContext for a root schema. */
export function typeContext(schema: JSONSchema, set: SchemaSet): TypeContext {
  let bySchema = contexts.get(set);
  if (!bySchema) contexts.set(set, (bySchema = new WeakMap()));
  let ctx = bySchema.get(schema);
  if (!ctx) bySchema.set(schema, (ctx = new TypeContext(set, schema)));
  return ctx;
}

/**
 * The fields an object sets (structured-merge-diff's ToFieldSet): scalars, nulls, atomic maps and
 * lists, and list items with their fields. Empty granular maps and lists contribute nothing.
 * apiVersion, kind, metadata.name and the other server-owned metadata are never included.
 */
export function fieldSetFromObject(obj: unknown, schema: JSONSchema, set: SchemaSet): FieldSet {
  const ctx = typeContext(schema, set);
  const out = new FieldSet();
  walkFields(ctx, obj, ctx.root, [], out);
  return out;
}

export function walkFields(ctx: TypeContext, value: unknown, schema: JSONSchema | undefined, path: Path, out: FieldSet): void {
  const t = ctx.typeOf(schema, value);
  if (t.kind === 'map' && !t.atomic && isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const p: Path = [...path, { kind: 'field', name: k }];
      if (isStrippedPath(p)) continue;
      if (v === null) {
        if (!isUnownableNode(p)) out.insert(p);
      } else {
        walkFields(ctx, v, ctx.fieldSchema(t, k, path.length === 0), p, out);
      }
    }
    return;
  }
  if (t.kind === 'list' && t.listType !== 'atomic' && Array.isArray(value)) {
    const itemSchema = ctx.itemSchema(t);
    value.forEach((item, i) => {
      const p: Path = [...path, ctx.itemElement(t, item, i)];
      walkFields(ctx, item, itemSchema, p, out);
      out.insert(p);
    });
    return;
  }
  if (!isUnownableNode(path)) out.insert(path);
}

/** What changed between two objects, as structured-merge-diff's Compare reports it. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * Compares two objects. Leaves (scalars, atomic maps and lists, and maps or lists empty on both
 * sides) are added, removed or modified; granular maps and list items are added or removed as
 * nodes too when only one side has them.
 */
export function compareObjects(oldObj: unknown, newObj: unknown, schema: JSONSchema, set: SchemaSet): Comparison {
  const ctx = typeContext(schema, set);
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareNode(ctx, oldObj ?? {}, newObj ?? {}, ctx.root, [], c);
  return c;
}

/** The fields whose values differ between two objects (added, changed or removed). */
export function diffFields(oldObj: unknown, newObj: unknown, schema: JSONSchema, set: SchemaSet): FieldSet {
  const c = compareObjects(oldObj, newObj, schema, set);
  return c.added.union(c.modified).union(c.removed);
}

function compareNode(ctx: TypeContext, l: unknown, r: unknown, schema: JSONSchema | undefined, path: Path, c: Comparison): void {
  if (isStrippedPath(path)) return;
  const t = ctx.typeOf(schema, r !== undefined && r !== null ? r : l);
  const ownable = !isUnownableNode(path);
  const leaf = (): void => {
    if (!ownable) return;
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!deepEqual(l, r)) c.modified.insert(path);
  };
  const node = (): void => {
    if (!ownable) return;
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
  };
  const shaped = (v: unknown, ok: (v: unknown) => boolean): boolean => v === undefined || v === null || ok(v);

  if (t.kind === 'map' && !t.atomic && shaped(l, isPlainObject) && shaped(r, isPlainObject)) {
    if (isEmptyMap(l) && isEmptyMap(r)) return leaf();
    const lm = isPlainObject(l) ? l : undefined;
    const rm = isPlainObject(r) ? r : undefined;
    for (const k of unionKeys(lm, rm)) {
      const lv = lm?.[k];
      const rv = rm?.[k];
      if (lv === undefined && rv === undefined) continue;
      compareNode(ctx, lv, rv, ctx.fieldSchema(t, k, path.length === 0), [...path, { kind: 'field', name: k }], c);
    }
    return node();
  }
  if (t.kind === 'list' && t.listType !== 'atomic' && shaped(l, Array.isArray) && shaped(r, Array.isArray)) {
    if (isEmptyList(l) && isEmptyList(r)) return leaf();
    const li = indexItems(ctx, t, Array.isArray(l) ? l : []);
    const ri = indexItems(ctx, t, Array.isArray(r) ? r : []);
    const itemSchema = ctx.itemSchema(t);
    for (const [k, { pe, item }] of ri) compareNode(ctx, li.get(k)?.item, item, itemSchema, [...path, pe], c);
    for (const [k, { pe, item }] of li) if (!ri.has(k)) compareNode(ctx, item, undefined, itemSchema, [...path, pe], c);
    return node();
  }
  leaf();
}

/** List items by the encoded path element naming them (first occurrence wins). */
export function indexItems(ctx: TypeContext, t: NodeType, items: unknown[]): Map<string, { pe: PathElement; item: unknown }> {
  const out = new Map<string, { pe: PathElement; item: unknown }>();
  items.forEach((item, i) => {
    const pe = ctx.itemElement(t, item, i);
    const k = encodeElement(pe);
    if (!out.has(k)) out.set(k, { pe, item });
  });
  return out;
}

/**
 * structured-merge-diff's EnsureNamedFieldsAreMembers: a set owning `spec.replicas` also owns
 * `spec` when `spec` is a declared field (but `metadata.labels.app` does not make the free-form
 * key `labels.app`'s parent keys members beyond the declared `labels`).
 */
export function ensureNamedFieldsAreMembers(ctx: TypeContext, s: FieldSet): FieldSet {
  const out = s.clone();
  addNamed(ctx, s, ctx.typeOf(ctx.root, undefined), true, [], out);
  return out;
}

function addNamed(ctx: TypeContext, s: FieldSet, t: NodeType, atRoot: boolean, prefix: Path, out: FieldSet): void {
  for (const [pe, child] of s.childEntries()) {
    const childPath = [...prefix, pe];
    let childSchema: JSONSchema | undefined;
    if (pe.kind === 'field') {
      if (ctx.isNamedField(t, pe.name, atRoot)) out.insert(childPath);
      childSchema = ctx.fieldSchema(t, pe.name, atRoot);
    } else {
      childSchema = ctx.itemSchema(t);
    }
    addNamed(ctx, child, ctx.typeOf(childSchema, undefined), false, childPath, out);
  }
}
