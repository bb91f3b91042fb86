/**
 * GET of one object and of collections: label and field selectors, resourceVersion semantics
 * (unset/0/NotOlderThan/Exact), and limit/continue pagination over a consistent snapshot.
 */
import type { KObject } from '../../apis/object.js';
import type { CachedObject } from '../../storage/watch-cache.js';
import { TooOldError } from '../../storage/watch-cache.js';
import { listPrefix } from '../../storage/object-store.js';
import { badRequest, gone, notFound, StatusError } from '../errors.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import { fieldsMatch, parseFieldSelector, type FieldRequirement } from '../selectors/fields.js';
import { labelsMatch, parseLabelSelector, type LabelRequirement } from '../../apis/meta/labels.js';
import { groupResource, type Api } from './context.js';
import { fromStorage } from './prepare.js';

export function getObject(api: Api, type: ResourceType, version: ServedVersion, namespace: string, name: string): KObject {
  const c = api.store.get(type, namespace, name);
  if (!c) throw notFound(groupResource(type), name);
  return fromStorage(version, c.clone());
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  /** 0 or negative: no limit. */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ObjectFilter {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
  matches(obj: KObject): boolean;
}

/** Value of a selectable field, or throws for fields the kind does not support. */
export function fieldGetter(type: ResourceType): (obj: KObject, field: string) => string | undefined {
  return (obj, field) => {
    if (field === 'metadata.name') return obj.metadata?.name;
    if (field === 'metadata.namespace') return obj.metadata?.namespace ?? '';
    const f = type.fieldSelectors?.[field];
    if (!f) throw badRequest(`field label not supported: ${field}`);
    return f(obj);
  };
}

export function buildFilter(type: ResourceType, q: { labelSelector?: string; fieldSelector?: string }): ObjectFilter {
  const labels = q.labelSelector ? parseLabelSelector(q.labelSelector) : [];
  const fields = q.fieldSelector ? parseFieldSelector(q.fieldSelector) : [];
  const get = fieldGetter(type);
  // Reject unsupported fields up front, not only when an object happens to be evaluated.
  for (const f of fields) get({ metadata: {} }, f.field);
  return {
    labels,
    fields,
    matches: (obj) =>
      (labels.length === 0 || labelsMatch(labels, obj.metadata?.labels)) &&
      (fields.length === 0 || fieldsMatch(fields, (f) => get(obj, f))),
  };
}

interface ContinueToken {
  /** Revision of the snapshot being paged. */
  rv: number;
  /** Last key returned. */
  start: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const j = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { rv: unknown; start: unknown };
    if (typeof j.rv !== 'number' || typeof j.start !== 'string' || j.rv <= 0) throw new Error('bad token');
    return { rv: j.rv, start: j.start };
  } catch {
    throw badRequest(`continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)`);
  }
}

export const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export interface ListResult {
  /** Items in the request version. Treat as read-only: they may be the cache's own objects. */
  items: KObject[];
  /** Serialized items, when available without conversion. */
  json?: string[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export function parseResourceVersion(rv: string | undefined, what = 'resourceVersion'): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid ${what} "${rv}": must be a non-negative integer`);
  return Number(rv);
}

export function listObjects(api: Api, type: ResourceType, version: ServedVersion, namespace: string, q: ListQuery): ListResult {
  const filter = buildFilter(type, q);
  const limit = q.limit ?? 0;
  const cache = api.store.cache;
  const prefix = listPrefix(type, namespace);
  let snapshotRv = cache.currentRevision();
  let start = '';
  let objects: CachedObject[];
  try {
    if (q.continue) {
      if (q.resourceVersion) throw badRequest('specifying resource version is not allowed when using continue');
      const t = decodeContinue(q.continue);
      snapshotRv = t.rv;
      start = t.start;
      objects = cache.listAt(prefix, t.rv);
    } else {
      const rv = parseResourceVersion(q.resourceVersion);
      // resourceVersionMatch itself was validated with the rest of the ListOptions.
      const match = q.resourceVersionMatch ?? '';
      if (rv !== undefined && rv > snapshotRv) {
        throw new StatusError(504, 'Timeout', `Too large resource version: ${rv}, current: ${snapshotRv}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
      }
      if (match === 'Exact' && rv !== undefined) {
        snapshotRv = rv;
        objects = cache.listAt(prefix, rv);
      } else {
        objects = cache.list(prefix);
      }
    }
  } catch (e) {
    if (e instanceof TooOldError) throw q.continue ? gone(CONTINUE_EXPIRED) : gone(`too old resource version: ${e.requested} (${e.oldest})`);
    throw e;
  }
  const selected: CachedObject[] = [];
  let next: string | undefined;
  let remaining = 0;
  for (const o of objects) {
    if (start && o.key <= start) continue;
    if (!filter.matches(o.obj)) continue;
    if (limit > 0 && selected.length === limit) {
      if (next === undefined) next = encodeContinue({ rv: snapshotRv, start: selected[selected.length - 1]!.key });
      remaining++;
      continue;
    }
    selected.push(o);
  }
  const converted = !!version.fromStorage;
  const result: ListResult = {
    items: selected.map((o) => (converted ? fromStorage(version, o.clone()) : o.obj)),
    // Unconverted items can be written from the cache's serialized form.
    ...(converted ? {} : { json: selected.map((o) => o.json) }),
    resourceVersion: String(snapshotRv),
  };
  if (next) {
    result.continue = next;
    if (filter.labels.length === 0 && filter.fields.length === 0) result.remainingItemCount = remaining;
  }
  return result;
}

