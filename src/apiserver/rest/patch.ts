/**
 * PATCH: JSON patch, merge patch, strategic merge patch and server-side apply, applied to the
 * current object in the request's version and then stored through the update path (so
 * defaulting, validation and concurrency work exactly as for PUT). A patch without its own
 * resourceVersion is retried when another writer got in first.
 */
import { parse as parseYaml } from 'yaml';
import { deepClone, isPlainObject, nowTimestamp, type KObject } from '../../apis/object.js';
import { applyConfiguration } from '../apply/apply.js';
import { badRequest, conflict, notFound, OBJECT_MODIFIED, StatusError } from '../errors.js';
import { applyPatch, type PatchType } from '../patch/index.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import { groupResource, type Api, type RestContext } from './context.js';
import { createObject } from './create.js';
import { decodeTyped, nestingDepth, MAX_NESTING_DEPTH } from './decode-body.js';
import { fromStorage } from './prepare.js';
import { applyScale, toScale } from './scale.js';
import { updateObject } from './update.js';

export interface PatchOptions {
  subresource?: string;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

const MAX_ATTEMPTS = 5;

/** Parses a patch body: JSON for JSON/merge/strategic patches, YAML (or JSON) for apply. */
export function parsePatchBody(type: PatchType, raw: Buffer): unknown {
  const text = raw.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty; a patch is required');
  let value: unknown;
  try {
    value = type === 'apply' ? parseYaml(text, { maxAliasCount: 100, strict: true }) : JSON.parse(text);
  } catch (e) {
    throw badRequest(`couldn't decode the ${type} patch: ${(e as Error).message.split('\n')[0]}`);
  }
  if (nestingDepth(value) > MAX_NESTING_DEPTH) throw badRequest(`the patch exceeds the maximum nesting depth of ${MAX_NESTING_DEPTH}`);
  return value;
}

export async function patchObject(
  api: Api,
  type: ResourceType,
  version: ServedVersion,
  namespace: string,
  name: string,
  patchType: PatchType,
  patch: unknown,
  ctx: RestContext,
  opts: PatchOptions = {},
): Promise<KObject> {
  const gr = groupResource(type);
  if (patchType === 'apply' && !ctx.fieldManager) throw badRequest('PATCH requests with the apply patch type require a fieldManager');
  for (let attempt = 1; ; attempt++) {
    const current = api.store.get(type, namespace, name);
    if (!current) {
      if (patchType === 'apply' && !opts.subresource) return applyCreate(api, type, version, namespace, name, patch, ctx);
      throw notFound(gr, name);
    }
    const live = fromStorage(version, current.clone());
    let patched: KObject;
    let explicitRv = false;
    if (opts.subresource === 'scale') {
      const scale = applyPatch(patchType as Exclude<PatchType, 'apply'>, toScale(type, current.obj), patch);
      patched = fromStorage(version, applyScale(type, current.clone(), scale as KObject));
      explicitRv = !!(scale as KObject).metadata?.resourceVersion && (scale as KObject).metadata!.resourceVersion !== String(current.revision);
      if (explicitRv) patched.metadata!.resourceVersion = (scale as KObject).metadata!.resourceVersion;
    } else if (patchType === 'apply') {
      const config = checkApplyConfig(type, version, name, namespace, patch, ctx);
      patched = applyConfiguration({
        live,
        config,
        manager: ctx.fieldManager,
        force: !!opts.force,
        apiVersion: config.apiVersion!,
        ...(opts.subresource ? { subresource: opts.subresource } : {}),
        now: nowTimestamp(ctx.now),
        schema: version.schema,
        set: type.schemas,
      });
      explicitRv = !!config.metadata?.resourceVersion;
    } else {
      const p = patch as Record<string, any>;
      explicitRv = patchSetsResourceVersion(patchType, p);
      const result = applyPatch(patchType, live, patch, version.schema, type.schemas);
      if (!isPlainObject(result)) throw new StatusError(422, 'Invalid', 'the patch produced a value that is not an object');
      patched = result as KObject;
    }
    patched = decodeTyped(patched, type, version, ctx);
    if (!explicitRv) patched.metadata = { ...(patched.metadata ?? {}), resourceVersion: String(current.revision) };
    try {
      return await updateObject(api, type, version, namespace, name, patched, ctx, {
        ...(opts.subresource ? { subresource: opts.subresource } : {}),
        ...(explicitRv ? {} : { expectedRevision: current.revision }),
        managedFieldsComputed: patchType === 'apply',
      });
    } catch (e) {
      const retriable = e instanceof StatusError && e.reason === 'Conflict' && e.message.includes(OBJECT_MODIFIED) && !explicitRv;
      if (retriable && attempt < MAX_ATTEMPTS) continue;
      if (retriable) throw conflict(gr, name, OBJECT_MODIFIED);
      throw e;
    }
  }
}

function patchSetsResourceVersion(type: PatchType, p: unknown): boolean {
  if (type === 'json') return Array.isArray(p) && p.some((op) => isPlainObject(op) && typeof op.path === 'string' && op.path === '/metadata/resourceVersion');
  return isPlainObject(p) && isPlainObject(p.metadata) && p.metadata.resourceVersion !== undefined && p.metadata.resourceVersion !== null;
}

function checkApplyConfig(type: ResourceType, version: ServedVersion, name: string, namespace: string, patch: unknown, ctx: RestContext): KObject {
  if (!isPlainObject(patch)) throw badRequest('the apply configuration must be an object');
  const config = deepClone(patch) as KObject;
  const expected = `${type.group ? type.group + '/' : ''}${version.name}`;
  if (!config.apiVersion || !config.kind) throw badRequest('apiVersion and kind must be set in an apply configuration');
  if (config.apiVersion !== expected || config.kind !== type.kind) {
    throw badRequest(`the apply configuration has apiVersion ${config.apiVersion} and kind ${config.kind}, expected ${expected} ${type.kind}`);
  }
  const m = (config.metadata ??= {});
  if (m.name !== undefined && m.name !== name) throw badRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`);
  if (type.namespaced && m.namespace !== undefined && m.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  m.name = name;
  if (type.namespaced) m.namespace = namespace;
  if (m.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil in an apply configuration');
  return decodeTyped(config, type, version, ctx);
}

async function applyCreate(
  api: Api,
  type: ResourceType,
  version: ServedVersion,
  namespace: string,
  name: string,
  patch: unknown,
  ctx: RestContext,
): Promise<KObject> {
  const config = checkApplyConfig(type, version, name, namespace, patch, ctx);
  const obj = applyConfiguration({
    config,
    manager: ctx.fieldManager,
    force: false,
    apiVersion: config.apiVersion!,
    now: nowTimestamp(ctx.now),
    schema: version.schema,
    set: type.schemas,
  });
  // An apply that creates names its object in the path, as an update does.
  return createObject(api, type, version, namespace, obj, { ...ctx, fieldManager: ctx.fieldManager }, { managedFieldsComputed: true, requestName: name });
}
