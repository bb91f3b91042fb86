/**
 * Dependencies follow their workloads, end to end with real kubectl on three one-node playground
 * clusters (east, west, north) joined to an in-process control plane:
 * - a FederatedConfigMap placed only in east, referenced through envFrom and a volume by a
 *   FederatedDeployment placed in east and west: the ConfigMap appears in west (status Ok there,
 *   a FollowsWorkload event), never in north, and the Deployment's pods run in west; moving the
 *   Deployment to east only removes the ConfigMap from west, where it was not placed itself;
 * - a Secret placed in east by the v1 cluster-selector annotation, referenced by a plain
 *   Deployment that the annotation sends to north: the Secret follows to north and leaves it
 *   when the Deployment is deleted;
 * - a FederatedSecret placed nowhere (clusters: []) follows the imagePullSecrets of a
 *   FederatedDeployment, and a ServiceAccount its serviceAccountName.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { MANAGED_LABEL } from '../../src/federation/propagation/intent.js';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const NAMES = ['east', 'west', 'north'] as const;
const [EAST, WEST, NORTH] = NAMES;
const NS = 'deps';
const WAIT = 30_000;
const SELECTOR = 'federation.alpha.kubernetes.io/cluster-selector';
let fp: FederatedPlayground;

async function getJson(context: string, args: string[]): Promise<any> {
  const out = await fp.ok([`--context=${context}`, 'get', ...args, '-o', 'json', '--ignore-not-found']);
  return out.trim() ? JSON.parse(out) : undefined;
}

const apply = (obj: KObject) => fp.ok(['--context=federation', 'apply', '-f', '-'], JSON.stringify(obj));

function inCluster(cluster: string, args: string[], test: (o: any) => boolean = () => true, what = ''): Promise<any> {
  return eventually(
    async () => {
      const o = await getJson(cluster, args);
      return o && test(o) ? o : undefined;
    },
    `${args.join(' ')} in ${cluster}${what ? ` ${what}` : ''}`,
    WAIT,
  );
}

function goneFrom(cluster: string, args: string[]): Promise<boolean> {
  return eventually(async () => !(await getJson(cluster, args)), `${args.join(' ')} gone from ${cluster}`, WAIT);
}

/** Pods of an app Running (and Ready) in a cluster. */
function podsRunning(cluster: string, app: string, count: number): Promise<any[]> {
  return eventually(
    async () => {
      const list = await getJson(cluster, ['pods', '-n', NS, '-l', `app=${app}`]);
      const running = ((list?.items ?? []) as any[]).filter((p) => p.status?.phase === 'Running' && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return running.length === count ? running : undefined;
    },
    `${count} running pods of ${app} in ${cluster}`,
    WAIT,
  );
}

/** Per-cluster statuses of a Federated object once they match `want` exactly. */
function federatedStatus(resource: string, name: string, want: Record<string, string>): Promise<any> {
  return eventually(
    async () => {
      const o = await getJson('federation', [resource, '-n', NS, name]);
      const got = Object.fromEntries(((o?.status?.clusters ?? []) as { name: string; status: string }[]).map((c) => [c.name, c.status]));
      return JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort()) ? o : undefined;
    },
    `${resource} ${name} status ${JSON.stringify(want)}`,
    WAIT,
  );
}

/** The messages of the FollowsWorkload events on an object, once one contains `text`. */
function followsEvent(kind: string, name: string, text: string): Promise<string[]> {
  return eventually(
    async () => {
      const list = await getJson('federation', ['events', '-n', NS]);
      const msgs = ((list?.items ?? []) as any[]).filter((e) => e.reason === 'FollowsWorkload' && e.involvedObject?.kind === kind && e.involvedObject?.name === name).map((e) => String(e.message));
      return msgs.some((m) => m.includes(text)) ? msgs : undefined;
    },
    `FollowsWorkload event on ${kind} ${name}: ${text}`,
    WAIT,
  );
}

const federated = (kind: string, name: string, template: Record<string, unknown>, clusters: string[]): KObject => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind,
  metadata: { name, namespace: NS },
  spec: { template, placement: { clusters: clusters.map((c) => ({ name: c })) } },
});

/** A pod template running `app` with the given pod spec fields. */
const podTemplate = (app: string, spec: Record<string, unknown>, container: Record<string, unknown> = {}) => ({
  metadata: { labels: { app } },
  spec: { ...spec, containers: [{ name: app, image: 'nginx:1.25', ...container }] },
});

const selectorFor = (cluster: string) => JSON.stringify([{ key: 'deps-cluster', operator: 'in', values: [cluster] }]);

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: 3, nodes: 1, firstOctet: reserveOctets(3), names: [...NAMES] });
  for (const c of NAMES) {
    await eventually(async () => (await fp.ok(['--context=federation', 'get', 'clusters', c, '--no-headers'])).trim().split(/\s+/)[1] === 'Ready', `cluster ${c} Ready`, WAIT);
    await fp.ok(['--context=federation', 'label', 'clusters', c, `deps-cluster=${c}`, '--overwrite']);
  }
  await fp.ok(['--context=federation', 'create', 'namespace', NS]);
  for (const c of NAMES) await inCluster(c, ['namespace', NS]);
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('dependencies follow their workloads', () => {
  it('a FederatedConfigMap placed in east follows a FederatedDeployment into west, and leaves west with it', async () => {
    await apply(federated('FederatedConfigMap', 'app-config', { data: { GREETING: 'hello', 'app.conf': 'x=1' } }, [EAST]));
    await inCluster(EAST, ['configmap', '-n', NS, 'app-config']);
    await apply(
      federated(
        'FederatedDeployment',
        'web',
        {
          metadata: { labels: { app: 'web' } },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'web' } },
            template: podTemplate('web', { volumes: [{ name: 'conf', configMap: { name: 'app-config' } }] }, { envFrom: [{ configMapRef: { name: 'app-config' } }], volumeMounts: [{ name: 'conf', mountPath: '/etc/app' }] }),
          },
        },
        [EAST, WEST],
      ),
    );
    const copy = await inCluster(WEST, ['configmap', '-n', NS, 'app-config'], (o) => o.metadata.labels?.[MANAGED_LABEL] === 'true', 'managed');
    expect(copy.data).toEqual({ GREETING: 'hello', 'app.conf': 'x=1' });
    await inCluster(WEST, ['deploy', '-n', NS, 'web'], (d) => d.status?.readyReplicas === 1, 'with 1 ready replica');
    await podsRunning(WEST, 'web', 1);
    await podsRunning(EAST, 'web', 1);
    // Propagated only because of the workload, it reports as any placed copy does.
    await federatedStatus('federatedconfigmaps', 'app-config', { [EAST]: 'Ok', [WEST]: 'Ok' });
    const msgs = await followsEvent('FederatedConfigMap', 'app-config', `placed in ${WEST} for Deployment web`);
    expect(msgs.join('\n')).not.toContain(NORTH);
    expect(await getJson(NORTH, ['configmap', '-n', NS, 'app-config'])).toBeUndefined();

    // A change of the ConfigMap reaches its follower copy too.
    await fp.ok(['--context=federation', 'patch', 'federatedconfigmap', 'app-config', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { template: { data: { GREETING: 'hi', 'app.conf': 'x=2' } } } })]);
    await inCluster(WEST, ['configmap', '-n', NS, 'app-config'], (o) => o.data?.GREETING === 'hi', 'updated');

    // The Deployment leaves west: so does the ConfigMap, which was not placed there itself.
    await fp.ok(['--context=federation', 'patch', 'federateddeployment', 'web', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { placement: { clusters: [{ name: EAST }] } } })]);
    await goneFrom(WEST, ['deploy', '-n', NS, 'web']);
    await goneFrom(WEST, ['configmap', '-n', NS, 'app-config']);
    await federatedStatus('federatedconfigmaps', 'app-config', { [EAST]: 'Ok' });
    await followsEvent('FederatedConfigMap', 'app-config', `no longer placed in ${WEST}`);
    expect((await inCluster(EAST, ['configmap', '-n', NS, 'app-config'])).data.GREETING).toBe('hi');
    await podsRunning(EAST, 'web', 1);

    // Where both place it, the ConfigMap stays when the Deployment goes.
    await fp.ok(['--context=federation', 'delete', 'federateddeployment', 'web', '-n', NS]);
    await goneFrom(EAST, ['deploy', '-n', NS, 'web']);
    await fp.ok(['--context=federation', 'wait', '--for=delete', 'federateddeployment/web', '-n', NS, '--timeout=30s']);
    expect(await getJson(EAST, ['configmap', '-n', NS, 'app-config'])).toBeTruthy();
  });

  it('a Secret placed by the v1 cluster-selector annotation follows a plain Deployment that the annotation sends elsewhere', async () => {
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: NS, annotations: { [SELECTOR]: selectorFor(EAST) } }, stringData: { password: 's3cret' } });
    await inCluster(EAST, ['secret', '-n', NS, 'db']);
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: NS, annotations: { [SELECTOR]: selectorFor(NORTH) } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'api' } },
        template: podTemplate('api', {}, { env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }),
      },
    });
    const copy = await inCluster(NORTH, ['secret', '-n', NS, 'db'], (o) => o.metadata.labels?.[MANAGED_LABEL] === 'true', 'managed');
    expect(Buffer.from(copy.data.password, 'base64').toString()).toBe('s3cret');
    await inCluster(NORTH, ['deploy', '-n', NS, 'api'], (d) => d.status?.readyReplicas === 2, 'with 2 ready replicas');
    await podsRunning(NORTH, 'api', 2);
    await followsEvent('Secret', 'db', `placed in ${NORTH} for Deployment api`);
    expect(await getJson(WEST, ['secret', '-n', NS, 'db'])).toBeUndefined();
    expect(await getJson(WEST, ['deploy', '-n', NS, 'api'])).toBeUndefined();

    await fp.ok(['--context=federation', 'delete', 'deployment', 'api', '-n', NS]);
    await goneFrom(NORTH, ['deploy', '-n', NS, 'api']);
    await goneFrom(NORTH, ['secret', '-n', NS, 'db']);
    expect(await getJson(EAST, ['secret', '-n', NS, 'db'])).toBeTruthy();
  });

  it('a FederatedSecret placed nowhere follows imagePullSecrets, a ServiceAccount its serviceAccountName', async () => {
    await apply(federated('FederatedSecret', 'registry', { type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{}}' } }, []));
    await apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'runner', namespace: NS, annotations: { [SELECTOR]: selectorFor(EAST) } } });
    await inCluster(EAST, ['serviceaccount', '-n', NS, 'runner']);
    await apply(
      federated(
        'FederatedDeployment',
        'worker',
        { spec: { replicas: 1, selector: { matchLabels: { app: 'worker' } }, template: podTemplate('worker', { imagePullSecrets: [{ name: 'registry' }], serviceAccountName: 'runner' }) } },
        [WEST],
      ),
    );
    await inCluster(WEST, ['secret', '-n', NS, 'registry'], (o) => o.metadata.labels?.[MANAGED_LABEL] === 'true', 'managed');
    await inCluster(WEST, ['serviceaccount', '-n', NS, 'runner'], (o) => o.metadata.labels?.[MANAGED_LABEL] === 'true', 'managed');
    await podsRunning(WEST, 'worker', 1);
    await federatedStatus('federatedsecrets', 'registry', { [WEST]: 'Ok' });
    for (const c of [EAST, NORTH]) expect(await getJson(c, ['secret', '-n', NS, 'registry'])).toBeUndefined();

    await fp.ok(['--context=federation', 'delete', 'federateddeployment', 'worker', '-n', NS]);
    await goneFrom(WEST, ['secret', '-n', NS, 'registry']);
    await goneFrom(WEST, ['serviceaccount', '-n', NS, 'runner']);
    await federatedStatus('federatedsecrets', 'registry', {});
    expect(await getJson(EAST, ['serviceaccount', '-n', NS, 'runner'])).toBeTruthy();
  });
});
