/**
 * Schema defaulting as the API server applies it to CRDs (and, through `default` in the
 * built-in schemas, to constant defaults of built-in kinds): a missing property whose schema
 * has a default gets a copy of it; defaults never apply inside absent parents.
 */
import { deepClone, isPlainObject } from '../object.js';
import type { SchemaSet } from './resolve.js';
import type { JSONSchema } from './types.js';

export interface DefaultOptions {
  /**
   * Treat "" like an absent value for string fields with a default: Go's defaulting cannot tell
   * them apart for built-in kinds (restartPolicy: "" becomes Always).
   */
  emptyStringIsUnset?: boolean;
}

export function applyDefaults(value: unknown, schema: JSONSchema, set: SchemaSet, opts: DefaultOptions = {}): void {
  const s = set.resolve(schema);
  if (Array.isArray(value)) {
    if (s.items) for (const item of value) applyDefaults(item, s.items, set, opts);
    return;
  }
  if (!isPlainObject(value)) return;
  if (s.properties) {
    for (const [key, prop] of Object.entries(s.properties)) {
      const current = value[key];
      const d = prop.default !== undefined ? prop.default : prop.$ref ? set.resolve(prop).default : undefined;
      const unset = current === undefined || (opts.emptyStringIsUnset && current === '' && typeof d === 'string' && d !== '');
      if (unset) {
        if (d !== undefined) {
          value[key] = deepClone(d);
          applyDefaults(value[key], prop, set, opts);
        }
      } else if (current !== null) {
        applyDefaults(current, prop, set, opts);
      }
    }
  }
  if (typeof s.additionalProperties === 'object') {
    const ap = s.additionalProperties;
    for (const key of Object.keys(value)) {
      if (s.properties?.[key]) continue;
      if (value[key] !== null) applyDefaults(value[key], ap, set, opts);
    }
  }
}
