/**
 * metadata.managedFields: decoding and encoding the entries, and the field ownership tracking
 * of non-apply writes (create, update, patch), as Kubernetes' field manager does it.
 *
 * Entries are identified like Kubernetes' manager identifiers: (manager, operation, apiVersion,
 * subresource) for updates, (manager, subresource) for appliers, whose apiVersion follows their
 * latest apply.
 */
import { deepEqual, isPlainObject, type KObject, type ManagedFieldsEntry } from '../../apis/object.js';
import type { SchemaSet } from '../../apis/schema/resolve.js';
import type { JSONSchema } from '../../apis/schema/types.js';
import { compareObjects, FieldSet, typeContext, type Comparison } from './fieldset.js';
import type { TypeContext } from './typed.js';

/** One decoded managedFields entry. */
export interface ManagerRecord {
  manager: string;
  operation: string;
  apiVersion: string;
  subresource?: string;
  time?: string;
  fields: FieldSet;
}

/** Managers by identifier. */
export type Managers = Map<string, ManagerRecord>;

export interface ManagerKey {
  manager: string;
  operation: string;
  apiVersion: string;
  subresource?: string;
}

/** Kubernetes' manager identifier: the entry without time and fields (and apiVersion, for appliers) as JSON. */
export function managerId(k: ManagerKey): string {
  const o: Record<string, string> = {};
  if (k.manager) o.manager = k.manager;
  if (k.operation) o.operation = k.operation;
  if (k.operation !== 'Apply' && k.apiVersion) o.apiVersion = k.apiVersion;
  if (k.subresource) o.subresource = k.subresource;
  return JSON.stringify(o);
}

/** How conflict messages name a manager: `"kubectl" using apps/v1`, `"m" with subresource "status" using v1`, `"applier"`. */
export function printManager(r: ManagerKey): string {
  let s = JSON.stringify(r.manager);
  if (r.subresource) s += ` with subresource ${JSON.stringify(r.subresource)}`;
  if (r.operation === 'Update') s += ` using ${r.apiVersion}`;
  return s;
}

/** Decodes managedFields; throws on entries Kubernetes would refuse to decode. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): Managers {
  const out: Managers = new Map();
  (entries ?? []).forEach((e, i) => {
    if (!isPlainObject(e)) throw new Error(`invalid managed fields entry ${i}`);
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new Error('apiVersion must not be empty');
    if (e.fieldsType !== 'FieldsV1') {
      throw new Error(e.fieldsType ? `invalid fieldsType "${e.fieldsType}" in managed fields entry ${i}` : `missing fieldsType in managed fields entry ${i}`);
    }
    const rec: ManagerRecord = {
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      ...(e.subresource ? { subresource: e.subresource } : {}),
      ...(e.time ? { time: e.time } : {}),
      fields: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}),
    };
    out.set(managerId(rec), rec);
  });
  return out;
}

/** Decodes, or returns no managers when the entries are malformed. */
export function decodeManagedFieldsOrEmpty(entries: readonly ManagedFieldsEntry[] | undefined): Managers {
  try {
    return decodeManagedFields(entries);
  } catch {
    return new Map();
  }
}

const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Entries in Kubernetes' order: Apply before Update, then by time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const records = [...managers.values()].filter((r) => !r.fields.isEmpty);
  records.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
  return records.map((r) => ({
    ...(r.manager ? { manager: r.manager } : {}),
    operation: r.operation as 'Apply' | 'Update',
    apiVersion: r.apiVersion,
    ...(r.time ? { time: r.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: r.fields.toFieldsV1(),
    ...(r.subresource ? { subresource: r.subresource } : {}),
  }));
}

export function cloneManagers(m: Managers): Managers {
  return new Map([...m].map(([k, r]) => [k, { ...r, fields: r.fields.clone() }]));
}

/** Same managers owning the same fields (times ignored). */
export function sameOwnership(a: Managers, b: Managers): boolean {
  if (a.size !== b.size) return false;
  for (const [k, r] of a) {
    const o = b.get(k);
    if (!o || o.apiVersion !== r.apiVersion || !o.fields.equals(r.fields)) return false;
  }
  return true;
}

/** A comparison without the fields the type resets (status on the main resource, spec on status). */
export function filterComparison(c: Comparison, ignored: FieldSet | undefined): Comparison {
  if (!ignored) return c;
  return {
    added: c.added.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored),
  };
}

/**
 * Kubernetes' update tracking: the writer takes every field it added or changed from whoever
 * owned it, removed fields leave every owner, and emptied entries disappear. The writer's entry
 * (its previous fields plus the new ones) gets time `now` if it took anything.
 */
export function trackUpdate(
  ctx: TypeContext,
  managers: Managers,
  oldObj: unknown,
  newObj: unknown,
  who: { manager: string; apiVersion: string; subresource?: string },
  now: string,
  ignored?: FieldSet,
): void {
  const c = filterComparison(compareObjects(oldObj, newObj, ctx.root, ctx.set), ignored);
  const changed = c.modified.union(c.added);
  for (const [id, r] of managers) {
    const rest = r.fields.difference(changed).difference(c.removed);
    if (rest.isEmpty) managers.delete(id);
    else r.fields = rest;
  }
  if (changed.isEmpty) return;
  const key: ManagerKey = { manager: who.manager, operation: 'Update', apiVersion: who.apiVersion, ...(who.subresource ? { subresource: who.subresource } : {}) };
  const id = managerId(key);
  const prev = managers.get(id);
  managers.set(id, { ...key, time: now, fields: prev ? changed.union(prev.fields) : changed });
}

export const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';

/** Kubernetes' cap on Update entries: the oldest are merged into per-version "ancient-changes" entries. */
export function capUpdateManagers(managers: Managers, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managers].filter(([, r]) => r.operation !== 'Apply').map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((a, b) => seconds(managers.get(a)!.time) - seconds(managers.get(b)!.time) || cmp(a, b));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i]!;
    const r = managers.get(id)!;
    const bucketKey: ManagerKey = { manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: r.apiVersion };
    const bucket = managerId(bucketKey);
    const first = firstByVersion.get(r.apiVersion);
    if (first === undefined) {
      firstByVersion.set(r.apiVersion, id);
      continue;
    }
    if (!managers.has(bucket)) {
      const f = managers.get(first)!;
      managers.delete(first);
      managers.set(bucket, { ...bucketKey, fields: f.fields, ...(f.time ? { time: f.time } : {}) });
    }
    const b = managers.get(bucket)!;
    managers.delete(id);
    managers.set(bucket, { ...bucketKey, fields: r.fields.union(b.fields), ...(r.time ? { time: r.time } : {}) });
    length--;
  }
}

export interface UpdateManagedFieldsOptions {
  /** The stored object; absent on create. */
  oldObj?: KObject;
  /** The object about to be stored; its metadata.managedFields is rewritten. */
  newObj: KObject;
  manager: string;
  operation: 'Update';
  apiVersion: string;
  subresource?: string;
  now: string;
  schema: JSONSchema;
  set: SchemaSet;
  /** Fields the endpoint resets and nobody may own through it (e.g. status on the main resource). */
  ignoredFields?: FieldSet;
  /**
   * What a create is compared against (Kubernetes compares with the type's zero value, where
   * non-pointer structs such as spec or spec.template are already present and so are not
   * themselves recorded as added). Defaults to {}.
   */
  emptyObject?: KObject;
}

const isResetRequest = (mf: unknown): boolean => Array.isArray(mf) && mf.length === 1 && deepEqual(mf[0], {});

/**
 * Records a create, update or patch in newObj.metadata.managedFields.
 *
 * managedFields sent by the client replace the stored ones (except on subresources); an empty
 * or absent list keeps the stored ones; `[{}]` resets them, after which the writer owns only
 * what this request changed. Updating an object that has no managedFields does not start
 * tracking (Kubernetes only starts on create or apply).
 */
export function updateManagedFields(opts: UpdateManagedFieldsOptions): void {
  const ctx = typeContext(opts.schema, opts.set);
  const meta = (opts.newObj.metadata ??= {});
  const sent = meta.managedFields as unknown;
  let managers: Managers | undefined;
  let reset = false;
  if (!opts.subresource && Array.isArray(sent) && sent.length > 0) {
    if (isResetRequest(sent)) {
      managers = new Map();
      reset = true;
    } else {
      try {
        managers = decodeManagedFields(sent as ManagedFieldsEntry[]);
      } catch {
        managers = undefined;
      }
    }
  }
  managers ??= decodeManagedFieldsOrEmpty(opts.oldObj?.metadata?.managedFields);
  delete meta.managedFields;
  if (opts.oldObj && managers.size === 0 && !reset) return;

  trackUpdate(
    ctx,
    managers,
    opts.oldObj ?? opts.emptyObject ?? {},
    opts.newObj,
    { manager: opts.manager, apiVersion: opts.apiVersion, ...(opts.subresource ? { subresource: opts.subresource } : {}) },
    opts.now,
    opts.ignoredFields,
  );
  capUpdateManagers(managers);
  setManagedFields(opts.newObj, managers);
}

/** Writes the managers into obj.metadata.managedFields (removing the field when there are none). */
export function setManagedFields(obj: KObject, managers: Managers): void {
  const entries = encodeManagedFields(managers);
  const meta = (obj.metadata ??= {});
  if (entries.length) meta.managedFields = entries;
  else delete meta.managedFields;
}

export const FIELD_MANAGER_MAX_LENGTH = 128;

/**
 * The field manager Kubernetes derives from a User-Agent: the text before the first '/',
 * without unprintable characters, at most 128 bytes ("kubectl/v1.30.0 (linux/amd64)" -> "kubectl").
 */
export function managerFromUserAgent(userAgent: string): string {
  const head = userAgent.split('/')[0] ?? '';
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    if (!/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** The fieldManager query parameter if given, else the User-Agent prefix. */
export const managerOrUserAgent = (fieldManager: string | undefined, userAgent: string | undefined): string =>
  fieldManager || managerFromUserAgent(userAgent ?? '');
