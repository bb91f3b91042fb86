/**
 * Host-cluster mode end to end (issue 15): the federation controllers run as their own process
 * (`kubefed controller-manager`, the built CLI) against a separate API server standing in for an
 * existing host cluster: our API server started plain, with no federation admission in-process.
 * It runs as the ServiceAccount of the kustomize base (deploy/kustomize/base: its RBAC applied to
 * the host), so that identity is shown to be enough. The process installs the federation's CRDs
 * there and registers its admission webhooks; two
 * playground clusters, earth and vulcan, are joined with `kubefed join` against the host context;
 * the seed 004 objects are propagated to both. An invalid placement is refused through the webhook
 * with the embedded control plane's own 422 (compared in this test), the controller manager's
 * /metrics is protected like a Kubernetes component's, and a webhook that times out (the process
 * stopped) is handled per its failurePolicy: Fail refuses the write, Ignore lets it through.
 * Requires a build (`npm test` builds first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError, KubeClient } from '../../src/federation/client/kube-client.js';
import { ControlPlane } from '../../src/federation/controlplane.js';
import { KUBEFED_NAMESPACE } from '../../src/federation/crds/federation-crds.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { Playground } from '../../src/playground/world.js';
import { silentLogger, startTestServer, type TestServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { testTopology } from '../helpers/federated-playground.js';
import { kubectl } from '../helpers/kubectl.js';
import { KUBEFED_BIN, runKubefed } from '../helpers/kubefed-cli.js';
import { reserveOctets } from '../helpers/octets.js';
import { Scrape } from '../helpers/prometheus-text.js';

const ROOT = join(import.meta.dirname, '../..');
const seed = (f: string) => join(ROOT, 'test/fixtures/seeds', f);
const MEMBERS = ['earth', 'vulcan'] as const;
const NS = 'fedtestns';
const HOST = 'test';
const EMBEDDED = 'embedded';
/** The controller manager's context: the kustomize base's ServiceAccount. */
const MANAGER = 'manager';

let dir: string;
let host: TestServer;
let pg: Playground;
let embedded: ControlPlane;
let manager: { proc: ChildProcess; webhooks: string; metrics: string; stderr: () => string };

/** kubectl with the shared kubeconfig (contexts test, embedded, earth, vulcan). */
const k = (args: string[], input?: string) => kubectl(['--kubeconfig', host.kubeconfig, ...args], { cacheDir: join(dir, 'kubectl-cache'), ...(input !== undefined ? { input } : {}) });
async function ok(args: string[], input?: string): Promise<string> {
  const r = await k(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Starts `kubefed controller-manager` against the host context; resolves once it reports where it serves. */
function startManager(): Promise<typeof manager> {
  const proc = spawn(
    process.execPath,
    [KUBEFED_BIN, 'controller-manager', '--kubeconfig', host.kubeconfig, '--context', MANAGER, '--webhook-address', '127.0.0.1:0', '--metrics-address', '127.0.0.1:0', '--webhook-timeout-seconds', '2', '--cluster-health-check-period-seconds', '1'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBEFED_LOG_LEVEL: 'warn' } },
  );
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /webhooks at (\S+), metrics at (\S+)\/metrics/.exec(out);
      if (m) resolve({ proc, webhooks: m[1]!, metrics: m[2]!, stderr: () => err });
    });
    proc.once('exit', (code) => reject(new Error(`controller-manager exited (${code}): ${err}`)));
  });
}

/** GET from the controller manager's HTTPS endpoint (its CA from the Secret it keeps in the host). */
async function managerGet(path: string, token?: string): Promise<{ status: number; body: string }> {
  const secret = JSON.parse(await ok(['--context', HOST, 'get', 'secret', '-n', KUBEFED_NAMESPACE, 'kubefed-webhook-serving-cert', '-o', 'json']));
  const ca = Buffer.from(secret.data['ca.crt'], 'base64').toString();
  const url = new URL(path, manager.metrics);
  return new Promise((resolve, reject) => {
    const req = request({ hostname: url.hostname, port: url.port, path: url.pathname, ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const built = join(ROOT, 'dist/src/cli/commands/controller-manager.js');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, 'src/federation/controller-manager.ts')).mtimeMs) throw new Error('dist is missing or older than src: run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'kubefed-hostmode-'));
  // The host cluster: a plain API server (no federation admission in-process).
  host = await startTestServer();
  pg = await Playground.up({ stateDir: join(dir, 'playground'), topology: testTopology({ clusters: 2, firstOctet: reserveOctets(2), names: [...MEMBERS] }), logger: silentLogger() });
  // The embedded control plane, for the 422 it gives.
  embedded = await ControlPlane.start({ dataDir: join(dir, 'embedded'), storageSync: 'normal', logger: silentLogger(), leaderElection: { enabled: false } });
  await embedded.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  mergeKubeconfig(host.kubeconfig, [embedded.kubeconfigEntry(EMBEDDED), ...[...pg.clusters.values()].map((c) => c.kubeconfigEntry())]);
  // The deployment's identity: the namespace, ServiceAccount and RBAC of the kustomize base, as rendered.
  const rendered = parseAllDocuments(await ok(['kustomize', join(ROOT, 'deploy/kustomize/base')])).map((d) => d.toJS() as { kind: string });
  const identity = rendered.filter((o) => ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind));
  expect(identity.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'Namespace', 'ServiceAccount']);
  await ok(['--context', HOST, 'apply', '-f', '-'], identity.map((o) => stringify(o)).join('---\n'));
  const token = (await ok(['--context', HOST, 'create', 'token', 'kubefed-controller-manager', '-n', KUBEFED_NAMESPACE, '--duration=2h'])).trim();
  mergeKubeconfig(host.kubeconfig, [{ name: MANAGER, server: host.url, caPem: host.server.caPem, token }]);
  manager = await startManager();
}, 180_000);

afterAll(async () => {
  if (manager?.proc.exitCode === null) {
    manager.proc.kill('SIGCONT');
    manager.proc.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        manager.proc.kill('SIGKILL');
        r(undefined);
      }, 15_000);
      manager.proc.once('exit', () => {
        clearTimeout(t);
        r(undefined);
      });
    });
  }
  await embedded?.close();
  await pg?.down();
  await host?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('kubefed controller-manager: bad flags', () => {
  it.each([
    [['--webhook-url', 'http://127.0.0.1:9443'], '--webhook-url must be an https:// URL'],
    [['--webhook-service', 'nope'], '--webhook-service must be NAMESPACE/NAME[:PORT]'],
    [['--webhook-url', 'https://127.0.0.1:9443', '--webhook-service', 'a/b'], '--webhook-url and --webhook-service are exclusive'],
    [['--webhook-failure-policy', 'Maybe'], '--webhook-failure-policy must be Fail or Ignore'],
    [['--webhook-timeout-seconds', '40'], '--webhook-timeout-seconds must be a whole number from 1 to 30'],
    [['--leader-elect', 'maybe'], '--leader-elect must be true or false'],
    [['--leader-elect-renew-deadline', '20s'], '--leader-elect-renew-deadline (20000 ms) must be shorter than --leader-elect-lease-duration (15000 ms)'],
    [['--kubeconfig', '/nonexistent/kubeconfig'], '--kubeconfig: cannot read /nonexistent/kubeconfig'],
    [['--kubeconfig', 'KUBECONFIG', '--context', 'nowhere'], '--context: context "nowhere" is not in'],
    [['--kubeconfig', 'KUBECONFIG', '--context', HOST], 'webhooks listening on 0.0.0.0 need the address the API server reaches them at (--webhook-url or --webhook-service)'],
  ])('%j is refused naming the flag', async (args, message) => {
    const r = await runKubefed(['controller-manager', ...args.map((a) => (a === 'KUBECONFIG' ? host.kubeconfig : a))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
  });
});

describe('host-cluster mode: kubefed controller-manager against an existing API server', () => {
  it('installs the federation CRDs and its webhook configurations in the host API', async () => {
    const crds = await ok(['--context', HOST, 'get', 'crd', '-o', 'name']);
    for (const crd of ['clusters.core.kubefed.io', 'federatedtypeconfigs.core.kubefed.io', 'federateddeployments.types.kubefed.io', 'serviceexports.multicluster.x-k8s.io']) expect(crds).toContain(`customresourcedefinition.apiextensions.k8s.io/${crd}`);
    for (const kind of ['validatingwebhookconfiguration', 'mutatingwebhookconfiguration']) {
      const cfg = JSON.parse(await ok(['--context', HOST, 'get', kind, 'federation.kubefed.io', '-o', 'json']));
      expect(cfg.webhooks[0].clientConfig.url.startsWith(manager.webhooks)).toBe(true);
      expect(cfg.webhooks[0].clientConfig.caBundle).toBeTruthy();
      expect(cfg.webhooks[0].timeoutSeconds).toBe(2);
    }
  });

  it('joins earth and vulcan with kubefed join against the host context', async () => {
    for (const c of MEMBERS) {
      const r = await runKubefed(['join', c, '--cluster-context', c, '--context', HOST], { kubeconfig: host.kubeconfig });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`Cluster "${c}" joined the federation.\n`);
    }
    await eventually(async () => {
      const o = await ok(['--context', HOST, 'get', 'clusters']);
      return MEMBERS.every((m) => new RegExp(`^${m}\\s+Ready\\s`, 'm').test(o));
    }, 'earth and vulcan Ready', 30_000);
  });

  it("propagates the seed's FederatedNamespace, FederatedDeployment and FederatedService to both clusters; the host's plain objects stay its own", async () => {
    await ok(['--context', HOST, 'create', 'namespace', NS]);
    await ok(['--context', HOST, 'create', 'configmap', 'host-only', '-n', NS, '--from-literal=a=b']);
    for (const f of ['004-federated-namespace.yaml', '004-federated-deployment.yaml', '004-federated-service.yaml']) await ok(['--context', HOST, 'create', '-f', seed(f)]);
    for (const c of MEMBERS) {
      await eventually(async () => (await ok([`--context=${c}`, 'get', 'deploy', 'fedhttp', '-n', NS, '-o', 'jsonpath={.status.readyReplicas}'])).trim() === '1', `fedhttp ready in ${c}`, 60_000);
      const svc = JSON.parse(await ok([`--context=${c}`, 'get', 'svc', 'fed-service', '-n', NS, '-o', 'json']));
      expect(svc.spec.type).toBe('NodePort');
      expect(svc.spec.ports[0].nodePort).toBeGreaterThan(0);
    }
    const fd = await eventually(async () => {
      const o = JSON.parse(await ok(['--context', HOST, 'get', 'federateddeployment', 'fedhttp', '-n', NS, '-o', 'json']));
      const cond = (o.status?.conditions ?? []).find((x: any) => x.type === 'Propagation');
      return cond?.status === 'True' ? o : undefined;
    }, 'FederatedDeployment fedhttp reports Propagation True', 30_000);
    expect(fd.status.clusters.map((c: any) => [c.name, c.status]).sort()).toEqual([['earth', 'Ok'], ['vulcan', 'Ok']]);
    // The webhook's mutation: the sync controller's finalizer came with the create.
    expect(fd.metadata.finalizers).toContain('kubefed.io/sync-controller');
    // A FederatedConfigMap created after the plain one reaches both members; the plain one does not.
    await ok(['--context', HOST, 'apply', '-f', '-'], stringify({ apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name: 'fed-cm', namespace: NS }, spec: { template: { data: { a: 'b' } }, placement: { clusters: MEMBERS.map((name) => ({ name })) } } }));
    for (const c of MEMBERS) {
      await eventually(async () => (await k([`--context=${c}`, 'get', 'configmap', 'fed-cm', '-n', NS])).code === 0, `fed-cm in ${c}`, 30_000);
      expect((await k([`--context=${c}`, 'get', 'configmap', 'host-only', '-n', NS])).stderr).toContain('NotFound');
    }
  });

  it('refuses an invalid placement through the webhook with the embedded mode\'s 422', async () => {
    const bad = { apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name: 'dup', namespace: NS }, spec: { template: { data: { a: 'b' } }, placement: { clusters: [{ name: 'earth' }, { name: 'earth' }] } } };
    const refusal = async (client: KubeClient): Promise<KubeApiError> => {
      try {
        await client.request('POST', `/apis/types.kubefed.io/v1beta1/namespaces/${NS}/federatedconfigmaps`, bad);
      } catch (e) {
        if (e instanceof KubeApiError) return e;
        throw e;
      }
      throw new Error('the invalid placement was accepted');
    };
    const hostClient = KubeClient.fromKubeconfig(host.kubeconfig, HOST);
    try {
      const [viaWebhook, inProcess] = [await refusal(hostClient), await refusal(embedded.client)];
      expect(inProcess.status).toBe(422);
      expect(viaWebhook.status).toBe(422);
      expect(viaWebhook.body?.reason).toBe('Invalid');
      expect(inProcess.body?.message).toBe('FederatedConfigMap.types.kubefed.io "dup" is invalid: spec.placement.clusters[1].name: Duplicate value: "earth"');
      expect(viaWebhook.body?.message).toBe(`admission webhook "validate.federation.kubefed.io" denied the request: ${inProcess.body?.message}`);
      expect((viaWebhook.body as any)?.details).toEqual((inProcess.body as any)?.details);
    } finally {
      hostClient.close();
    }
    // kubectl prints the same lines for both.
    const [a, b] = [await k(['--context', HOST, 'apply', '-f', '-'], stringify(bad)), await k(['--context', EMBEDDED, 'apply', '-f', '-'], stringify(bad))];
    expect(a.code).not.toBe(0);
    expect(a.stderr).toBe(b.stderr);
    expect(a.stderr).toContain('spec.placement.clusters[1].name: Duplicate value: "earth"');
  });

  it("serves /metrics to a token allowed to get it (401 without one, 403 without the permission), with the controllers' metrics", async () => {
    await ok(['--context', HOST, 'create', 'namespace', 'monitoring']);
    for (const sa of ['prometheus', 'nobody']) await ok(['--context', HOST, 'create', 'serviceaccount', sa, '-n', 'monitoring']);
    // The base's ClusterRole for scrapers, bound to Prometheus' ServiceAccount as docs/deployment.md says.
    await ok(['--context', HOST, 'create', 'clusterrolebinding', 'prometheus-kubefed-metrics', '--clusterrole=kubefed-metrics-reader', '--serviceaccount=monitoring:prometheus']);
    const token = async (sa: string) => (await ok(['--context', HOST, 'create', 'token', sa, '-n', 'monitoring'])).trim();
    expect((await managerGet('/metrics')).status).toBe(401);
    expect((await managerGet('/metrics', 'not-a-token')).status).toBe(401);
    expect((await managerGet('/metrics', await token('nobody'))).status).toBe(403);
    expect(await managerGet('/readyz')).toEqual({ status: 200, body: 'ok\n' });
    const r = await managerGet('/metrics', await token('prometheus'));
    expect(r.status).toBe(200);
    const s = new Scrape(r.body);
    expect(s.sum('leader_election_master_status', { name: 'kubefed-controller-manager' })).toBe(1);
    expect(s.sum('workqueue_adds_total', { name: 'sync' })).toBeGreaterThan(0);
    for (const c of MEMBERS) expect(s.sum('cluster_ready_state', { cluster_name: c })).toBe(1);
    expect(s.sum('kubefed_member_writes_total', { cluster_name: 'earth', result: 'success' })).toBeGreaterThan(0);
    expect(s.has('process_start_time_seconds')).toBe(true);
  });

  it('handles a webhook that times out per its failurePolicy: Fail refuses the write, Ignore lets it through', async () => {
    const fcm = (name: string) => stringify({ apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name, namespace: NS }, spec: { template: { data: { a: 'b' } }, placement: { clusters: [{ name: 'earth' }] } } });
    // The webhook server stops answering: the process is stopped (connections are accepted by the kernel, never answered).
    manager.proc.kill('SIGSTOP');
    try {
      const refused = await k(['--context', HOST, 'create', '-f', '-'], fcm('while-fail'));
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('failed calling webhook "mutate.federation.kubefed.io"');
      expect(refused.stderr).toContain('context deadline exceeded');
      expect((await k(['--context', HOST, 'get', 'federatedconfigmap', 'while-fail', '-n', NS])).stderr).toContain('NotFound');
      // An operator's choice: failurePolicy Ignore on both webhooks (the controller manager leaves it as set).
      for (const kind of ['validatingwebhookconfiguration', 'mutatingwebhookconfiguration']) {
        await ok(['--context', HOST, 'patch', kind, 'federation.kubefed.io', '--type=json', '-p', '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]']);
      }
      const accepted = await k(['--context', HOST, 'create', '-f', '-'], fcm('while-ignore'));
      expect(accepted.stderr).toBe('');
      expect(accepted.stdout).toBe('federatedconfigmap.types.kubefed.io/while-ignore created\n');
    } finally {
      manager.proc.kill('SIGCONT');
    }
    // Back: the object admitted without the webhooks is propagated (the sync controller adds its finalizer itself).
    await eventually(async () => (await k(['--context=earth', 'get', 'configmap', 'while-ignore', '-n', NS])).code === 0, 'while-ignore in earth', 30_000);
    const cfg = JSON.parse(await ok(['--context', HOST, 'get', 'validatingwebhookconfiguration', 'federation.kubefed.io', '-o', 'json']));
    expect(cfg.webhooks[0].failurePolicy).toBe('Ignore');
    expect(manager.proc.exitCode).toBe(null);
  }, 60_000);
});
