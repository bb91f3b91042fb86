import { describe, expect, it } from 'vitest';
import type { KObject, ManagedFieldsEntry } from '../../src/apis/object.js';
import { FieldSet } from '../../src/apiserver/apply/fieldset.js';
import {
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  managerFromUserAgent,
  updateManagedFields,
  type Managers,
} from '../../src/apiserver/apply/managed-fields.js';
import { schema, set, webConfig } from './apply-fixtures.js';

const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T11:00:00Z';

function create(obj: KObject, manager = 'creator'): KObject {
  const o = JSON.parse(JSON.stringify(obj));
  updateManagedFields({ newObj: o, manager, operation: 'Update', apiVersion: 'apps/v1', now: T0, schema, set });
  return o;
}

function update(old: KObject, mutate: (o: any) => void, manager: string, extra: { subresource?: string; now?: string } = {}): KObject {
  const next: any = JSON.parse(JSON.stringify(old));
  mutate(next);
  updateManagedFields({
    oldObj: old,
    newObj: next,
    manager,
    operation: 'Update',
    apiVersion: 'apps/v1',
    now: extra.now ?? T1,
    ...(extra.subresource ? { subresource: extra.subresource } : {}),
    schema,
    set,
  });
  return next;
}

const owners = (o: KObject): Record<string, unknown> =>
  Object.fromEntries((o.metadata?.managedFields ?? []).map((e) => [`${e.manager}/${e.operation}${e.subresource ? '/' + e.subresource : ''}`, e.fieldsV1]));

describe('update tracking', () => {
  it('a create owns every field', () => {
    const o = create(webConfig({ replicas: 1 }));
    expect(o.metadata!.managedFields).toHaveLength(1);
    expect(o.metadata!.managedFields![0]).toMatchObject({ manager: 'creator', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1' });
  });

  it.each([
    [
      'changing a field moves it to the writer',
      (o: any) => (o.spec.replicas = 3),
      { 'editor/Update': { 'f:spec': { 'f:replicas': {} } } },
      (c: any) => expect(c['f:spec']['f:replicas']).toBeUndefined(),
    ],
    [
      'adding a label: the writer owns it',
      (o: any) => (o.metadata.labels = { team: 'x' }),
      { 'editor/Update': { 'f:metadata': { 'f:labels': { '.': {}, 'f:team': {} } } } },
      (c: any) => expect(c['f:spec']['f:replicas']).toEqual({}),
    ],
    [
      'removing a field drops it from its owner and gives the writer nothing',
      (o: any) => delete o.spec.replicas,
      {},
      (c: any) => expect(c['f:spec']['f:replicas']).toBeUndefined(),
    ],
  ])('%s', (_n, mutate, writer, checkCreator) => {
    const o = update(create(webConfig({ replicas: 1 })), mutate, 'editor');
    const own = owners(o);
    const { 'creator/Update': creator, ...rest } = own;
    expect(rest).toEqual(writer);
    checkCreator(creator);
  });

  it('a no-op update keeps entries and times', () => {
    const o = create(webConfig({ replicas: 1 }));
    const same = update(o, () => {}, 'creator');
    expect(same.metadata!.managedFields).toEqual(o.metadata!.managedFields);
  });

  it('a later change by the same manager merges into its entry with a new time', () => {
    let o = create(webConfig({ replicas: 1 }));
    o = update(o, (x) => (x.spec.replicas = 2), 'editor');
    o = update(o, (x) => (x.spec.revisionHistoryLimit = 2), 'editor', { now: '2024-05-01T12:00:00Z' });
    const entry = o.metadata!.managedFields!.find((e) => e.manager === 'editor')!;
    expect(entry.time).toBe('2024-05-01T12:00:00Z');
    expect(entry.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {}, 'f:revisionHistoryLimit': {} } });
  });

  it('subresource writes get their own entry', () => {
    const o = update(create(webConfig({ replicas: 1 })), (x) => (x.status = { replicas: 1 }), 'controller', { subresource: 'status' });
    expect(owners(o)['controller/Update/status']).toEqual({ 'f:status': { '.': {}, 'f:replicas': {} } });
  });

  it('ignored (reset) fields are not owned', () => {
    const old = create(webConfig({ replicas: 1 }));
    const next: any = JSON.parse(JSON.stringify(old));
    next.status = { replicas: 4 };
    next.spec.replicas = 2;
    updateManagedFields({
      oldObj: old,
      newObj: next,
      manager: 'editor',
      operation: 'Update',
      apiVersion: 'apps/v1',
      now: T1,
      schema,
      set,
      ignoredFields: FieldSet.of([{ kind: 'field', name: 'status' }]),
    });
    expect(owners(next)['editor/Update']).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });
});

describe('managedFields sent by the client', () => {
  const base = () => create(webConfig({ replicas: 1 }));
  it.each([
    ['absent: the stored ones are kept', (o: any) => delete o.metadata.managedFields, ['creator/Update']],
    ['empty list: the stored ones are kept', (o: any) => (o.metadata.managedFields = []), ['creator/Update']],
    ['[{}] resets them', (o: any) => (o.metadata.managedFields = [{}]), []],
    [
      '[{}] with changes: the writer owns only its changes',
      (o: any) => {
        o.metadata.managedFields = [{}];
        o.spec.replicas = 9;
      },
      ['editor/Update'],
    ],
    [
      'new entries replace the stored ones',
      (o: any) =>
        (o.metadata.managedFields = [
          { manager: 'someone', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        ]),
      ['someone/Apply'],
    ],
    ['malformed entries are ignored', (o: any) => (o.metadata.managedFields = [{ manager: 'x', operation: 'Bogus' }]), ['creator/Update']],
  ])('%s', (_n, mutate, expected) => {
    const o = update(base(), mutate, 'editor');
    expect(Object.keys(owners(o))).toEqual(expected);
  });

  it('after a reset, updates are not tracked', () => {
    let o = update(base(), (x) => (x.metadata.managedFields = [{}]), 'editor');
    o = update(o, (x) => (x.spec.replicas = 3), 'editor');
    expect(o.metadata!.managedFields).toBeUndefined();
  });
});

describe('encoding', () => {
  it('orders entries like Kubernetes: Apply first, then by time and manager', () => {
    const entry = (manager: string, operation: 'Apply' | 'Update', time: string): ManagedFieldsEntry => ({
      manager,
      operation,
      apiVersion: 'apps/v1',
      time,
      fieldsType: 'FieldsV1',
      fieldsV1: { [`f:${manager}`]: {} },
    });
    const decoded = decodeManagedFields([entry('z', 'Update', T0), entry('b', 'Update', T1), entry('a', 'Update', T1), entry('y', 'Apply', T1)]);
    expect(encodeManagedFields(decoded).map((e) => e.manager)).toEqual(['y', 'z', 'a', 'b']);
  });

  it('caps Update entries at 10, merging the oldest into ancient-changes', () => {
    const m: Managers = new Map();
    for (let i = 0; i < 12; i++) {
      const time = `2024-05-01T10:${String(i).padStart(2, '0')}:00Z`;
      const rec = { manager: `m${i}`, operation: 'Update', apiVersion: 'apps/v1', time, fields: FieldSet.of([{ kind: 'field', name: `f${i}` }]) };
      m.set(JSON.stringify({ manager: rec.manager, operation: 'Update', apiVersion: 'apps/v1' }), rec);
    }
    capUpdateManagers(m);
    const entries = encodeManagedFields(m);
    expect(entries).toHaveLength(10);
    const ancient = entries.find((e) => e.manager === 'ancient-changes')!;
    expect(ancient.fieldsV1).toEqual({ 'f:f0': {}, 'f:f1': {}, 'f:f2': {} });
    expect(ancient.time).toBe('2024-05-01T10:02:00Z');
  });
});

describe('managerFromUserAgent', () => {
  it.each([
    ['kubectl/v1.30.0 (linux/amd64) kubernetes/7c48c2b', 'kubectl'],
    ['kubectl-client-side-apply/v1.30.0', 'kubectl-client-side-apply'],
    ['Go-http-client/1.1', 'Go-http-client'],
    ['no-slash', 'no-slash'],
    ['', ''],
    ['bad\u0001chars/1', 'badchars'],
    ['x'.repeat(200), 'x'.repeat(128)],
  ])('%j -> %j', (ua, expected) => {
    expect(managerFromUserAgent(ua)).toBe(expected);
  });
});
