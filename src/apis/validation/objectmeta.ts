/**
 * ObjectMeta and label validation as k8s.io/apimachinery/pkg/api/validation
 * and pkg/apis/core/validation (ValidateObjectMeta, ValidateObjectMetaUpdate) do it.
 */
import type { ObjectMeta, OwnerReference } from '../object.js';
import { deepEqual, parseApiVersion } from '../object.js';
import { FieldPath, forbidden, invalid, required, tooLong, type FieldError } from './field.js';
import { byteLength, isQualifiedName, isValidLabelValue, nameRuleFn, type NameFn, type NameRule } from './names.js';

export const FIELD_IMMUTABLE = 'field is immutable';
export const IS_NEGATIVE = 'must be greater than or equal to 0';
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Finalizer names without a domain prefix that Kubernetes accepts. */
// Includes the apiextensions cleanup finalizer, which Kubernetes also accepts without a slash.
export const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion', 'customresourcecleanup.apiextensions.k8s.io']);

export interface ObjectMetaOptions {
  namespaced: boolean;
  nameRule: NameRule | NameFn;
  /**
   * Also reject unprefixed finalizer names other than the standard ones (core's
   * validateKubeFinalizerName). True for all kinds validated through pkg/apis/core/validation.
   */
  kubeFinalizers?: boolean;
}

const root = (p?: FieldPath) => p ?? FieldPath.root('metadata');

/** ValidateNonnegativeField. */
export function validateNonnegative(value: number | undefined | null, path: FieldPath): FieldError[] {
  return typeof value === 'number' && value < 0 ? [invalid(path, value, IS_NEGATIVE)] : [];
}

/** ValidateImmutableField: `field is immutable` with the new value. */
export function validateImmutable(newVal: unknown, oldVal: unknown, path: FieldPath): FieldError[] {
  return deepEqual(newVal ?? null, oldVal ?? null) ? [] : [invalid(path, newVal, FIELD_IMMUTABLE)];
}

export function validateLabelName(key: string, path: FieldPath): FieldError[] {
  return isQualifiedName(key).map((m) => invalid(path, key, m));
}

/** Label keys and values; errors are reported on the map's path (`metadata.labels`). */
export function validateLabels(labels: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    for (const m of isValidLabelValue(String(v))) errs.push(invalid(path, v, m));
  }
  return errs;
}

/** Annotation keys are qualified names (case-insensitive); keys and values total at most 256 KiB. */
export function validateAnnotations(annotations: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, m));
    size += byteLength(k) + byteLength(String(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

function validateOwnerReference(ref: OwnerReference, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = ref.apiVersion ?? '';
  // schema.ParseGroupVersion: more than one '/' is an error, which leaves the version empty.
  const gv = apiVersion.split('/').length > 2 ? { group: '', version: '' } : parseApiVersion(apiVersion);
  if (!gv.version) errs.push(invalid(path.child('apiVersion'), apiVersion, 'version must not be empty'));
  if (!ref.kind) errs.push(invalid(path.child('kind'), ref.kind ?? '', 'must not be empty'));
  if (!ref.name) errs.push(invalid(path.child('name'), ref.name ?? '', 'must not be empty'));
  if (!ref.uid) errs.push(invalid(path.child('uid'), ref.uid ?? '', 'must not be empty'));
  if (gv.group === '' && gv.version === 'v1' && ref.kind === 'Event') {
    errs.push(invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
  }
  return errs;
}

export function validateOwnerReferences(refs: OwnerReference[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    errs.push(...validateOwnerReference(ref, path));
    if (ref.controller === true) {
      const cur = `${ref.kind}/${ref.name}`;
      if (firstController) {
        errs.push(
          invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`),
        );
      } else firstController = cur;
    }
  }
  return errs;
}

/** Qualified-name finalizers (errors on the list's path), and orphan + foregroundDeletion together. */
export function validateFinalizers(finalizers: string[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers ?? []) errs.push(...isQualifiedName(f).map((m) => invalid(path, f, m)));
  if (finalizers?.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(invalid(path, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/** core's validateKubeFinalizerName: an unprefixed name must be a standard finalizer. */
export function validateKubeFinalizerName(name: string, path: FieldPath): FieldError[] {
  if (name.split('/').length === 1 && !STANDARD_FINALIZERS.has(name)) {
    return [invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified')];
  }
  return [];
}

function kubeFinalizerErrors(meta: ObjectMeta, path: FieldPath): FieldError[] {
  return (meta.finalizers ?? []).flatMap((f, i) => validateKubeFinalizerName(f, path.child('finalizers').index(i)));
}

/** Go's %#v of a []string, as in "found new finalizers []string{"a", "b"}". */
const goStringSlice = (xs: string[]) => `[]string{${xs.map((x) => JSON.stringify(x)).join(', ')}}`;

/**
 * ValidateObjectMeta on create. Name generation is expected to have happened already; a name
 * that is still missing is accepted when generateName is set.
 */
export function validateObjectMeta(meta: ObjectMeta, opts: ObjectMetaOptions, path?: FieldPath): FieldError[] {
  const p = root(path);
  const nameFn = typeof opts.nameRule === 'function' ? opts.nameRule : nameRuleFn(opts.nameRule);
  const errs: FieldError[] = [];
  if (meta.generateName) {
    for (const m of nameFn(meta.generateName, true)) errs.push(invalid(p.child('generateName'), meta.generateName, m));
  }
  if (!meta.name) {
    if (!meta.generateName) errs.push(required(p.child('name'), 'name or generateName is required'));
  } else {
    for (const m of nameFn(meta.name, false)) errs.push(invalid(p.child('name'), meta.name, m));
  }
  if (opts.namespaced) {
    if (!meta.namespace) errs.push(required(p.child('namespace'), ''));
    else for (const m of nameRuleFn('dns1123-label')(meta.namespace, false)) errs.push(invalid(p.child('namespace'), meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(forbidden(p.child('namespace'), 'not allowed on this type'));
  }
  errs.push(...validateNonnegative(meta.generation, p.child('generation')));
  errs.push(...validateLabels(meta.labels, p.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, p.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, p.child('ownerReferences')));
  errs.push(...validateFinalizers(meta.finalizers, p.child('finalizers')));
  if (opts.kubeFinalizers !== false) errs.push(...kubeFinalizerErrors(meta, p));
  return errs;
}

/**
 * ValidateObjectMetaUpdate. resourceVersion and generation are server-managed here and not
 * checked; identity fields must not change.
 */
export function validateObjectMetaUpdate(
  newMeta: ObjectMeta,
  oldMeta: ObjectMeta,
  path?: FieldPath,
  opts: { kubeFinalizers?: boolean } = {},
): FieldError[] {
  const p = root(path);
  const errs: FieldError[] = [];
  if (oldMeta.deletionTimestamp) {
    const old = new Set(oldMeta.finalizers ?? []);
    const extra = [...new Set((newMeta.finalizers ?? []).filter((f) => !old.has(f)))].sort();
    if (extra.length) {
      errs.push(forbidden(p.child('finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`));
    }
  }
  errs.push(...validateImmutable(newMeta.name ?? '', oldMeta.name ?? '', p.child('name')));
  errs.push(...validateImmutable(newMeta.namespace ?? '', oldMeta.namespace ?? '', p.child('namespace')));
  errs.push(...validateImmutable(newMeta.uid ?? '', oldMeta.uid ?? '', p.child('uid')));
  errs.push(...validateImmutable(newMeta.creationTimestamp, oldMeta.creationTimestamp, p.child('creationTimestamp')));
  errs.push(...validateImmutable(newMeta.deletionTimestamp, oldMeta.deletionTimestamp, p.child('deletionTimestamp')));
  errs.push(...validateImmutable(newMeta.deletionGracePeriodSeconds, oldMeta.deletionGracePeriodSeconds, p.child('deletionGracePeriodSeconds')));
  errs.push(...validateLabels(newMeta.labels, p.child('labels')));
  errs.push(...validateAnnotations(newMeta.annotations, p.child('annotations')));
  errs.push(...validateOwnerReferences(newMeta.ownerReferences, p.child('ownerReferences')));
  if (opts.kubeFinalizers !== false) errs.push(...kubeFinalizerErrors(newMeta, p));
  return errs;
}
