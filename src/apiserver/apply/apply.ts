/**
 * Server-side apply (PATCH application/apply-patch+yaml), with structured-merge-diff's
 * semantics:
 *
 * - the configuration is merged into the live object (list-map items by key, sets unioned,
 *   atomic lists and maps replaced);
 * - fields the applier set last time but left out now are removed, unless someone else owns them;
 * - a change to a field owned by another manager is a conflict (409) unless forced, in which
 *   case the field changes hands; fields set to the value they already have become shared;
 * - the applier's Apply entry becomes exactly the fields of its configuration.
 *
 * Also Kubernetes' extras around it: "before-first-apply" ownership for objects without
 * managedFields, and kubectl's client-side to server-side apply upgrade (conflicts on fields
 * recorded unchanged in the last-applied-configuration annotation are forced for the manager
 * "kubectl", and that annotation is kept in sync).
 */
import { deepEqual, isPlainObject, type KObject } from '../../apis/object.js';
import type { SchemaSet } from '../../apis/schema/resolve.js';
import type { JSONSchema } from '../../apis/schema/types.js';
import { badRequest, StatusError, type StatusCause } from '../errors.js';
import { compareObjects, ensureNamedFieldsAreMembers, fieldSetFromObject, FieldSet, typeContext, type Path } from './fieldset.js';
import {
  cloneManagers,
  decodeManagedFieldsOrEmpty,
  filterComparison,
  managerId,
  printManager,
  sameOwnership,
  setManagedFields,
  trackUpdate,
  type ManagerKey,
  type Managers,
} from './managed-fields.js';
import { dropNulls, mergeObjects, removeItems } from './merge.js';
import { field, formatPath, goJSON } from './path.js';
import type { TypeContext } from './typed.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export interface ApplyOptions {
  /** The stored object; absent when the apply creates it. */
  live?: KObject;
  /** The applied configuration (not mutated). */
  config: KObject;
  manager: string;
  force: boolean;
  apiVersion: string;
  subresource?: string;
  now: string;
  schema: JSONSchema;
  set: SchemaSet;
  /** Fields the endpoint resets and nobody may own through it (e.g. status on the main resource). */
  ignoredFields?: FieldSet;
  /** What a create starts from (see UpdateManagedFieldsOptions.emptyObject). Defaults to {}. */
  emptyObject?: KObject;
}

interface Conflict {
  key: ManagerKey;
  id: string;
  path: Path;
}

class ApplyConflicts extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super('apply conflicts');
  }
}

/** Applies a configuration; returns the new object with its managedFields, or throws a 409 on conflicts. */
export function applyConfiguration(opts: ApplyOptions): KObject {
  const ctx = typeContext(opts.schema, opts.set);
  if (opts.config.metadata?.managedFields != null) throw badRequest('metadata.managedFields must be nil');
  if (opts.config.apiVersion && opts.config.apiVersion !== opts.apiVersion) {
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${opts.config.apiVersion}, expected: ${opts.apiVersion}`,
    );
  }
  const base = withoutManagedFields(opts.live ?? opts.emptyObject ?? {});
  const managers: Managers = opts.live ? decodeManagedFieldsOrEmpty(opts.live.metadata?.managedFields) : new Map();
  if (opts.live && managers.size === 0) {
    // Whatever is there already belongs to someone: Kubernetes records it as an update.
    const who = { manager: BEFORE_FIRST_APPLY_MANAGER, apiVersion: opts.apiVersion, ...(opts.subresource ? { subresource: opts.subresource } : {}) };
    trackUpdate(ctx, managers, withoutManagedFields(opts.emptyObject ?? {}), base, who, opts.now, opts.ignoredFields);
  }
  const before = cloneManagers(managers);

  let result: { obj: unknown; managers: Managers };
  try {
    result = applyOnce(ctx, cloneManagers(managers), base, opts, opts.force);
  } catch (e) {
    if (!(e instanceof ApplyConflicts)) throw e;
    const allowed = opts.manager === 'kubectl' && opts.live ? allowedByLastApplied(ctx, opts.live) : undefined;
    if (!allowed) throw conflictError(e.conflicts);
    const remaining = e.conflicts.filter((c) => !allowed.has(c.path));
    if (remaining.length) throw conflictError(remaining);
    result = applyOnce(ctx, cloneManagers(managers), base, opts, true);
  }

  const obj = dropNulls(ctx, result.obj) as KObject;
  const changed = !deepEqual(obj, base);
  const applier = result.managers.get(applierId(opts));
  // A no-op apply (same object, same ownership) keeps the entry's time, as Kubernetes does.
  if (applier && (changed || !applier.time || !sameOwnership(result.managers, before))) applier.time = opts.now;
  setManagedFields(obj, result.managers);
  if (opts.manager === 'kubectl') syncLastApplied(obj, opts.config);
  return obj;
}

const applierKey = (opts: ApplyOptions): ManagerKey => ({
  manager: opts.manager,
  operation: 'Apply',
  apiVersion: opts.apiVersion,
  ...(opts.subresource ? { subresource: opts.subresource } : {}),
});
const applierId = (opts: ApplyOptions): string => managerId(applierKey(opts));

function applyOnce(ctx: TypeContext, managers: Managers, base: KObject, opts: ApplyOptions, force: boolean): { obj: unknown; managers: Managers } {
  const merged = mergeObjects(ctx, base, opts.config);
  const id = applierId(opts);
  const previous = managers.get(id);
  let applied = fieldSetFromObject(opts.config, ctx.root, ctx.set);
  if (opts.ignoredFields) applied = applied.recursiveDifference(opts.ignoredFields);
  managers.set(id, { ...applierKey(opts), ...(previous?.time ? { time: previous.time } : {}), fields: applied });

  const obj = prune(ctx, merged, managers, previous?.fields);

  const c = filterComparison(compareObjects(base, obj, ctx.root, ctx.set), opts.ignoredFields);
  const changed = c.modified.union(c.added);
  const conflicts: Conflict[] = [];
  for (const [otherId, r] of managers) {
    if (otherId === id) continue;
    for (const path of r.fields.intersection(changed).paths()) conflicts.push({ key: r, id: otherId, path });
  }
  if (conflicts.length && !force) throw new ApplyConflicts(conflicts);
  for (const [otherId, r] of managers) {
    if (otherId !== id) r.fields = r.fields.difference(changed).difference(c.removed);
    if (r.fields.isEmpty) managers.delete(otherId);
  }
  return { obj, managers };
}

/** Paths that are never removed by pruning: what the apply configuration always carries, and metadata itself. */
const PROTECTED = FieldSet.of(
  [field('apiVersion')],
  [field('kind')],
  [field('metadata')],
  [field('metadata'), field('name')],
  [field('metadata'), field('namespace')],
);

/**
 * Removes what the applier owned last time but no longer applies, unless another manager (or
 * the new configuration) still owns it (structured-merge-diff's prune, addBackOwnedItems and
 * addBackDanglingItems).
 */
function prune(ctx: TypeContext, merged: unknown, managers: Managers, last: FieldSet | undefined): unknown {
  if (!last || last.isEmpty) return merged;
  const named = (s: FieldSet) => ensureNamedFieldsAreMembers(ctx, s);
  const fieldsOf = (v: unknown) => named(fieldSetFromObject(v, ctx.root, ctx.set));
  const lastSet = named(last);
  let owned = PROTECTED;
  for (const r of managers.values()) owned = owned.union(r.fields);

  const mergedSet = fieldsOf(merged);
  const pruned = removeItems(ctx, merged, lastSet);
  const ownedBack = removeItems(ctx, merged, mergedSet.difference(fieldsOf(pruned).union(named(owned))));
  return removeItems(ctx, merged, mergedSet.difference(fieldsOf(ownedBack)).intersection(lastSet));
}

function conflictError(conflicts: Conflict[]): StatusError {
  const sorted = [...conflicts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const causes: StatusCause[] = sorted.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.key)}`,
    field: formatPath(c.path),
  }));
  let message: string;
  if (sorted.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(sorted[0]!.key)}: ${formatPath(sorted[0]!.path)}`;
  } else {
    const lines: string[] = [];
    let current: string | undefined;
    for (const c of sorted) {
      if (c.id !== current) {
        lines.push(`conflicts with ${printManager(c.key)}:`);
        current = c.id;
      }
      lines.push(`- ${formatPath(c.path)}`);
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

/**
 * Fields kubectl's client-side apply recorded in the last-applied-configuration annotation with
 * the value they still have: the "kubectl" manager may take them over without a conflict.
 */
function allowedByLastApplied(ctx: TypeContext, live: KObject): FieldSet | undefined {
  const text = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(last)) return undefined;
  const c = compareObjects(last, withoutManagedFields(live), ctx.root, ctx.set);
  return fieldSetFromObject(last, ctx.root, ctx.set).difference(c.modified).difference(c.added).difference(c.removed);
}

/** When "kubectl" applies to an object carrying the annotation, the annotation becomes the new configuration. */
function syncLastApplied(obj: KObject, config: KObject): void {
  const annotations = obj.metadata?.annotations;
  if (!annotations?.[LAST_APPLIED_ANNOTATION]) return;
  const copy = JSON.parse(JSON.stringify(config)) as KObject;
  if (copy.metadata?.annotations) delete copy.metadata.annotations[LAST_APPLIED_ANNOTATION];
  annotations[LAST_APPLIED_ANNOTATION] = goJSON(copy) + '\n';
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) delete annotations[LAST_APPLIED_ANNOTATION];
}

function withoutManagedFields(obj: KObject): KObject {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _mf, ...meta } = obj.metadata;
  return { ...obj, metadata: meta };
}
