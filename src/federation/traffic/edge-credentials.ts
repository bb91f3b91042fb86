/**
 * Credentials for an edge: a kubeconfig holding a token of the federation's read-only
 * `kubefed-edge` ServiceAccount, from the TokenRequest API (so the edge never holds admin or
 * member credentials). The CA comes from the admin kubeconfig the request is made with.
 */
import { readFileSync } from 'node:fs';
import type { KObject } from '../../apis/object.js';
import type { KubeClient } from '../client/kube-client.js';
import { KUBEFED_NAMESPACE } from '../crds/federation-crds.js';
import { EDGE_SERVICE_ACCOUNT } from '../install.js';
import { mergeKubeconfig } from '../../kubeconfig.js';

/** One year: edges are long-running; rotate by running this again. */
export const EDGE_TOKEN_SECONDS = 365 * 24 * 3600;

export async function edgeToken(admin: KubeClient, expirationSeconds = EDGE_TOKEN_SECONDS): Promise<string> {
  const tr = await admin.request<KObject>('POST', `/api/v1/namespaces/${KUBEFED_NAMESPACE}/serviceaccounts/${EDGE_SERVICE_ACCOUNT}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds },
  });
  const token = tr.status?.token as string | undefined;
  if (!token) throw new Error('the TokenRequest for the edge returned no token');
  return token;
}

/** Writes (or updates) context `name` in `file` for the edge identity. */
export async function writeEdgeKubeconfig(admin: KubeClient, file: string, name = 'kubefed-edge'): Promise<void> {
  const cluster = admin.kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const caPem = cluster.caData ? Buffer.from(cluster.caData, 'base64').toString('utf8') : cluster.caFile ? readFileSync(cluster.caFile, 'utf8') : '';
  const token = await edgeToken(admin);
  mergeKubeconfig(file, [{ name, server: admin.server, caPem, token }], { makeCurrent: true });
}
