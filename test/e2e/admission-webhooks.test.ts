/**
 * Dynamic admission webhooks end to end: a real API server, small HTTPS webhook servers on
 * ephemeral ports (trusted through caBundle), real kubectl. Mutating patches (stored), denials
 * with their message and code, failurePolicy on unreachable and slow webhooks, namespace and
 * object selectors, rules on subresources, scope and equivalent versions, dry run and side
 * effects, reinvocation, warnings, deletes, service references, matchConditions.
 */
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AdmissionWebhookServer,
  webhookServingCertificate,
  type AdmissionHandler,
  type AdmissionRequest,
  type AdmissionVerdict,
} from '../../src/apiserver/admission/webhook-server.js';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { raw } from '../helpers/http.js';

let t: TestServer;
let hooks: AdmissionWebhookServer;
let caBundle: string;
const seen = new Map<string, AdmissionRequest[]>();
const created: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const record = (path: string, verdict: (r: AdmissionRequest) => AdmissionVerdict | Promise<AdmissionVerdict>): AdmissionHandler => (r) => {
  seen.set(path, [...(seen.get(path) ?? []), r]);
  return verdict(r);
};
const calls = (path: string) => seen.get(path) ?? [];

const HANDLERS: Record<string, AdmissionHandler> = {
  '/allow': record('/allow', () => ({ allowed: true })),
  '/deny': record('/deny', () => ({ allowed: false, status: { code: 403, reason: 'Forbidden', message: 'configmaps here need an owner' } })),
  '/deny-plain': record('/deny-plain', () => ({ allowed: false, status: { message: 'not today' } })),
  '/label': record('/label', (r) => ({
    allowed: true,
    patch: [
      { op: 'add', path: '/metadata/labels', value: { ...(r.object?.metadata?.labels ?? {}), mutated: 'true' } },
      { op: 'add', path: '/metadata/annotations', value: { 'example.com/by': 'label-webhook' } },
    ],
  })),
  '/slow': record('/slow', async () => {
    await sleep(3000);
    return { allowed: true };
  }),
  '/warn': record('/warn', () => ({ allowed: true, warnings: ['this configmap is deprecated in our shop'] })),
  // Reinvocation: "first" marks the object once per call count; "second" adds a label the first time.
  '/first': record('/first', (r) => ({
    allowed: true,
    patch: [{ op: 'add', path: '/metadata/annotations', value: { ...(r.object?.metadata?.annotations ?? {}), 'first-calls': String(calls('/first').filter((c) => c.name === r.name).length) } }],
  })),
  '/second': record('/second', (r) =>
    r.object?.metadata?.labels?.second ? { allowed: true } : { allowed: true, patch: [{ op: 'add', path: '/metadata/labels', value: { ...(r.object?.metadata?.labels ?? {}), second: 'yes' } }] },
  ),
  '/replicas': record('/replicas', () => ({ allowed: true, patch: [{ op: 'replace', path: '/spec/replicas', value: 2 }] })),
};

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface HookSpec {
  name: string;
  path?: string;
  url?: string;
  service?: Record<string, unknown>;
  rules?: Record<string, unknown>[];
  extra?: Record<string, unknown>;
}

const cmRules = (operations = ['CREATE']) => [{ operations, apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }];

function configuration(kind: 'Validating' | 'Mutating', name: string, webhooks: HookSpec[]) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: `${kind}WebhookConfiguration`,
    metadata: { name },
    webhooks: webhooks.map((h) => ({
      name: h.name,
      clientConfig: h.service ? { service: h.service, caBundle } : { url: h.url ?? `${hooks.url}${h.path}`, caBundle },
      rules: h.rules ?? cmRules(),
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      ...h.extra,
    })),
  };
}

async function register(kind: 'Validating' | 'Mutating', name: string, webhooks: HookSpec[]): Promise<void> {
  const r = await t.kubectl(['create', '-f', '-'], { input: JSON.stringify(configuration(kind, name, webhooks)) });
  expect(r.stderr).toBe('');
  created.push(`${kind.toLowerCase()}webhookconfiguration/${name}`);
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await t.kubectl(args, input !== undefined ? { input } : {});
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function namespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }));
}

const configMap = (ns: string, name: string, labels: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { k: 'v' } });

const postConfigMap = (ns: string, name: string, query = '') =>
  raw(t, { method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps${query}`, body: configMap(ns, name) });

beforeAll(async () => {
  t = await startTestServer();
  const cert = await webhookServingCertificate(['127.0.0.1', 'hooks.webhooks.svc']);
  caBundle = Buffer.from(cert.caPem).toString('base64');
  hooks = await AdmissionWebhookServer.start({ tls: cert, handlers: HANDLERS });
});

afterEach(async () => {
  while (created.length) await t.kubectl(['delete', created.pop()!, '--wait=false']);
  seen.clear();
});

afterAll(async () => {
  await hooks?.close();
  await t?.stop();
});

describe('webhook configurations', () => {
  it('are served with upstream defaults and printed as NAME WEBHOOKS AGE', async () => {
    await register('Mutating', 'defaults', [{ name: 'one.example.com', path: '/allow' }, { name: 'two.example.com', path: '/allow' }]);
    const m = JSON.parse(await ok(['get', 'mutatingwebhookconfiguration', 'defaults', '-o', 'json']));
    expect(m.webhooks[0]).toMatchObject({
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      namespaceSelector: {},
      objectSelector: {},
      timeoutSeconds: 10,
      reinvocationPolicy: 'Never',
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], scope: '*' }],
    });
    expect(m.metadata.generation).toBe(1);
    const table = await ok(['get', 'mutatingwebhookconfigurations']);
    expect(table).toMatch(/^NAME\s+WEBHOOKS\s+AGE\n/);
    expect(table).toMatch(/^defaults\s+2\s+\d+s$/m);
    expect(await ok(['api-resources', '--api-group=admissionregistration.k8s.io'])).toMatch(/validatingwebhookconfigurations\s+admissionregistration.k8s.io\/v1\s+false\s+ValidatingWebhookConfiguration/);
  });

  it('are validated as upstream validates them', async () => {
    const bad = configuration('Validating', 'bad', [{ name: 'bad.example.com', path: '/allow', extra: { timeoutSeconds: 40, sideEffects: undefined } }]);
    const r = await t.kubectl(['create', '-f', '-'], { input: JSON.stringify(bad) });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun');
    expect(r.stderr).toContain('webhooks[0].timeoutSeconds: Invalid value: 40: the timeout value must be between 1 and 30 seconds');
  });
});

describe('mutating webhooks', () => {
  it('apply their JSON patch to the stored object, and receive the request as upstream sends it', async () => {
    await namespace('mut');
    await register('Mutating', 'label', [{ name: 'label.example.com', path: '/label' }]);
    await ok(['create', '-f', '-'], configMap('mut', 'cm1', { app: 'web' }));
    const stored = JSON.parse(await ok(['get', 'configmap', 'cm1', '-n', 'mut', '-o', 'json']));
    expect(stored.metadata.labels).toEqual({ app: 'web', mutated: 'true' });
    expect(stored.metadata.annotations).toEqual({ 'example.com/by': 'label-webhook' });
    const [req] = calls('/label');
    expect(req).toMatchObject({
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      requestKind: { group: '', version: 'v1', kind: 'ConfigMap' },
      requestResource: { group: '', version: 'v1', resource: 'configmaps' },
      name: 'cm1',
      namespace: 'mut',
      operation: 'CREATE',
      userInfo: { username: 'kubefed-admin', groups: expect.arrayContaining(['system:masters']) },
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    });
    expect(req!.uid).toMatch(/^[0-9a-f-]{36}$/);
    // The object as it is before storage: no uid or creation time yet.
    expect(req!.object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'v' }, metadata: { name: 'cm1', labels: { app: 'web' } } });
    expect(req!.object!.metadata!.uid).toBeUndefined();
    expect(req!.object!.metadata!.creationTimestamp).toBeUndefined();
  });

  it('see no name on a generateName create; the generated name is kept', async () => {
    await namespace('gen');
    await register('Mutating', 'label', [{ name: 'label.example.com', path: '/label' }]);
    const r = await raw(t, { method: 'POST', path: '/api/v1/namespaces/gen/configmaps', body: JSON.stringify({ metadata: { generateName: 'g-' } }) });
    expect(r.status).toBe(201);
    expect(r.json().metadata.name).toMatch(/^g-[a-z0-9]{5}$/);
    expect(r.json().metadata.labels).toEqual({ mutated: 'true' });
    expect(calls('/label')[0]!.name).toBeUndefined();
    expect(calls('/label')[0]!.object!.metadata).toMatchObject({ generateName: 'g-' });
  });

  it('are called again with reinvocationPolicy IfNeeded when a later webhook changed the object', async () => {
    await namespace('reinv');
    await register('Mutating', 'a-first', [{ name: 'first.example.com', path: '/first', extra: { reinvocationPolicy: 'IfNeeded' } }]);
    await register('Mutating', 'b-second', [{ name: 'second.example.com', path: '/second' }]);
    await ok(['create', '-f', '-'], configMap('reinv', 'twice'));
    const stored = JSON.parse(await ok(['get', 'configmap', 'twice', '-n', 'reinv', '-o', 'json']));
    // first (call 1) -> second adds its label -> first again, seeing that label (call 2); second is not called again.
    expect(calls('/first').map((c) => c.object?.metadata?.labels?.second ?? null)).toEqual([null, 'yes']);
    expect(calls('/second')).toHaveLength(1);
    expect(stored.metadata.annotations['first-calls']).toBe('2');
    expect(stored.metadata.labels.second).toBe('yes');
  });

  it('are not called again with reinvocationPolicy Never', async () => {
    await namespace('noreinv');
    await register('Mutating', 'a-first', [{ name: 'first.example.com', path: '/first', extra: { reinvocationPolicy: 'Never' } }]);
    await register('Mutating', 'b-second', [{ name: 'second.example.com', path: '/second' }]);
    await ok(['create', '-f', '-'], configMap('noreinv', 'once'));
    expect(calls('/first')).toHaveLength(1);
    const stored = JSON.parse(await ok(['get', 'configmap', 'once', '-n', 'noreinv', '-o', 'json']));
    expect(stored.metadata.annotations['first-calls']).toBe('1');
  });

  it('mutate the Scale of a scale subresource request', async () => {
    await namespace('scaled');
    await ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=1', '-n', 'scaled']);
    await register('Mutating', 'replicas', [
      { name: 'replicas.example.com', path: '/replicas', rules: [{ operations: ['UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments/scale'] }] },
    ]);
    await ok(['scale', 'deployment', 'web', '--replicas=5', '-n', 'scaled']);
    const [req] = calls('/replicas');
    expect(req).toMatchObject({ kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, subResource: 'scale', operation: 'UPDATE', object: { kind: 'Scale', spec: { replicas: 5 } } });
    expect(JSON.parse(await ok(['get', 'deployment', 'web', '-n', 'scaled', '-o', 'json'])).spec.replicas).toBe(2);
  });
});

describe('validating webhooks', () => {
  it('deny with the status code and message they return', async () => {
    await namespace('val');
    await register('Validating', 'deny', [{ name: 'deny.example.com', path: '/deny' }]);
    const r = await t.kubectl(['create', '-f', '-'], { input: configMap('val', 'nope') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('admission webhook "deny.example.com" denied the request: configmaps here need an owner');
    const api = await postConfigMap('val', 'nope2');
    expect(api.status).toBe(403);
    expect(api.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403, message: 'admission webhook "deny.example.com" denied the request: configmaps here need an owner' });
    expect((await t.kubectl(['get', 'configmap', 'nope', '-n', 'val'])).code).not.toBe(0);
  });

  it('deny with 400 when the status carries no code', async () => {
    await namespace('val2');
    await register('Validating', 'deny-plain', [{ name: 'plain.example.com', path: '/deny-plain' }]);
    const api = await postConfigMap('val2', 'x');
    expect(api.status).toBe(400);
    expect(api.json().message).toBe('admission webhook "plain.example.com" denied the request: not today');
  });

  it('see the stored object on update and delete, with the matching options', async () => {
    await namespace('upd');
    await ok(['create', '-f', '-'], configMap('upd', 'c'));
    await register('Validating', 'allow', [{ name: 'allow.example.com', path: '/allow', rules: cmRules(['UPDATE', 'DELETE']) }]);
    await ok(['label', 'configmap', 'c', '-n', 'upd', 'x=y']);
    await ok(['delete', 'configmap', 'c', '-n', 'upd']);
    const [update, del] = calls('/allow');
    expect(update).toMatchObject({ operation: 'UPDATE', name: 'c', object: { metadata: { labels: { x: 'y' } } }, oldObject: { metadata: { name: 'c' } }, options: { kind: 'UpdateOptions' } });
    expect(update!.oldObject!.metadata!.labels ?? {}).toEqual({});
    expect(del).toMatchObject({ operation: 'DELETE', name: 'c', namespace: 'upd', object: null, oldObject: { metadata: { name: 'c' } }, options: { kind: 'DeleteOptions' } });
  });

  it('can refuse a delete', async () => {
    await namespace('del');
    await ok(['create', '-f', '-'], configMap('del', 'keep'));
    await register('Validating', 'deny', [{ name: 'deny.example.com', path: '/deny', rules: cmRules(['DELETE']) }]);
    const r = await t.kubectl(['delete', 'configmap', 'keep', '-n', 'del']);
    expect(r.stderr).toContain('admission webhook "deny.example.com" denied the request');
    await ok(['get', 'configmap', 'keep', '-n', 'del']);
  });

  it('pass their warnings on as Warning headers', async () => {
    await namespace('warn');
    await register('Validating', 'warn', [{ name: 'warn.example.com', path: '/warn' }]);
    const r = await t.kubectl(['create', '-f', '-'], { input: configMap('warn', 'w') });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: this configmap is deprecated in our shop');
  });
});

describe('failurePolicy', () => {
  it('an unreachable webhook fails the request with a 500 naming it (Fail), or is skipped (Ignore)', async () => {
    await namespace('unreach');
    const port = await closedPort();
    await register('Validating', 'gone', [{ name: 'gone.example.com', url: `https://127.0.0.1:${port}/x` }]);
    const r = await postConfigMap('unreach', 'a');
    expect(r.status).toBe(500);
    expect(r.json().reason).toBe('InternalError');
    expect(r.json().message).toBe(
      `Internal error occurred: failed calling webhook "gone.example.com": failed to call webhook: Post "https://127.0.0.1:${port}/x?timeout=10s": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    );
    const k = await t.kubectl(['create', '-f', '-'], { input: configMap('unreach', 'b') });
    expect(k.stderr).toContain('failed calling webhook "gone.example.com"');
    await ok(['patch', 'validatingwebhookconfiguration', 'gone', '--type=json', '-p', '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]']);
    expect((await postConfigMap('unreach', 'c')).status).toBe(201);
  });

  it('a webhook that does not answer in timeoutSeconds fails (Fail) or is skipped (Ignore) after the timeout', async () => {
    await namespace('slow');
    await register('Validating', 'slow', [{ name: 'slow.example.com', path: '/slow', extra: { timeoutSeconds: 1 } }]);
    let started = Date.now();
    const r = await postConfigMap('slow', 'a');
    expect(Date.now() - started).toBeLessThan(2900);
    expect(r.status).toBe(500);
    expect(r.json().message).toBe(`Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "${hooks.url}/slow?timeout=1s": context deadline exceeded`);
    await ok(['patch', 'validatingwebhookconfiguration', 'slow', '--type=json', '-p', '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]']);
    started = Date.now();
    expect((await postConfigMap('slow', 'b')).status).toBe(201);
    expect(Date.now() - started).toBeLessThan(2900);
  });

  it('a webhook whose certificate is not signed by caBundle cannot be called', async () => {
    await namespace('tls');
    const other = await webhookServingCertificate(['127.0.0.1']);
    const cfg = configuration('Validating', 'untrusted', [{ name: 'untrusted.example.com', path: '/allow' }]);
    cfg.webhooks[0]!.clientConfig.caBundle = Buffer.from(other.caPem).toString('base64');
    await ok(['create', '-f', '-'], JSON.stringify(cfg));
    created.push('validatingwebhookconfiguration/untrusted');
    const r = await postConfigMap('tls', 'a');
    expect(r.status).toBe(500);
    expect(r.json().message).toContain('x509: certificate signed by unknown authority');
    expect(calls('/allow')).toHaveLength(0);
  });
});

describe('matching', () => {
  it('namespaceSelector: only objects in namespaces with matching labels', async () => {
    await namespace('strict', { admission: 'strict' });
    await namespace('lax');
    await register('Validating', 'deny', [{ name: 'deny.example.com', path: '/deny', extra: { namespaceSelector: { matchLabels: { admission: 'strict' } } } }]);
    expect((await postConfigMap('strict', 'a')).status).toBe(403);
    expect((await postConfigMap('lax', 'a')).status).toBe(201);
    // A namespace is matched by its own labels.
    await register('Validating', 'ns-deny', [
      { name: 'nsdeny.example.com', path: '/deny', rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['namespaces'] }], extra: { namespaceSelector: { matchLabels: { admission: 'strict' } } } },
    ]);
    expect((await t.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'strict2', labels: { admission: 'strict' } } }) })).stderr).toContain('nsdeny.example.com');
    await namespace('lax2');
  });

  it('objectSelector: the new or the old object has matching labels', async () => {
    await namespace('objsel');
    await ok(['create', '-f', '-'], configMap('objsel', 'guarded', { guarded: 'true' }));
    await register('Validating', 'deny', [{ name: 'deny.example.com', path: '/deny', rules: cmRules(['CREATE', 'UPDATE']), extra: { objectSelector: { matchLabels: { guarded: 'true' } } } }]);
    expect((await t.kubectl(['create', '-f', '-'], { input: configMap('objsel', 'g2', { guarded: 'true' }) })).code).not.toBe(0);
    await ok(['create', '-f', '-'], configMap('objsel', 'free'));
    // Removing the label is an update whose old object still matches.
    expect((await t.kubectl(['label', 'configmap', 'guarded', '-n', 'objsel', 'guarded-'])).stderr).toContain('deny.example.com');
    await ok(['label', 'configmap', 'free', '-n', 'objsel', 'other=1']);
  });

  it('rules: a subresource rule matches that subresource only', async () => {
    await namespace('subres');
    await ok(['create', 'deployment', 'web', '--image=nginx', '-n', 'subres']);
    await register('Validating', 'deny-scale', [
      { name: 'scale.example.com', path: '/deny', rules: [{ operations: ['UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments/scale'] }] },
    ]);
    await register('Validating', 'status', [
      { name: 'status.example.com', path: '/allow', rules: [{ operations: ['UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments/status'] }] },
    ]);
    expect((await t.kubectl(['scale', 'deployment', 'web', '--replicas=3', '-n', 'subres'])).stderr).toContain('admission webhook "scale.example.com" denied the request');
    await ok(['label', 'deployment', 'web', '-n', 'subres', 'tier=front']);
    expect(calls('/allow')).toHaveLength(0);
    const r = await raw(t, {
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/subres/deployments/web/status',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: { observedGeneration: 1 } }),
    });
    expect(r.status).toBe(200);
    expect(calls('/allow')).toHaveLength(1);
    expect(calls('/allow')[0]).toMatchObject({ subResource: 'status', requestSubResource: 'status', kind: { kind: 'Deployment' }, object: { kind: 'Deployment', status: { observedGeneration: 1 } } });
  });

  it('rules: scope Cluster and Namespaced', async () => {
    await namespace('scoped');
    await register('Validating', 'cluster', [{ name: 'cluster.example.com', path: '/allow', rules: [{ operations: ['CREATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], scope: 'Cluster' }] }]);
    await register('Validating', 'namespaced', [{ name: 'namespaced.example.com', path: '/warn', rules: [{ operations: ['CREATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], scope: 'Namespaced' }] }]);
    await ok(['create', 'configmap', 'c', '-n', 'scoped']);
    await ok(['create', 'clusterrole', 'webhook-scope-test', '--verb=get', '--resource=pods']);
    await namespace('scoped2');
    expect(calls('/allow').map((c) => c.resource.resource)).toEqual(['clusterroles', 'namespaces']);
    expect(calls('/warn').map((c) => c.resource.resource)).toContain('configmaps');
    expect(calls('/warn').map((c) => c.resource.resource)).not.toContain('clusterroles');
    await ok(['delete', 'clusterrole', 'webhook-scope-test']);
  });

  it('matchPolicy Equivalent sends a legacy extensions/v1beta1 request as apps/v1; Exact does not', async () => {
    await namespace('equiv');
    const rules = [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }];
    await register('Validating', 'equivalent', [{ name: 'equivalent.example.com', path: '/allow', rules }]);
    await register('Validating', 'exact', [{ name: 'exact.example.com', path: '/warn', rules, extra: { matchPolicy: 'Exact' } }]);
    const legacy = {
      apiVersion: 'extensions/v1beta1',
      kind: 'Deployment',
      metadata: { name: 'old', namespace: 'equiv' },
      spec: { selector: { matchLabels: { app: 'old' } }, template: { metadata: { labels: { app: 'old' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    const r = await raw(t, { method: 'POST', path: '/apis/extensions/v1beta1/namespaces/equiv/deployments', body: JSON.stringify(legacy) });
    expect(r.status).toBe(201);
    expect(calls('/allow')).toHaveLength(1);
    expect(calls('/allow')[0]).toMatchObject({
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      requestKind: { group: 'extensions', version: 'v1beta1', kind: 'Deployment' },
      requestResource: { group: 'extensions', version: 'v1beta1', resource: 'deployments' },
      object: { apiVersion: 'apps/v1', kind: 'Deployment' },
    });
    expect(calls('/warn')).toHaveLength(0);
    await ok(['create', 'deployment', 'new', '--image=nginx', '-n', 'equiv']);
    expect(calls('/warn')).toHaveLength(1);
  });

  it('matchConditions: CEL expressions decide', async () => {
    await namespace('cel');
    await register('Validating', 'cel', [
      { name: 'cel.example.com', path: '/deny', extra: { matchConditions: [{ name: 'prefixed', expression: "object.metadata.name.startsWith('mc-')" }, { name: 'not-admin', expression: "request.userInfo.username != 'nobody'" }] } },
    ]);
    expect((await postConfigMap('cel', 'mc-1')).status).toBe(403);
    expect((await postConfigMap('cel', 'other')).status).toBe(201);
    const bad = configuration('Validating', 'cel-bad', [{ name: 'celbad.example.com', path: '/deny', extra: { matchConditions: [{ name: 'x', expression: 'object.metadata.name ==' }] } }]);
    expect((await t.kubectl(['create', '-f', '-'], { input: JSON.stringify(bad) })).stderr).toContain('webhooks[0].matchConditions[0].expression: Invalid value');
  });

  it('requests on webhook configurations are never sent to webhooks', async () => {
    await register('Validating', 'deny-everything', [{ name: 'all.example.com', path: '/deny', rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] }]);
    await register('Validating', 'another', [{ name: 'another.example.com', path: '/allow' }]);
    expect(calls('/deny')).toHaveLength(0);
  });
});

describe('dry run', () => {
  it('sideEffects None: called with dryRun true, nothing stored', async () => {
    await namespace('dry');
    await register('Mutating', 'label', [{ name: 'label.example.com', path: '/label' }]);
    const out = JSON.parse(await ok(['create', '-f', '-', '--dry-run=server', '-o', 'json'], configMap('dry', 'd')));
    expect(out.metadata.labels).toEqual({ mutated: 'true' });
    expect(calls('/label')[0]).toMatchObject({ dryRun: true, options: { dryRun: ['All'] } });
    expect((await t.kubectl(['get', 'configmap', 'd', '-n', 'dry'])).code).not.toBe(0);
  });

  it('sideEffects Some (kept from an older API version): a dry-run request fails, a real one calls it', async () => {
    await namespace('dry2');
    // v1 refuses Some on create; configurations stored by v1beta1 servers still carry it.
    const type = t.server.resourceType('admissionregistration.k8s.io', 'validatingwebhookconfigurations')!;
    const cfg = configuration('Validating', 'some', [{ name: 'some.example.com', path: '/allow', extra: { sideEffects: 'Some' } }]);
    await t.server.api.store.create(type, { ...cfg, metadata: { ...cfg.metadata, uid: 'b0c5e7a4-5c1e-4a55-9a53-6d0c2b0a0001', creationTimestamp: new Date().toISOString() } });
    created.push('validatingwebhookconfiguration/some');
    const r = await t.kubectl(['create', '-f', '-', '--dry-run=server'], { input: configMap('dry2', 'd') });
    expect(r.stderr).toContain('admission webhook "some.example.com" does not support dry run');
    const api = await postConfigMap('dry2', 'd2', '?dryRun=All');
    expect(api.status).toBe(400);
    expect(api.json()).toMatchObject({ reason: 'BadRequest', message: 'admission webhook "some.example.com" does not support dry run' });
    expect(calls('/allow')).toHaveLength(0);
    await ok(['create', '-f', '-'], configMap('dry2', 'real'));
    expect(calls('/allow')).toHaveLength(1);
    // An update may keep Some; it stays refused on create.
    await ok(['patch', 'validatingwebhookconfiguration', 'some', '--type=json', '-p', '[{"op":"add","path":"/webhooks/0/timeoutSeconds","value":5}]']);
  });

  it('sideEffects NoneOnDryRun: called with dryRun true', async () => {
    await namespace('dry3');
    await register('Validating', 'noneondry', [{ name: 'noneondry.example.com', path: '/allow', extra: { sideEffects: 'NoneOnDryRun' } }]);
    expect((await postConfigMap('dry3', 'd', '?dryRun=All')).status).toBe(201);
    expect(calls('/allow')[0]!.dryRun).toBe(true);
  });
});

describe('service references', () => {
  it('reach the webhook through the Endpoints of the Service, verifying <service>.<namespace>.svc', async () => {
    await namespace('webhooks');
    await namespace('svcref');
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'hooks', namespace: 'webhooks' }, spec: { ports: [{ name: 'https', port: 443, targetPort: hooks.port }] } }));
    await ok(['create', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'hooks', namespace: 'webhooks' },
      subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: hooks.port }] }],
    }));
    await register('Mutating', 'by-service', [{ name: 'service.example.com', service: { namespace: 'webhooks', name: 'hooks', path: '/label' } }]);
    await ok(['create', '-f', '-'], configMap('svcref', 'via-service'));
    expect(JSON.parse(await ok(['get', 'configmap', 'via-service', '-n', 'svcref', '-o', 'json'])).metadata.labels).toEqual({ mutated: 'true' });
    // A service port that does not exist.
    await register('Validating', 'wrong-port', [{ name: 'wrongport.example.com', service: { namespace: 'webhooks', name: 'hooks', path: '/allow', port: 8443 } }]);
    const r = await postConfigMap('svcref', 'x');
    expect(r.status).toBe(500);
    expect(r.json().message).toContain('Post "https://hooks.webhooks.svc:8443/allow?timeout=10s": no service port 8443 found for service "hooks"');
  });
});
