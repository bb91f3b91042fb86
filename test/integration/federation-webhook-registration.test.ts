/**
 * Host-cluster mode's webhook bookkeeping against a real API server: the configurations are
 * created once and then only their clientConfig and rules follow this process (an operator's
 * failurePolicy, timeout, selectors and extra webhooks stay); the serving certificate kept in a
 * Secret is created by one of several racing replicas and read by the others, and reissued by the
 * same CA for other hosts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, kubeConfigFor } from '../../src/federation/client/kube-client.js';
import { KUBEFED_NAMESPACE } from '../../src/federation/crds/federation-crds.js';
import { typeInfo } from '../../src/federation/types.js';
import { federationWebhookRules, registerWebhooks, servingCertificateFromSecret, WEBHOOK_CONFIGURATION } from '../../src/federation/webhooks.js';
import { createCA, describeCertificate, isSignedBy } from '../../src/pki/ca.js';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';

let t: TestServer;
let client: KubeClient;
const ADMISSION = 'admissionregistration.k8s.io/v1';

beforeAll(async () => {
  t = await startTestServer();
  const e = t.server.kubeconfigEntry('t');
  client = new KubeClient(kubeConfigFor('t', { server: e.server, caPem: e.caPem, certPem: e.clientCertPem, keyPem: e.clientKeyPem }));
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: KUBEFED_NAMESPACE } });
}, 30_000);

afterAll(async () => {
  client?.close();
  await t?.stop();
});

const get = (kind: string) => client.get(ADMISSION, kind, undefined, WEBHOOK_CONFIGURATION);

describe('webhook configurations', () => {
  it('are created once, then keep what an operator set while following this process\'s URL, CA and rules', async () => {
    const ca1 = (await createCA('one')).certPem;
    const rules = federationWebhookRules();
    await registerWebhooks(client, { target: { url: 'https://127.0.0.1:9443' }, caPem: ca1, rules, failurePolicy: 'Fail', timeoutSeconds: 3 });
    const v1 = await get('ValidatingWebhookConfiguration');
    expect(v1!.webhooks[0]).toMatchObject({ name: 'validate.federation.kubefed.io', failurePolicy: 'Fail', timeoutSeconds: 3, clientConfig: { url: 'https://127.0.0.1:9443/validate', caBundle: Buffer.from(ca1).toString('base64') } });
    // Nothing changed: nothing written.
    await registerWebhooks(client, { target: { url: 'https://127.0.0.1:9443' }, caPem: ca1, rules });
    expect((await get('ValidatingWebhookConfiguration'))!.metadata!.resourceVersion).toBe(v1!.metadata!.resourceVersion);

    // An operator's changes, and a webhook of their own in the same configuration.
    const m = (await get('MutatingWebhookConfiguration'))!;
    const theirs = { ...m.webhooks[0], name: 'audit.example.com', clientConfig: { url: 'https://audit.example.com/hook' } };
    await client.replace({ ...m, webhooks: [{ ...m.webhooks[0], failurePolicy: 'Ignore', timeoutSeconds: 7, namespaceSelector: { matchLabels: { federated: 'yes' } } }, theirs] });

    // A new certificate, another address, plain objects as templates (more rules).
    const ca2 = (await createCA('two')).certPem;
    const wider = federationWebhookRules([typeInfo({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true })]);
    await registerWebhooks(client, { target: { service: { namespace: KUBEFED_NAMESPACE, name: 'kubefed-controller-manager', port: 443 } }, caPem: ca2, rules: wider, failurePolicy: 'Fail', timeoutSeconds: 3 });
    const after = (await get('MutatingWebhookConfiguration'))!;
    expect(after.webhooks).toHaveLength(2);
    expect(after.webhooks[0]).toMatchObject({
      name: 'mutate.federation.kubefed.io',
      failurePolicy: 'Ignore',
      timeoutSeconds: 7,
      namespaceSelector: { matchLabels: { federated: 'yes' } },
      clientConfig: { service: { namespace: KUBEFED_NAMESPACE, name: 'kubefed-controller-manager', port: 443, path: '/mutate' }, caBundle: Buffer.from(ca2).toString('base64') },
      rules: wider.mutate,
    });
    expect(after.webhooks[0].clientConfig.url).toBeUndefined();
    expect(after.webhooks[1].name).toBe('audit.example.com');
    expect(wider.mutate.map((r) => r.apiGroups)).toEqual([['types.kubefed.io'], ['apps']]);
  });
});

describe('the serving certificate in a Secret', () => {
  it('is made once by racing replicas, read by the others, and reissued by the same CA for other hosts', async () => {
    const hosts = ['kubefed-controller-manager.kube-federation-system.svc', 'kubefed-controller-manager.kube-federation-system.svc.cluster.local'];
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => servingCertificateFromSecret(client, hosts, 'race-cert')));
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(describeCertificate(a!.certPem).dnsNames.sort()).toEqual([...hosts].sort());
    expect(await isSignedBy(a!.certPem, a!.caPem)).toBe(true);
    const again = await servingCertificateFromSecret(client, hosts, 'race-cert');
    expect(again).toEqual(a);
    // Other hosts: a new certificate from the same CA, so configured caBundles stay valid.
    const moved = await servingCertificateFromSecret(client, ['127.0.0.1'], 'race-cert');
    expect(moved.caPem).toBe(a!.caPem);
    expect(moved.certPem).not.toBe(a!.certPem);
    expect(describeCertificate(moved.certPem).ipAddresses).toEqual(['127.0.0.1']);
    expect(await isSignedBy(moved.certPem, a!.caPem)).toBe(true);
    const secret = await client.get('v1', 'Secret', KUBEFED_NAMESPACE, 'race-cert');
    expect(secret!.type).toBe('kubernetes.io/tls');
    expect(Object.keys(secret!.data).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
  });
});
