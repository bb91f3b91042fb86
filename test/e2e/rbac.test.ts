/**
 * Authentication and RBAC with real credentials: a ServiceAccount token issued through the
 * TokenRequest API and a static token, used by kubectl from a kubeconfig that holds only that
 * token. Each identity can do exactly what it was granted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { raw } from '../helpers/http.js';
import { kubectl } from '../helpers/kubectl.js';

let t: TestServer;
let saKubeconfig: string;
let aliceKubeconfig: string;
let saToken: string;

const post = async (path: string, obj: unknown) => {
  const r = await raw(t, { method: 'POST', path, body: JSON.stringify(obj) });
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${r.body}`);
  return r.json();
};
const asSa = (args: string[]) => kubectl(['--kubeconfig', saKubeconfig, ...args], { cacheDir: join(t.dir, 'cache-sa') });
const asAlice = (args: string[]) => kubectl(['--kubeconfig', aliceKubeconfig, ...args], { cacheDir: join(t.dir, 'cache-alice') });

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-tokens-'));
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, 'alice-secret-token,alice,1001,"developers,qa"\n');
  t = await startTestServer({ tokenFile });
  await post('/api/v1/namespaces', { kind: 'Namespace', metadata: { name: 'team' } });
  await post('/api/v1/namespaces/team/serviceaccounts', { kind: 'ServiceAccount', metadata: { name: 'dev' } });
  await post('/apis/rbac.authorization.k8s.io/v1/namespaces/team/roles', {
    kind: 'Role',
    metadata: { name: 'dev' },
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['allowed'], verbs: ['get'] },
    ],
  });
  await post('/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings', {
    kind: 'RoleBinding',
    metadata: { name: 'dev' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'dev' },
    subjects: [{ kind: 'ServiceAccount', name: 'dev', namespace: 'team' }],
  });
  const tr = await post('/api/v1/namespaces/team/serviceaccounts/dev/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
  saToken = tr.status.token;
  saKubeconfig = join(t.dir, 'sa-kubeconfig');
  mergeKubeconfig(saKubeconfig, [{ name: 'sa', server: t.url, caPem: t.server.caPem, token: saToken, namespace: 'team' }]);
  aliceKubeconfig = join(t.dir, 'alice-kubeconfig');
  mergeKubeconfig(aliceKubeconfig, [{ name: 'alice', server: t.url, caPem: t.server.caPem, token: 'alice-secret-token' }]);
  for (const name of ['allowed', 'other']) await post('/api/v1/namespaces/team/secrets', { kind: 'Secret', metadata: { name }, stringData: { k: 'v' } });
});
afterAll(async () => {
  await t?.stop();
});

describe('RBAC', () => {
  it('issues a ServiceAccount token that identifies the account', async () => {
    const who = await asSa(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}']);
    expect(who.stdout).toContain('system:serviceaccount:team:dev');
    expect(who.stdout).toContain('system:serviceaccounts:team');
  });

  it('allows what the Role grants in its namespace', async () => {
    expect((await asSa(['get', 'pods'])).stderr).toContain('No resources found in team namespace');
    const cm = await kubectl(['--kubeconfig', saKubeconfig, 'create', '-f', '-'], { input: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"mine"}}', cacheDir: join(t.dir, 'cache-sa') });
    expect(cm.code).toBe(0);
    expect((await asSa(['get', 'secret', 'allowed', '-o', 'name'])).stdout).toBe('secret/allowed\n');
  });

  it('denies everything else with a Forbidden status naming the user', async () => {
    const list = await asSa(['get', 'pods', '-n', 'default']);
    expect(list.code).not.toBe(0);
    expect(list.stderr).toContain('pods is forbidden: User "system:serviceaccount:team:dev" cannot list resource "pods" in API group "" in the namespace "default"');
    const del = await asSa(['delete', 'configmap', 'mine']);
    expect(del.stderr).toContain('configmaps "mine" is forbidden: User "system:serviceaccount:team:dev" cannot delete resource "configmaps" in API group "" in the namespace "team"');
    // resourceNames restrict to the named object, and never allow listing.
    expect((await asSa(['get', 'secret', 'other'])).stderr).toContain('secrets "other" is forbidden');
    expect((await asSa(['get', 'secrets'])).stderr).toContain('cannot list resource "secrets"');
    const nodes = await asSa(['get', 'nodes']);
    expect(nodes.stderr).toContain('at the cluster scope');
  });

  it('answers can-i for the account itself', async () => {
    expect((await asSa(['auth', 'can-i', 'list', 'pods'])).stdout.trim()).toBe('yes');
    expect((await asSa(['auth', 'can-i', 'delete', 'pods'])).stdout.trim()).toBe('no');
    expect((await asSa(['auth', 'can-i', 'get', 'secret/allowed'])).stdout.trim()).toBe('yes');
    expect((await asSa(['auth', 'can-i', 'get', 'secret/other'])).stdout.trim()).toBe('no');
    const rules = await asSa(['auth', 'can-i', '--list']);
    expect(rules.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
  });

  it('grants through groups of a static token and through ClusterRole aggregation', async () => {
    expect((await asAlice(['get', 'configmaps', '-n', 'team'])).code).not.toBe(0);
    // A ClusterRole that aggregates into "view", bound (via "view") to alice's group.
    await post('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      kind: 'ClusterRole',
      metadata: { name: 'view-leases', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list'] }],
    });
    await post('/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings', {
      kind: 'RoleBinding',
      metadata: { name: 'qa-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'Group', name: 'qa', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    expect((await asAlice(['get', 'configmaps', '-n', 'team'])).code).toBe(0);
    expect((await asAlice(['get', 'leases', '-n', 'team'])).code).toBe(0);
    expect((await asAlice(['get', 'configmaps', '-n', 'default'])).stderr).toContain('User "alice" cannot list resource "configmaps"');
    expect((await asAlice(['auth', 'can-i', 'create', 'configmaps', '-n', 'team'])).stdout.trim()).toBe('no');
  });

  it('rejects the token once the ServiceAccount is deleted', async () => {
    expect((await raw(t, { path: '/api/v1/namespaces/team/pods', as: { token: saToken } })).status).toBe(200);
    expect((await raw(t, { method: 'DELETE', path: '/api/v1/namespaces/team/serviceaccounts/dev' })).status).toBe(200);
    const r = await raw(t, { path: '/api/v1/namespaces/team/pods', as: { token: saToken } });
    expect(r.status).toBe(401);
    expect(r.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });
});
