import type { Definitions, JSONSchema } from './types.js';

/**
 * Navigates schemas through `$ref`s. A property written as `{ $ref, description, default }`
 * resolves to the referenced schema with the local keywords laid over it.
 */
export class SchemaSet {
  private readonly cache = new WeakMap<JSONSchema, JSONSchema>();

  constructor(readonly definitions: Definitions) {}

  definition(name: string): JSONSchema | undefined {
    const d = this.definitions.get(name);
    return d ? this.resolve(d) : undefined;
  }

  /** The schema with every top-level `$ref` followed (and `allOf: [{$ref}]` wrappers unwrapped). */
  resolve(s: JSONSchema): JSONSchema {
    const hit = this.cache.get(s);
    if (hit) return hit;
    let out = s;
    for (let depth = 0; depth < 32; depth++) {
      let target: JSONSchema | undefined;
      let rest: JSONSchema;
      if (out.$ref) {
        target = this.definitions.get(out.$ref);
        if (!target) throw new Error(`schema reference ${out.$ref} is not defined`);
        const { $ref: _r, ...r } = out;
        rest = r;
      } else if (out.allOf?.length === 1 && out.allOf[0]!.$ref && !out.type && !out.properties) {
        target = out.allOf[0];
        const { allOf: _a, ...r } = out;
        rest = r;
      } else {
        break;
      }
      out = { ...target, ...rest };
    }
    this.cache.set(s, out);
    return out;
  }

  /** Schema of `obj[name]` when `s` describes an object, or undefined if the field is unknown. */
  property(s: JSONSchema, name: string): JSONSchema | undefined {
    const r = this.resolve(s);
    const p = r.properties?.[name];
    if (p) return this.resolve(p);
    if (typeof r.additionalProperties === 'object') return this.resolve(r.additionalProperties);
    if (r.additionalProperties === true || r['x-kubernetes-preserve-unknown-fields']) return {};
    return undefined;
  }

  /** Schema of the elements when `s` describes an array. */
  items(s: JSONSchema): JSONSchema | undefined {
    const r = this.resolve(s);
    return r.items ? this.resolve(r.items) : r['x-kubernetes-preserve-unknown-fields'] ? {} : undefined;
  }

  /** Schema at a path of property names and array indexes, or undefined where the schema ends. */
  at(s: JSONSchema, path: (string | number)[]): JSONSchema | undefined {
    let cur: JSONSchema | undefined = this.resolve(s);
    for (const seg of path) {
      if (!cur) return undefined;
      cur = typeof seg === 'number' ? this.items(cur) : this.property(cur, seg);
    }
    return cur;
  }
}

/** Kubernetes list semantics of an array schema (atomic when unannotated). */
export function listTypeOf(s: JSONSchema): { type: 'atomic' | 'set' | 'map'; keys: string[] } {
  const t = s['x-kubernetes-list-type'];
  if (t === 'map') return { type: 'map', keys: s['x-kubernetes-list-map-keys'] ?? [] };
  if (t === 'set') return { type: 'set', keys: [] };
  // Strategic-merge-only annotations imply map/set semantics for older built-in fields.
  const strategy = s['x-kubernetes-patch-strategy'] ?? '';
  if (strategy.split(',').includes('merge')) {
    const key = s['x-kubernetes-patch-merge-key'];
    return key ? { type: 'map', keys: [key] } : { type: 'set', keys: [] };
  }
  return { type: 'atomic', keys: [] };
}
