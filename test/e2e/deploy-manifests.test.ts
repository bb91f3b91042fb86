/**
 * The deployment manifests (deploy/kustomize/base): the generated files are what the code makes
 * now; real `kubectl kustomize` renders the base; the pieces agree with each other and with the
 * CLI (the Deployment's arguments parse as `kubefed controller-manager` flags, the webhooks call
 * the Service the Deployment serves behind, the image runs as the Deployment's user); and
 * `kubectl apply -k --dry-run=server` against our API server accepts every object.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { controllerManagerCommand } from '../../src/cli/commands/controller-manager.js';
import { crdManifests, generatedManifests } from '../../src/federation/manifests.js';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { kubectl } from '../helpers/kubectl.js';

const ROOT = join(import.meta.dirname, '../..');
const BASE = join(ROOT, 'deploy/kustomize/base');
let rendered: Record<string, any>[];
let server: TestServer;

const one = (kind: string) => {
  const found = rendered.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};

beforeAll(async () => {
  const r = await kubectl(['kustomize', BASE]);
  if (r.code !== 0) throw new Error(`kubectl kustomize failed: ${r.stderr}`);
  rendered = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>);
  server = await startTestServer();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('deploy/kustomize/base', () => {
  it('holds the generated manifests as the code makes them now (npm run manifests)', () => {
    for (const [file, content] of Object.entries(generatedManifests())) expect(readFileSync(join(BASE, file), 'utf8'), `${file} is stale: run npm run manifests`).toBe(content);
  });

  it('renders with kubectl kustomize: namespace, CRDs, identity, Deployment, Service, PDB, webhooks', () => {
    const kinds = rendered.map((o) => o.kind);
    expect(kinds.filter((k) => k === 'CustomResourceDefinition')).toHaveLength(crdManifests().length);
    for (const k of ['Namespace', 'ServiceAccount', 'ClusterRoleBinding', 'Deployment', 'Service', 'PodDisruptionBudget', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) expect(kinds.filter((x) => x === k), k).toHaveLength(1);
    for (const o of rendered) {
      expect(o.metadata.labels?.['app.kubernetes.io/part-of']).toBe('kubefed');
      if (!['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].includes(o.kind)) expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe('kube-federation-system');
    }
  });

  it('runs two leader-elected replicas of the controller manager, as its flags say, behind the Service the webhooks call', () => {
    const deploy = one('Deployment');
    const pod = deploy.spec.template.spec;
    const container = pod.containers[0];
    expect(deploy.spec.replicas).toBe(2);
    expect(container.image).toBe('ghcr.io/kubefed/kubefed:0.1.0');
    expect(container.args[0]).toBe('controller-manager');
    // The arguments are flags of `kubefed controller-manager` (parsed by the CLI's own definitions).
    const cmd = controllerManagerCommand();
    const parsed = cmd.parseOptions(container.args.slice(1));
    expect(parsed.unknown).toEqual([]);
    const o = cmd.opts();
    expect(o.leaderElect).toBe(true);
    expect(o.webhookAddress).toEqual({ host: '0.0.0.0', port: 9443 });
    expect(o.metricsAddress).toEqual({ host: '0.0.0.0', port: 8443 });
    const svc = one('Service');
    expect(o.webhookService).toEqual({ namespace: svc.metadata.namespace, name: svc.metadata.name, port: 443 });
    // Service ports lead to the container's named ports; its selector picks the pods.
    const ports = Object.fromEntries(container.ports.map((p: any) => [p.name, p.containerPort]));
    expect(ports).toEqual({ webhooks: 9443, metrics: 8443 });
    for (const p of svc.spec.ports) expect(ports[p.targetPort]).toBeDefined();
    expect(svc.spec.ports.find((p: any) => p.targetPort === 'webhooks').port).toBe(443);
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(deploy.spec.template.metadata.labels[k]).toBe(v);
    expect(one('PodDisruptionBudget').spec.selector.matchLabels).toEqual(deploy.spec.selector.matchLabels);
    for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
      for (const w of one(kind).webhooks) expect(w.clientConfig.service).toMatchObject({ namespace: svc.metadata.namespace, name: svc.metadata.name, port: 443 });
    }
    // Its identity.
    const sa = one('ServiceAccount');
    expect(pod.serviceAccountName).toBe(sa.metadata.name);
    expect(one('ClusterRoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    // Probes on the HTTPS metrics port; non-root as the image's user.
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics', scheme: 'HTTPS' });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`^USER ${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}$`, 'm'));
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "\/app\/bin\/kubefed.js"\]$/m);
  });

  it('is accepted by kubectl apply -k --dry-run=server against our API server, every object', async () => {
    // As on any cluster, the namespace exists before a dry run of what goes in it.
    expect((await server.kubectl(['create', 'namespace', 'kube-federation-system'])).code).toBe(0);
    const r = await server.kubectl(['apply', '-k', BASE, '--dry-run=server'], { timeoutMs: 60_000 });
    expect(r.stderr.replace(/^Warning: resource namespaces\/kube-federation-system is missing the kubectl.kubernetes.io\/last-applied-configuration annotation.*\n/m, '')).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(rendered.length);
    for (const l of lines) expect(l).toMatch(/ (created|configured) \(server dry run\)$/);
    // Nothing was stored.
    expect((await server.kubectl(['get', 'deployments,validatingwebhookconfigurations', '-A', '-o', 'name'])).stdout).toBe('');
  });
});
