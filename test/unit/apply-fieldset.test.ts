import { describe, expect, it } from 'vitest';
import {
  compareObjects,
  decode,
  diffFields,
  encode,
  fieldSetFromObject,
  FieldSet,
  type Path,
} from '../../src/apiserver/apply/fieldset.js';
import { updateManagedFields } from '../../src/apiserver/apply/managed-fields.js';
import { decodeElement, encodeElement, formatPath, type PathElement } from '../../src/apiserver/apply/path.js';
import { createdDeployment, emptyDeployment, schema, set, webConfig } from './apply-fixtures.js';

const f = (name: string): PathElement => ({ kind: 'field', name });
const k = (fields: Record<string, string | number>): PathElement => ({
  kind: 'key',
  fields: Object.entries(fields).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
});
const v = (value: string): PathElement => ({ kind: 'value', value });
const p = (...els: (string | PathElement)[]): Path => els.map((e) => (typeof e === 'string' ? f(e) : e));
const lines = (s: FieldSet): string[] => s.paths().map(formatPath);

describe('FieldsV1 of an update-tracked create (kubectl create deployment)', () => {
  it('matches what Kubernetes records, key order included', () => {
    const obj = createdDeployment();
    updateManagedFields({
      newObj: obj,
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      now: '2024-05-01T10:00:00Z',
      schema,
      set,
      emptyObject: emptyDeployment(),
    });
    const container = {
      '.': {},
      'f:image': {},
      'f:imagePullPolicy': {},
      'f:name': {},
      'f:resources': {},
      'f:terminationMessagePath': {},
      'f:terminationMessagePolicy': {},
    };
    const expected = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:progressDeadlineSeconds': {},
        'f:replicas': {},
        'f:revisionHistoryLimit': {},
        'f:selector': {},
        'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
        'f:template': {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:containers': { 'k:{"name":"nginx"}': container },
            'f:dnsPolicy': {},
            'f:restartPolicy': {},
            'f:schedulerName': {},
            'f:securityContext': {},
            'f:terminationGracePeriodSeconds': {},
          },
        },
      },
    };
    expect(obj.metadata!.managedFields).toEqual([
      { manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: expected },
    ]);
    expect(JSON.stringify(obj.metadata!.managedFields![0]!.fieldsV1)).toBe(JSON.stringify(expected));
  });

  it('marks spec itself as added when the create is compared with an empty object (CRD style)', () => {
    const obj: any = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' }, spec: { replicas: 1 } };
    updateManagedFields({ newObj: obj, manager: 'm', operation: 'Update', apiVersion: 'x/v1', now: 't', schema, set });
    expect(obj.metadata.managedFields[0].fieldsV1).toEqual({ 'f:spec': { '.': {}, 'f:replicas': {} } });
  });
});

describe('FieldsV1 encode/decode', () => {
  const cases: { name: string; fieldsV1: Record<string, unknown>; paths: string[] }[] = [
    { name: 'leaf fields', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, paths: ['.spec.replicas'] },
    {
      name: 'node owned with children',
      fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
      paths: ['.metadata.labels', '.metadata.labels.app'],
    },
    {
      name: 'list-map items with composite keys',
      fieldsV1: {
        'f:ports': {
          'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} },
          'k:{"containerPort":443,"protocol":"TCP"}': {},
        },
      },
      paths: [
        '.ports[containerPort=80,protocol="TCP"]',
        '.ports[containerPort=443,protocol="TCP"]',
        '.ports[containerPort=80,protocol="TCP"].containerPort',
        '.ports[containerPort=80,protocol="TCP"].protocol',
      ],
    },
    {
      name: 'set items, indexes, fields before keys before values',
      fieldsV1: { 'f:x': { 'f:a': {}, 'k:{"name":"a"}': {}, 'v:"b"': {}, 'v:1': {}, 'i:0': {} } },
      paths: ['.x.a', '.x[name="a"]', '.x[=1]', '.x[="b"]', '.x[0]'],
    },
  ];
  it.each(cases)('$name', ({ fieldsV1, paths }) => {
    const s = decode(fieldsV1);
    expect(lines(s)).toEqual(paths);
    expect(JSON.stringify(encode(s))).toBe(
      JSON.stringify(fieldsV1).replace('"v:\\"b\\"":{},"v:1":{}', '"v:1":{},"v:\\"b\\"":{}'),
    );
    expect(decode(encode(s)).equals(s)).toBe(true);
  });

  it('canonicalizes key order in k: elements and ignores unknown prefixes', () => {
    const s = decode({ 'f:ports': { 'k:{"protocol":"TCP","containerPort":80}': {} }, 'z:future': {} });
    expect(encode(s)).toEqual({ 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': {} } });
  });

  it('rejects malformed keys', () => {
    expect(() => decode({ 'k:{bad': {} })).toThrow();
  });

  it.each([
    ['f:spec', f('spec')],
    ['k:{"name":"web"}', k({ name: 'web' })],
    ['v:"a<b"', v('a<b')],
    ['i:3', { kind: 'index', index: 3 } as PathElement],
  ])('element %s', (key, pe) => {
    if (key === 'v:"a<b"') expect(encodeElement(pe)).toBe('v:"a\\u003cb"');
    else expect(encodeElement(pe)).toBe(key);
    expect(decodeElement(key)).toEqual(pe);
  });
});

describe('fieldSetFromObject', () => {
  it('records leaves, list items and atomic values, never apiVersion/kind/name/namespace', () => {
    const cfg: any = webConfig({ replicas: 3, labels: { app: 'web' } });
    cfg.metadata.finalizers = ['example.com/f'];
    cfg.metadata.resourceVersion = '5';
    cfg.spec.template.spec.containers[0].args = ['-v'];
    cfg.spec.template.spec.containers[0].ports = [{ containerPort: 80 }];
    cfg.spec.template.spec.nodeSelector = { disk: 'ssd' };
    cfg.spec.strategy = {};
    expect(lines(fieldSetFromObject(cfg, schema, set))).toEqual([
      '.metadata.finalizers[="example.com/f"]',
      '.metadata.labels.app',
      '.spec.replicas',
      '.spec.selector',
      '.spec.template.metadata.labels.app',
      '.spec.template.spec.nodeSelector',
      '.spec.template.spec.containers[name="web"]',
      '.spec.template.spec.containers[name="web"].args',
      '.spec.template.spec.containers[name="web"].image',
      '.spec.template.spec.containers[name="web"].name',
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]',
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].containerPort',
    ]);
  });

  it('treats unknown fields by their value: objects are granular, arrays atomic', () => {
    const s = fieldSetFromObject({ spec: { extra: { a: 1, list: [1, 2] } } }, schema, set);
    expect(lines(s)).toEqual(['.spec.extra.a', '.spec.extra.list']);
  });

  it('owns explicit nulls', () => {
    expect(lines(fieldSetFromObject({ spec: { replicas: null } }, schema, set))).toEqual(['.spec.replicas']);
  });
});

describe('set operations', () => {
  const A = FieldSet.of(p('spec', 'replicas'), p('spec', 'template', 'spec'), p('spec', 'template', 'spec', 'x'));
  const B = FieldSet.of(p('spec', 'replicas'), p('spec', 'template', 'spec', 'y'));
  const C = FieldSet.of(p('spec', 'template'));
  it.each([
    ['union', A.union(B), ['.spec.replicas', '.spec.template.spec', '.spec.template.spec.x', '.spec.template.spec.y']],
    ['difference', A.difference(B), ['.spec.template.spec', '.spec.template.spec.x']],
    ['intersection', A.intersection(B), ['.spec.replicas']],
    ['difference keeps children of a removed member', A.difference(FieldSet.of(p('spec', 'template', 'spec'))), ['.spec.replicas', '.spec.template.spec.x']],
    ['recursiveDifference removes children too', A.recursiveDifference(C), ['.spec.replicas']],
  ])('%s', (_name, s, expected) => {
    expect(lines(s)).toEqual(expected);
  });

  it('isEmpty, has', () => {
    expect(new FieldSet().isEmpty).toBe(true);
    expect(A.intersection(C).isEmpty).toBe(true);
    expect(A.has(p('spec', 'replicas'))).toBe(true);
    expect(A.has(p('spec'))).toBe(false);
  });
});

describe('diffFields / compareObjects', () => {
  const base = webConfig({ replicas: 1 });
  const mod = (fn: (o: any) => void) => {
    const o: any = JSON.parse(JSON.stringify(base));
    fn(o);
    return o;
  };
  it.each([
    ['nothing', base, [], [], []],
    ['changed scalar', mod((o) => (o.spec.replicas = 2)), [], ['.spec.replicas'], []],
    ['removed scalar', mod((o) => delete o.spec.replicas), [], [], ['.spec.replicas']],
    ['added map node with child', mod((o) => (o.metadata.labels = { a: 'b' })), ['.metadata.labels', '.metadata.labels.a'], [], []],
    ['atomic map changed as a whole', mod((o) => (o.spec.selector.matchLabels.x = 'y')), [], ['.spec.selector'], []],
    [
      'added list item',
      mod((o) => o.spec.template.spec.containers.push({ name: 'side', image: 'busybox' })),
      ['.spec.template.spec.containers[name="side"]', '.spec.template.spec.containers[name="side"].image', '.spec.template.spec.containers[name="side"].name'],
      [],
      [],
    ],
    ['reordered list-map items are not a change', mod((o) => o.spec.template.spec.containers.reverse()), [], [], []],
    ['server metadata is ignored', mod((o) => (o.metadata.resourceVersion = '9')), [], [], []],
  ])('%s', (_name, next, added, modified, removed) => {
    const c = compareObjects(base, next, schema, set);
    expect([lines(c.added), lines(c.modified), lines(c.removed)]).toEqual([added, modified, removed]);
    expect(lines(diffFields(base, next, schema, set)).sort()).toEqual([...added, ...modified, ...removed].sort());
  });
});
