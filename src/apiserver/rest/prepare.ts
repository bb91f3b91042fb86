/**
 * Steps shared by create, update and patch: version conversion, defaulting, system metadata,
 * generation tracking, managed fields, validation and namespace admission.
 */
import { randomBytes } from 'node:crypto';
import { deepClone, deepEqual, type KObject } from '../../apis/object.js';
import { applyDefaults } from '../../apis/schema/defaults.js';
import { validateValue } from '../../apis/schema/validate.js';
import { invalidError, type FieldError } from '../../apis/validation/field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apis/validation/objectmeta.js';
import { updateManagedFields } from '../apply/managed-fields.js';
import { forbidden, notFound } from '../errors.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import { strategyContext, type Api, type RestContext } from './context.js';

export function storageVersion(type: ResourceType): ServedVersion {
  return type.versions.find((v) => v.storage) ?? type.versions[0]!;
}

/** Request version -> storage version. */
export function toStorage(version: ServedVersion, obj: KObject): KObject {
  return version.toStorage ? version.toStorage(obj) : obj;
}

/** Storage version -> request version. Returns a copy the caller may change. */
export function fromStorage(version: ServedVersion, stored: KObject): KObject {
  return version.fromStorage ? version.fromStorage(stored) : stored;
}

/** Schema defaults in the request version, conversion, storage-version and code defaults. */
export function defaultAndConvert(type: ResourceType, version: ServedVersion, obj: KObject): KObject {
  const opts = { emptyStringIsUnset: type.builtin };
  applyDefaults(obj, version.schema, type.schemas, opts);
  const stored = toStorage(version, obj);
  const sv = storageVersion(type);
  if (sv !== version) applyDefaults(stored, sv.schema, type.schemas, opts);
  type.strategy.defaults?.(stored);
  return stored;
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName suffix: 5 characters from Kubernetes' alphabet (no vowels, no look-alikes). */
export function generateNameSuffix(): string {
  const b = randomBytes(5);
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_CHARS[b[i]! % NAME_CHARS.length];
  return s;
}

export function tracksGeneration(type: ResourceType): boolean {
  return type.strategy.generation !== 'none';
}

/** Whether an update changed what metadata.generation counts. */
export function generationChanged(type: ResourceType, obj: KObject, old: KObject): boolean {
  switch (type.strategy.generation) {
    case 'none':
      return false;
    case 'spec':
      return !deepEqual(obj.spec, old.spec);
    case 'spec-and-annotations':
      return !deepEqual(obj.spec, old.spec) || !deepEqual(obj.metadata?.annotations, old.metadata?.annotations);
    case 'all-but-metadata': {
      const strip = (o: KObject) => {
        const { metadata: _m, status: _s, ...rest } = o;
        return rest;
      };
      return !deepEqual(strip(obj), strip(old));
    }
  }
}

export function recordManagedFields(
  type: ResourceType,
  version: ServedVersion,
  obj: KObject,
  old: KObject | undefined,
  ctx: RestContext,
  subresource?: string,
): void {
  const sv = storageVersion(type);
  updateManagedFields({
    ...(old ? { oldObj: old } : {}),
    newObj: obj,
    manager: ctx.fieldManager,
    operation: 'Update',
    apiVersion: version === sv ? obj.apiVersion ?? sv.name : `${type.group ? type.group + '/' : ''}${version.name}`,
    ...(subresource ? { subresource } : {}),
    now: ctx.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    schema: sv.schema,
    set: type.schemas,
  });
}

function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.type}|${e.field}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Metadata, schema and kind validation of a stored-version object; throws 422 Invalid. */
export function validateForCreate(api: Api, type: ResourceType, obj: KObject, ctx: RestContext): void {
  const errs = [
    ...validateObjectMeta(obj.metadata ?? {}, { namespaced: type.namespaced, nameRule: type.strategy.nameRule }),
    ...validateValue(obj, storageVersion(type).schema, type.schemas, { checkTypes: !type.builtin }),
    ...(type.strategy.validate?.(obj, strategyContext(api, ctx)) ?? []),
    ...(api.admission ?? []).flatMap((a) => a.validate({ type, obj, operation: 'create' })),
  ];
  if (errs.length) throw invalidError(type.kind, type.group, obj.metadata?.name ?? '', dedupe(errs));
}

export function validateForUpdate(
  api: Api,
  type: ResourceType,
  obj: KObject,
  old: KObject,
  ctx: RestContext,
  subresource?: string,
): void {
  const sctx = strategyContext(api, ctx);
  const errs: FieldError[] = [
    ...validateObjectMeta(obj.metadata ?? {}, { namespaced: type.namespaced, nameRule: type.strategy.nameRule }),
    ...validateObjectMetaUpdate(obj.metadata ?? {}, old.metadata ?? {}),
    ...validateValue(obj, storageVersion(type).schema, type.schemas, { checkTypes: !type.builtin }),
  ];
  if (subresource === 'status') errs.push(...(type.strategy.validateStatusUpdate?.(obj, old, sctx) ?? []));
  else {
    errs.push(...(type.strategy.validate?.(obj, sctx) ?? []));
    errs.push(...(type.strategy.validateUpdate?.(obj, old, sctx) ?? []));
  }
  errs.push(...(api.admission ?? []).flatMap((a) => a.validate({ type, obj, old, operation: 'update', ...(subresource ? { subresource } : {}) })));
  const oldFinalizers = new Set(old.metadata?.finalizers ?? []);
  if (old.metadata?.deletionTimestamp && (obj.metadata?.finalizers ?? []).some((f) => !oldFinalizers.has(f))) {
    errs.push({ type: 'FieldValueForbidden', field: 'metadata.finalizers', detail: 'no new finalizers can be added if the object is being deleted' });
  }
  if (errs.length) throw invalidError(type.kind, type.group, obj.metadata?.name ?? '', dedupe(errs));
}

/** New content may only go into a namespace that exists and is not terminating. */
export function admitNamespace(api: Api, type: ResourceType, obj: KObject): void {
  if (!type.namespaced) return;
  const nsType = api.registry.byGroupResource('', 'namespaces')!;
  const ns = obj.metadata!.namespace!;
  const nsObj = api.lookup.get(nsType, '', ns);
  if (!nsObj) throw notFound({ group: '', resource: 'namespaces' }, ns);
  if (nsObj.metadata?.deletionTimestamp || nsObj.status?.phase === 'Terminating') {
    const message = `unable to create new content in namespace ${ns} because it is being terminated`;
    throw forbidden(`${type.resource}${type.group ? '.' + type.group : ''} "${obj.metadata?.name ?? ''}" is forbidden: ${message}`, {
      name: obj.metadata?.name,
      group: type.group,
      kind: type.resource,
      causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }],
    });
  }
}

/** Objects compared for "did this update change anything" (resourceVersion and manager timestamps ignored). */
export function sameContent(a: KObject, b: KObject): boolean {
  const norm = (o: KObject) => {
    const c = deepClone(o);
    if (c.metadata) {
      delete c.metadata.resourceVersion;
      for (const m of c.metadata.managedFields ?? []) delete m.time;
    }
    return c;
  };
  return deepEqual(norm(a), norm(b));
}
