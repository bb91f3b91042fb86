/**
 * Objects every cluster starts with: the system namespaces, the default RBAC policy, and the
 * `kubernetes` Service pointing at the API server. Created when missing, never overwritten.
 */
import type { KObject } from '../apis/object.js';
import { bootstrapPolicy } from './auth/bootstrap-policy.js';
import { StatusError } from './errors.js';
import { systemContext, type Api } from './rest/context.js';
import { createObject } from './rest/create.js';
import { storageVersion } from './rest/prepare.js';

const MANAGER = 'kubefed-apiserver-bootstrap';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(api: Api, group: string, resource: string, obj: KObject): Promise<void> {
  const type = api.registry.byGroupResource(group, resource);
  if (!type) return;
  if (api.store.get(type, obj.metadata?.namespace ?? '', obj.metadata!.name!)) return;
  try {
    await createObject(api, type, storageVersion(type), obj.metadata?.namespace ?? '', obj, systemContext(MANAGER));
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 409)) throw e;
  }
}

export async function bootstrap(api: Api, apiserver: { address: string; port: number; clusterIP: string }): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) await ensure(api, '', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (const obj of bootstrapPolicy()) {
    const resource = obj.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings';
    await ensure(api, 'rbac.authorization.k8s.io', resource, obj);
  }
  await ensure(api, '', 'services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: apiserver.clusterIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: apiserver.port }], sessionAffinity: 'None' },
  });
  await ensure(api, '', 'endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: apiserver.address }], ports: [{ name: 'https', port: apiserver.port, protocol: 'TCP' }] }],
  });
}
