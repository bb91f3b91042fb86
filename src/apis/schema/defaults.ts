/**
 * Schema defaulting as the API server applies it to CRDs (and, through `default` in the
 * built-in schemas, to constant defaults of built-in kinds): a missing property whose schema
 * has a default gets a copy of it; defaults never apply inside absent parents.
 */
import { deepClone, isPlainObject } from '../object.js';
import type { SchemaSet } from './resolve.js';
import type { JSONSchema } from './types.js';

export function applyDefaults(value: unknown, schema: JSONSchema, set: SchemaSet): void {
  const s = set.resolve(schema);
  if (Array.isArray(value)) {
    if (s.items) for (const item of value) applyDefaults(item, s.items, set);
    return;
  }
  if (!isPlainObject(value)) return;
  if (s.properties) {
    for (const [key, prop] of Object.entries(s.properties)) {
      const current = value[key];
      if (current === undefined) {
        const d = prop.default !== undefined ? prop.default : prop.$ref ? set.resolve(prop).default : undefined;
        if (d !== undefined) {
          value[key] = deepClone(d);
          applyDefaults(value[key], prop, set);
        }
      } else if (current !== null) {
        applyDefaults(current, prop, set);
      }
    }
  }
  if (typeof s.additionalProperties === 'object') {
    const ap = s.additionalProperties;
    for (const key of Object.keys(value)) {
      if (s.properties?.[key]) continue;
      if (value[key] !== null) applyDefaults(value[key], ap, set);
    }
  }
}
