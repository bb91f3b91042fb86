/**
 * How server-side apply sees a schema: every node is a scalar, a map (granular or atomic) or a
 * list (atomic, set, or map keyed by some fields), as in sigs.k8s.io/structured-merge-diff.
 * Where the schema ends (unknown fields, x-kubernetes-preserve-unknown-fields) the type is
 * deduced from the value the way structured-merge-diff's `__untyped_deduced_` type does:
 * objects are granular maps, arrays are atomic lists, anything else is a scalar.
 */
import { isPlainObject, type JsonValue } from '../../apis/object.js';
import { listTypeOf, type SchemaSet } from '../../apis/schema/resolve.js';
import type { JSONSchema } from '../../apis/schema/types.js';
import type { PathElement } from './path.js';

export type NodeType =
  | { kind: 'scalar' }
  /** `schema` is undefined for deduced maps (no declared fields). */
  | { kind: 'map'; atomic: boolean; schema?: JSONSchema }
  | { kind: 'list'; listType: 'atomic' | 'set' | 'map'; keys: string[]; schema?: JSONSchema };

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Fields never recorded in managedFields (Kubernetes' stripMeta set, plus the deletion markers). */
const STRIPPED_TOP = new Set(['apiVersion', 'kind']);
const STRIPPED_META = new Set([
  'name',
  'namespace',
  'creationTimestamp',
  'selfLink',
  'uid',
  'clusterName',
  'generation',
  'managedFields',
  'resourceVersion',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
]);

/** A root schema and the definitions it refers to. */
export class TypeContext {
  private readonly metaSchema: JSONSchema | undefined;

  constructor(
    readonly set: SchemaSet,
    readonly root: JSONSchema,
  ) {
    // CRD schemas usually say only `metadata: {type: object}`; apply still needs ObjectMeta's
    // list and map semantics there (Kubernetes substitutes the real ObjectMeta schema).
    const declared = set.property(root, 'metadata');
    this.metaSchema = declared?.properties ? declared : (set.definition(OBJECT_META) ?? declared);
  }

  /** The node type of a value described by `schema` (undefined schema: deduced from the value). */
  typeOf(schema: JSONSchema | undefined, value: unknown): NodeType {
    if (!schema) return deduce(value);
    const s = this.set.resolve(schema);
    if (s['x-kubernetes-int-or-string']) return { kind: 'scalar' };
    if (s.type === 'array' || (s.items && !s.type)) {
      const lt = listTypeOf(s);
      return { kind: 'list', listType: lt.type, keys: lt.keys, schema: s };
    }
    if (s.type === 'object' || ((s.properties || s.additionalProperties) && !s.type)) {
      if (!s.properties && (s.additionalProperties === undefined || s.additionalProperties === false)) {
        // `type: object` with nothing declared (preserve-unknown-fields, or a bare object).
        return { kind: 'map', atomic: s['x-kubernetes-map-type'] === 'atomic' };
      }
      return { kind: 'map', atomic: s['x-kubernetes-map-type'] === 'atomic', schema: s };
    }
    if (s.type) return { kind: 'scalar' };
    return deduce(value);
  }

  /** Schema of field `name` of a map node; undefined where the type must be deduced. */
  fieldSchema(t: NodeType, name: string, atRoot: boolean): JSONSchema | undefined {
    if (atRoot && name === 'metadata') return this.metaSchema;
    if (t.kind !== 'map' || !t.schema) return undefined;
    const p = this.set.property(t.schema, name);
    return p && Object.keys(p).length ? p : undefined;
  }

  /** True when `name` is a declared (struct) field of the map node, not a free-form key. */
  isNamedField(t: NodeType, name: string, atRoot: boolean): boolean {
    if (atRoot && name === 'metadata') return true;
    return t.kind === 'map' && !!t.schema?.properties?.[name];
  }

  itemSchema(t: NodeType): JSONSchema | undefined {
    if (t.kind !== 'list' || !t.schema) return undefined;
    const i = this.set.items(t.schema);
    return i && Object.keys(i).length ? i : undefined;
  }

  /** The path element naming one item of a non-atomic list. */
  itemElement(t: NodeType, item: unknown, index: number): PathElement {
    if (t.kind === 'list' && t.listType === 'map' && t.keys.length && isPlainObject(item)) {
      const itemSchema = this.itemSchema(t);
      const fields: [string, JsonValue][] = [];
      for (const k of t.keys) {
        let v = item[k] as JsonValue | undefined;
        // A missing key field takes its schema default (ports[].protocol: TCP).
        if (v === undefined && itemSchema) v = this.set.property(itemSchema, k)?.default as JsonValue | undefined;
        if (v !== undefined) fields.push([k, v]);
      }
      if (fields.length) {
        fields.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        return { kind: 'key', fields };
      }
      return { kind: 'index', index };
    }
    if (t.kind === 'list' && t.listType !== 'atomic') return { kind: 'value', value: item as JsonValue };
    return { kind: 'index', index };
  }
}

function deduce(value: unknown): NodeType {
  if (isPlainObject(value)) return { kind: 'map', atomic: false };
  if (Array.isArray(value)) return { kind: 'list', listType: 'atomic', keys: [] };
  return { kind: 'scalar' };
}

/** True for paths whose ownership is never recorded (apiVersion, kind, metadata.name, ...). */
export function isStrippedPath(path: readonly PathElement[]): boolean {
  const first = path[0];
  if (!first || first.kind !== 'field') return false;
  if (path.length === 1) return STRIPPED_TOP.has(first.name);
  const second = path[1]!;
  return path.length === 2 && first.name === 'metadata' && second.kind === 'field' && STRIPPED_META.has(second.name);
}

/** The root and `.metadata` itself are never members of a field set. */
export function isUnownableNode(path: readonly PathElement[]): boolean {
  return path.length === 0 || (path.length === 1 && path[0]!.kind === 'field' && path[0]!.name === 'metadata');
}

export const isEmptyMap = (v: unknown): boolean => v === undefined || v === null || (isPlainObject(v) && Object.keys(v).length === 0);
export const isEmptyList = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0);

/** Keys of two objects: the first's order, then the second's new keys. */
export function unionKeys(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): string[] {
  const out = a ? Object.keys(a) : [];
  if (b) {
    const seen = new Set(out);
    for (const k of Object.keys(b)) if (!seen.has(k)) out.push(k);
  }
  return out;
}
