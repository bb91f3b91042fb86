/**
 * `kubefed enable|disable|federate|orphaning-deletion` against a federation API server (with the
 * federation admission hook), run as the real binary, with the TypeConfigController running
 * in-process to see enabled types appear, change and go.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KObject } from '../../src/apis/object.js';
import { federationAdmission } from '../../src/federation/admission.js';
import { KubeClient, kubeConfigFor } from '../../src/federation/client/kube-client.js';
import { TypeConfigController } from '../../src/federation/typeconfig/type-config-controller.js';
import { DEFAULT_TARGET_TYPES } from '../../src/federation/types.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { installFederationTypes } from '../helpers/federation.js';
import { runKubefed } from '../helpers/kubefed-cli.js';

const FTC = 'core.kubefed.io/v1beta1';
const TYPES = 'types.kubefed.io/v1beta1';
const NS = 'kube-federation-system';

let t: TestServer;
let client: KubeClient;
let kubeconfig: string;
let controller: TypeConfigController;
let changes = 0;

/** kubefed against the test server, which the flags name (so $KUBECONFIG plays no part). */
const kubefed = (...args: string[]) => runKubefed(['--kubeconfig', kubeconfig, '--context', 'federation', ...args]);

/** Runs kubefed expecting exit 1 and error messages on stderr. */
async function fails(args: string[], ...messages: string[]): Promise<void> {
  const r = await kubefed(...args);
  expect(r.code, r.stdout).toBe(1);
  for (const m of messages) expect(r.stderr).toContain(m);
}

const crontabCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
  },
};

beforeAll(async () => {
  t = await startTestServer({ admission: [federationAdmission()] });
  const e = t.server.kubeconfigEntry('federation');
  kubeconfig = join(t.dir, 'federation-kubeconfig');
  mergeKubeconfig(kubeconfig, [e]);
  client = new KubeClient(kubeConfigFor('federation', { server: e.server, caPem: e.caPem, certPem: e.clientCertPem, keyPem: e.clientKeyPem }));
  await installFederationTypes(client);
  controller = new TypeConfigController({ federation: client, log: pino({ level: process.env.KUBEFED_TEST_LOG ?? 'silent' }) });
  controller.onChange(() => changes++);
  await controller.start();
  for (const ns of ['apps', 'shop']) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
}, 60_000);

afterAll(async () => {
  await controller?.stop();
  client?.close();
  await t?.stop();
});

describe('the TypeConfigController', () => {
  it('reports the default types once started, and writes FTC status', async () => {
    expect(controller.list().map((x) => x.target.kind).sort()).toEqual(DEFAULT_TARGET_TYPES.map((x) => x.kind).sort());
    expect(controller.byTarget('apps/v1', 'Deployment')?.federated.kind).toBe('FederatedDeployment');
    expect(controller.byFederatedKind('FederatedConfigMap')?.target.apiVersion).toBe('v1');
    const ftc = await eventually(async () => {
      const o = await client.get(FTC, 'FederatedTypeConfig', NS, 'deployments.apps');
      return o?.status?.propagationController ? o : undefined;
    }, 'FTC status');
    expect(ftc.status).toEqual({ observedGeneration: ftc.metadata!.generation, propagationController: 'Running', statusController: 'NotRunning' });
  });
});

describe('kubefed enable', () => {
  it('fails for a type the federation does not serve', async () => {
    await fails(['enable', 'crontabs.stable.example.com'], 'doesn\'t have a resource type "crontabs.stable.example.com"', 'install its CRD in the federation first');
  });

  it('enables a CRD type: FTC and Federated CRD, reported by the controller and served', async () => {
    await client.create(crontabCrd);
    await eventually(() => client.resource('stable.example.com/v1', 'CronTab').catch(() => undefined), 'CronTab served');
    const before = changes;
    const r = await kubefed('enable', 'crontabs.stable.example.com');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/federatedcrontabs.types.kubefed.io created');
    expect(r.stdout).toContain('federatedtypeconfig.core.kubefed.io/crontabs.stable.example.com created in namespace kube-federation-system');
    const info = await eventually(() => controller.byTarget('stable.example.com/v1', 'CronTab'), 'the controller reports CronTab');
    expect(info).toMatchObject({ name: 'crontabs.stable.example.com', propagation: 'Enabled', federated: { kind: 'FederatedCronTab', plural: 'federatedcrontabs', namespaced: true } });
    expect(controller.byFederatedKind('FederatedCronTab')).toBe(info);
    expect(changes).toBeGreaterThan(before);
    client.resetDiscovery();
    expect((await client.resource(TYPES, 'FederatedCronTab')).plural).toBe('federatedcrontabs');
    const ftc = await eventually(async () => {
      const o = await client.get(FTC, 'FederatedTypeConfig', NS, 'crontabs.stable.example.com');
      return o?.status?.propagationController === 'Running' ? o : undefined;
    }, 'FTC status');
    expect(ftc.spec.targetType).toEqual({ group: 'stable.example.com', version: 'v1', kind: 'CronTab', pluralName: 'crontabs', scope: 'Namespaced' });
  });

  it('is idempotent, and takes a Kind or short name too', async () => {
    for (const type of ['crontabs.stable.example.com', 'CronTab', 'ct', 'CronTab.stable.example.com']) {
      const r = await kubefed('enable', type);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('federatedcrontabs.types.kubefed.io unchanged');
      expect(r.stdout).toContain('crontabs.stable.example.com unchanged');
    }
  });

  it('enables a built-in type that is not enabled by default', async () => {
    const r = await kubefed('enable', 'StatefulSet');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('federatedtypeconfig.core.kubefed.io/statefulsets.apps created');
    await eventually(() => controller.byTarget('apps/v1', 'StatefulSet'), 'the controller reports StatefulSet');
  });

  it('has the controller create a deleted Federated CRD again while its FTC stays', async () => {
    await client.delete('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'federatedstatefulsets.types.kubefed.io');
    await eventually(async () => {
      const crd = await client.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'federatedstatefulsets.types.kubefed.io');
      return crd && !crd.metadata?.deletionTimestamp ? crd : undefined;
    }, 'FederatedStatefulSet CRD created again');
    expect(controller.byTarget('apps/v1', 'StatefulSet')?.propagation).toBe('Enabled');
  });

  it('refuses the federation\'s own types, and a second type with the same Federated kind', async () => {
    await fails(['enable', 'federateddeployments'], 'is a federation type itself');
    await fails(['enable', 'deployments.extensions'], 'FederatedDeployment already federates deployments.apps');
  });
});

describe('kubefed federate', () => {
  it('federates a ConfigMap: template without server fields, placed everywhere', async () => {
    await client.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web', namespace: 'apps', labels: { app: 'web' }, annotations: { note: 'kept', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      data: { greeting: 'hello' },
    });
    const r = await kubefed('federate', 'configmaps', 'web', '-n', 'apps');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('federatedconfigmap.types.kubefed.io/web created in namespace apps');
    const f = await client.get(TYPES, 'FederatedConfigMap', 'apps', 'web');
    expect(f?.spec).toEqual({ template: { metadata: { labels: { app: 'web' }, annotations: { note: 'kept' } }, data: { greeting: 'hello' } }, placement: { clusterSelector: {} } });
    const again = await kubefed('federate', 'ConfigMap', 'web', '-n', 'apps');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('unchanged');
  });

  it('prints the objects with -o yaml instead of creating them', async () => {
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'printed', namespace: 'apps' }, data: { a: '1' } });
    const r = await kubefed('federate', 'configmaps', 'printed', '-n', 'apps', '-o', 'yaml');
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as KObject);
    expect(docs).toEqual([{ apiVersion: TYPES, kind: 'FederatedConfigMap', metadata: { name: 'printed', namespace: 'apps' }, spec: { template: { data: { a: '1' } }, placement: { clusterSelector: {} } } }]);
    expect(await client.get(TYPES, 'FederatedConfigMap', 'apps', 'printed')).toBeUndefined();
  });

  it('federates a Namespace with its contents', async () => {
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { x: 'y' } });
    await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace: 'shop' }, stringData: { t: 's' } });
    await client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'front', namespace: 'shop' }, spec: { selector: { app: 'front' }, ports: [{ port: 80 }] } });
    await client.create({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'nightly', namespace: 'shop' }, spec: { cron: '0 0 * * *' } });
    const r = await kubefed('federate', 'namespace', 'shop', '--contents');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('federatednamespace.types.kubefed.io/shop created in namespace shop');
    expect(await client.get(TYPES, 'FederatedNamespace', 'shop', 'shop')).toBeDefined();
    expect((await client.get(TYPES, 'FederatedConfigMap', 'shop', 'settings'))?.spec.template.data).toEqual({ x: 'y' });
    expect((await client.get(TYPES, 'FederatedSecret', 'shop', 'token'))?.spec.template.data).toEqual({ t: Buffer.from('s').toString('base64') });
    const svc = await client.get(TYPES, 'FederatedService', 'shop', 'front');
    expect(svc?.spec.template.spec.clusterIP).toBeUndefined();
    expect(svc?.spec.template.spec.ports[0].port).toBe(80);
    expect((await client.get(TYPES, 'FederatedCronTab', 'shop', 'nightly'))?.spec.template.spec).toEqual({ cron: '0 0 * * *' });
    // What the system makes in every namespace stays out.
    expect(await client.get(TYPES, 'FederatedConfigMap', 'shop', 'kube-root-ca.crt')).toBeUndefined();
    expect(await client.get(TYPES, 'FederatedServiceAccount', 'shop', 'default')).toBeUndefined();
  });

  it('needs the type enabled, or --enable-type', async () => {
    await client.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'apps' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
    await fails(['federate', 'roles', 'reader', '-n', 'apps'], 'roles.rbac.authorization.k8s.io is not enabled for federation');
    const e = await kubefed('federate', 'Role', 'reader', '-n', 'apps', '--enable-type');
    expect(e.stderr).toBe('');
    expect(e.stdout).toContain('federatedtypeconfig.core.kubefed.io/roles.rbac.authorization.k8s.io created');
    expect(e.stdout).toContain('federatedrole.types.kubefed.io/reader created');
    expect((await client.get(TYPES, 'FederatedRole', 'apps', 'reader'))?.spec.template.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
    await eventually(() => controller.byTarget('rbac.authorization.k8s.io/v1', 'Role'), 'the controller reports Role');
  });

  it('fails clearly for unknown types and objects', async () => {
    await fails(['federate', 'gizmos', 'x'], 'doesn\'t have a resource type "gizmos"');
    await fails(['federate', 'configmaps', 'missing', '-n', 'apps'], 'configmaps "missing" not found in namespace "apps"');
    await fails(['federate', 'configmaps', 'web', '-n', 'apps', '--contents'], '--contents applies only to namespaces');
  });
});

describe('kubefed orphaning-deletion', () => {
  it('enables, reports and disables orphaning on the Federated object, by target type or federated type', async () => {
    expect((await kubefed('orphaning-deletion', 'status', 'configmaps', 'web', '-n', 'apps')).stdout.trim()).toBe('Disabled');
    const e = await kubefed('orphaning-deletion', 'enable', 'configmaps', 'web', '-n', 'apps');
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('federatedconfigmap.types.kubefed.io/web: orphaning deletion enabled');
    expect((await client.get(TYPES, 'FederatedConfigMap', 'apps', 'web'))?.metadata?.annotations?.['kubefed.io/orphan']).toBe('true');
    expect((await client.get('v1', 'ConfigMap', 'apps', 'web'))?.metadata?.annotations?.['kubefed.io/orphan']).toBeUndefined();
    expect((await kubefed('orphaning-deletion', 'status', 'FederatedConfigMap', 'web', '-n', 'apps')).stdout.trim()).toBe('Enabled');
    const d = await kubefed('orphaning-deletion', 'disable', 'federatedconfigmaps.types.kubefed.io', 'web', '-n', 'apps');
    expect(d.code).toBe(0);
    expect((await client.get(TYPES, 'FederatedConfigMap', 'apps', 'web'))?.metadata?.annotations?.['kubefed.io/orphan']).toBeUndefined();
    expect((await kubefed('orphaning-deletion', 'status', 'configmaps', 'web', '-n', 'apps')).stdout.trim()).toBe('Disabled');
  });

  it('annotates a plain object that has no Federated counterpart (Federation v1 style)', async () => {
    await client.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'v1style', namespace: 'apps' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } });
    const e = await kubefed('orphaning-deletion', 'enable', 'deployments.apps', 'v1style', '-n', 'apps');
    expect(e.stdout).toContain('deployment.apps/v1style: orphaning deletion enabled');
    expect((await client.get('apps/v1', 'Deployment', 'apps', 'v1style'))?.metadata?.annotations?.['kubefed.io/orphan']).toBe('true');
    const st = await kubefed('orphaning-deletion', 'status', 'deployment', 'v1style', '-n', 'apps');
    expect(st.stderr).toBe('');
    expect(st.stdout.trim()).toBe('Enabled');
  });

  it('works for a FederatedNamespace, which lives in its own namespace', async () => {
    await kubefed('orphaning-deletion', 'enable', 'namespaces', 'shop');
    expect((await client.get(TYPES, 'FederatedNamespace', 'shop', 'shop'))?.metadata?.annotations?.['kubefed.io/orphan']).toBe('true');
  });

  it('fails clearly for unknown types and objects', async () => {
    await fails(['orphaning-deletion', 'status', 'gizmos', 'x'], '"gizmos"');
    await fails(['orphaning-deletion', 'enable', 'configmaps', 'nope', '-n', 'apps'], '"nope" found in namespace "apps"');
  });
});

describe('kubefed disable', () => {
  it('sets propagation Disabled, which the controller reports', async () => {
    const r = await kubefed('disable', 'crontabs.stable.example.com');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('federatedtypeconfig.core.kubefed.io/crontabs.stable.example.com propagation disabled');
    await eventually(() => controller.byTarget('stable.example.com/v1', 'CronTab')?.propagation === 'Disabled' || undefined, 'CronTab disabled');
    await eventually(async () => (await client.get(FTC, 'FederatedTypeConfig', NS, 'crontabs.stable.example.com'))?.status?.propagationController === 'NotRunning' || undefined, 'FTC status NotRunning');
    expect((await kubefed('disable', 'CronTab')).stdout).toContain('already disabled');
    // Enabling again turns propagation back on.
    expect((await kubefed('enable', 'CronTab')).stdout).toContain('propagation enabled');
    await eventually(() => controller.byTarget('stable.example.com/v1', 'CronTab')?.propagation === 'Enabled' || undefined, 'CronTab enabled');
  });

  it('with --delete-crd removes the FTC and the Federated CRD', async () => {
    const r = await kubefed('disable', 'CronTab', '--delete-crd');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('federatedtypeconfig.core.kubefed.io/crontabs.stable.example.com deleted');
    expect(r.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/federatedcrontabs.types.kubefed.io deleted');
    await eventually(() => (controller.byTarget('stable.example.com/v1', 'CronTab') ? undefined : true), 'CronTab gone from the registry');
    expect(await client.get(FTC, 'FederatedTypeConfig', NS, 'crontabs.stable.example.com')).toBeUndefined();
    await eventually(async () => {
      client.resetDiscovery();
      return client.resource(TYPES, 'FederatedCronTab').then(
        () => undefined,
        () => true,
      );
    }, 'FederatedCronTab no longer served');
  });

  it('fails clearly for a type that is not enabled or not known', async () => {
    await fails(['disable', 'crontabs.stable.example.com'], 'crontabs.stable.example.com is not enabled for federation');
    await fails(['disable', 'gizmos'], '"gizmos"');
  });
});
