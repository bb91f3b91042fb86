/**
 * The official JavaScript client (@kubernetes/client-node) against the server: typed CRUD,
 * optimistic concurrency, patches, informers (list+watch), watch resumption from a
 * resourceVersion, 410 Gone handling, and an informer that keeps working across a server restart.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

let t: TestServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;

beforeAll(async () => {
  // A small history window so a 410 is easy to provoke.
  t = await startTestServer({ historySize: 200 });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(t.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
});
afterAll(async () => {
  await t?.stop();
});

const cm = (name: string, data: Record<string, string> = {}): k8s.V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('@kubernetes/client-node', () => {
  it('creates, reads, updates, patches and deletes', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: cm('crud', { a: '1' }) });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);

    const read = await core.readNamespacedConfigMap({ name: 'crud', namespace: 'default' });
    expect(read.data).toEqual({ a: '1' });

    read.data = { a: '2' };
    const updated = await core.replaceNamespacedConfigMap({ name: 'crud', namespace: 'default', body: read });
    expect(Number(updated.metadata!.resourceVersion)).toBeGreaterThan(Number(read.metadata!.resourceVersion));

    // Optimistic concurrency: the stale copy is rejected with 409 Conflict.
    read.data = { a: 'stale' };
    const err = await core.replaceNamespacedConfigMap({ name: 'crud', namespace: 'default', body: read }).catch((e: unknown) => e);
    expect((err as { code?: number }).code).toBe(409);

    const patched = await core.patchNamespacedConfigMap(
      { name: 'crud', namespace: 'default', body: { data: { b: '3' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(patched.data).toEqual({ a: '2', b: '3' });

    await core.deleteNamespacedConfigMap({ name: 'crud', namespace: 'default' });
    const gone = await core.readNamespacedConfigMap({ name: 'crud', namespace: 'default' }).catch((e: unknown) => e);
    expect((gone as { code?: number }).code).toBe(404);
  });

  it('lists with pagination and typed workload objects', async () => {
    for (let i = 0; i < 12; i++) await core.createNamespacedConfigMap({ namespace: 'default', body: cm(`page-${String(i).padStart(2, '0')}`) });
    const first = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: '', limit: 5 });
    expect(first.items).toHaveLength(5);
    expect(first.metadata?._continue).toBeTruthy();
    const names: string[] = first.items.map((i) => i.metadata!.name!);
    let cont = first.metadata?._continue;
    while (cont) {
      const page = await core.listNamespacedConfigMap({ namespace: 'default', limit: 5, _continue: cont });
      names.push(...page.items.map((i) => i.metadata!.name!));
      cont = page.metadata?._continue;
    }
    expect(names.filter((n) => n.startsWith('page-'))).toHaveLength(12);

    const d = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'typed' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'typed' } }, template: { metadata: { labels: { app: 'typed' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
      },
    });
    expect(d.spec?.strategy?.type).toBe('RollingUpdate');
    expect(d.metadata?.generation).toBe(1);
  });

  it('keeps an informer in sync with list+watch', async () => {
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add:${o.metadata!.name}`));
    informer.on('update', (o) => seen.push(`update:${o.metadata!.name}`));
    informer.on('delete', (o) => seen.push(`delete:${o.metadata!.name}`));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: cm('inf', { v: '1' }) });
      await core.patchNamespacedConfigMap({ name: 'inf', namespace: 'default', body: { data: { v: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ name: 'inf', namespace: 'default' });
      await eventually(() => seen.includes('delete:inf'), 'the informer to see inf deleted');
      expect(seen.filter((s) => s.endsWith(':inf'))).toEqual(['add:inf', 'update:inf', 'delete:inf']);
      expect(informer.get('inf', 'default')).toBeUndefined();
    } finally {
      await informer.stop();
    }
  });

  it('resumes a watch from a resourceVersion and reports 410 for compacted history', async () => {
    const a = await core.createNamespacedConfigMap({ namespace: 'default', body: cm('resume-a') });
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('resume-b') });
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('resume-c') });
    const watch = new k8s.Watch(kc);
    const got: string[] = [];
    const ctrl = await watch.watch('/api/v1/namespaces/default/configmaps', { resourceVersion: a.metadata!.resourceVersion! }, (phase, obj) => got.push(`${phase}:${obj.metadata.name}`), () => {});
    await eventually(() => got.length >= 2, 'the two replayed events');
    ctrl.abort();
    expect(got).toEqual(['ADDED:resume-b', 'ADDED:resume-c']);

    // Push the history window (200 events) past `a`.
    for (let i = 0; i < 220; i++) await core.createNamespacedConfigMap({ namespace: 'default', body: cm(`churn-${i}`) });
    const errors: unknown[] = [];
    const ctrl2 = await watch.watch('/api/v1/namespaces/default/configmaps', { resourceVersion: a.metadata!.resourceVersion! }, (phase, obj) => {
      if (phase === 'ERROR') errors.push(obj);
    }, () => {});
    await eventually(() => errors.length > 0, 'the 410 ERROR event');
    ctrl2.abort();
    expect(errors[0]).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('informer relists after 410 and survives a server restart', async () => {
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    informer.on('error', () => setTimeout(() => void informer.start().catch(() => {}), 200));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: cm('before-restart') });
      await eventually(() => informer.get('before-restart', 'default'), 'the informer to hold before-restart');
      await t.restart();
      core = kc.makeApiClient(k8s.CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: 'default', body: cm('after-restart') });
      await eventually(() => informer.get('after-restart', 'default'), 'the informer to hold after-restart after the restart', 20_000);
      expect(informer.get('before-restart', 'default')).toBeTruthy();
    } finally {
      await informer.stop();
    }
  });
});
