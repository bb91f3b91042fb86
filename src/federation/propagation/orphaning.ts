/**
 * Orphaning deletion (kubefedctl orphaning-deletion): the kubefed.io/orphan annotation on the
 * object that governs propagation, which makes its deletion leave the member copies in place.
 */
import type { KObject } from '../../apis/object.js';
import type { KubeClient } from '../client/kube-client.js';
import { TYPES_GROUP } from '../crds/federation-crds.js';
import { discoverTypes, FEDERATION_GROUPS, pickType, qualifiedName } from '../typeconfig/type-resolution.js';
import { typeInfo } from '../types.js';
import { isOrphaning, ORPHAN_ANNOTATION } from './intent.js';

export interface OrphanTarget {
  apiVersion: string;
  kind: string;
  group: string;
  namespace: string | undefined;
  obj: KObject;
}

const apiVersionOf = (g: string, v: string) => (g ? `${g}/${v}` : v);

/** The object that carries the orphan flag: the Federated<Kind> when TYPE names one or one exists, else the plain object. */
export async function orphanTarget(client: KubeClient, type: string, name: string, namespace: string): Promise<OrphanTarget> {
  const all = await discoverTypes(client);
  const t = pickType(type, all, 'the federation API serves no such type');
  const nsOf = (namespaced: boolean) => (namespaced ? namespace : undefined);
  if (t.group === TYPES_GROUP) {
    const ns = nsOf(t.namespaced);
    const obj = await client.get(apiVersionOf(t.group, t.version), t.kind, ns, name);
    if (!obj) throw new Error(`${qualifiedName(t.plural, t.group)} "${name}" not found${ns ? ` in namespace "${ns}"` : ''}`);
    return { apiVersion: apiVersionOf(t.group, t.version), kind: t.kind, group: t.group, namespace: ns, obj };
  }
  if (FEDERATION_GROUPS.has(t.group)) throw new Error(`${qualifiedName(t.plural, t.group)} is not a federated type`);
  const info = typeInfo({ group: t.group, version: t.version, kind: t.kind, plural: t.plural, namespaced: t.namespaced });
  const fedServed = all.find((x) => x.group === TYPES_GROUP && x.kind === info.federated.kind);
  const ns = nsOf(t.namespaced);
  if (fedServed) {
    const fedNs = t.kind === 'Namespace' && t.group === '' ? name : fedServed.namespaced ? ns : undefined;
    const fedApiVersion = apiVersionOf(fedServed.group, fedServed.version);
    const fedObj = await client.get(fedApiVersion, fedServed.kind, fedNs, name);
    if (fedObj) return { apiVersion: fedApiVersion, kind: fedServed.kind, group: TYPES_GROUP, namespace: fedNs, obj: fedObj };
  }
  const obj = await client.get(apiVersionOf(t.group, t.version), t.kind, ns, name);
  if (!obj) throw new Error(`neither ${info.federated.kind} nor ${qualifiedName(t.plural, t.group)} "${name}" found${ns ? ` in namespace "${ns}"` : ''}`);
  return { apiVersion: apiVersionOf(t.group, t.version), kind: t.kind, group: t.group, namespace: ns, obj };
}

/** Sets or clears orphaning on the target; returns false when it already was as asked. */
export async function setOrphaning(client: KubeClient, target: OrphanTarget, enabled: boolean, fieldManager: string): Promise<boolean> {
  const present = target.obj.metadata?.annotations?.[ORPHAN_ANNOTATION] !== undefined;
  if (enabled === isOrphaning(target.obj) && (enabled || !present)) return false;
  await client.patch(target.apiVersion, target.kind, target.namespace, target.obj.metadata!.name!, { metadata: { annotations: { [ORPHAN_ANNOTATION]: enabled ? 'true' : null } } }, 'merge', { fieldManager });
  return true;
}
