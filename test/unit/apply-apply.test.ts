import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { applyConfiguration, LAST_APPLIED_ANNOTATION } from '../../src/apiserver/apply/apply.js';
import { updateManagedFields } from '../../src/apiserver/apply/managed-fields.js';
import { StatusError } from '../../src/apiserver/errors.js';
import { schema, set, webConfig } from './apply-fixtures.js';

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T11:00:00Z';

function apply(live: KObject | undefined, config: KObject, manager: string, opts: { force?: boolean; now?: string } = {}): KObject {
  return applyConfiguration({
    ...(live ? { live } : {}),
    config,
    manager,
    force: !!opts.force,
    apiVersion: 'apps/v1',
    now: opts.now ?? T0,
    schema,
    set,
  });
}

function update(old: KObject, mutate: (o: any) => void, manager: string, now = T1): KObject {
  const next: any = JSON.parse(JSON.stringify(old));
  mutate(next);
  updateManagedFields({ oldObj: old, newObj: next, manager, operation: 'Update', apiVersion: 'apps/v1', now, schema, set });
  return next;
}

/** Managers and their fields, as `manager/operation: FieldsV1`. */
const owners = (o: KObject): Record<string, unknown> =>
  Object.fromEntries((o.metadata?.managedFields ?? []).map((e) => [`${e.manager}/${e.operation}`, e.fieldsV1]));

function conflictOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a conflict');
}

const webFields = {
  'f:spec': {
    'f:replicas': {},
    'f:selector': {},
    'f:template': {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
    },
  },
};

describe('apply create', () => {
  it('creates the configuration and owns its fields', () => {
    const obj = apply(undefined, webConfig({ replicas: 2 }), 'deployer');
    expect(obj.spec.replicas).toBe(2);
    expect(obj.metadata!.name).toBe('web');
    expect(obj.metadata!.managedFields).toEqual([
      { manager: 'deployer', operation: 'Apply', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: webFields },
    ]);
  });

  it('does not mutate its inputs', () => {
    const cfg = webConfig({ replicas: 2 });
    const copy = JSON.parse(JSON.stringify(cfg));
    const live = apply(undefined, cfg, 'a');
    const liveCopy = JSON.parse(JSON.stringify(live));
    apply(live, webConfig({ replicas: 5 }), 'a');
    expect(cfg).toEqual(copy);
    expect(live).toEqual(liveCopy);
  });

  it.each([
    ['managedFields in the configuration', (c: any) => (c.metadata.managedFields = []), 'metadata.managedFields must be nil'],
    ['another apiVersion', (c: any) => (c.apiVersion = 'apps/v1beta1'), 'Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1'],
  ])('rejects %s with 400', (_n, mutate, message) => {
    const cfg: any = webConfig();
    mutate(cfg);
    const e = conflictOf(() => apply(undefined, cfg, 'a'));
    expect([e.code, e.reason, e.message]).toEqual([400, 'BadRequest', message]);
  });
});

describe('re-apply', () => {
  it('same configuration: no change, time kept, no conflict', () => {
    const live = apply(undefined, webConfig({ replicas: 2 }), 'deployer');
    const again = apply(live, webConfig({ replicas: 2 }), 'deployer', { now: T1 });
    expect(again).toEqual(live);
  });

  it.each([
    ['a scalar', webConfig({ replicas: 2 }), webConfig(), (o: any) => expect(o.spec.replicas).toBeUndefined()],
    [
      'a label',
      webConfig({ labels: { app: 'web', tier: 'fe' } }),
      webConfig({ labels: { app: 'web' } }),
      (o: any) => expect(o.metadata.labels).toEqual({ app: 'web' }),
    ],
    [
      'a list-map item',
      webConfig({ containers: [{ name: 'web', image: 'nginx' }, { name: 'side', image: 'busybox' }] }),
      webConfig({ containers: [{ name: 'web', image: 'nginx' }] }),
      (o: any) => expect(o.spec.template.spec.containers).toEqual([{ name: 'web', image: 'nginx' }]),
    ],
    [
      'a field of a list-map item',
      webConfig({ containers: [{ name: 'web', image: 'nginx', imagePullPolicy: 'Always' }] }),
      webConfig({ containers: [{ name: 'web', image: 'nginx' }] }),
      (o: any) => expect(o.spec.template.spec.containers).toEqual([{ name: 'web', image: 'nginx' }]),
    ],
  ])('dropping %s it owned removes it from the object', (_n, first, second, check) => {
    const live = apply(undefined, first, 'deployer');
    const next = apply(live, second, 'deployer', { now: T1 });
    check(next);
    expect(next.metadata!.managedFields![0]!.time).toBe(T1);
  });

  it('keeps a dropped field that another manager also owns', () => {
    let live = apply(undefined, webConfig({ replicas: 2 }), 'a');
    live = apply(live, webConfig({ replicas: 2 }), 'b');
    live = apply(live, webConfig(), 'a', { now: T1 });
    expect(live.spec.replicas).toBe(2);
    expect(owners(live)['a/Apply']).toEqual({ 'f:spec': { 'f:selector': {}, 'f:template': (webFields['f:spec'] as any)['f:template'] } });
    expect((owners(live)['b/Apply'] as any)['f:spec']['f:replicas']).toEqual({});
  });

  it('replaces atomic lists and maps', () => {
    const live = apply(undefined, webConfig({ containers: [{ name: 'web', image: 'x', args: ['a', 'b'] }] }), 'a');
    const cfg: any = webConfig({ containers: [{ name: 'web', image: 'x', args: ['c'] }] });
    cfg.spec.selector = { matchLabels: { app: 'web', v: '2' } };
    const next = apply(live, cfg, 'a');
    expect(next.spec.template.spec.containers[0].args).toEqual(['c']);
    expect(next.spec.selector).toEqual({ matchLabels: { app: 'web', v: '2' } });
  });
});

describe('conflicts', () => {
  const created = () => {
    const live = apply(undefined, webConfig({ replicas: 2 }), 'kubectl-client-side-apply');
    // Turn the owner into an Update manager, as client-side apply is.
    const mf = live.metadata!.managedFields![0]!;
    mf.operation = 'Update';
    return live;
  };

  it('a changed field owned by an Update manager is a 409 naming the manager and version', () => {
    const e = conflictOf(() => apply(created(), webConfig({ replicas: 3 }), 'deployer'));
    expect(e.code).toBe(409);
    expect(e.reason).toBe('Conflict');
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect(e.details).toEqual({
      causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }],
    });
  });

  it('lists several conflicts grouped by manager', () => {
    let live = created();
    live = update(live, (o) => (o.spec.template.spec.containers[0].image = 'nginx:edited'), 'm1');
    live = apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { revisionHistoryLimit: 3 } }, 'm0');
    const e = conflictOf(() => apply(live, { ...webConfig({ replicas: 5, image: 'other' }), spec: { ...webConfig({ replicas: 5, image: 'other' }).spec, revisionHistoryLimit: 4 } }, 'deployer'));
    expect(e.message).toBe(
      'Apply failed with 3 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n' +
        'conflicts with "m0":\n- .spec.revisionHistoryLimit\n' +
        'conflicts with "m1" using apps/v1:\n- .spec.template.spec.containers[name="web"].image',
    );
    expect(e.details!.causes!.map((c) => c.field)).toEqual([
      '.spec.replicas',
      '.spec.revisionHistoryLimit',
      '.spec.template.spec.containers[name="web"].image',
    ]);
  });

  it('force moves ownership to the applier', () => {
    const next = apply(created(), webConfig({ replicas: 3 }), 'deployer', { force: true });
    expect(next.spec.replicas).toBe(3);
    expect((owners(next)['deployer/Apply'] as any)['f:spec']['f:replicas']).toEqual({});
    expect((owners(next)['kubectl-client-side-apply/Update'] as any)['f:spec']['f:replicas']).toBeUndefined();
  });

  it('the same value is shared ownership, not a conflict', () => {
    const next = apply(created(), webConfig({ replicas: 2 }), 'deployer');
    expect(owners(next)['deployer/Apply']).toEqual(webFields);
    expect(owners(next)['kubectl-client-side-apply/Update']).toEqual(webFields);
  });

  it('objects without managedFields belong to before-first-apply', () => {
    const live = apply(undefined, webConfig({ replicas: 2 }), 'x');
    delete live.metadata!.managedFields;
    const e = conflictOf(() => apply(live, webConfig({ replicas: 3 }), 'deployer', { now: T1 }));
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    const ok = apply(live, webConfig({ replicas: 2 }), 'deployer', { now: T1 });
    expect(Object.keys(owners(ok))).toEqual(['deployer/Apply', 'before-first-apply/Update']);
  });
});

describe('merging with other managers', () => {
  it('list-map items of different appliers are merged by key', () => {
    let live = apply(undefined, webConfig({ containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] }), 'a');
    live = apply(
      live,
      webConfig({ containers: [{ name: 'side', image: 'busybox' }, { name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }] }] }),
      'b',
    );
    expect(live.spec.template.spec.containers).toEqual([
      { name: 'side', image: 'busybox' },
      { name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }] },
    ]);
    // a drops its container: b still owns it and its ports, so it stays.
    live = apply(live, webConfig({ containers: [] }), 'a');
    expect(live.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['side', 'web']);
  });

  it('live-only list items keep their place; shared items follow the configuration', () => {
    let live = apply(undefined, webConfig({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }), 'one');
    live = apply(live, webConfig({ containers: [{ name: 'c' }, { name: 'd' }, { name: 'a' }] }), 'two');
    expect(live.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['b', 'c', 'd', 'a']);
  });

  it('sets are unioned and pruned per item', () => {
    const withFinalizers = (fs: string[]) => {
      const c: any = webConfig();
      c.metadata.finalizers = fs;
      return c;
    };
    let live = apply(undefined, withFinalizers(['x/a']), 'one');
    live = apply(live, withFinalizers(['x/b']), 'two');
    expect(live.metadata!.finalizers).toEqual(['x/a', 'x/b']);
    live = apply(live, withFinalizers([]), 'one');
    expect(live.metadata!.finalizers).toEqual(['x/b']);
  });

  it('an Update taking a field makes the applier lose it without conflict', () => {
    let live = apply(undefined, webConfig({ replicas: 2 }), 'deployer');
    live = update(live, (o) => (o.spec.replicas = 5), 'kubectl-scale');
    expect((owners(live)['deployer/Apply'] as any)['f:spec']['f:replicas']).toBeUndefined();
    expect(owners(live)['kubectl-scale/Update']).toEqual({ 'f:spec': { 'f:replicas': {} } });
    // The applier re-applying its old value now conflicts.
    const e = conflictOf(() => apply(live, webConfig({ replicas: 2 }), 'deployer'));
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas');
  });
});

describe('kubectl client-side to server-side apply upgrade', () => {
  const csaLive = (replicas: number, lastReplicas: number) => {
    const live: any = apply(undefined, webConfig({ replicas }), 'kubectl-client-side-apply');
    live.metadata.managedFields[0].operation = 'Update';
    live.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: JSON.stringify(webConfig({ replicas: lastReplicas })) };
    return live as KObject;
  };

  it('fields unchanged since the last client-side apply are taken over, and the annotation follows', () => {
    const next = apply(csaLive(2, 2), webConfig({ replicas: 3 }), 'kubectl');
    expect(next.spec.replicas).toBe(3);
    expect(JSON.parse(next.metadata!.annotations![LAST_APPLIED_ANNOTATION]!)).toEqual(webConfig({ replicas: 3 }));
    expect(next.metadata!.annotations![LAST_APPLIED_ANNOTATION]!.endsWith('}\n')).toBe(true);
  });

  it('fields changed since then still conflict', () => {
    const e = conflictOf(() => apply(csaLive(4, 2), webConfig({ replicas: 3 }), 'kubectl'));
    expect(e.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  });

  it('only for the manager "kubectl"', () => {
    expect(conflictOf(() => apply(csaLive(2, 2), webConfig({ replicas: 3 }), 'other')).code).toBe(409);
  });
});
