/**
 * Joining a cluster to the federation, and unjoining it (kubefedctl join/unjoin).
 *
 * Join, with the member's admin credentials:
 * 1. checks, before creating anything: the name, the federation (namespace, KubeFedCluster type,
 *    NAME not yet joined) and that the member answers and accepts the credentials;
 * 2. in the member: namespace kube-federation-system (if missing), ServiceAccount `NAME-kubefed`,
 *    ClusterRole and ClusterRoleBinding `kubefed-controller-manager-NAME` (KubeFed's naming,
 *    without its ':'; the role grants only what the federation needs: all verbs on the propagated
 *    resources, read access to nodes and pods, the health and version endpoints), a long-lived
 *    token from the TokenRequest API, checked against the member;
 * 3. in the federation: a Secret `NAME-xxxxx` holding the token and the KubeFedCluster NAME
 *    (endpoint, CA bundle, secretRef). The Secret is owned by the KubeFedCluster.
 * Any failure undoes every step already done, on both sides, and throws one clear error.
 *
 * Unjoin removes the KubeFedCluster, its Secret and Cluster object in the federation, and the
 * binding, role and ServiceAccount in the member; a member that cannot be reached is reported
 * in the returned warnings while the federation side is still removed.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { KObject } from '../../apis/object.js';
import { isAlreadyExists, isNotFound, KubeApiError, KubeClient, kubeConfigFor } from '../client/kube-client.js';
import { CORE_API_VERSION, KUBEFED_NAMESPACE } from '../crds/federation-crds.js';
import { listTypeConfigs } from '../typeconfig/enablement.js';
import type { FederatedTypeInfo } from '../types.js';
import { clusterRoleName, memberRoleRules, RBAC_API_VERSION, serviceAccountName } from './member-access.js';

/** Ten years: the federation's token should outlive the member's credentials rotation policy. */
export const TOKEN_EXPIRATION_SECONDS = 10 * 365 * 24 * 3600;
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'kubefed' };


export interface JoinOptions {
  federation: KubeClient;
  /** Client of the member with admin credentials. */
  member: KubeClient;
  name: string;
  /** Federation namespace (also used in the member). Default kube-federation-system. */
  namespace?: string;
  log?: Logger;
  tokenExpirationSeconds?: number;
  /** How long to wait for the new token to be accepted by the member (RBAC caches). Default 10 s. */
  verifyTimeoutMs?: number;
}

export interface JoinResult {
  name: string;
  apiEndpoint: string;
  secretName: string;
  serviceAccount: string;
  clusterRole: string;
}

const errMsg = (e: unknown) => (e instanceof KubeApiError ? (e.body?.message ?? e.message) : e instanceof Error ? e.message : String(e));
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The member role's rules for the federation's current FederatedTypeConfigs. */
async function joinRoleRules(federation: KubeClient, namespace: string, role: string) {
  let types: FederatedTypeInfo[] = [];
  try {
    types = (await listTypeConfigs(federation, namespace)).map((c) => c.info);
  } catch {
    // No FederatedTypeConfig type: a federation without types yet; the controller extends the role later.
  }
  return memberRoleRules(types, role);
}

/** The member's CA bundle (PEM, base64) as its kubeconfig gives it, and whether TLS is unchecked. */
function memberCa(member: KubeClient): { caBundle?: string; insecure: boolean } {
  const c = member.kc.getCurrentCluster();
  if (!c) return { insecure: false };
  if (c.skipTLSVerify) return { insecure: true };
  if (c.caData) return { caBundle: c.caData.trim(), insecure: false };
  if (c.caFile) return { caBundle: readFileSync(c.caFile).toString('base64'), insecure: false };
  return { insecure: false };
}

/** Throws a clear error unless the member answers and accepts the client's credentials. */
export async function checkMember(member: KubeClient, name: string): Promise<void> {
  const url = member.server;
  try {
    await member.request('GET', '/api');
  } catch (e) {
    if (e instanceof KubeApiError) {
      if (e.status === 401) throw new Error(`credentials for cluster "${name}" were rejected by ${url} (401 Unauthorized)`);
      if (e.status === 403) throw new Error(`credentials for cluster "${name}" are not allowed to read ${url}/api (403 Forbidden)`);
      throw new Error(`cluster "${name}" at ${url} answered ${e.status}: ${errMsg(e)}`);
    }
    throw new Error(`cluster "${name}" is unreachable at ${url}: ${errMsg(e)}`);
  }
}

async function createOrAdopt(client: KubeClient, obj: KObject, log: Logger | undefined): Promise<boolean> {
  try {
    await client.create(obj);
    return true;
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  // Left over from an earlier join whose unjoin could not reach the member: bring it up to date.
  const cur = await client.get(obj.apiVersion!, obj.kind!, obj.metadata?.namespace, obj.metadata!.name!);
  if (!cur) return createOrAdopt(client, obj, log);
  log?.info({ kind: obj.kind, name: obj.metadata!.name }, 'reusing an existing object in the member');
  if (obj.kind === 'ClusterRole' || obj.kind === 'ClusterRoleBinding') {
    await client.replace({ ...cur, ...(obj.rules ? { rules: obj.rules } : {}), ...(obj.subjects ? { subjects: obj.subjects, roleRef: obj.roleRef } : {}) });
  }
  return false;
}

async function waitForToken(client: KubeClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      await client.request('GET', '/api');
      await client.list('v1', 'Node');
      await client.request('GET', '/healthz');
      return;
    } catch (e) {
      const retriable = e instanceof KubeApiError && (e.status === 401 || e.status === 403);
      if (!retriable || Date.now() + delay > deadline) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export async function joinCluster(o: JoinOptions): Promise<JoinResult> {
  const { federation, member, name, log } = o;
  const ns = o.namespace ?? KUBEFED_NAMESPACE;
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) throw new Error(`"${name}" is not a valid cluster name: use lower case letters, digits, '-' and '.'`);
  const sa = serviceAccountName(name);
  const role = clusterRoleName(name);
  if (sa.length > 253) throw new Error(`cluster name "${name}" is too long`);

  // --- checks: nothing is created before they pass -------------------------------------------------
  let nsObj: KObject | undefined;
  try {
    nsObj = await federation.get('v1', 'Namespace', undefined, ns);
  } catch (e) {
    throw new Error(`cannot read the federation API at ${federation.server}: ${errMsg(e)}`);
  }
  if (!nsObj) throw new Error(`namespace "${ns}" does not exist in the federation at ${federation.server} (is the federation control plane installed?)`);
  let existing: KObject | undefined;
  try {
    existing = await federation.get(CORE_API_VERSION, 'KubeFedCluster', ns, name);
  } catch (e) {
    throw new Error(`cannot read KubeFedClusters from the federation at ${federation.server}: ${errMsg(e)}`);
  }
  if (existing) throw new Error(`cluster "${name}" is already joined to the federation (KubeFedCluster ${ns}/${name} exists at ${existing.spec?.apiEndpoint ?? '?'}); unjoin it first`);
  await checkMember(member, name);
  const apiEndpoint = member.server;
  const { caBundle, insecure } = memberCa(member);
  const rules = await joinRoleRules(federation, ns, role);

  // --- the steps, each with its undo ------------------------------------------------------------------
  const undo: { what: string; fn: () => Promise<unknown> }[] = [];
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      const failures: string[] = [];
      for (const u of undo.reverse()) {
        try {
          await u.fn();
        } catch (ue) {
          failures.push(`${u.what}: ${errMsg(ue)}`);
        }
      }
      log?.warn({ cluster: name, step: what, err: errMsg(e), undoFailures: failures }, 'join failed; undone');
      const tail = failures.length ? `; undoing failed for ${failures.join('; ')}` : '; nothing was left behind';
      throw new Error(`joining cluster "${name}" failed while ${what}: ${errMsg(e)}${tail}`, { cause: e });
    }
  };
  const labels = { ...MANAGED_BY, 'kubefed.io/cluster-name': name };

  const nsCreated = await step(`creating namespace "${ns}" in the member`, () => createOrAdopt(member, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, log));
  if (nsCreated) undo.push({ what: `deleting namespace "${ns}" in the member`, fn: () => member.delete('v1', 'Namespace', undefined, ns) });
  const saCreated = await step(`creating ServiceAccount "${ns}/${sa}" in the member`, () => createOrAdopt(member, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: ns, labels } }, log));
  if (saCreated) undo.push({ what: `deleting ServiceAccount "${ns}/${sa}" in the member`, fn: () => member.delete('v1', 'ServiceAccount', ns, sa) });
  const roleCreated = await step(`creating ClusterRole "${role}" in the member`, () => createOrAdopt(member, { apiVersion: RBAC_API_VERSION, kind: 'ClusterRole', metadata: { name: role, labels }, rules }, log));
  if (roleCreated) undo.push({ what: `deleting ClusterRole "${role}" in the member`, fn: () => member.delete(RBAC_API_VERSION, 'ClusterRole', undefined, role) });
  const bindingCreated = await step(`creating ClusterRoleBinding "${role}" in the member`, () =>
    createOrAdopt(member, { apiVersion: RBAC_API_VERSION, kind: 'ClusterRoleBinding', metadata: { name: role, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }] }, log),
  );
  if (bindingCreated) undo.push({ what: `deleting ClusterRoleBinding "${role}" in the member`, fn: () => member.delete(RBAC_API_VERSION, 'ClusterRoleBinding', undefined, role) });

  const token = await step(`requesting a token for ServiceAccount "${ns}/${sa}" in the member`, async () => {
    const tr = await member.request<KObject>('POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: o.tokenExpirationSeconds ?? TOKEN_EXPIRATION_SECONDS },
    });
    const t = tr.status?.token as string | undefined;
    if (!t) throw new Error('the TokenRequest returned no token');
    return t;
  });

  await step('checking the new token against the member', async () => {
    const check = new KubeClient(kubeConfigFor(name, { server: apiEndpoint, ...(caBundle ? { caPem: Buffer.from(caBundle, 'base64').toString('utf8') } : {}), token, insecureSkipTlsVerify: insecure }), { timeoutMs: 10_000 });
    try {
      await waitForToken(check, o.verifyTimeoutMs ?? 10_000);
    } finally {
      check.close();
    }
  });

  const secret = await step(`creating the credentials Secret in the federation namespace "${ns}"`, () =>
    federation.create({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { generateName: `${name}-`, namespace: ns, labels }, data: { token: Buffer.from(token).toString('base64') } }),
  );
  const secretName = secret.metadata!.name!;
  undo.push({ what: `deleting Secret "${ns}/${secretName}" in the federation`, fn: () => federation.delete('v1', 'Secret', ns, secretName) });

  const kfc = await step(`creating KubeFedCluster "${ns}/${name}" in the federation`, () =>
    federation.create({
      apiVersion: CORE_API_VERSION,
      kind: 'KubeFedCluster',
      metadata: { name, namespace: ns },
      spec: { apiEndpoint, ...(caBundle ? { caBundle } : {}), secretRef: { name: secretName }, ...(insecure ? { disabledTLSValidations: ['*'] } : {}) },
    }),
  );
  // The Secret goes with its KubeFedCluster (e.g. `kubectl delete kubefedcluster`); not essential.
  try {
    await federation.patch('v1', 'Secret', ns, secretName, { metadata: { ownerReferences: [{ apiVersion: CORE_API_VERSION, kind: 'KubeFedCluster', name, uid: kfc.metadata!.uid! }] } }, 'merge');
  } catch (e) {
    log?.warn({ cluster: name, err: errMsg(e) }, 'could not make the KubeFedCluster own its Secret');
  }
  log?.info({ cluster: name, apiEndpoint, secret: secretName }, 'cluster joined the federation');
  return { name, apiEndpoint, secretName, serviceAccount: `${ns}/${sa}`, clusterRole: role };
}

export interface UnjoinOptions {
  federation: KubeClient;
  /** Client of the member with admin credentials; without it the member side is left in place. */
  member?: KubeClient;
  name: string;
  namespace?: string;
  log?: Logger;
}

export interface UnjoinResult {
  /** What could not be cleaned up in the member (e.g. it was unreachable). */
  warnings: string[];
}

export async function unjoinCluster(o: UnjoinOptions): Promise<UnjoinResult> {
  const { federation, member, name, log } = o;
  const ns = o.namespace ?? KUBEFED_NAMESPACE;
  const sa = serviceAccountName(name);
  const role = clusterRoleName(name);
  const warnings: string[] = [];
  let kfc: KObject | undefined;
  try {
    kfc = await federation.get(CORE_API_VERSION, 'KubeFedCluster', ns, name);
  } catch (e) {
    throw new Error(`cannot read KubeFedClusters from the federation at ${federation.server}: ${errMsg(e)}`);
  }

  // Federation side first: the controllers stop using the cluster at once.
  let removedSomething = false;
  if (kfc) {
    await federation.delete(CORE_API_VERSION, 'KubeFedCluster', ns, name);
    removedSomething = true;
    const secretName = kfc.spec?.secretRef?.name as string | undefined;
    if (secretName) await federation.delete('v1', 'Secret', ns, secretName);
  }
  try {
    const cluster = await federation.get(CORE_API_VERSION, 'Cluster', undefined, name);
    if (cluster && cluster.spec?.kubeFedCluster?.name === name && (cluster.spec?.kubeFedCluster?.namespace ?? ns) === ns) {
      await federation.delete(CORE_API_VERSION, 'Cluster', undefined, name);
    }
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }

  const leftInMember = `ServiceAccount ${ns}/${sa}, ClusterRole and ClusterRoleBinding ${role}`;
  if (!member) {
    warnings.push(`no credentials for cluster "${name}" were given: its ${leftInMember} were left in place`);
  } else {
    try {
      await checkMember(member, name);
      const gone = await Promise.all([member.delete(RBAC_API_VERSION, 'ClusterRoleBinding', undefined, role), member.delete(RBAC_API_VERSION, 'ClusterRole', undefined, role), member.delete('v1', 'ServiceAccount', ns, sa)]);
      if (gone.some(Boolean)) removedSomething = true;
    } catch (e) {
      warnings.push(`${errMsg(e)}; its ${leftInMember} were left in place`);
    }
  }
  if (!removedSomething && warnings.length === 0) throw new Error(`cluster "${name}" is not joined to the federation (no KubeFedCluster ${ns}/${name})`);
  if (!kfc && warnings.length > 0) throw new Error(`cluster "${name}" is not joined to the federation (no KubeFedCluster ${ns}/${name}); ${warnings.join('; ')}`);
  log?.info({ cluster: name, warnings }, 'cluster left the federation');
  return { warnings };
}
