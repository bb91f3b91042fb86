/** POST: creating an object, with Kubernetes' order of defaulting, admission and validation. */
import { randomUUID } from 'node:crypto';
import { nowTimestamp, type KObject } from '../../apis/object.js';
import { alreadyExists, badRequest } from '../errors.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import { StoreWriteError } from '../../storage/object-store.js';
import { admitMutating, admitValidating, createOptions } from '../admission/index.js';
import { groupResource, strategyContext, type Api, type RestContext } from './context.js';
import {
  admitNamespace,
  defaultAndConvert,
  fromStorage,
  generateNameSuffix,
  recordManagedFields,
  tracksGeneration,
  validateForCreate,
} from './prepare.js';

/** Attempts for a generateName collision before giving up, as kube-apiserver retries. */
const GENERATE_NAME_ATTEMPTS = 8;

/**
 * Creates `body` (decoded, in the request version) in `namespace`. Returns the stored object
 * in the request version.
 */
export async function createObject(
  api: Api,
  type: ResourceType,
  version: ServedVersion,
  namespace: string,
  body: KObject,
  ctx: RestContext,
  opts: { managedFieldsComputed?: boolean; requestName?: string } = {},
): Promise<KObject> {
  const meta = (body.metadata ??= {});
  if (type.namespaced) {
    if (meta.namespace && namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = namespace || meta.namespace;
    if (!meta.namespace) throw badRequest('a namespace must be specified for namespaced resources');
  } else {
    delete meta.namespace;
  }
  let obj = defaultAndConvert(type, version, body);
  const sctx = strategyContext(api, ctx);
  // Before the name is generated: kube-apiserver's RBAC storage checks ahead of BeforeCreate.
  type.strategy.authorizeWrite?.(obj, undefined, sctx, opts.requestName ?? '');
  let m = obj.metadata!;
  const explicitName = !!m.name;
  if (!explicitName && m.generateName) m.name = m.generateName + generateNameSuffix();
  m.uid = randomUUID();
  m.creationTimestamp = nowTimestamp(ctx.now);
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.resourceVersion;
  delete m.selfLink;
  if (tracksGeneration(type)) m.generation = 1;
  else delete m.generation;
  if (type.strategy.statusSubresource && !type.builtin) delete obj.status;
  await type.strategy.prepareForCreate?.(obj, sctx);
  if (!opts.managedFieldsComputed) recordManagedFields(type, version, obj, undefined, ctx);
  for (const a of api.admission ?? []) a.mutateCreate?.({ type, obj });
  const admission = { operation: 'CREATE' as const, type, version, namespace: m.namespace ?? '', options: createOptions(ctx) };
  obj = await admitMutating(api, ctx, { ...admission, name: explicitName ? m.name! : '', object: obj });
  m = obj.metadata!;
  validateForCreate(api, type, obj, ctx);
  admitNamespace(api, type, obj);
  await admitValidating(api, ctx, { ...admission, name: m.name!, object: obj });
  if (ctx.dryRun) {
    if (api.lookup.get(type, m.namespace ?? '', m.name!)) throw alreadyExists(groupResource(type), m.name!);
    return fromStorage(version, obj);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const created = await api.store.create(type, obj);
      return fromStorage(version, created.clone());
    } catch (e) {
      if (e instanceof StoreWriteError && e.reason === 'exists') {
        if (!explicitName && m.generateName && attempt < GENERATE_NAME_ATTEMPTS) {
          m.name = m.generateName + generateNameSuffix();
          continue;
        }
        throw alreadyExists(groupResource(type), m.name!);
      }
      throw e;
    }
  }
}
