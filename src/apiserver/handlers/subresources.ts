/**
 * Subresources with behaviour of their own: serviceaccounts/token (TokenRequest),
 * namespaces/finalize, pods/binding (how a scheduler assigns a node), pods/eviction, and
 * pods/log (answered by a log source the embedding process provides, e.g. the playground's
 * kubelet).
 */
import { isPlainObject, nowTimestamp, type KObject } from '../../apis/object.js';
import { builtinDefinitions } from '../../apis/builtin-schemas.js';
import { SchemaSet } from '../../apis/schema/resolve.js';
import { decodeValue } from '../../apis/schema/decode.js';
import { invalidError, invalid, required } from '../../apis/validation/field.js';
import type { ServiceAccountTokens } from '../auth/serviceaccount-tokens.js';
import { badRequest, conflict, methodNotSupported, notFound } from '../errors.js';
import { readBody } from '../http/body.js';
import { groupResource } from '../rest/context.js';
import { parseBody } from '../rest/decode-body.js';
import { bindPod } from '../rest/binding.js';
import { deleteObject } from '../rest/delete.js';
import { fromStorage } from '../rest/prepare.js';
import { admitSubresource, createOptions, updateOptions } from '../admission/index.js';
import { decodePodLogOptions, validatePodLogOptions } from './pod-log-options.js';
import type { SubresourceHandler, SubresourceRequest } from './resource.js';

const schemas = new SchemaSet(builtinDefinitions);

async function readTyped(r: SubresourceRequest, definition: string, kind: string): Promise<KObject> {
  const body = parseBody(await readBody(r.req), r.req.headers['content-type']);
  if (!isPlainObject(body)) throw badRequest(`the request body must be a ${kind} object`);
  const report = { unknownFields: [] as string[], errors: [] as import('../../apis/validation/field.js').FieldError[] };
  const obj = decodeValue(body, { $ref: definition }, schemas, { typeErrors: true }, report) as KObject;
  if (report.errors.length) throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${report.errors[0]!.detail}`);
  return obj;
}

/** Admission webhooks for the subresource's own object (CREATE of a Binding, Eviction or TokenRequest). */
const admitCreate = (r: SubresourceRequest, sub: string, object: KObject): Promise<KObject> =>
  admitSubresource(r.api, r.ctx, { operation: 'CREATE', type: r.type, version: r.version, subresource: sub, namespace: r.namespace, name: r.name, object, options: createOptions(r.ctx) });

function current(r: SubresourceRequest): KObject {
  const c = r.api.store.get(r.type, r.namespace, r.name);
  if (!c) throw notFound(groupResource(r.type), r.name);
  return c.clone();
}

export function serviceAccountToken(tokens: ServiceAccountTokens): SubresourceHandler {
  return async (r) => {
    if (r.verb !== 'create') throw methodNotSupported(groupResource(r.type), r.verb);
    const sa = current(r);
    const tr = await admitCreate(r, 'token', await readTyped(r, 'io.k8s.api.authentication.v1.TokenRequest', 'TokenRequest'));
    const spec = tr.spec ?? {};
    const expirationSeconds: number = spec.expirationSeconds ?? 3600;
    if (expirationSeconds < 600) {
      throw invalidError('TokenRequest', 'authentication.k8s.io', r.name, [invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes')]);
    }
    if (expirationSeconds > 2 ** 32) {
      throw invalidError('TokenRequest', 'authentication.k8s.io', r.name, [invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds')]);
    }
    const bound = spec.boundObjectReference;
    if (bound && (!bound.kind || !bound.name)) {
      throw invalidError('TokenRequest', 'authentication.k8s.io', r.name, [required('spec.boundObjectReference.name')]);
    }
    const issued = await tokens.issue({
      namespace: r.namespace,
      serviceAccountName: r.name,
      serviceAccountUid: sa.metadata!.uid!,
      ...(spec.audiences?.length ? { audiences: spec.audiences } : {}),
      expirationSeconds,
      ...(bound ? { boundObject: { kind: bound.kind, name: bound.name, uid: bound.uid ?? '', apiVersion: bound.apiVersion } } : {}),
    });
    return {
      code: 201,
      body: {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name: r.name, namespace: r.namespace, creationTimestamp: nowTimestamp() },
        spec: { ...spec, expirationSeconds, audiences: spec.audiences ?? tokens.apiAudiences },
        status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
      },
    };
  };
}

export const namespaceFinalize: SubresourceHandler = async (r) => {
  if (r.verb !== 'update') throw methodNotSupported(groupResource(r.type), r.verb);
  const body = await readTyped(r, 'io.k8s.api.core.v1.Namespace', 'Namespace');
  for (let attempt = 0; attempt < 5; attempt++) {
    const c = r.api.store.get(r.type, '', r.name);
    if (!c) throw notFound(groupResource(r.type), r.name);
    const rv = body.metadata?.resourceVersion;
    if (rv && Number(rv) !== c.revision) throw conflict(groupResource(r.type), r.name, 'the object has been modified; please apply your changes to the latest version and try again');
    const obj = c.clone();
    obj.spec = { ...(obj.spec ?? {}), finalizers: body.spec?.finalizers ?? [] };
    const admitted = await admitSubresource(r.api, r.ctx, {
      operation: 'UPDATE', type: r.type, version: r.version, subresource: 'finalize', namespace: '', name: r.name, object: obj, oldObject: c.obj, options: updateOptions(r.ctx),
    });
    const finalizers: string[] = admitted.spec?.finalizers ?? [];
    if (finalizers.length) obj.spec.finalizers = finalizers;
    else delete obj.spec.finalizers;
    try {
      if (obj.metadata?.deletionTimestamp && !finalizers.length && !(obj.metadata.finalizers?.length)) {
        const gone = await r.api.store.delete(r.type, '', r.name, c.revision);
        return { code: 200, body: gone.clone() };
      }
      const updated = await r.api.store.update(r.type, obj, c.revision);
      return { code: 200, body: updated.clone() };
    } catch (e) {
      if (rv) throw e;
    }
  }
  throw conflict(groupResource(r.type), r.name, 'too many concurrent updates');
};

/** POST pods/{name}/binding: assigns the pod to a node exactly once. */
export const podBinding: SubresourceHandler = async (r) => {
  if (r.verb !== 'create') throw methodNotSupported(groupResource(r.type), r.verb);
  const binding = await admitCreate(r, 'binding', await readTyped(r, 'io.k8s.api.core.v1.Binding', 'Binding'));
  const node = binding.target?.name;
  if (!node) throw invalidError('Binding', '', r.name, [required('target.name')]);
  if (binding.target?.kind && binding.target.kind !== 'Node') {
    throw invalidError('Binding', '', r.name, [invalid('target.kind', binding.target.kind, 'must be empty or Node')]);
  }
  await bindPod(r.api, r.type, r.namespace, r.name, node);
  return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
};

/** POST pods/{name}/eviction: a graceful delete (PodDisruptionBudgets are not enforced). */
export const podEviction: SubresourceHandler = async (r) => {
  if (r.verb !== 'create') throw methodNotSupported(groupResource(r.type), r.verb);
  const ev = await admitCreate(r, 'eviction', await readTyped(r, 'io.k8s.api.policy.v1.Eviction', 'Eviction'));
  // The eviction deletes its pod without admission of its own, as kube-apiserver's eviction does.
  await deleteObject(r.api, r.type, r.namespace, r.name, ev.deleteOptions ?? {}, { ...r.ctx, withoutWebhooks: true });
  return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
};

/** Where pod logs come from: in the playground, the simulated kubelet. */
export interface PodLogSource {
  logs(pod: KObject, container: string, opts: { tailLines?: number; previous?: boolean; timestamps?: boolean }): Promise<string> | string;
}

export function podLog(source: PodLogSource | undefined): SubresourceHandler {
  return async (r) => {
    if (r.verb !== 'get') throw methodNotSupported(groupResource(r.type), r.verb);
    const opts = decodePodLogOptions(r.query);
    validatePodLogOptions(r.name, opts);
    const pod = fromStorage(r.version, current(r));
    const containers: KObject[] = pod.spec?.containers ?? [];
    let container = opts.container;
    if (!container) {
      if (containers.length !== 1) {
        throw badRequest(`a container name must be specified for pod ${r.name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`);
      }
      container = containers[0]!.name;
    }
    const all = [...containers, ...(pod.spec?.initContainers ?? [])];
    if (!all.some((c) => c.name === container)) throw badRequest(`container ${container} is not valid for pod ${r.name}`);
    const status = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s: KObject) => s.name === container);
    // A container that ran before (now terminated, or waiting to restart) has logs to show.
    const ranBefore = !!status?.state?.running || !!status?.state?.terminated || !!status?.lastState?.terminated;
    if (!source || !ranBefore) {
      const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
      throw badRequest(`container "${container}" in pod "${r.name}" is waiting to start: ${reason}`);
    }
    const text = await source.logs(pod, container, {
      ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}),
      previous: opts.previous,
      timestamps: opts.timestamps,
    });
    // limitBytes cuts the stream, as the kubelet does, possibly mid-line.
    const body = opts.limitBytes !== undefined ? Buffer.from(text).subarray(0, opts.limitBytes) : text;
    r.res.writeHead(200, { 'Content-Type': 'text/plain' });
    r.res.end(body);
    return undefined;
  };
}
