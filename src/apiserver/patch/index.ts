/**
 * The PATCH body formats kube-apiserver accepts, chosen by the request's Content-Type:
 * JSON Patch, JSON Merge Patch, strategic merge patch (built-in kinds only) and server-side
 * apply (handled elsewhere).
 */
import type { SchemaSet } from '../../apis/schema/resolve.js';
import type { JSONSchema } from '../../apis/schema/types.js';
import { StatusError } from '../errors.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

export { applyJsonPatch, decodeJsonPatch, formatJsonPointer, parseJsonPointer, validateJsonPatchOps } from './json-patch.js';
export type { JsonPatchOperation, JsonPatchOpName, ValidateJsonPatchOptions } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Content types of PATCH bodies, in the order kube-apiserver lists them. */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/**
 * The patch type of a Content-Type header value (parameters such as charset ignored, case
 * insensitive), or undefined for anything else, including application/apply-patch+cbor.
 */
export function patchTypeFromContentType(ct: string): PatchType | undefined {
  const mediaType = ct.split(';', 1)[0]!.trim().toLowerCase();
  for (const [type, contentType] of Object.entries(PATCH_CONTENT_TYPES) as [PatchType, string][]) {
    if (mediaType === contentType) return type;
  }
  return undefined;
}

/**
 * Applies a JSON, merge or strategic merge patch to `doc` (the current object in the request's
 * version) and returns the patched object; the inputs are left unchanged. Strategic merge patch
 * needs the kind's schema: without one (custom resources) it is a 415, as in Kubernetes.
 */
export function applyPatch(
  type: 'json' | 'merge' | 'strategic',
  doc: unknown,
  patch: unknown,
  schema?: JSONSchema,
  set?: SchemaSet,
): unknown {
  switch (type) {
    case 'json':
      return applyJsonPatch(doc, patch);
    case 'merge':
      return applyMergePatch(doc, patch);
    case 'strategic':
      if (!schema || !set) {
        throw new StatusError(415, 'UnsupportedMediaType', 'strategic merge patch format is not supported');
      }
      return applyStrategicMergePatch(doc, patch, schema, set);
  }
}
