/**
 * Real kubectl (1.27, 1.30 and 1.33, the binaries installed beside `kubectl`) against a real
 * API server: discovery, the seed YAML, printing, watch, describe, apply (client- and
 * server-side), every patch type, label/annotate/scale, explain, auth can-i, cascading
 * deletion and wait.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { kubectlPath } from '../helpers/kubectl.js';

const SEEDS = join(import.meta.dirname, '../fixtures/seeds');
const RECONSTRUCTED = join(import.meta.dirname, '../fixtures/reconstructed');

const deployment = (name: string, replicas: number, image = 'nginx:1.25') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: web
        image: ${image}
        ports: [{containerPort: 80}]
`;

describe.each(['1.27', '1.30', '1.33'])('kubectl %s', (version) => {
  let t: TestServer;
  const k = async (args: string[], input?: string) => {
    const r = await t.kubectl(args, { version, ...(input !== undefined ? { input } : {}) });
    return r;
  };
  const ok = async (args: string[], input?: string) => {
    const r = await k(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('lists API resources with their short names', async () => {
    const out = await ok(['api-resources']);
    for (const line of [/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m, /^replicasets\s+rs\s+apps\/v1\s+true\s+ReplicaSet$/m, /^ingresses\s+ing\s+networking.k8s.io\/v1\s+true\s+Ingress$/m, /^services\s+svc\s+v1\s+true\s+Service$/m, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m, /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m]) {
      expect(out).toMatch(line);
    }
  });

  it('creates the seed YAML unchanged and prints it like a cluster', async () => {
    const created = await ok(['create', '-f', join(SEEDS, '001-nginx-rs.yaml'), '-f', join(SEEDS, '001-ingress.yaml'), '-f', join(SEEDS, '003-k8shserver-ingress.yaml'), '-f', join(RECONSTRUCTED, 'nginx-service.yaml'), '-f', join(RECONSTRUCTED, 'zonefetch-configmap.yaml')]);
    expect(created).toContain('replicaset.extensions/nginx created');
    expect(created).toContain('ingress.extensions/nginx created');
    const rs = await ok(['get', 'rs']);
    expect(rs).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nnginx\s+9\s+0\s+0\s+\d+s\n$/);
    const ing = await ok(['get', 'ingress']);
    expect(ing).toMatch(/^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\n/);
    expect(ing).toMatch(/^nginx\s+<none>\s+\*\s+80\s+\d+s$/m);
    expect(ing).toMatch(/^k8shserver\s+<none>\s+\*\s+80\s+\d+s$/m);
    const svc = await ok(['get', 'svc', 'nginx', '-o', 'wide']);
    expect(svc).toMatch(/^nginx\s+LoadBalancer\s+10\.\d+\.\d+\.\d+\s+<pending>\s+80:3\d{4}\/TCP\s+\d+s\s+app=nginx$/m);
    // The legacy ReplicaSet became a valid apps/v1 object with a selector from its template.
    const sel = await ok(['get', 'rs', 'nginx', '-o', 'jsonpath={.apiVersion} {.spec.selector.matchLabels.app} {.spec.template.spec.volumes[0].configMap.defaultMode}']);
    expect(sel).toBe('apps/v1 nginx 511');
    const yaml = await ok(['get', 'ingress', 'nginx', '-o', 'yaml']);
    expect(yaml).toContain('apiVersion: networking.k8s.io/v1');
    expect(yaml).toMatch(/defaultBackend:\n\s+service:\n\s+name: nginx\n\s+port:\n\s+number: 80/);
  });

  it('creates objects with kubectl create generators (protobuf bodies from 1.32 on)', async () => {
    await ok(['create', 'deployment', 'gen', '--image=nginx', '--replicas=0']);
    await ok(['create', 'configmap', 'gen-cm', '--from-literal=a=1']);
    await ok(['create', 'secret', 'generic', 'gen-secret', '--from-literal=password=s3cret']);
    await ok(['create', 'service', 'clusterip', 'gen-svc', '--tcp=80:8080']);
    expect(await ok(['get', 'deploy', 'gen', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}'])).toBe('0 nginx');
    expect(await ok(['get', 'secret', 'gen-secret', '-o', 'jsonpath={.data.password}'])).toBe(Buffer.from('s3cret').toString('base64'));
    expect(await ok(['get', 'svc', 'gen-svc', '-o', 'jsonpath={.spec.ports[0].targetPort}'])).toBe('8080');
  });

  it('prints -o yaml and -o jsonpath with server-set fields', async () => {
    await ok(['apply', '-f', '-'], deployment('printme', 2));
    const y = await ok(['get', 'deploy', 'printme', '-o', 'yaml']);
    for (const s of ['kind: Deployment', 'uid: ', 'resourceVersion: ', 'generation: 1', 'creationTimestamp: ', 'imagePullPolicy: IfNotPresent', 'terminationMessagePath: /dev/termination-log', 'revisionHistoryLimit: 10', 'maxSurge: 25%']) {
      expect(y).toContain(s);
    }
    expect(await ok(['get', 'deploy', 'printme', '-o', 'jsonpath={.spec.replicas}/{.spec.template.spec.containers[0].ports[0].protocol}'])).toBe('2/TCP');
  });

  it('streams watch events to get -w', async () => {
    // Listed before kubectl starts: printed once its first list is done, after which it follows
    // the watch from that list's resourceVersion and sees every change below.
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watch-marker', labels: { watched: 'yes' } } }));
    const child = spawn(kubectlPath(version), ['--kubeconfig', t.kubeconfig, 'get', 'configmaps', '-w', '--output-watch-events', '-l', 'watched=yes'], {
      env: { ...process.env, KUBECACHEDIR: join(t.dir, 'kubectl-cache') },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => /ADDED\s+watch-marker\s/.test(out), 'kubectl get -w to list watch-marker');
      await ok(['create', 'configmap', 'watched-cm', '--from-literal=a=1', '--dry-run=client', '-o', 'yaml']).then((y) =>
        ok(['create', '-f', '-'], y.replace('name: watched-cm', 'name: watched-cm\n  labels: {watched: "yes"}')),
      );
      await ok(['patch', 'configmap', 'watched-cm', '--type=merge', '-p', '{"data":{"b":"2"}}']);
      await ok(['delete', 'configmap', 'watched-cm']);
      await eventually(() => /DELETED\s+watched-cm/.test(out), 'kubectl get -w to print DELETED watched-cm', 10_000);
      expect(out).toMatch(/ADDED\s+watched-cm\s+1\s/);
      expect(out).toMatch(/MODIFIED\s+watched-cm\s+2\s/);
    } finally {
      child.kill();
      await ok(['delete', 'configmap', 'watch-marker', '--ignore-not-found']);
    }
  });

  it('describes objects with their events', async () => {
    await ok(['apply', '-f', '-'], deployment('described', 3));
    const uid = await ok(['get', 'deploy', 'described', '-o', 'jsonpath={.metadata.uid}']);
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'described.1', namespace: 'default' },
      involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'described', namespace: 'default', uid },
      reason: 'ScalingReplicaSet',
      message: 'Scaled up replica set described-abc to 3',
      type: 'Normal',
      source: { component: 'deployment-controller' },
      firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      count: 1,
    };
    await ok(['create', '-f', '-'], JSON.stringify(ev));
    const d = await ok(['describe', 'deployment', 'described']);
    expect(d).toMatch(/^Name:\s+described$/m);
    expect(d).toMatch(/^Replicas:\s+3 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m);
    expect(d).toMatch(/^StrategyType:\s+RollingUpdate$/m);
    expect(d).toMatch(/Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set described-abc to 3/);
    const svc = await ok(['describe', 'service', 'nginx']);
    expect(svc).toMatch(/^Type:\s+LoadBalancer$/m);
    expect(svc).toMatch(/^Selector:\s+app=nginx$/m);
    const ing = await ok(['describe', 'ingress', 'nginx']);
    expect(ing).toMatch(/Default backend:\s+nginx:80/);
  });

  it('applies twice (client-side) and reports conflicts on server-side apply', async () => {
    const first = await ok(['apply', '-f', '-'], deployment('applied', 2));
    expect(first).toContain('deployment.apps/applied created');
    expect(await ok(['apply', '-f', '-'], deployment('applied', 2))).toContain('deployment.apps/applied unchanged');
    expect(await ok(['apply', '-f', '-'], deployment('applied', 4))).toContain('deployment.apps/applied configured');
    expect(await ok(['get', 'deploy', 'applied', '-o', 'jsonpath={.spec.replicas}'])).toBe('4');

    expect(await ok(['apply', '--server-side', '--field-manager=team-a', '-f', '-'], deployment('ssa', 2))).toContain('serverside-applied');
    const conflict = await k(['apply', '--server-side', '--field-manager=team-b', '-f', '-'], deployment('ssa', 5));
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "team-a"');
    expect(conflict.stderr).toContain('.spec.replicas');
    expect(await ok(['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}'])).toBe('2');
    await ok(['apply', '--server-side', '--field-manager=team-b', '--force-conflicts', '-f', '-'], deployment('ssa', 5));
    expect(await ok(['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}'])).toBe('5');
    const managers = await ok(['get', 'deploy', 'ssa', '--show-managed-fields', '-o', 'jsonpath={range .metadata.managedFields[*]}{.manager}:{.operation} {end}']);
    expect(managers).toContain('team-b:Apply');
  });

  it('patches with strategic, merge and JSON patches', async () => {
    await ok(['apply', '-f', '-'], deployment('patched', 1));
    await ok(['patch', 'deploy', 'patched', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}']);
    await ok(['patch', 'deploy', 'patched', '--type=merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}']);
    await ok(['patch', 'deploy', 'patched', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":3}]']);
    const got = await ok(['get', 'deploy', 'patched', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort} {.metadata.labels.patched} {.spec.replicas} {.metadata.generation}']);
    expect(got).toBe('nginx:1.27 80 merge 3 3');
    const bad = await k(['patch', 'deploy', 'patched', '--type=json', '-p', '[{"op":"remove","path":"/spec/nothere"}]']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('/spec/nothere');
  });

  it('labels, annotates and scales', async () => {
    await ok(['apply', '-f', '-'], deployment('scaled', 1));
    await ok(['label', 'deploy', 'scaled', 'tier=frontend']);
    await ok(['annotate', 'deploy', 'scaled', 'owner=team-a']);
    await ok(['scale', 'deploy', 'scaled', '--replicas=4']);
    const got = await ok(['get', 'deploy', 'scaled', '-o', 'jsonpath={.metadata.labels.tier} {.metadata.annotations.owner} {.spec.replicas}']);
    expect(got).toBe('frontend team-a 4');
    expect(await ok(['get', 'deploy', '-l', 'tier=frontend', '-o', 'name'])).toBe('deployment.apps/scaled\n');
    expect(await ok(['get', 'deploy', '-l', 'tier in (backend)', '-o', 'name'])).toBe('');
  });

  it('explains fields from the OpenAPI documents', async () => {
    const out = await ok(['explain', 'deployment.spec.replicas']);
    expect(out).toContain('KIND:       Deployment');
    expect(out).toContain('FIELD: replicas <integer>');
    const ing = await ok(['explain', 'ingress.spec.rules.http.paths.pathType']);
    expect(ing).toContain('pathType <string>');
  });

  it('answers auth can-i for the admin and for a restricted service account', async () => {
    expect((await ok(['auth', 'can-i', 'create', 'deployments'])).trim()).toBe('yes');
    await ok(['create', 'namespace', 'team']);
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: 'team' } }));
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader', namespace: 'team' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] }));
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader', namespace: 'team' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'team' }] }));
    const as = ['--as=system:serviceaccount:team:reader', '-n', 'team'];
    expect((await k(['auth', 'can-i', 'list', 'pods', ...as])).stdout.trim()).toBe('yes');
    expect((await k(['auth', 'can-i', 'delete', 'pods', ...as])).stdout.trim()).toBe('no');
    expect((await k(['auth', 'can-i', 'list', 'pods', '--as=system:serviceaccount:team:reader', '-n', 'default'])).stdout.trim()).toBe('no');
  });

  it('deletes with cascading to owned objects and waits for deletion', async () => {
    await ok(['apply', '-f', '-'], deployment('owner', 1));
    const uid = await ok(['get', 'deploy', 'owner', '-o', 'jsonpath={.metadata.uid}']);
    const owned = (name: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'owner', uid, controller: true, blockOwnerDeletion: true }] },
      });
    await ok(['create', '-f', '-'], owned('owned-1'));
    await ok(['create', '-f', '-'], owned('owned-2'));
    const waiter = k(['wait', '--for=delete', 'configmap/owned-1', '--timeout=20s']);
    await ok(['delete', 'deploy', 'owner', '--cascade=foreground']);
    const w = await waiter;
    expect(w.code).toBe(0);
    expect((await k(['get', 'configmap', 'owned-2'])).stderr).toContain('NotFound');

    // Orphan: dependents stay, without the owner reference.
    await ok(['apply', '-f', '-'], deployment('owner2', 1));
    const uid2 = await ok(['get', 'deploy', 'owner2', '-o', 'jsonpath={.metadata.uid}']);
    await ok(['create', '-f', '-'], owned('orphan-1').replace(uid, uid2).replace('"name":"owner"', '"name":"owner2"'));
    await ok(['delete', 'deploy', 'owner2', '--cascade=orphan']);
    await eventually(async () => (await k(['get', 'configmap', 'orphan-1', '-o', 'jsonpath={.metadata.ownerReferences}'])).stdout === '', 'orphan-1 to lose its ownerReferences', 10_000);
  });
});
