/**
 * Our internal schemas rendered as published OpenAPI: `$ref` names become URIs (v2
 * `#/definitions/`, v3 `#/components/schemas/`), a `$ref` with local keywords becomes
 * `allOf: [{$ref}]` plus those keywords (as Kubernetes publishes them in v3), and internal
 * formats (quantity) become plain strings.
 */
import type { JSONSchema } from '../../apis/schema/types.js';

export type OpenAPIFlavor = 'v2' | 'v3';

export function refUri(name: string, flavor: OpenAPIFlavor): string {
  return flavor === 'v2' ? `#/definitions/${name}` : `#/components/schemas/${name}`;
}

export function publishSchema(s: JSONSchema, flavor: OpenAPIFlavor): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined) continue;
    switch (k) {
      case '$ref':
        break;
      case 'properties':
        out.properties = Object.fromEntries(Object.entries(v as Record<string, JSONSchema>).map(([pk, pv]) => [pk, publishSchema(pv, flavor)]));
        break;
      case 'items':
      case 'not':
        out[k] = publishSchema(v as JSONSchema, flavor);
        break;
      case 'additionalProperties':
        out[k] = typeof v === 'object' ? publishSchema(v as JSONSchema, flavor) : v;
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[k] = (v as JSONSchema[]).map((x) => publishSchema(x, flavor));
        break;
      case 'format':
        if (v !== 'quantity') out.format = v;
        break;
      case 'nullable':
        if (flavor === 'v3') out.nullable = v;
        break;
      default:
        out[k] = v;
    }
  }
  if (s['x-kubernetes-int-or-string']) {
    if (flavor === 'v2') {
      out.type = 'string';
      out.format = 'int-or-string';
    } else {
      out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    }
  }
  if (s.$ref) {
    const ref = { $ref: refUri(s.$ref, flavor) };
    const siblings = Object.keys(out).length > 0;
    if (!siblings) return ref;
    if (flavor === 'v2') return { ...ref, ...(out.description ? { description: out.description } : {}) };
    return { allOf: [ref], ...out };
  }
  return out;
}

/** Names of every definition reachable from `roots`. */
export function reachableDefinitions(roots: JSONSchema[], defs: Map<string, JSONSchema>): Set<string> {
  const seen = new Set<string>();
  const stack: JSONSchema[] = [...roots];
  while (stack.length) {
    const s = stack.pop()!;
    if (s.$ref && !seen.has(s.$ref)) {
      seen.add(s.$ref);
      const d = defs.get(s.$ref);
      if (d) stack.push(d);
    }
    for (const p of Object.values(s.properties ?? {})) stack.push(p);
    if (typeof s.additionalProperties === 'object') stack.push(s.additionalProperties);
    if (s.items) stack.push(s.items);
    if (s.not) stack.push(s.not);
    for (const k of ['allOf', 'anyOf', 'oneOf'] as const) for (const x of s[k] ?? []) stack.push(x);
  }
  return seen;
}
