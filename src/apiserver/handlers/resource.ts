/**
 * Resource requests (/api/v1/..., /apis/<group>/<version>/...): query options, body decoding,
 * dispatch to the REST operations, and response encoding (objects, lists, Tables, Status).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiVersionOf, isPlainObject, type KObject } from '../../apis/object.js';
import { forbidden, invalidError, required, type FieldError } from '../../apis/validation/field.js';
import { managerFromUserAgent } from '../apply/managed-fields.js';
import { badRequest, methodNotSupported, notAcceptable, StatusError, successStatus, unsupportedMediaType } from '../errors.js';
import { readBody } from '../http/body.js';
import { parseAccept, responseFormat, setWarnings, wantsTable, writeJsonText, writeObject, type ResponseFormat } from '../http/respond.js';
import { decodeListOptions, validateListOptions } from '../http/list-options.js';
import { queryBool, queryInt64 } from '../http/query.js';
import { serveWatch, type WatchSettings } from '../http/watch.js';
import { patchTypeFromContentType, type PatchType } from '../patch/index.js';
import { buildTable, parseIncludeObject, printerFor } from '../printers/table.js';
import type { Resolved } from '../registry/registry.js';
import type { ResourceType, ServedVersion, Verb } from '../registry/types.js';
import type { RequestInfo } from '../request-info.js';
import type { UserInfo } from '../auth/types.js';
import { groupResource, type Api, type FieldValidation, type RestContext } from '../rest/context.js';
import { createObject } from '../rest/create.js';
import { decodeObject, mediaType, parseBody } from '../rest/decode-body.js';
import { deleteObject, type DeleteOptions } from '../rest/delete.js';
import { parsePatchBody, patchObject } from '../rest/patch.js';
import { fromStorage } from '../rest/prepare.js';
import { getObject, listObjects, type ListResult } from '../rest/read.js';
import { applyScale, getScale } from '../rest/scale.js';
import { updateObject } from '../rest/update.js';

export interface SubresourceRequest {
  api: Api;
  type: ResourceType;
  version: ServedVersion;
  namespace: string;
  name: string;
  verb: string;
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  ctx: RestContext;
}

/** Returns the response object (written as JSON with `code`), or undefined if it wrote the response itself. */
export type SubresourceHandler = (r: SubresourceRequest) => Promise<{ code: number; body: unknown } | undefined>;

export interface ResourceHandlerDeps {
  api: Api;
  subresources: Map<string, SubresourceHandler>;
  watch?: WatchSettings;
}

const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

function restContext(req: IncomingMessage, user: UserInfo, q: URLSearchParams, verb: string): RestContext {
  const dryRun = q.getAll('dryRun');
  for (const d of dryRun) {
    if (d !== 'All') throw badRequest(`Invalid dryRun value: dryRun: Unsupported value: "${d}": supported values: "All"`);
  }
  const fv = q.get('fieldValidation') ?? '';
  let fieldValidation: FieldValidation = 'Warn';
  if (fv !== '') {
    const norm = fv.toLowerCase();
    if (norm === 'strict') fieldValidation = 'Strict';
    else if (norm === 'warn') fieldValidation = 'Warn';
    else if (norm === 'ignore') fieldValidation = 'Ignore';
    else throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${fv}"`);
  }
  let fieldManager = q.get('fieldManager') ?? '';
  if (fieldManager.length > 128) throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
  if (/[^\x20-\x7e]/.test(fieldManager)) throw badRequest('fieldManager: Invalid value: must only contain printable characters');
  if (!fieldManager && verb !== 'patch-apply') fieldManager = managerFromUserAgent(req.headers['user-agent'] ?? '');
  return { user, now: new Date(), dryRun: dryRun.length > 0, fieldManager, fieldValidation, warnings: [] };
}

export async function handleResource(
  deps: ResourceHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
  query: URLSearchParams,
  user: UserInfo,
  resolved: Resolved,
): Promise<void> {
  const { api } = deps;
  const { type, version } = resolved;
  const accept = parseAccept(req.headers.accept);
  const format = responseFormat(accept) ?? (accept.some((a) => a.params.as === 'Table') ? 'json' : undefined);
  if (!format) throw notAcceptable(['application/json', 'application/yaml']);
  const namespace = type.namespaced ? info.namespace : '';
  if (type.namespaced && !namespace && info.name) throw badRequest('the server could not find the requested resource: a namespace is required');
  const sub = info.subresource;
  const verb = info.verb;
  const isApply = verb === 'patch' && mediaType(req.headers['content-type']) === 'application/apply-patch+yaml';
  const ctx = restContext(req, user, query, isApply ? 'patch-apply' : verb);

  const respond = (code: number, obj: unknown, fmt: ResponseFormat = format) => {
    setWarnings(res, ctx.warnings);
    writeObject(res, code, obj, fmt);
  };
  const checkVerb = (v: Verb) => {
    if (!type.verbs.includes(v)) throw methodNotSupported(groupResource(type), v);
  };

  if (sub) {
    if (sub === 'status' && type.subresources.status) return handleStatus(deps, req, type, version, namespace, info, query, ctx, respond);
    if (sub === 'scale' && type.subresources.scale) return handleScale(deps, req, type, version, namespace, info, query, ctx, respond);
    const handler = deps.subresources.get(`${type.group}/${type.resource}/${sub}`);
    if (!handler) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const out = await handler({ api, type, version, namespace, name: info.name, verb, req, res, query, ctx });
    if (out) respond(out.code, out.body);
    return;
  }

  const table = wantsTable(accept);
  switch (verb) {
    case 'get': {
      checkVerb('get');
      rejectExport(query);
      const obj = getObject(api, type, version, namespace, info.name);
      if (table) {
        const t = buildTable(printerFor(type, version), [obj], {
          include: parseIncludeObject(query.get('includeObject')),
          tableVersion: table,
          withColumns: true,
          listMeta: { resourceVersion: obj.metadata?.resourceVersion ?? '' },
        });
        return respond(200, t, 'json');
      }
      return respond(200, obj);
    }
    case 'list': {
      checkVerb('list');
      const opts = decodeListOptions(query);
      validateListOptions(opts);
      await reachRevision(api, opts.resourceVersion);
      const result = listObjects(api, type, version, namespace, opts);
      if (table) {
        const t = buildTable(printerFor(type, version), result.items, {
          include: parseIncludeObject(query.get('includeObject')),
          tableVersion: table,
          withColumns: true,
          listMeta: listMeta(result),
        });
        return respond(200, t, 'json');
      }
      if (format === 'json') {
        setWarnings(res, ctx.warnings);
        return writeJsonText(res, 200, listJson(type, version, result));
      }
      return respond(200, listObject(type, version, result));
    }
    case 'watch': {
      checkVerb('watch');
      const opts = decodeListOptions(query);
      validateListOptions(opts);
      await reachRevision(api, opts.resourceVersion);
      serveWatch(
        api,
        type,
        version,
        {
          namespace,
          ...(info.name ? { name: info.name } : {}),
          ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
          ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
          ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}),
          allowWatchBookmarks: opts.allowWatchBookmarks,
          sendInitialEvents: opts.sendInitialEvents ?? false,
          ...(opts.timeoutSeconds !== undefined ? { timeoutSeconds: opts.timeoutSeconds } : {}),
          ...(table ? { table: { version: table, include: parseIncludeObject(query.get('includeObject')) } } : {}),
        },
        res,
        deps.watch,
      );
      return;
    }
    case 'create': {
      checkVerb('create');
      if (info.name) throw methodNotSupported(groupResource(type), 'create');
      const body = parseBody(await readBody(req), req.headers['content-type']);
      const obj = decodeObject(body, type, version, ctx);
      const created = await createObject(api, type, version, namespace, obj, ctx);
      return respond(201, created);
    }
    case 'update': {
      checkVerb('update');
      const body = parseBody(await readBody(req), req.headers['content-type']);
      const obj = decodeObject(body, type, version, ctx);
      const updated = await updateObject(api, type, version, namespace, info.name, obj, ctx);
      return respond(200, updated);
    }
    case 'patch': {
      checkVerb('patch');
      const patchType = patchTypeFromContentType(mediaType(req.headers['content-type']));
      if (!patchType) throw unsupportedMediaType(mediaType(req.headers['content-type']), PATCH_TYPES);
      const force = patchForce(query, patchType, ctx);
      const patch = parsePatchBody(patchType, await readBody(req));
      const out = await patchObject(api, type, version, namespace, info.name, patchType, patch, ctx, { force });
      return respond(200, out);
    }
    case 'delete': {
      checkVerb('delete');
      const opts = await deleteOptions(req, query, ctx);
      const result = await deleteObject(api, type, namespace, info.name, opts, ctx, version);
      if (result.removed) {
        return respond(200, successStatus({ name: info.name, group: type.group, kind: type.resource, uid: result.obj.metadata?.uid }));
      }
      const code = opts.orphanDependents === false ? 202 : 200;
      return respond(code, fromStorage(version, result.obj));
    }
    case 'deletecollection': {
      checkVerb('deletecollection');
      const list = decodeListOptions(query);
      validateListOptions(list);
      const opts = await deleteOptions(req, query, ctx);
      const result = listObjects(api, type, version, namespace, {
        ...(list.labelSelector ? { labelSelector: list.labelSelector } : {}),
        ...(list.fieldSelector ? { fieldSelector: list.fieldSelector } : {}),
      });
      const deleted: KObject[] = [];
      for (const item of result.items) {
        try {
          const r = await deleteObject(api, type, item.metadata?.namespace ?? '', item.metadata!.name!, opts, ctx, version);
          deleted.push(fromStorage(version, r.obj));
        } catch (e) {
          if (!(e instanceof StatusError && e.code === 404)) throw e;
        }
      }
      return respond(200, listObject(type, version, { items: deleted, resourceVersion: String(api.store.cache.currentRevision()) }));
    }
    default:
      throw methodNotSupported(groupResource(type), verb);
  }
}

/** GetResource's check of the export parameter, removed from Kubernetes in 1.18. */
function rejectExport(q: URLSearchParams): void {
  if (queryBool(q, 'export')) throw badRequest('the export parameter, deprecated since v1.14, is no longer supported');
}

/**
 * PatchOptions' force, with ValidatePatchOptions' checks (422): force only on apply patches,
 * and an apply patch needs a fieldManager.
 */
function patchForce(q: URLSearchParams, patchType: PatchType, ctx: RestContext): boolean {
  const force = queryBool(q, 'force');
  const errs: FieldError[] = [];
  if (patchType === 'apply' && !ctx.fieldManager) errs.push(required('fieldManager', 'is required for apply patch'));
  if (patchType !== 'apply' && force !== undefined) errs.push(forbidden('force', 'may not be specified for non-apply patch'));
  if (errs.length) throw invalidError('PatchOptions', 'meta.k8s.io', '', errs);
  return force ?? false;
}

function listMeta(r: ListResult) {
  return {
    resourceVersion: r.resourceVersion,
    ...(r.continue ? { continue: r.continue } : {}),
    ...(r.remainingItemCount !== undefined ? { remainingItemCount: r.remainingItemCount } : {}),
  };
}

function listObject(type: ResourceType, version: ServedVersion, r: ListResult): KObject {
  return { kind: type.listKind, apiVersion: apiVersionOf(type.group, version.name), metadata: listMeta(r), items: r.items };
}

/** A list written from the cache's serialized objects when no conversion is needed. */
function listJson(type: ResourceType, version: ServedVersion, r: ListResult): string {
  const head = `{"kind":${JSON.stringify(type.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(type.group, version.name))},"metadata":${JSON.stringify(listMeta(r))},"items":[`;
  const items = r.json ?? r.items.map((o) => JSON.stringify(o));
  return head + items.join(',') + ']}';
}

/** DeleteOptions come from the body when there is one, else from the query (kube-apiserver reads one or the other). */
async function deleteOptions(req: IncomingMessage, q: URLSearchParams, ctx: RestContext): Promise<DeleteOptions> {
  const opts: DeleteOptions = {};
  const raw = await readBody(req);
  if (raw.length > 0 && raw.toString().trim() !== '') {
    const body = parseBody(raw, req.headers['content-type'] || 'application/json');
    if (!isPlainObject(body)) throw badRequest('DeleteOptions must be an object');
    if (body.kind !== undefined && body.kind !== 'DeleteOptions') throw badRequest(`expected DeleteOptions, got ${String(body.kind)}`);
    if (body.gracePeriodSeconds !== undefined) opts.gracePeriodSeconds = Number(body.gracePeriodSeconds);
    if (body.propagationPolicy !== undefined) opts.propagationPolicy = String(body.propagationPolicy);
    if (body.orphanDependents !== undefined) opts.orphanDependents = !!body.orphanDependents;
    if (isPlainObject(body.preconditions)) opts.preconditions = body.preconditions as DeleteOptions['preconditions'];
    if (Array.isArray(body.dryRun) && body.dryRun.includes('All')) ctx.dryRun = true;
    if (opts.gracePeriodSeconds !== undefined && !Number.isInteger(opts.gracePeriodSeconds)) throw badRequest('gracePeriodSeconds must be an integer');
  } else {
    const grace = queryInt64(q, 'gracePeriodSeconds');
    if (grace !== undefined) opts.gracePeriodSeconds = grace;
    const p = q.get('propagationPolicy');
    if (p !== null) opts.propagationPolicy = p;
    const orphan = queryBool(q, 'orphanDependents');
    if (orphan !== undefined) opts.orphanDependents = orphan;
  }
  // rest.BeforeDelete: a negative grace period means the shortest one.
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
  return opts;
}

async function handleStatus(
  deps: ResourceHandlerDeps,
  req: IncomingMessage,
  type: ResourceType,
  version: ServedVersion,
  namespace: string,
  info: RequestInfo,
  query: URLSearchParams,
  ctx: RestContext,
  respond: (code: number, obj: unknown) => void,
): Promise<void> {
  const { api } = deps;
  switch (info.verb) {
    case 'get':
      return respond(200, getObject(api, type, version, namespace, info.name));
    case 'update': {
      const obj = decodeObject(parseBody(await readBody(req), req.headers['content-type']), type, version, ctx);
      return respond(200, await updateObject(api, type, version, namespace, info.name, obj, ctx, { subresource: 'status' }));
    }
    case 'patch': {
      const patchType = patchTypeFromContentType(mediaType(req.headers['content-type']));
      if (!patchType) throw unsupportedMediaType(mediaType(req.headers['content-type']), PATCH_TYPES);
      const force = patchForce(query, patchType, ctx);
      const patch = parsePatchBody(patchType, await readBody(req));
      return respond(200, await patchObject(api, type, version, namespace, info.name, patchType, patch, ctx, { subresource: 'status', force }));
    }
    default:
      throw methodNotSupported(groupResource(type), info.verb);
  }
}

async function handleScale(
  deps: ResourceHandlerDeps,
  req: IncomingMessage,
  type: ResourceType,
  version: ServedVersion,
  namespace: string,
  info: RequestInfo,
  query: URLSearchParams,
  ctx: RestContext,
  respond: (code: number, obj: unknown) => void,
): Promise<void> {
  const { api } = deps;
  switch (info.verb) {
    case 'get':
      return respond(200, getScale(api, type, namespace, info.name));
    case 'update': {
      const body = parseBody(await readBody(req), req.headers['content-type']);
      if (!isPlainObject(body)) throw badRequest('the request body must be a Scale object');
      const current = api.store.get(type, namespace, info.name);
      if (!current) return respond(200, getScale(api, type, namespace, info.name));
      const updated = fromStorage(version, applyScale(type, current.clone(), body as KObject));
      const rv = (body as KObject).metadata?.resourceVersion;
      updated.metadata!.resourceVersion = rv ? String(rv) : String(current.revision);
      await updateObject(api, type, version, namespace, info.name, updated, ctx, { subresource: 'scale', ...(rv ? {} : { expectedRevision: current.revision }) });
      return respond(200, getScale(api, type, namespace, info.name));
    }
    case 'patch': {
      const patchType = patchTypeFromContentType(mediaType(req.headers['content-type']));
      if (!patchType || patchType === 'apply') throw unsupportedMediaType(mediaType(req.headers['content-type']), PATCH_TYPES.slice(0, 3));
      patchForce(query, patchType, ctx);
      const patch = parsePatchBody(patchType, await readBody(req));
      await patchObject(api, type, version, namespace, info.name, patchType, patch, ctx, { subresource: 'scale' });
      return respond(200, getScale(api, type, namespace, info.name));
    }
    default:
      throw methodNotSupported(groupResource(type), info.verb);
  }
}

/**
 * A resourceVersion newer than this API server's cache (given by another replica over shared
 * etcd): wait for the cache to reach it, as kube-apiserver waits (up to 3 s) before answering
 * "Too large resource version", so a list or watch never starts before what the client saw.
 */
async function reachRevision(api: Api, resourceVersion: string | undefined): Promise<void> {
  if (resourceVersion && /^\d+$/.test(resourceVersion)) await api.store.reach(Number(resourceVersion));
}
