/**
 * Installs what the federation API needs before its controllers start: the federation's CRDs,
 * the kube-federation-system namespace, and (on first install only, so that a type an operator
 * disabled or deleted stays that way) the default FederatedTypeConfigs. The settings given to
 * `kubefed init` are kept in the ConfigMap `kubefed-config` of that namespace.
 */
import { deepEqual, type KObject } from '../apis/object.js';
import { isAlreadyExists, type KubeClient } from './client/kube-client.js';
import { FEDERATION_CRDS, KUBEFED_NAMESPACE } from './crds/federation-crds.js';
import { dnsEndpointCrd } from './crds/externaldns-crds.js';
import { GATEWAY_API_CRDS, globalGatewayClass } from './crds/gateway-api-crds.js';
import { DEFAULT_TARGET_TYPES, typeConfigFor } from './types.js';

export const FEDERATION_CONFIG_MAP = 'kubefed-config';

export interface FederationSettings {
  /** The DNS zone of cross-cluster service discovery (`kubefed init --dns-zone-name`). */
  dnsZoneName?: string;
  /** The federation's name (`kubefed init NAME`), part of its service DNS names. */
  federationName?: string;
  /** TTL of the service DNS records, seconds (default 5). */
  dnsTtl?: number;
  /** The context of the cluster that hosts the control plane (`--host-cluster-context`). */
  hostClusterContext?: string;
}

async function ensure(client: KubeClient, obj: KObject): Promise<boolean> {
  try {
    await client.create(obj);
    return true;
  } catch (e) {
    if (isAlreadyExists(e)) return false;
    throw e;
  }
}

/**
 * Creates a CRD, or brings an existing one's spec up to date (a newer version of the federation).
 * One we did not install (the Gateway API's, installed by an operator) is left as it is.
 */
async function ensureCrd(client: KubeClient, crd: KObject): Promise<void> {
  if (await ensure(client, crd)) return;
  const cur = await client.get(crd.apiVersion!, crd.kind!, undefined, crd.metadata!.name!);
  if (cur?.metadata?.labels?.['kubefed.io/crd'] !== 'true') return;
  const metadata = { ...cur.metadata, annotations: { ...cur.metadata.annotations, ...crd.metadata?.annotations } };
  if (!deepEqual(cur.spec, { ...cur.spec, ...crd.spec }) || !deepEqual(cur.metadata.annotations ?? {}, metadata.annotations)) await client.replace({ ...cur, metadata, spec: { ...cur.spec, ...crd.spec } });
}

/** The global edge's ServiceAccount: it reads what routing needs, and writes nothing. */
export const EDGE_SERVICE_ACCOUNT = 'kubefed-edge';

const EDGE_RULES = [
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['services', 'secrets', 'configmaps'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['core.kubefed.io'], resources: ['clusters'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['gatewayclasses', 'gateways', 'httproutes', 'referencegrants'], verbs: ['get', 'list', 'watch'] },
  // Gateway listeners admit routes by namespace labels.
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
];

/** The edge's read-only identity: ServiceAccount, ClusterRole and binding, kept up to date. */
async function ensureEdgeIdentity(client: KubeClient): Promise<void> {
  const RBAC = 'rbac.authorization.k8s.io/v1';
  const labels = { 'app.kubernetes.io/managed-by': 'kubefed', 'app.kubernetes.io/component': 'edge' };
  await ensure(client, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: EDGE_SERVICE_ACCOUNT, namespace: KUBEFED_NAMESPACE, labels } });
  const role = { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: EDGE_SERVICE_ACCOUNT, labels }, rules: EDGE_RULES };
  if (!(await ensure(client, role))) {
    const cur = await client.get(RBAC, 'ClusterRole', undefined, EDGE_SERVICE_ACCOUNT);
    if (cur && !deepEqual(cur.rules, EDGE_RULES)) await client.replace({ ...cur, rules: EDGE_RULES });
  }
  await ensure(client, {
    apiVersion: RBAC,
    kind: 'ClusterRoleBinding',
    metadata: { name: EDGE_SERVICE_ACCOUNT, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: EDGE_SERVICE_ACCOUNT },
    subjects: [{ kind: 'ServiceAccount', name: EDGE_SERVICE_ACCOUNT, namespace: KUBEFED_NAMESPACE }],
  });
}

/** The CRDs installFederation keeps in the federation API (the MCS CRDs come with installMcs). */
export const FEDERATION_API_CRDS: readonly KObject[] = [...FEDERATION_CRDS, ...GATEWAY_API_CRDS, dnsEndpointCrd];

/** Idempotent: safe on every start of the control plane. Returns whether this was the first install. */
export async function installFederation(client: KubeClient, settings: FederationSettings = {}, extraCrds: KObject[] = []): Promise<boolean> {
  const crds = [...FEDERATION_API_CRDS, ...extraCrds];
  for (const crd of crds) await ensureCrd(client, crd);
  await ensure(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: KUBEFED_NAMESPACE } });
  for (const crd of crds) await client.waitServed(`${crd.spec.group}/${crd.spec.versions[0].name}`, crd.spec.names.kind);
  await ensureEdgeIdentity(client);
  // The class of Gateways the global edge serves (created again if deleted, like its IngressClass).
  await ensure(client, globalGatewayClass());
  const existing = await client.get('v1', 'ConfigMap', KUBEFED_NAMESPACE, FEDERATION_CONFIG_MAP);
  const data: Record<string, string> = { ...(existing?.data ?? {}) };
  if (settings.dnsZoneName) data.dnsZoneName = settings.dnsZoneName;
  if (settings.federationName) data.federationName = settings.federationName;
  if (settings.dnsTtl) data.dnsTtl = String(settings.dnsTtl);
  if (settings.hostClusterContext) data.hostClusterContext = settings.hostClusterContext;
  if (existing) {
    if (JSON.stringify(data) !== JSON.stringify(existing.data ?? {})) await client.patch('v1', 'ConfigMap', KUBEFED_NAMESPACE, FEDERATION_CONFIG_MAP, { data }, 'merge');
    return false;
  }
  for (const t of DEFAULT_TARGET_TYPES) await ensure(client, typeConfigFor(t));
  // Written last: its presence means the first install completed.
  await ensure(client, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: FEDERATION_CONFIG_MAP, namespace: KUBEFED_NAMESPACE }, data });
  return true;
}
