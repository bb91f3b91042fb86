/**
 * RFC 7386 JSON Merge Patch (application/merge-patch+json).
 *
 * An object patch merges key by key into the target (a non-object target is first replaced by
 * {}); a null value removes the key; any other patch value (array, string, number, boolean,
 * null at the top) replaces the target wholesale. Arrays are never merged. The caller parses
 * the body; neither argument is modified and the result shares no objects with them.
 */
import { isPlainObject } from '../../apis/object.js';

export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  // Patching an owned copy lets the recursion update it in place.
  return mergeInto(isPlainObject(patch) ? clone(doc) : undefined, patch);
}

/** Merges `patch` into `target`, which the caller owns (it may be modified and returned). */
function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else {
      const current = Object.hasOwn(out, key) ? out[key] : undefined;
      setOwn(out, key, mergeInto(current, value));
    }
  }
  return out;
}

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}
