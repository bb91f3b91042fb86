/**
 * The federation's admission checks served as real admission webhooks (issue 15, host-cluster
 * mode): an API server without the in-process hook, the checks answered by the webhook server
 * helper over HTTPS and registered with the configurations it produces. Every mistake is refused
 * with the same 422 as the in-process hook gives (kubectl prints the same lines; the API answers
 * the same reason, details and causes, the message prefixed by the webhook's name), and the
 * mutating webhook adds the sync finalizer as the in-process mutateCreate does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  serveAdmissionPlugins,
  webhookConfigurations,
  webhookServingCertificate,
  type AdmissionWebhookServer,
} from '../../src/apiserver/admission/webhook-server.js';
import { KubeClient, kubeConfigFor } from '../../src/federation/client/kube-client.js';
import { federationAdmission } from '../../src/federation/admission.js';
import { SYNC_FINALIZER } from '../../src/federation/propagation/intent.js';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { installFederationTypes } from '../helpers/federation.js';
import { raw } from '../helpers/http.js';

let inProcess: TestServer;
let viaWebhook: TestServer;
let hooks: AdmissionWebhookServer;

const plugin = () => federationAdmission({ propagated: (type) => type.group === 'types.kubefed.io' });

function clientOf(t: TestServer): KubeClient {
  const e = t.server.kubeconfigEntry('t');
  return new KubeClient(kubeConfigFor('t', { server: e.server, caPem: e.caPem, certPem: e.clientCertPem, keyPem: e.clientKeyPem }));
}

beforeAll(async () => {
  inProcess = await startTestServer({ admission: [plugin()] });
  viaWebhook = await startTestServer();
  const cert = await webhookServingCertificate(['127.0.0.1']);
  hooks = await serveAdmissionPlugins([plugin()], { tls: cert });
  // Only the kinds the federation reads: its own groups, and annotated workloads and config.
  const rules = (operations: string[]) => [
    { operations, apiGroups: ['types.kubefed.io', 'scheduling.kubefed.io', 'core.kubefed.io'], apiVersions: ['*'], resources: ['*'] },
    { operations, apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] },
  ];
  const { validating, mutating } = webhookConfigurations({
    name: 'federation.kubefed.io',
    url: hooks.url,
    caPem: cert.caPem,
    validateRules: rules(['CREATE', 'UPDATE']),
    mutateRules: rules(['CREATE']),
  });
  for (const t of [inProcess, viaWebhook]) {
    const c = clientOf(t);
    await installFederationTypes(c);
    await c.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fedtestns' } });
    c.close();
  }
  const c = clientOf(viaWebhook);
  await c.create(validating as never);
  await c.create(mutating as never);
  c.close();
}, 60_000);

afterAll(async () => {
  await hooks?.close();
  await inProcess?.stop();
  await viaWebhook?.stop();
});

const fed = (name: string, spec: unknown) => ({ apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name, namespace: 'fedtestns' }, spec });
const plain = (name: string, annotations: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'fedtestns', annotations }, data: { a: 'b' } });
const rsp = (name: string, spec: unknown) => ({ apiVersion: 'scheduling.kubefed.io/v1alpha1', kind: 'ReplicaSchedulingPreference', metadata: { name, namespace: 'fedtestns' }, spec });

const MISTAKES: [string, Record<string, any>][] = [
  ['duplicate placement clusters', fed('dup-clusters', { placement: { clusters: [{ name: 'a' }, { name: 'a' }] } })],
  ['a cluster name that is not DNS-1123', fed('bad-cluster', { placement: { clusters: [{ name: 'Mars_1' }] } })],
  ['In without values', fed('in-novalues', { placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } } })],
  ['a forbidden override path', fed('ovr-name', { overrides: [{ clusterName: 'a', clusterOverrides: [{ path: '/metadata/namespace', value: 'x' }] }] })],
  // Several of the federation's own mistakes at once. (An object the server's schema refuses never reaches a
  // validating webhook: its schema errors come alone, where the in-process hook adds its own to them.)
  ['several mistakes at once', fed('many', { placement: { clusters: [{ name: 'a' }, { name: 'a' }] }, overrides: [{ clusterName: 'a' }, { clusterName: 'a' }] })],
  ['a bad deployment-preferences annotation', plain('bad-dep-ann', { 'federation.kubernetes.io/deployment-preferences': 'nope' })],
  ['a bad orphan annotation', plain('bad-orphan', { 'kubefed.io/orphan': 'maybe' })],
  ['an RSP with max below min', rsp('rsp-max', { targetKind: 'FederatedDeployment', totalReplicas: 2, clusters: { a: { minReplicas: 2, maxReplicas: 1 } } })],
];

describe('federation admission through webhooks', () => {
  it.each(MISTAKES)('%s: kubectl prints the same refusal as with the in-process hook', async (_name, obj) => {
    const a = await inProcess.kubectl(['apply', '-f', '-'], { input: stringify(obj) });
    const b = await viaWebhook.kubectl(['apply', '-f', '-'], { input: stringify(obj) });
    expect(a.code).not.toBe(0);
    expect(a.stderr).toContain('is invalid');
    expect(b.code).toBe(a.code);
    expect(b.stderr).toBe(a.stderr);
  });

  it.each(MISTAKES)('%s: the API answers the same 422', async (_name, obj) => {
    const gv = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    const plural = obj.kind === 'ConfigMap' ? 'configmaps' : `${obj.kind.toLowerCase()}s`;
    const post = (t: TestServer) => raw(t, { method: 'POST', path: `${gv}/namespaces/fedtestns/${plural}`, body: JSON.stringify({ ...obj, metadata: { ...obj.metadata, name: `${obj.metadata.name}-api` } }) });
    const [a, b] = [await post(inProcess), await post(viaWebhook)];
    expect(a.status).toBe(422);
    expect(b.status).toBe(422);
    const [sa, sb] = [a.json(), b.json()];
    expect(sb.reason).toBe('Invalid');
    expect(sb.details).toEqual(sa.details);
    expect(sb.message).toBe(`admission webhook "validate.federation.kubefed.io" denied the request: ${sa.message}`);
  });

  it('an update that breaks a stored object is refused the same way', async () => {
    const ok = fed('updated', { template: { data: { a: 'b' } }, placement: { clusters: [{ name: 'a' }] } });
    const bad = fed('updated', { template: { data: { a: 'b' } }, placement: { clusters: [{ name: 'a' }, { name: 'a' }] } });
    const out: string[] = [];
    for (const t of [inProcess, viaWebhook]) {
      expect((await t.kubectl(['apply', '-f', '-'], { input: stringify(ok) })).code).toBe(0);
      const r = await t.kubectl(['apply', '-f', '-'], { input: stringify(bad) });
      expect(r.code).not.toBe(0);
      out.push(r.stderr);
    }
    expect(out[1]).toBe(out[0]);
    expect(out[0]).toContain('spec.placement.clusters[1].name');
  });

  it('valid objects are accepted and get the sync finalizer from the mutating webhook', async () => {
    const obj = fed('fine', { template: { data: { a: 'b' } }, placement: { clusters: [{ name: 'a' }] } });
    for (const t of [inProcess, viaWebhook]) {
      const r = await t.kubectl(['apply', '-f', '-'], { input: stringify(obj) });
      expect(r.stderr).toBe('');
      const got = JSON.parse((await t.kubectl(['get', 'federatedconfigmap', 'fine', '-n', 'fedtestns', '-o', 'json'])).stdout);
      expect(got.metadata.finalizers).toEqual([SYNC_FINALIZER]);
    }
  });
});
