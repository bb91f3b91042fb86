/**
 * Dependencies follow their workloads across controller restarts and cluster changes: the sync
 * controller against a real federation API and simulated members (StaticMembers). A ConfigMap
 * placed in A that a Deployment takes to B is never deleted from B (a watch on B counts deletes)
 * when the controller restarts, nor when B leaves the member list and comes back; it leaves B
 * once the Deployment does. A workload type enabled while the controller runs (CronJob) is indexed
 * like the others: a Secret follows its jobTemplate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import type { Informer } from '../../src/federation/client/kube-client.js';
import type { MemberCluster } from '../../src/federation/context.js';
import { federatedTypeCrd, type TargetType } from '../../src/federation/crds/federation-crds.js';
import { installFederation } from '../../src/federation/install.js';
import { MANAGED_LABEL } from '../../src/federation/propagation/intent.js';
import { SyncController } from '../../src/federation/propagation/sync-controller.js';
import { typeInfo } from '../../src/federation/types.js';
import { eventually } from '../helpers/eventually.js';
import { startFederationBed, type FederationBed } from '../helpers/federation.js';
import { reserveOctets } from '../helpers/octets.js';

const NS = 'default';
let bed: FederationBed;
let sync: SyncController;
let A: string;
let B: string;
let watchB: Informer;
const deletedInB: string[] = [];

const memberGet = (cluster: string, kind: string, name: string) => bed.memberClients.get(cluster)!.get('v1', kind, NS, name);
const start = async () => {
  sync = new SyncController(bed.context(), { retryMs: 300, workers: 16 });
  await sync.start();
};

const federated = (kind: string, name: string, template: Record<string, unknown>, clusters: string[]): KObject => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind,
  metadata: { name, namespace: NS },
  spec: { template, placement: { clusters: clusters.map((c) => ({ name: c })) } },
});

const deployment = (name: string, configMaps: string[], clusters: string[]) =>
  federated(
    'FederatedDeployment',
    name,
    {
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx', envFrom: configMaps.map((n) => ({ configMapRef: { name: n } })) }] } },
      },
    },
    clusters,
  );

beforeAll(async () => {
  bed = await startFederationBed({ clusters: 2, firstOctet: reserveOctets(2) });
  [A, B] = [...bed.memberClients.keys()] as [string, string];
  watchB = await bed.memberClients.get(B)!.informer('v1', 'ConfigMap');
  watchB.on('delete', (o: KObject) => deletedInB.push(o.metadata?.name ?? ''));
  await watchB.start();
  await start();
}, 60_000);

afterAll(async () => {
  await sync?.stop();
  await watchB?.stop();
  await bed?.stop();
});

describe('dependencies follow their workloads', () => {
  it('a ConfigMap placed in A follows a Deployment into B', async () => {
    for (let i = 0; i < 20; i++) await bed.fedClient.create(federated('FederatedConfigMap', `cfg-${i}`, { data: { i: String(i) } }, [A]));
    for (let i = 0; i < 20; i++) await bed.fedClient.create(deployment(`web-${i}`, [`cfg-${i}`], [A, B]));
    for (let i = 0; i < 20; i++) {
      const copy = await eventually(() => memberGet(B, 'ConfigMap', `cfg-${i}`), `cfg-${i} in B`);
      expect(copy.metadata?.labels?.[MANAGED_LABEL]).toBe('true');
    }
    await sync.idle();
    const status = await bed.fedClient.get('types.kubefed.io/v1beta1', 'FederatedConfigMap', NS, 'cfg-0');
    expect(Object.fromEntries((status?.status?.clusters ?? []).map((c: any) => [c.name, c.status]))).toEqual({ [A]: 'Ok', [B]: 'Ok' });
  });

  it('a restart of the controller never takes a dependency away from B', async () => {
    const uids = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await memberGet(B, 'ConfigMap', `cfg-${i}`))?.metadata?.uid));
    for (let round = 0; round < 3; round++) {
      await sync.stop();
      await start();
      await sync.idle();
    }
    expect(deletedInB).toEqual([]);
    for (let i = 0; i < 20; i++) expect((await memberGet(B, 'ConfigMap', `cfg-${i}`))?.metadata?.uid).toBe(uids[i]);
  });

  it('nor does B leaving the member list and coming back while the controller starts', async () => {
    const b = bed.members.get(B) as MemberCluster;
    await sync.stop();
    bed.members.remove(B);
    await start();
    await sync.idle();
    bed.members.set(b);
    await sync.idle();
    expect(deletedInB).toEqual([]);
    for (let i = 0; i < 20; i++) expect(await memberGet(B, 'ConfigMap', `cfg-${i}`)).toBeTruthy();
  });

  it('leaves B when the Deployment does; another Deployment still in B keeps its ConfigMap there', async () => {
    await bed.fedClient.patch('types.kubefed.io/v1beta1', 'FederatedDeployment', NS, 'web-0', { spec: { placement: { clusters: [{ name: A }] } } }, 'merge');
    await bed.fedClient.create(deployment('other', ['cfg-1'], [B]));
    await bed.fedClient.delete('types.kubefed.io/v1beta1', 'FederatedDeployment', NS, 'web-1');
    await eventually(async () => !(await memberGet(B, 'ConfigMap', 'cfg-0')), 'cfg-0 gone from B');
    await eventually(async () => !(await bed.memberClients.get(B)!.get('apps/v1', 'Deployment', NS, 'web-1')), 'web-1 gone from B');
    await sync.idle();
    expect(await memberGet(B, 'ConfigMap', 'cfg-1')).toBeTruthy();
    expect(await memberGet(A, 'ConfigMap', 'cfg-0')).toBeTruthy();
    expect(deletedInB).toEqual(['cfg-0']);
  });

  it('follows a workload type enabled while the controller runs: a Secret goes with a CronJob\'s jobTemplate', async () => {
    const cronJobs: TargetType = { group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true };
    await installFederation(bed.fedClient, {}, [federatedTypeCrd(cronJobs)]);
    bed.types.add(typeInfo(cronJobs));
    await bed.fedClient.create(federated('FederatedSecret', 'token', { stringData: { t: 'x' } }, [A]));
    await eventually(() => memberGet(A, 'Secret', 'token'), 'token in A');
    await bed.fedClient.create(
      federated(
        'FederatedCronJob',
        'report',
        { spec: { schedule: '0 0 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'token', key: 't' } } }] }] } } } } } },
        [B],
      ),
    );
    await eventually(() => bed.memberClients.get(B)!.get('batch/v1', 'CronJob', NS, 'report'), 'report in B');
    const copy = await eventually(() => memberGet(B, 'Secret', 'token'), 'token in B');
    expect(copy.metadata?.labels?.[MANAGED_LABEL]).toBe('true');
    await bed.fedClient.delete('types.kubefed.io/v1beta1', 'FederatedCronJob', NS, 'report');
    await eventually(async () => !(await memberGet(B, 'Secret', 'token')), 'token gone from B');
    expect(await memberGet(A, 'Secret', 'token')).toBeTruthy();
  });
});
