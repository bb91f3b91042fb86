/**
 * Simulated pods answer on the ports their Services target, declared or not, as real images
 * do: `kubectl create deployment` (no ports) then `kubectl expose --type=LoadBalancer` answers;
 * named target ports resolve against the containers' ports; numeric ones open listeners the
 * EndpointSlices agree with; listeners follow Service and label changes without restarting
 * the pod or touching its readiness, and close when the Service goes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentController } from '../../src/playground/cluster/controllers/deployment.js';
import { EndpointSliceController } from '../../src/playground/cluster/controllers/endpointslices.js';
import { EndpointsController } from '../../src/playground/cluster/controllers/endpoints.js';
import { ReplicaSetController } from '../../src/playground/cluster/controllers/replicaset.js';
import { LoadBalancerController } from '../../src/playground/cluster/network/load-balancer.js';
import { eventually } from '../helpers/eventually.js';
import { httpGet, startCluster, tcpOutcome, type NetworkTestCluster } from '../helpers/playground-network.js';

let c: NetworkTestCluster;

const ok = async (args: string[], input?: string): Promise<string> => {
  const r = await c.kubectl(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** Names of the pods with the label app=<app>, and their IPs. */
async function podsOf(app: string): Promise<{ name: string; ip: string }[]> {
  const out = await ok(['get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.podIP} {end}']);
  return out.trim().split(/\s+/).filter(Boolean).map((s) => {
    const [name, ip] = s.split('=');
    return { name: name!, ip: ip! };
  });
}

/** What makes a pod "the same running pod": its uid, container id, restarts and Ready transition. */
const podIdentity = (name: string) =>
  ok(['get', 'pod', name, '-o', `jsonpath={.metadata.uid} {.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastTransitionTime}`]);

const loadBalancerIP = (svc: string) =>
  eventually(async () => (await ok(['get', 'svc', svc, '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim() || undefined, `a load balancer address for ${svc}`);

/** The first 200 answer (JSON) from ip:port; a listener opened after a Service change may take a moment to bind. */
const answer = (ip: string, port: number) =>
  eventually(async () => {
    const r = await httpGet(ip, port);
    return r.status === 200 ? (JSON.parse(r.body) as Record<string, string>) : undefined;
  }, `an answer from ${ip}:${port}`);

const refused = (ip: string, port: number) => eventually(async () => (await tcpOutcome(ip, port)) === 'refused', `${ip}:${port} to refuse connections`);

/** The ports an EndpointSlice of the Service lists for the pod at `ip`. */
async function slicePortsFor(svc: string, ip: string): Promise<string> {
  const out = await ok(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${svc}`, '-o', 'json']);
  const slices = JSON.parse(out).items as { endpoints?: { addresses: string[] }[]; ports?: { name?: string; port: number }[] }[];
  const s = slices.find((x) => (x.endpoints ?? []).some((e) => e.addresses.includes(ip)));
  return (s?.ports ?? []).map((p) => `${p.name ?? ''}:${p.port}`).sort().join(',');
}

beforeAll(async () => {
  c = await startCluster({
    components: (t) => [
      new ReplicaSetController(t.runtime),
      new DeploymentController(t.runtime),
      new EndpointsController(t.runtime),
      new EndpointSliceController(t.runtime),
      new LoadBalancerController(t.runtime),
    ],
  });
  await eventually(async () => (await ok(['get', 'nodes', '--no-headers'])).trim().split('\n').length === 3, 'nodes registered');
});

afterAll(async () => {
  await c?.stop();
});

describe('pods serve the ports their Services target', () => {
  it('kubectl create deployment (no ports) + expose --type=LoadBalancer --port=80 answers through the load balancer', async () => {
    await ok(['create', 'deployment', 'web', '--image=nginx']);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    expect(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].ports}'])).toBe('');
    await ok(['expose', 'deployment', 'web', '--type=LoadBalancer', '--port=80']);
    const ip = await loadBalancerIP('web');
    const reply = await answer(ip, 80);
    const pods = await podsOf('web');
    expect(pods.map((p) => p.name)).toContain(reply.pod);
    expect(reply).toMatchObject({ namespace: 'default', cluster: c.runtime.spec.name, container: 'nginx', image: 'nginx' });
    expect(await slicePortsFor('web', pods[0]!.ip)).toBe(':80');
  });

  it('a named targetPort reaches the container port of that name; an undeclared name gets no endpoint port and no listener', async () => {
    await ok(['apply', '-f', '-'], `
apiVersion: apps/v1
kind: Deployment
metadata: {name: named}
spec:
  replicas: 2
  selector: {matchLabels: {app: named}}
  template:
    metadata: {labels: {app: named}}
    spec:
      containers:
      - name: app
        image: example/app:1
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: named}
spec:
  type: LoadBalancer
  selector: {app: named}
  ports:
  - {name: web, port: 80, targetPort: http}
  - {name: metrics, port: 9100, targetPort: metrics}
`);
    await ok(['rollout', 'status', 'deployment/named', '--timeout=30s']);
    const ip = await loadBalancerIP('named');
    const reply = await answer(ip, 80);
    const pods = await podsOf('named');
    expect(pods.map((p) => p.name)).toContain(reply.pod);
    expect(reply).toMatchObject({ container: 'app', image: 'example/app:1' });
    const pod = pods.find((p) => p.name === reply.pod)!;
    expect((await answer(pod.ip, 8080)).pod).toBe(pod.name);
    // Kubernetes leaves a Service port whose named target no container declares out of the endpoints.
    await eventually(async () => (await slicePortsFor('named', pod.ip)) === 'web:8080', 'the EndpointSlice to list web:8080 only');
    expect(await tcpOutcome(pod.ip, 9100)).toBe('refused');
    expect(await tcpOutcome(pod.ip, 80)).toBe('refused');
  });

  it('a numeric targetPort on pods that declare nothing: the pod answers there until the Service changes or goes', async () => {
    await ok(['create', 'deployment', 'plain', '--image=nginx']);
    await ok(['rollout', 'status', 'deployment/plain', '--timeout=30s']);
    const [pod] = await podsOf('plain');
    const before = await podIdentity(pod!.name);
    expect(before).toMatch(/ 0 True /);

    await ok(['expose', 'deployment', 'plain', '--port=80', '--target-port=9090']);
    await eventually(async () => (await slicePortsFor('plain', pod!.ip)) === ':9090', 'the EndpointSlice to list port 9090');
    const reply = await answer(pod!.ip, 9090);
    expect(reply).toMatchObject({ pod: pod!.name, podIP: pod!.ip, container: 'nginx' });
    expect(await tcpOutcome(pod!.ip, 80)).toBe('refused');

    // The Service moves to another port: the old listener closes, the new one opens.
    await ok(['patch', 'svc', 'plain', '--type=json', '-p', '[{"op":"replace","path":"/spec/ports/0/targetPort","value":9091}]']);
    expect((await answer(pod!.ip, 9091)).pod).toBe(pod!.name);
    await refused(pod!.ip, 9090);

    await ok(['delete', 'svc', 'plain']);
    await refused(pod!.ip, 9091);
    // Same pod, same container, still Ready since the same moment.
    expect(await podIdentity(pod!.name)).toBe(before);
  });

  it('a pod relabelled out of a Service stops listening on its port, and starts again when relabelled back', async () => {
    await ok(['run', 'solo', '--image=busybox', '--labels=app=solo']);
    await ok(['wait', '--for=condition=Ready', 'pod/solo', '--timeout=30s']);
    await ok(['create', 'service', 'clusterip', 'solo', '--tcp=7000:7000']);
    const [pod] = await podsOf('solo');
    const before = await podIdentity('solo');
    expect((await answer(pod!.ip, 7000)).pod).toBe('solo');

    await ok(['label', 'pod', 'solo', 'app=elsewhere', '--overwrite']);
    await refused(pod!.ip, 7000);
    await ok(['label', 'pod', 'solo', 'app=solo', '--overwrite']);
    expect((await answer(pod!.ip, 7000)).pod).toBe('solo');
    expect(await podIdentity('solo')).toBe(before);
  });
});
