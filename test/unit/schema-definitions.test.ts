import { describe, expect, it } from 'vitest';
import { builtinDefinitions } from '../../src/apis/builtin-schemas.js';
import type { JSONSchema } from '../../src/apis/schema/types.js';

function refsOf(s: JSONSchema, out: string[] = []): string[] {
  if (s.$ref) out.push(s.$ref);
  for (const p of Object.values(s.properties ?? {})) refsOf(p, out);
  if (typeof s.additionalProperties === 'object') refsOf(s.additionalProperties, out);
  if (s.items) refsOf(s.items, out);
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) for (const x of s[k] ?? []) refsOf(x, out);
  return out;
}

describe('built-in schema definitions', () => {
  it('every $ref names a defined schema', () => {
    const missing: string[] = [];
    for (const [name, s] of builtinDefinitions) {
      for (const r of refsOf(s)) if (!builtinDefinitions.has(r)) missing.push(`${name} -> ${r}`);
    }
    expect(missing).toEqual([]);
  });

  it('list-map keys and merge keys name properties of the item type', () => {
    const bad: string[] = [];
    const resolve = (s: JSONSchema): JSONSchema => (s.$ref ? resolve(builtinDefinitions.get(s.$ref)!) : s);
    const visit = (where: string, s: JSONSchema) => {
      for (const [k, p] of Object.entries(s.properties ?? {})) {
        if (p.type === 'array' && p.items) {
          const item = resolve(p.items);
          const keys = [...(p['x-kubernetes-list-map-keys'] ?? []), ...(p['x-kubernetes-patch-merge-key'] ? [p['x-kubernetes-patch-merge-key']] : [])];
          for (const key of keys) if (!item.properties?.[key]) bad.push(`${where}.${k} key ${key}`);
        }
      }
    };
    for (const [name, s] of builtinDefinitions) visit(name, s);
    expect(bad).toEqual([]);
  });
});
