/**
 * Federating an existing object (kubefedctl federate): the Federated<Kind> that stands for an
 * object at the federation, placed in every cluster, and for a namespace optionally everything
 * in it. The template follows the same rule as the propagation of plain objects.
 */
import type { KObject } from '../../apis/object.js';
import { isAlreadyExists, KubeApiError, type KubeClient } from '../client/kube-client.js';
import { CORE_API_VERSION, federatedTypeCrd } from '../crds/federation-crds.js';
import { enableType, listTypeConfigs, type Say } from '../typeconfig/enablement.js';
import { objectRef, qualifiedName, resolveFederatableType } from '../typeconfig/type-resolution.js';
import { typeConfigFor, typeConfigName, typeInfo, typeInfoFromConfig, type FederatedTypeInfo } from '../types.js';
import { isClusterLocal, plainTemplate } from './intent.js';

const FIELD_MANAGER = 'kubefed';

/** spec.template of a Federated<Kind>: the plain object's template, without what the Federated object itself names. */
export function federatedTemplateOf(type: FederatedTypeInfo, obj: KObject): KObject {
  const t = plainTemplate(type, obj) as Record<string, any>;
  delete t.apiVersion;
  delete t.kind;
  const meta = t.metadata as Record<string, unknown>;
  delete meta.name;
  delete meta.namespace;
  if (!Object.keys(meta).length) delete t.metadata;
  return t as KObject;
}

/** The Federated<Kind> for an object at the federation, placed in every cluster. */
export function federatedObjectFor(info: FederatedTypeInfo, obj: KObject): KObject {
  const name = obj.metadata!.name!;
  // A FederatedNamespace lives in the namespace it federates.
  const namespace = info.target.kind === 'Namespace' && info.target.group === '' ? name : obj.metadata?.namespace;
  return {
    apiVersion: info.federated.apiVersion,
    kind: info.federated.kind,
    metadata: { name, ...(info.federated.namespaced && namespace ? { namespace } : {}) },
    spec: { template: federatedTemplateOf(info, obj), placement: { clusterSelector: {} } },
  };
}

/** The objects of every enabled namespaced type in a namespace that `--contents` federates. */
async function namespaceContents(client: KubeClient, namespace: string, kubefedNamespace: string, warn: Say): Promise<[FederatedTypeInfo, KObject][]> {
  const out: [FederatedTypeInfo, KObject][] = [];
  for (const { info } of await listTypeConfigs(client, kubefedNamespace)) {
    if (!info.target.namespaced || info.propagation !== 'Enabled') continue;
    let items: KObject[];
    try {
      items = (await client.list(info.target.apiVersion, info.target.kind, { namespace })).items as KObject[];
    } catch (e) {
      if (!(e instanceof KubeApiError && e.status === 404)) throw e;
      warn(`warning: ${qualifiedName(info.target.plural, info.target.group)} is enabled but not served; skipping it`);
      continue;
    }
    for (const item of items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
      const obj = { ...item, apiVersion: info.target.apiVersion, kind: info.target.kind };
      if (!isClusterLocal(info, obj)) out.push([info, obj]);
    }
  }
  return out;
}

export interface FederateOptions {
  /** Namespace of a namespaced object. */
  namespace: string;
  /** For a namespace: also every object of every enabled namespaced type in it. */
  contents?: boolean;
  /** Enable federation of the type first if it is not. */
  enableType?: boolean;
  /** Return the objects instead of creating them (`-o yaml`). */
  dryRun?: boolean;
  kubefedNamespace: string;
}

/**
 * Federates TYPE NAME: creates its Federated<Kind> (and those of its contents), reporting each
 * through `say`. With dryRun nothing is created and the objects are returned, CRD and
 * FederatedTypeConfig first when the type would be enabled.
 */
export async function federateObject(client: KubeClient, type: string, name: string, o: FederateOptions, say: Say, warn: Say): Promise<KObject[]> {
  const docs: KObject[] = [];
  const t = await resolveFederatableType(client, type);
  const ns = t.namespaced ? o.namespace : undefined;
  const ftcName = typeConfigName(t);
  let ftc = await client.get(CORE_API_VERSION, 'FederatedTypeConfig', o.kubefedNamespace, ftcName);
  if (!ftc) {
    if (!o.enableType) throw new Error(`${qualifiedName(t.plural, t.group)} is not enabled for federation: run "kubefed enable ${qualifiedName(t.plural, t.group)}" first, or pass --enable-type`);
    if (o.dryRun) docs.push(federatedTypeCrd(t), { ...typeConfigFor(t), metadata: { name: ftcName, namespace: o.kubefedNamespace } });
    else await enableType(client, t, o.kubefedNamespace, say);
    ftc = typeConfigFor(t);
  }
  const info = typeInfoFromConfig(ftc) ?? typeInfo(t);
  const obj = await client.get(info.target.apiVersion, t.kind, ns, name);
  if (!obj) throw new Error(`${qualifiedName(t.plural, t.group)} "${name}" not found${ns ? ` in namespace "${ns}"` : ''}`);
  const objects: [FederatedTypeInfo, KObject][] = [[info, obj]];
  if (o.contents) {
    if (!(t.group === '' && t.kind === 'Namespace')) throw new Error('--contents applies only to namespaces');
    objects.push(...(await namespaceContents(client, name, o.kubefedNamespace, warn)));
  }
  for (const [ti, target] of objects) {
    const fedObj = federatedObjectFor(ti, target);
    if (o.dryRun) {
      docs.push(fedObj);
      continue;
    }
    const what = objectRef(ti.federated.kind, ti.federated.group, fedObj.metadata!.name!);
    try {
      await client.create(fedObj, { fieldManager: FIELD_MANAGER });
      say(`${what} created${fedObj.metadata?.namespace ? ` in namespace ${fedObj.metadata.namespace}` : ''}`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      say(`${what} unchanged (already exists)`);
    }
  }
  return docs;
}
