/**
 * Admission webhooks in the REST operations: `admitMutating` right before validation (after the
 * in-process AdmissionPlugins' mutateCreate), `admitValidating` after validation and before
 * storage, on create, update (patch and apply go through update), delete and the status and
 * scale subresources; `admitSubresource` for the objects of custom subresources.
 *
 * On CREATE a mutating webhook sees the object as kube-apiserver shows it before storage sets
 * server fields: without uid, creationTimestamp and generation, and without the generated name
 * of a generateName request (the request's name is then ""). Whatever a webhook does to
 * server-owned metadata (uid, creationTimestamp, generation, resourceVersion, deletion fields,
 * namespace, and the name of an update) is undone afterwards.
 */
import { deepClone, type KObject } from '../../apis/object.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import type { Api, RestContext } from '../rest/context.js';
import { configuredWebhooks, webhookDispatcher } from './dispatcher.js';
import type { Operation } from './rules.js';

export { webhookDispatcher, configuredWebhooks, type AdmissionAttributes, type Webhook } from './dispatcher.js';

export interface AdmissionRequestInfo {
  operation: Operation;
  type: ResourceType;
  version: ServedVersion;
  subresource?: string | undefined;
  namespace: string;
  /** The name in the request: "" for a create with generateName. */
  name: string;
  /** Storage version; absent on DELETE. */
  object?: KObject | undefined;
  /** Storage version; absent on CREATE. */
  oldObject?: KObject | undefined;
  options: KObject;
}

const HIDDEN_ON_CREATE = ['uid', 'creationTimestamp', 'generation'] as const;
const SERVER_META = ['uid', 'creationTimestamp', 'generation', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'namespace'] as const;

function attributes(ctx: RestContext, r: AdmissionRequestInfo) {
  return {
    ...r,
    ...(r.subresource ? { subresource: r.subresource } : {}),
    user: ctx.user,
    dryRun: ctx.dryRun,
    warnings: ctx.warnings,
  };
}

/**
 * Mutating webhooks: returns the object to go on with (the same object when nothing matched or
 * changed it).
 */
export async function admitMutating(api: Api, ctx: RestContext, r: AdmissionRequestInfo & { object: KObject }): Promise<KObject> {
  if (configuredWebhooks(api, true).length === 0) return r.object;
  const original = r.object;
  let view = original;
  if (r.operation === 'CREATE') {
    view = deepClone(original);
    const m = (view.metadata ??= {});
    for (const k of HIDDEN_ON_CREATE) delete m[k];
    if (!r.name) delete m.name;
  }
  const out = await webhookDispatcher(api).mutate(attributes(ctx, { ...r, object: view }));
  if (!out || out === view) return original;
  if (r.subresource === 'status') {
    // A status write keeps everything but the status (the status strategy's PrepareForUpdate runs after admission upstream).
    const merged = deepClone(original);
    if (out.status === undefined) delete merged.status;
    else merged.status = out.status;
    return merged;
  }
  const om = (original.metadata ?? {}) as Record<string, unknown>;
  const m = (out.metadata ??= {}) as Record<string, unknown>;
  for (const k of SERVER_META) {
    if (om[k] !== undefined) m[k] = om[k];
    else delete m[k];
  }
  // A webhook may name an object created with generateName; other names stay.
  if (!(r.operation === 'CREATE' && !r.name && typeof m.name === 'string' && m.name)) m.name = om.name;
  return out;
}

/** Validating webhooks: throws the refusal (or the failure) that stops the request. */
export async function admitValidating(api: Api, ctx: RestContext, r: AdmissionRequestInfo): Promise<void> {
  if (configuredWebhooks(api, false).length === 0) return;
  await webhookDispatcher(api).validate(attributes(ctx, r));
}

/**
 * A custom subresource's own object (a Binding, an Eviction, a TokenRequest; the Namespace of
 * namespaces/finalize): mutating then validating webhooks; returns the object to go on with.
 */
export async function admitSubresource(api: Api, ctx: RestContext, r: AdmissionRequestInfo & { subresource: string; object: KObject }): Promise<KObject> {
  const mutating = configuredWebhooks(api, true).length > 0;
  const validating = configuredWebhooks(api, false).length > 0;
  let object = r.object;
  if (mutating) object = (await webhookDispatcher(api).mutate(attributes(ctx, r))) ?? object;
  if (validating) await webhookDispatcher(api).validate(attributes(ctx, { ...r, object }));
  return object;
}

/** DELETE: mutating webhooks (which cannot change anything: there is no new object), then validating ones. */
export async function admitDelete(api: Api, ctx: RestContext, r: AdmissionRequestInfo): Promise<void> {
  if (ctx.withoutWebhooks) return;
  const mutating = configuredWebhooks(api, true).length > 0;
  const validating = configuredWebhooks(api, false).length > 0;
  if (!mutating && !validating) return;
  const { object: _none, ...rest } = r;
  if (mutating) await webhookDispatcher(api).mutate(attributes(ctx, rest));
  if (validating) await webhookDispatcher(api).validate(attributes(ctx, rest));
}

const meta = { apiVersion: 'meta.k8s.io/v1' };
const dryRunOf = (ctx: RestContext) => (ctx.dryRun ? { dryRun: ['All'] } : {});
const managerOf = (ctx: RestContext) => (ctx.fieldManager ? { fieldManager: ctx.fieldManager } : {});

export const createOptions = (ctx: RestContext): KObject => ({ kind: 'CreateOptions', ...meta, ...dryRunOf(ctx), ...managerOf(ctx) });
export const updateOptions = (ctx: RestContext): KObject => ({ kind: 'UpdateOptions', ...meta, ...dryRunOf(ctx), ...managerOf(ctx) });

export function deleteOptions(
  ctx: RestContext,
  o: { gracePeriodSeconds?: number; propagationPolicy?: string; orphanDependents?: boolean; preconditions?: { uid?: string; resourceVersion?: string } },
): KObject {
  return {
    kind: 'DeleteOptions',
    ...meta,
    ...(o.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: o.gracePeriodSeconds } : {}),
    ...(o.preconditions ? { preconditions: o.preconditions } : {}),
    ...(o.orphanDependents !== undefined ? { orphanDependents: o.orphanDependents } : {}),
    ...(o.propagationPolicy !== undefined ? { propagationPolicy: o.propagationPolicy } : {}),
    ...dryRunOf(ctx),
  };
}
