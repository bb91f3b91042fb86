/**
 * The propagation engine end to end, with real kubectl at the federation and in the members, on
 * three one-node playground clusters (east, west, north) joined to an in-process control plane:
 * - per-cluster overrides of a FederatedDeployment (image, replicas, a label), changed and removed;
 *   a copy changed or deleted in a member is put back;
 * - placement by spec.placement.clusterSelector (and the v1 cluster-selector annotation) on the
 *   labels set with `kubectl label clusters`, following changes of the selector and of the labels;
 * - adoption of a pre-existing member object (on by default), handed back unmanaged when the
 *   source is deleted; on a second federation with adoptResources false, status AlreadyExists
 *   and the member object left alone;
 * - orphaning deletion (annotation kubefed.io/orphan): copies stay, without the managed label;
 * - deletion while a cluster is stopped: the source stays Terminating with its finalizer until the
 *   cluster is back and its copy is gone;
 * - a Secret updated while a cluster is stopped reaches it once it starts again;
 * - an isolated cluster is listed Offline/NotReady and gets what was created meanwhile once back;
 * - deleting a namespace at the federation removes its propagated objects from the members;
 * - the sync finalizer is set by admission when a propagated object is created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { ADOPTED_ANNOTATION, MANAGED_LABEL, ORPHAN_ANNOTATION, SYNC_FINALIZER } from '../../src/federation/propagation/intent.js';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const NAMES = ['east', 'west', 'north'] as const;
const [EAST, WEST, NORTH] = NAMES;
const NS = 'engine';
const WAIT = 30_000;
let fp: FederatedPlayground;

/** kubectl -o json at a context; undefined when the object does not exist. */
async function getJson(p: FederatedPlayground, context: string, args: string[]): Promise<any> {
  const out = await p.ok([`--context=${context}`, 'get', ...args, '-o', 'json', '--ignore-not-found']);
  return out.trim() ? JSON.parse(out) : undefined;
}

const apply = (p: FederatedPlayground, obj: KObject) => p.ok(['--context=federation', 'apply', '-f', '-'], JSON.stringify(obj));

/** A Federated<kind> (FederatedConfigMap, FederatedSecret) with a template and a placement. */
const federated = (kind: string, namespace: string, name: string, template: Record<string, unknown>, placement: Record<string, unknown>): KObject => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind,
  metadata: { name, namespace },
  spec: { template, placement },
});
const everywhere = { clusters: NAMES.map((name) => ({ name })) };

/** Waits until `cluster` holds the object (kubectl resource and name) and `test` accepts it. */
function inCluster(p: FederatedPlayground, cluster: string, args: string[], test: (o: any) => boolean = () => true, what = ''): Promise<any> {
  return eventually(
    async () => {
      const o = await getJson(p, cluster, args);
      return o && test(o) ? o : undefined;
    },
    `${args.join(' ')} in ${cluster}${what ? ` ${what}` : ''}`,
    WAIT,
  );
}

function goneFrom(p: FederatedPlayground, cluster: string, args: string[]): Promise<boolean> {
  return eventually(async () => !(await getJson(p, cluster, args)), `${args.join(' ')} gone from ${cluster}`, WAIT);
}

/** The STATUS column of `kubectl get clusters` for one cluster. */
async function clusterStatus(p: FederatedPlayground, name: string): Promise<string | undefined> {
  const out = await p.ok(['--context=federation', 'get', 'clusters', name, '--no-headers']);
  return out.trim().split(/\s+/)[1];
}

function clusterIs(p: FederatedPlayground, name: string, want: (s: string) => boolean, what: string): Promise<string> {
  return eventually(async () => {
    const s = await clusterStatus(p, name);
    return s && want(s) ? s : undefined;
  }, `cluster ${name} ${what}`, WAIT);
}

/** Per-cluster statuses of a Federated object once they match `want` exactly. */
function federatedStatus(p: FederatedPlayground, resource: string, ns: string, name: string, want: Record<string, string>): Promise<any> {
  return eventually(
    async () => {
      const o = await getJson(p, 'federation', [resource, '-n', ns, name]);
      const got = Object.fromEntries(((o?.status?.clusters ?? []) as { name: string; status: string }[]).map((c) => [c.name, c.status]));
      return JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort()) ? o : undefined;
    },
    `${resource} ${name} status ${JSON.stringify(want)}`,
    WAIT,
  );
}

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: 3, nodes: 1, firstOctet: reserveOctets(3), names: [...NAMES] });
  for (const c of NAMES) await clusterIs(fp, c, (s) => s === 'Ready', 'Ready');
  await fp.ok(['--context=federation', 'create', 'namespace', NS]);
  for (const c of NAMES) await inCluster(fp, c, ['namespace', NS]);
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('the sync finalizer', () => {
  it('comes with the create of a propagated object; not on cluster-local objects nor on the plain container of a Federated<Kind>', async () => {
    const created = JSON.parse(await fp.ok(['--context=federation', 'create', 'configmap', 'fin-plain', '-n', NS, '--from-literal=k=v', '-o', 'json']));
    expect(created.metadata.finalizers).toEqual([SYNC_FINALIZER]);
    const fed = JSON.parse(await fp.ok(['--context=federation', 'create', '-f', '-', '-o', 'json'], JSON.stringify(federated('FederatedConfigMap', NS, 'fin-fed', { data: { k: 'v' } }, everywhere))));
    expect(fed.metadata.finalizers).toEqual([SYNC_FINALIZER]);
    const container = JSON.parse(await fp.ok(['--context=federation', 'create', 'configmap', 'fin-fed', '-n', NS, '--from-literal=k=v', '-o', 'json']));
    expect(container.metadata.finalizers).toBeUndefined();
    const local = JSON.parse(await fp.ok(['--context=federation', 'create', 'configmap', 'fin-local', '-n', 'kube-system', '--from-literal=k=v', '-o', 'json']));
    expect(local.metadata.finalizers).toBeUndefined();
    // The finalizer it came with does its job: deletion waits for the copies, then lets go.
    for (const c of NAMES) await inCluster(fp, c, ['configmap', '-n', NS, 'fin-plain']);
    await fp.ok(['--context=federation', 'delete', 'configmap', 'fin-plain', '-n', NS]);
    for (const c of NAMES) await goneFrom(fp, c, ['configmap', '-n', NS, 'fin-plain']);
    await fp.ok(['--context=federation', 'delete', 'configmap', 'fin-local', '-n', 'kube-system']);
    await fp.ok(['--context=federation', 'delete', 'configmap', 'fin-fed', '-n', NS]);
    await fp.ok(['--context=federation', 'delete', 'federatedconfigmap', 'fin-fed', '-n', NS]);
    for (const c of NAMES) await goneFrom(fp, c, ['configmap', '-n', NS, 'fin-fed']);
  });
});

describe('overrides per cluster', () => {
  const deployment = (overrides: unknown[]): KObject => ({
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedDeployment',
    metadata: { name: 'web', namespace: NS },
    spec: {
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
        },
      },
      placement: everywhere,
      overrides,
    },
  });
  const image = (d: any) => d.spec.template.spec.containers[0].image;

  it('gives each cluster its own image, replicas and label, and leaves the others as the template says', async () => {
    await apply(
      fp,
      deployment([
        { clusterName: WEST, clusterOverrides: [{ path: '/spec/template/spec/containers/0/image', value: 'nginx:1.26' }, { path: '/spec/replicas', value: 2 }] },
        { clusterName: NORTH, clusterOverrides: [{ op: 'add', path: '/metadata/labels/x', value: 'north-only' }] },
      ]),
    );
    const east = await inCluster(fp, EAST, ['deploy', '-n', NS, 'web']);
    const west = await inCluster(fp, WEST, ['deploy', '-n', NS, 'web']);
    const north = await inCluster(fp, NORTH, ['deploy', '-n', NS, 'web']);
    expect([image(east), east.spec.replicas, east.metadata.labels.x]).toEqual(['nginx:1.25', 1, undefined]);
    expect([image(west), west.spec.replicas, west.metadata.labels.x]).toEqual(['nginx:1.26', 2, undefined]);
    expect([image(north), north.spec.replicas, north.metadata.labels.x]).toEqual(['nginx:1.25', 1, 'north-only']);
    for (const d of [east, west, north]) expect(d.metadata.labels).toMatchObject({ app: 'web', [MANAGED_LABEL]: 'true' });
    await federatedStatus(fp, 'federateddeployments', NS, 'web', { [EAST]: 'Ok', [WEST]: 'Ok', [NORTH]: 'Ok' });
    // kubectl describe at the federation: the per-cluster picture, the condition and the events.
    const described = await eventually(async () => {
      const out = await fp.ok(['--context=federation', 'describe', 'federateddeployment', 'web', '-n', NS]);
      return /Normal\s+Propagated\s+/.test(out) ? out : undefined;
    }, 'describe showing the Propagated event', WAIT);
    for (const c of NAMES) expect(described).toMatch(new RegExp(`Name:\\s+${c}\\s+Status:\\s+Ok`));
    expect(described).toMatch(/Status:\s+True\s+Type:\s+Propagation/);
    expect(described).toMatch(new RegExp(`Propagated\\s+\\S+\\s+\\S+\\s+created in (${NAMES.join('|')}), (${NAMES.join('|')}), (${NAMES.join('|')})`));
    // The copies run: two pods in west, one elsewhere.
    await inCluster(fp, WEST, ['deploy', '-n', NS, 'web'], (d) => d.status?.readyReplicas === 2, 'with 2 ready replicas');
    await inCluster(fp, EAST, ['deploy', '-n', NS, 'web'], (d) => d.status?.readyReplicas === 1, 'with 1 ready replica');
  });

  it('follows a changed override and a removed one, and leaves untouched copies unwritten', async () => {
    const eastBefore = await getJson(fp, EAST, ['deploy', '-n', NS, 'web']);
    await apply(fp, deployment([{ clusterName: WEST, clusterOverrides: [{ path: '/spec/template/spec/containers/0/image', value: 'nginx:1.27' }] }]));
    const west = await inCluster(fp, WEST, ['deploy', '-n', NS, 'web'], (d) => image(d) === 'nginx:1.27', 'with image nginx:1.27');
    // The replicas override is gone: the template's count again.
    expect(west.spec.replicas).toBe(1);
    const north = await inCluster(fp, NORTH, ['deploy', '-n', NS, 'web'], (d) => d.metadata.labels.x === undefined, 'without label x');
    expect(image(north)).toBe('nginx:1.25');
    await federatedStatus(fp, 'federateddeployments', NS, 'web', { [EAST]: 'Ok', [WEST]: 'Ok', [NORTH]: 'Ok' });
    const eastAfter = await getJson(fp, EAST, ['deploy', '-n', NS, 'web']);
    expect(image(eastAfter)).toBe('nginx:1.25');
    expect(eastAfter.metadata.generation).toBe(eastBefore.metadata.generation);
  });

  it('puts back a copy changed or deleted in a member', async () => {
    await fp.ok([`--context=${EAST}`, 'scale', 'deploy', 'web', '-n', NS, '--replicas=3']);
    await fp.ok([`--context=${NORTH}`, 'delete', 'deploy', 'web', '-n', NS]);
    await inCluster(fp, EAST, ['deploy', '-n', NS, 'web'], (d) => d.spec.replicas === 1, 'scaled back to 1');
    const north = await inCluster(fp, NORTH, ['deploy', '-n', NS, 'web']);
    expect([image(north), north.spec.replicas, north.metadata.labels[MANAGED_LABEL]]).toEqual(['nginx:1.25', 1, 'true']);
  });
});

describe('placement by cluster selector', () => {
  const labels = async (c: string, ...kv: string[]) => fp.ok(['--context=federation', 'label', 'clusters', c, ...kv, '--overwrite']);
  const where = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const c of NAMES) if (await getJson(fp, c, ['configmap', '-n', NS, 'sel'])) out.push(c);
    return out.sort();
  };
  const placedIn = (want: string[]) => eventually(async () => JSON.stringify(await where()) === JSON.stringify([...want].sort()), `sel in exactly ${want.join(', ') || 'no cluster'}`, WAIT);

  it('places on the clusters whose labels match, and moves with the labels and the selector', async () => {
    await apply(fp, federated('FederatedConfigMap', NS, 'sel', { data: { k: 'v' } }, { clusterSelector: { matchLabels: { env: 'prod' } } }));
    // The same choice in Federation v1 style: the cluster-selector annotation on a plain object.
    await fp.ok(['--context=federation', 'create', 'secret', 'generic', 'sel', '-n', NS, '--from-literal=k=v']);
    await fp.ok(['--context=federation', 'annotate', 'secret', 'sel', '-n', NS, `federation.alpha.kubernetes.io/cluster-selector=${JSON.stringify([{ key: 'env', operator: 'in', values: ['prod'] }])}`]);
    // No cluster is labelled yet: nowhere.
    await federatedStatus(fp, 'federatedconfigmaps', NS, 'sel', {});
    expect(await where()).toEqual([]);

    await labels(EAST, 'env=prod');
    await labels(WEST, 'env=prod');
    expect((await fp.ok(['--context=federation', 'get', 'clusters', '-l', 'env=prod', '-o', 'name'])).split('\n').filter(Boolean).sort()).toEqual([`cluster.core.kubefed.io/${EAST}`, `cluster.core.kubefed.io/${WEST}`]);
    await placedIn([EAST, WEST]);
    await federatedStatus(fp, 'federatedconfigmaps', NS, 'sel', { [EAST]: 'Ok', [WEST]: 'Ok' });
    for (const c of [EAST, WEST]) await inCluster(fp, c, ['secret', '-n', NS, 'sel']);
    expect(await getJson(fp, NORTH, ['secret', '-n', NS, 'sel'])).toBeUndefined();

    // A cluster's label changes: its copy goes.
    await labels(WEST, 'env=dev');
    await placedIn([EAST]);
    await goneFrom(fp, WEST, ['secret', '-n', NS, 'sel']);
    // The selector changes: the copies move.
    await fp.ok(['--context=federation', 'patch', 'federatedconfigmap', '-n', NS, 'sel', '--type=merge', '-p', JSON.stringify({ spec: { placement: { clusterSelector: { matchLabels: { env: 'dev' } } } } })]);
    await placedIn([WEST]);
    // A label removed: nowhere again.
    await labels(WEST, 'env-');
    await placedIn([]);
    await federatedStatus(fp, 'federatedconfigmaps', NS, 'sel', {});
  });
});

describe('adoption (adoptResources on, the default)', () => {
  it('takes over an object that already exists in a member: federation content, managed label, adopted annotation', async () => {
    await fp.ok([`--context=${WEST}`, 'create', 'configmap', 'pre', '-n', NS, '--from-literal=a=member', '--from-literal=only=member']);
    await fp.ok(['--context=federation', 'create', 'configmap', 'pre', '-n', NS, '--from-literal=a=federation']);
    const west = await inCluster(fp, WEST, ['configmap', '-n', NS, 'pre'], (o) => o.metadata.labels?.[MANAGED_LABEL] === 'true', 'managed');
    expect(west.data).toEqual({ a: 'federation' });
    expect(west.metadata.annotations?.[ADOPTED_ANNOTATION]).toBe('true');
    for (const c of [EAST, NORTH]) {
      const o = await inCluster(fp, c, ['configmap', '-n', NS, 'pre']);
      expect(o.data).toEqual({ a: 'federation' });
      expect(o.metadata.annotations?.[ADOPTED_ANNOTATION]).toBeUndefined();
    }
    // Later updates reach the adopted copy too.
    await fp.ok(['--context=federation', 'patch', 'configmap', 'pre', '-n', NS, '--type=merge', '-p', '{"data":{"a":"v2"}}']);
    for (const c of NAMES) await inCluster(fp, c, ['configmap', '-n', NS, 'pre'], (o) => o.data?.a === 'v2', 'updated');
    // As in KubeFed, deleting the source deletes the copies it created; an adopted one is only
    // handed back (left in place without the managed label).
    await fp.ok(['--context=federation', 'delete', 'configmap', 'pre', '-n', NS, '--timeout=30s']);
    for (const c of [EAST, NORTH]) await goneFrom(fp, c, ['configmap', '-n', NS, 'pre']);
    const handedBack = await getJson(fp, WEST, ['configmap', '-n', NS, 'pre']);
    expect(handedBack?.data).toEqual({ a: 'v2' });
    expect(handedBack.metadata.labels?.[MANAGED_LABEL]).toBeUndefined();
    expect(handedBack.metadata.annotations?.[ADOPTED_ANNOTATION]).toBeUndefined();
  });
});

describe('orphaning deletion', () => {
  it('leaves the member copies in place, without the managed label, when the source is deleted with kubefed.io/orphan=true', async () => {
    await fp.ok(['--context=federation', 'create', 'configmap', 'keep', '-n', NS, '--from-literal=k=v']);
    await apply(fp, federated('FederatedSecret', NS, 'keep', { stringData: { k: 'v' } }, { clusters: [{ name: EAST }, { name: NORTH }] }));
    for (const c of NAMES) await inCluster(fp, c, ['configmap', '-n', NS, 'keep']);
    for (const c of [EAST, NORTH]) await inCluster(fp, c, ['secret', '-n', NS, 'keep']);
    await fp.ok(['--context=federation', 'annotate', 'configmap', 'keep', '-n', NS, `${ORPHAN_ANNOTATION}=true`]);
    await fp.ok(['--context=federation', 'annotate', 'federatedsecret', 'keep', '-n', NS, `${ORPHAN_ANNOTATION}=true`]);
    await fp.ok(['--context=federation', 'delete', 'configmap', 'keep', '-n', NS, '--timeout=30s']);
    await fp.ok(['--context=federation', 'delete', 'federatedsecret', 'keep', '-n', NS, '--timeout=30s']);
    expect(await getJson(fp, 'federation', ['configmap', '-n', NS, 'keep'])).toBeUndefined();
    for (const c of NAMES) {
      const o = await getJson(fp, c, ['configmap', '-n', NS, 'keep']);
      expect(o?.data).toEqual({ k: 'v' });
      expect(o.metadata.labels?.[MANAGED_LABEL]).toBeUndefined();
      // The flag steers the federation; it is not copied to members.
      expect(o.metadata.annotations?.[ORPHAN_ANNOTATION]).toBeUndefined();
    }
    for (const c of [EAST, NORTH]) {
      const s = await getJson(fp, c, ['secret', '-n', NS, 'keep']);
      expect(Buffer.from(s?.data?.k ?? '', 'base64').toString()).toBe('v');
      expect(s.metadata.labels?.[MANAGED_LABEL]).toBeUndefined();
    }
    expect(await getJson(fp, WEST, ['secret', '-n', NS, 'keep'])).toBeUndefined();
  });
});

describe('a stopped cluster', () => {
  it('holds a deleted source Terminating, with its finalizer, until the stopped cluster is back and its copy is gone', async () => {
    await fp.ok(['--context=federation', 'create', 'configmap', 'doomed', '-n', NS, '--from-literal=k=v']);
    await apply(fp, federated('FederatedConfigMap', NS, 'doomed-fed', { data: { k: 'v' } }, everywhere));
    for (const c of NAMES) for (const n of ['doomed', 'doomed-fed']) await inCluster(fp, c, ['configmap', '-n', NS, n]);
    await fp.pg.stopCluster(NORTH);
    // The plain one is deleted at once, before the federation has noticed; the Federated one once
    // north is listed down.
    await fp.ok(['--context=federation', 'delete', 'configmap', 'doomed', '-n', NS, '--wait=false']);
    await clusterIs(fp, NORTH, (s) => s !== 'Ready', 'not Ready');
    await fp.ok(['--context=federation', 'delete', 'federatedconfigmap', 'doomed-fed', '-n', NS, '--wait=false']);
    for (const c of [EAST, WEST]) for (const n of ['doomed', 'doomed-fed']) await goneFrom(fp, c, ['configmap', '-n', NS, n]);
    // Still held while north is down: once the controller has recorded that north's copies wait
    // for it (WaitingForRemoval; it retries until north is back), the sources keep their finalizer.
    for (const n of ['doomed', 'doomed-fed']) {
      await eventually(async () => {
        const rec = await getJson(fp, 'federation', ['propagationrecord', '-n', 'kube-federation-system', `configmaps.ns-${NS}.${n}`]);
        return rec?.clusters?.some((c: { name: string; status: string }) => c.name === NORTH && c.status === 'WaitingForRemoval');
      }, `the record of ${n} to say north's copy waits for removal`, WAIT);
    }
    for (const held of [await getJson(fp, 'federation', ['configmap', '-n', NS, 'doomed']), await getJson(fp, 'federation', ['federatedconfigmap', '-n', NS, 'doomed-fed'])]) {
      expect(held?.metadata?.deletionTimestamp).toBeTruthy();
      expect(held.metadata.finalizers).toContain(SYNC_FINALIZER);
    }

    await fp.pg.startCluster(NORTH);
    await clusterIs(fp, NORTH, (s) => s === 'Ready', 'Ready again');
    for (const n of ['doomed', 'doomed-fed']) await goneFrom(fp, NORTH, ['configmap', '-n', NS, n]);
    await goneFrom(fp, 'federation', ['configmap', '-n', NS, 'doomed']);
    await goneFrom(fp, 'federation', ['federatedconfigmap', '-n', NS, 'doomed-fed']);
  });

  it('gets a Secret updated at the federation while it was stopped once it starts again', async () => {
    await fp.ok(['--context=federation', 'create', 'secret', 'generic', 'creds', '-n', NS, '--from-literal=password=one']);
    const pw = (o: any) => Buffer.from(o?.data?.password ?? '', 'base64').toString();
    for (const c of NAMES) await inCluster(fp, c, ['secret', '-n', NS, 'creds'], (o) => pw(o) === 'one', 'with password one');
    await fp.pg.stopCluster(NORTH);
    await fp.ok(['--context=federation', 'patch', 'secret', 'creds', '-n', NS, '--type=merge', '-p', JSON.stringify({ stringData: { password: 'two' } })]);
    for (const c of [EAST, WEST]) await inCluster(fp, c, ['secret', '-n', NS, 'creds'], (o) => pw(o) === 'two', 'with password two');
    await clusterIs(fp, NORTH, (s) => s !== 'Ready', 'not Ready');
    await fp.ok(['--context=federation', 'patch', 'secret', 'creds', '-n', NS, '--type=merge', '-p', JSON.stringify({ stringData: { password: 'three' } })]);
    for (const c of [EAST, WEST]) await inCluster(fp, c, ['secret', '-n', NS, 'creds'], (o) => pw(o) === 'three', 'with password three');
    await fp.pg.startCluster(NORTH);
    await clusterIs(fp, NORTH, (s) => s === 'Ready', 'Ready again');
    await inCluster(fp, NORTH, ['secret', '-n', NS, 'creds'], (o) => pw(o) === 'three', 'with password three');
  });
});

describe('an isolated cluster', () => {
  it('is listed Offline or NotReady while isolated and gets what was created, changed and deleted meanwhile once restored', async () => {
    await fp.ok(['--context=federation', 'create', 'configmap', 'changed-meanwhile', '-n', NS, '--from-literal=k=one']);
    await fp.ok(['--context=federation', 'create', 'configmap', 'deleted-meanwhile', '-n', NS, '--from-literal=k=v']);
    for (const n of ['changed-meanwhile', 'deleted-meanwhile']) await inCluster(fp, WEST, ['configmap', '-n', NS, n]);
    await fp.pg.isolateCluster(WEST);
    const status = await clusterIs(fp, WEST, (s) => s !== 'Ready', 'not Ready');
    expect(['Offline', 'NotReady']).toContain(status);
    await fp.ok(['--context=federation', 'create', 'configmap', 'meanwhile', '-n', NS, '--from-literal=k=v']);
    await apply(fp, federated('FederatedConfigMap', NS, 'meanwhile-fed', { data: { k: 'v' } }, everywhere));
    await fp.ok(['--context=federation', 'patch', 'configmap', 'changed-meanwhile', '-n', NS, '--type=merge', '-p', '{"data":{"k":"two"}}']);
    await fp.ok(['--context=federation', 'delete', 'configmap', 'deleted-meanwhile', '-n', NS, '--wait=false']);
    for (const c of [EAST, NORTH]) await inCluster(fp, c, ['configmap', '-n', NS, 'meanwhile']);
    for (const c of [EAST, NORTH]) await goneFrom(fp, c, ['configmap', '-n', NS, 'deleted-meanwhile']);
    expect((await getJson(fp, 'federation', ['configmap', '-n', NS, 'deleted-meanwhile']))?.metadata?.finalizers).toContain(SYNC_FINALIZER);
    const st = await federatedStatus(fp, 'federatedconfigmaps', NS, 'meanwhile-fed', { [EAST]: 'Ok', [WEST]: 'ClusterNotReady', [NORTH]: 'Ok' });
    expect(st.status.conditions.find((c: any) => c.type === 'Propagation')?.status).toBe('False');

    await fp.pg.startCluster(WEST);
    await clusterIs(fp, WEST, (s) => s === 'Ready', 'Ready again');
    await inCluster(fp, WEST, ['configmap', '-n', NS, 'meanwhile']);
    await inCluster(fp, WEST, ['configmap', '-n', NS, 'meanwhile-fed']);
    await inCluster(fp, WEST, ['configmap', '-n', NS, 'changed-meanwhile'], (o) => o.data?.k === 'two', 'changed');
    await goneFrom(fp, WEST, ['configmap', '-n', NS, 'deleted-meanwhile']);
    await goneFrom(fp, 'federation', ['configmap', '-n', NS, 'deleted-meanwhile']);
    const after = await federatedStatus(fp, 'federatedconfigmaps', NS, 'meanwhile-fed', { [EAST]: 'Ok', [WEST]: 'Ok', [NORTH]: 'Ok' });
    expect(after.status.conditions.find((c: any) => c.type === 'Propagation')?.status).toBe('True');
  });
});

describe('namespace deletion at the federation', () => {
  it('removes the namespace\'s propagated objects (plain and Federated) from every member', async () => {
    await fp.ok(['--context=federation', 'create', 'namespace', 'cascade']);
    await fp.ok(['--context=federation', 'create', 'configmap', 'cm', '-n', 'cascade', '--from-literal=k=v']);
    await fp.ok(['--context=federation', 'create', 'secret', 'generic', 'sec', '-n', 'cascade', '--from-literal=k=v']);
    await apply(fp, federated('FederatedConfigMap', 'cascade', 'fcm', { data: { k: 'v' } }, everywhere));
    for (const c of NAMES) for (const n of ['cm', 'fcm']) await inCluster(fp, c, ['configmap', '-n', 'cascade', n]);
    for (const c of NAMES) await inCluster(fp, c, ['secret', '-n', 'cascade', 'sec']);
    await fp.ok(['--context=federation', 'delete', 'namespace', 'cascade', '--timeout=60s']);
    for (const c of NAMES) {
      await goneFrom(fp, c, ['configmap', '-n', 'cascade', 'cm']);
      await goneFrom(fp, c, ['configmap', '-n', 'cascade', 'fcm']);
      await goneFrom(fp, c, ['secret', '-n', 'cascade', 'sec']);
      await goneFrom(fp, c, ['namespace', 'cascade']);
    }
    expect(await getJson(fp, 'federation', ['namespace', 'cascade'])).toBeUndefined();
  });
});

describe('adoption off (adoptResources false)', () => {
  let fp2: FederatedPlayground;
  beforeAll(async () => {
    fp2 = await startFederatedPlayground({ clusters: 2, nodes: 1, firstOctet: reserveOctets(2), names: ['one', 'two'], federation: { adoptResources: false } });
    for (const c of ['one', 'two']) await clusterIs(fp2, c, (s) => s === 'Ready', 'Ready');
  }, 120_000);
  afterAll(async () => {
    await fp2?.stop();
  });

  it('reports AlreadyExists for the cluster holding an unmanaged object of the same name and leaves that object alone', async () => {
    await fp2.ok(['--context=one', 'create', 'configmap', 'pre', '-n', 'default', '--from-literal=a=member']);
    const before = await getJson(fp2, 'one', ['configmap', '-n', 'default', 'pre']);
    await apply(fp2, federated('FederatedConfigMap', 'default', 'pre', { data: { a: 'federation' } }, { clusters: [{ name: 'one' }, { name: 'two' }] }));
    const st = await federatedStatus(fp2, 'federatedconfigmaps', 'default', 'pre', { one: 'AlreadyExists', two: 'Ok' });
    expect(st.status.conditions.find((c: any) => c.type === 'Propagation')?.status).toBe('False');
    const two = await inCluster(fp2, 'two', ['configmap', '-n', 'default', 'pre']);
    expect(two.data).toEqual({ a: 'federation' });
    const one = await getJson(fp2, 'one', ['configmap', '-n', 'default', 'pre']);
    expect(one.data).toEqual({ a: 'member' });
    expect(one.metadata.labels?.[MANAGED_LABEL]).toBeUndefined();
    expect(one.metadata.annotations?.[ADOPTED_ANNOTATION]).toBeUndefined();
    expect(one.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    // Deleting the federated object leaves the unmanaged member object alone too.
    await fp2.ok(['--context=federation', 'delete', 'federatedconfigmap', 'pre', '-n', 'default', '--timeout=30s']);
    await goneFrom(fp2, 'two', ['configmap', '-n', 'default', 'pre']);
    expect((await getJson(fp2, 'one', ['configmap', '-n', 'default', 'pre']))?.data).toEqual({ a: 'member' });
  });
});
