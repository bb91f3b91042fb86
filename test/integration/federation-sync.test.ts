/** The sync controller against a real federation API and simulated members (StaticMembers). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { SyncController } from '../../src/federation/propagation/sync-controller.js';
import { MANAGED_LABEL, SYNC_FINALIZER } from '../../src/federation/propagation/intent.js';
import { eventually } from '../helpers/eventually.js';
import { startFederationBed, type FederationBed } from '../helpers/federation.js';
import { reserveOctets } from '../helpers/octets.js';

let bed: FederationBed;
let sync: SyncController;
let A: string;
let B: string;

const memberGet = (cluster: string, apiVersion: string, kind: string, ns: string | undefined, name: string) => bed.memberClients.get(cluster)!.get(apiVersion, kind, ns, name);

beforeAll(async () => {
  bed = await startFederationBed({ clusters: 2, firstOctet: reserveOctets(2) });
  [A, B] = [...bed.memberClients.keys()] as [string, string];
  sync = new SyncController(bed.context(), { retryMs: 300 });
  await sync.start();
}, 60_000);

afterAll(async () => {
  await sync?.stop();
  await bed?.stop();
});

describe('plain objects (Federation v1 style)', () => {
  it('propagates a ConfigMap everywhere, updates it, and deletes it through the finalizer', async () => {
    const names = [...bed.memberClients.keys()];
    await bed.fedClient.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', annotations: { note: 'x' } }, data: { a: '1' } });
    for (const c of names) {
      const m = await eventually(() => memberGet(c, 'v1', 'ConfigMap', 'default', 'cfg'), `cfg in ${c}`);
      expect(m.data).toEqual({ a: '1' });
      expect(m.metadata?.labels?.[MANAGED_LABEL]).toBe('true');
      expect(m.metadata?.annotations?.note).toBe('x');
    }
    const fed = await bed.fedClient.get('v1', 'ConfigMap', 'default', 'cfg');
    expect(fed?.metadata?.finalizers).toContain(SYNC_FINALIZER);
    await bed.fedClient.patch('v1', 'ConfigMap', 'default', 'cfg', { data: { a: '2' } }, 'merge');
    for (const c of names) await eventually(async () => (await memberGet(c, 'v1', 'ConfigMap', 'default', 'cfg'))?.data?.a === '2', `update in ${c}`);
    await bed.fedClient.delete('v1', 'ConfigMap', 'default', 'cfg');
    await eventually(async () => !(await bed.fedClient.get('v1', 'ConfigMap', 'default', 'cfg')), 'federation object gone');
    for (const c of names) expect(await memberGet(c, 'v1', 'ConfigMap', 'default', 'cfg')).toBeUndefined();
  });

  it('places by the cluster-selector annotation and moves when it changes', async () => {
    await bed.fedClient.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sel', namespace: 'default', annotations: { 'federation.alpha.kubernetes.io/cluster-selector': JSON.stringify([{ key: 'zone', operator: 'in', values: [bed.members.get(A)!.labels.zone] }]) } }, stringData: { k: 'v' } });
    await eventually(() => memberGet(A, 'v1', 'Secret', 'default', 'sel'), 'secret in A');
    await sync.idle();
    expect(await memberGet(B, 'v1', 'Secret', 'default', 'sel')).toBeUndefined();
    await bed.fedClient.patch('v1', 'Secret', 'default', 'sel', { metadata: { annotations: { 'federation.alpha.kubernetes.io/cluster-selector': JSON.stringify([{ key: 'zone', operator: 'in', values: [bed.members.get(B)!.labels.zone] }]) } } }, 'merge');
    await eventually(() => memberGet(B, 'v1', 'Secret', 'default', 'sel'), 'secret in B');
    await eventually(async () => !(await memberGet(A, 'v1', 'Secret', 'default', 'sel')), 'secret gone from A');
  });

  it('keeps each member Service its own cluster IP and node ports', async () => {
    await bed.fedClient.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] } });
    const first = await eventually(() => memberGet(A, 'v1', 'Service', 'default', 'web'), 'service in A');
    await bed.fedClient.patch('v1', 'Service', 'default', 'web', { metadata: { labels: { tier: 'front' } } }, 'merge');
    const after = await eventually(async () => {
      const s = await memberGet(A, 'v1', 'Service', 'default', 'web');
      return s?.metadata?.labels?.tier === 'front' ? s : undefined;
    }, 'label in A');
    expect(after.spec.clusterIP).toBe(first.spec.clusterIP);
    expect(after.spec.ports[0].nodePort).toBe(first.spec.ports[0].nodePort);
  });

  it('writes nothing to members when nothing changed', async () => {
    await bed.fedClient.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'still', namespace: 'default' }, data: { a: '1' } });
    const m = await eventually(() => memberGet(B, 'v1', 'ConfigMap', 'default', 'still'), 'still in B');
    await sync.idle();
    // A change at the federation that leaves the template as it was (a federation-only
    // annotation), and cluster churn (the registry notifies synchronously: every object is queued).
    await bed.fedClient.patch('v1', 'ConfigMap', 'default', 'still', { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } } }, 'merge');
    bed.members.setPhase(A, 'Ready');
    // The federation's ConfigMap watch delivers events in order: once a ConfigMap created after the
    // patch has reached B, the controller has queued "still" again; idle() waits for that sync.
    await bed.fedClient.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'still-marker', namespace: 'default' }, data: {} });
    await eventually(() => memberGet(B, 'v1', 'ConfigMap', 'default', 'still-marker'), 'the marker in B');
    await sync.idle();
    const again = await memberGet(B, 'v1', 'ConfigMap', 'default', 'still');
    expect(again?.metadata?.resourceVersion).toBe(m.metadata?.resourceVersion);
  });
});

describe('Federated<Kind> (KubeFed v2)', () => {
  it('places, overrides per cluster, reports status, and removes copies when placement shrinks', async () => {
    await bed.fedClient.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fedtest' } });
    const fd: KObject = {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedConfigMap',
      metadata: { name: 'fcm', namespace: 'fedtest' },
      spec: {
        template: { metadata: { labels: { app: 'x' } }, data: { k: 'base' } },
        placement: { clusters: [{ name: A }, { name: B }] },
        overrides: [{ clusterName: B, clusterOverrides: [{ path: '/data/k', value: 'for-b' }, { op: 'add', path: '/metadata/labels/extra', value: 'yes' }] }],
      },
    };
    await bed.fedClient.create(fd);
    const a = await eventually(() => memberGet(A, 'v1', 'ConfigMap', 'fedtest', 'fcm'), 'fcm in A');
    const b = await eventually(() => memberGet(B, 'v1', 'ConfigMap', 'fedtest', 'fcm'), 'fcm in B');
    expect(a.data.k).toBe('base');
    expect(b.data.k).toBe('for-b');
    expect(b.metadata?.labels?.extra).toBe('yes');
    const st = await eventually(async () => {
      const f = await bed.fedClient.get('types.kubefed.io/v1beta1', 'FederatedConfigMap', 'fedtest', 'fcm');
      return f?.status?.conditions?.[0]?.status === 'True' ? f.status : undefined;
    }, 'Propagation condition');
    expect(st.clusters.map((c: any) => `${c.name}=${c.status}`)).toEqual([`${A}=Ok`, `${B}=Ok`].sort());
    await bed.fedClient.patch('types.kubefed.io/v1beta1', 'FederatedConfigMap', 'fedtest', 'fcm', { spec: { placement: { clusters: [{ name: A }] } } }, 'merge');
    await eventually(async () => !(await memberGet(B, 'v1', 'ConfigMap', 'fedtest', 'fcm')), 'fcm gone from B');
    expect(await memberGet(A, 'v1', 'ConfigMap', 'fedtest', 'fcm')).toBeDefined();
  });
});
