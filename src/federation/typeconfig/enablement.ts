/**
 * Enabling and disabling federation of a type (kubefedctl enable/disable): the Federated<Kind>
 * CRD and the FederatedTypeConfig that the type-config controller acts on. Each step reports a
 * line in kubectl's style ("... created", "... unchanged") through `say`.
 */
import type { KObject } from '../../apis/object.js';
import { isAlreadyExists, isNotFound, type KubeClient } from '../client/kube-client.js';
import { CORE_API_VERSION, CORE_GROUP, CRD_API_VERSION, federatedTypeCrd, type TargetType } from '../crds/federation-crds.js';
import { typeConfigFor, typeConfigName, typeInfo, typeInfoFromConfig, type FederatedTypeInfo } from '../types.js';
import { qualifiedName, resolveFederatableType, typeMatches } from './type-resolution.js';

const FIELD_MANAGER = 'kubefed';

export type Say = (line: string) => void;

export interface TypeConfigEntry {
  ftc: KObject;
  info: FederatedTypeInfo;
}

/** Creates (or re-enables) the FederatedTypeConfig and the Federated<Kind> CRD; idempotent. */
export async function enableType(client: KubeClient, t: TargetType, ns: string, say: Say): Promise<FederatedTypeInfo> {
  const info = typeInfo(t);
  const clash = (await listTypeConfigs(client, ns)).find((c) => c.info.name !== info.name && c.info.federated.kind === info.federated.kind);
  if (clash) throw new Error(`${info.federated.kind} already federates ${clash.info.name} (FederatedTypeConfig ${clash.ftc.metadata?.name}); disable it first to federate ${info.name}`);
  const crd = federatedTypeCrd(t);
  const crdName = crd.metadata!.name!;
  if (await client.get(CRD_API_VERSION, 'CustomResourceDefinition', undefined, crdName)) say(`customresourcedefinition.apiextensions.k8s.io/${crdName} unchanged`);
  else {
    try {
      await client.create(crd, { fieldManager: FIELD_MANAGER });
      say(`customresourcedefinition.apiextensions.k8s.io/${crdName} created`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      say(`customresourcedefinition.apiextensions.k8s.io/${crdName} unchanged`);
    }
  }
  await client.waitServed(info.federated.apiVersion, info.federated.kind);
  const ftc = { ...typeConfigFor(t), metadata: { name: info.name, namespace: ns } };
  const existing = await client.get(CORE_API_VERSION, 'FederatedTypeConfig', ns, info.name);
  const what = `federatedtypeconfig.${CORE_GROUP}/${info.name}`;
  if (!existing) {
    await client.create(ftc, { fieldManager: FIELD_MANAGER });
    say(`${what} created in namespace ${ns}`);
  } else if (existing.spec?.propagation !== 'Enabled') {
    await client.patch(CORE_API_VERSION, 'FederatedTypeConfig', ns, info.name, { spec: { propagation: 'Enabled' } }, 'merge', { fieldManager: FIELD_MANAGER });
    say(`${what} propagation enabled`);
  } else say(`${what} unchanged (already enabled)`);
  return info;
}

/** The FederatedTypeConfigs of the federation with their type info (malformed ones left out). */
export async function listTypeConfigs(client: KubeClient, ns: string): Promise<TypeConfigEntry[]> {
  let list: { items: KObject[] };
  try {
    list = await client.list(CORE_API_VERSION, 'FederatedTypeConfig', { namespace: ns });
  } catch (e) {
    if (isNotFound(e)) throw new Error(`the API at ${client.server} has no FederatedTypeConfig type: is it a federation?`);
    throw e;
  }
  return list.items.flatMap((ftc) => {
    const info = typeInfoFromConfig(ftc);
    return info ? [{ ftc, info }] : [];
  });
}

/** The FTC for TYPE: matched against the FTCs' target types (the type may no longer be served). */
export async function findTypeConfig(client: KubeClient, type: string, ns: string): Promise<TypeConfigEntry> {
  const ftcs = await listTypeConfigs(client, ns);
  const matching = ftcs.filter(({ ftc, info }) => ftc.metadata?.name === type.toLowerCase() || typeMatches(type, info.target));
  if (matching.length === 1) return matching[0]!;
  if (matching.length > 1) {
    const core = matching.find((m) => m.info.target.group === '');
    if (core) return core;
    throw new Error(`"${type}" is ambiguous: it names ${matching.map((m) => m.info.name).join(', ')}; qualify it with the group`);
  }
  const t = await resolveFederatableType(client, type);
  throw new Error(`${qualifiedName(t.plural, t.group)} is not enabled for federation (no FederatedTypeConfig ${typeConfigName(t)} in ${ns})`);
}

/** Stops propagation of TYPE, or with deleteCrd removes its FederatedTypeConfig and CRD. */
export async function disableType(client: KubeClient, type: string, o: { deleteCrd?: boolean; kubefedNamespace: string }, say: Say): Promise<void> {
  const ns = o.kubefedNamespace;
  const { ftc, info } = await findTypeConfig(client, type, ns);
  const what = `federatedtypeconfig.${CORE_GROUP}/${info.name}`;
  if (o.deleteCrd) {
    await client.delete(CORE_API_VERSION, 'FederatedTypeConfig', ns, ftc.metadata!.name!);
    say(`${what} deleted`);
    const crdName = `${info.federated.plural}.${info.federated.group}`;
    if (await client.delete(CRD_API_VERSION, 'CustomResourceDefinition', undefined, crdName)) say(`customresourcedefinition.apiextensions.k8s.io/${crdName} deleted`);
    else say(`customresourcedefinition.apiextensions.k8s.io/${crdName} not found`);
    return;
  }
  if (ftc.spec?.propagation === 'Disabled') {
    say(`${what} unchanged (propagation already disabled)`);
    return;
  }
  await client.patch(CORE_API_VERSION, 'FederatedTypeConfig', ns, ftc.metadata!.name!, { spec: { propagation: 'Disabled' } }, 'merge', { fieldManager: FIELD_MANAGER });
  say(`${what} propagation disabled`);
}
