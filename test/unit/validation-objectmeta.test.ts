import { describe, expect, it } from 'vitest';
import type { ObjectMeta } from '../../src/apis/object.js';
import { errorMessage, type FieldError } from '../../src/apis/validation/field.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../src/apis/validation/objectmeta.js';

const msgs = (errs: FieldError[]) => errs.map(errorMessage);
const ns = { namespaced: true, nameRule: 'dns1123-subdomain' as const };

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('validateObjectMeta', () => {
  it('accepts ordinary metadata', () => {
    const meta: ObjectMeta = {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web', 'app.kubernetes.io/name': 'web' },
      annotations: { 'deployment.kubernetes.io/revision': '1', 'Example.COM/Note': 'x' },
      finalizers: ['kubernetes', 'foregroundDeletion', 'example.com/cleanup'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u1', controller: true }],
    };
    expect(validateObjectMeta(meta, ns)).toEqual([]);
  });

  const cases: [string, ObjectMeta, { namespaced: boolean; nameRule: 'dns1123-subdomain' | 'dns1123-label' }, string[]][] = [
    ['missing name', { namespace: 'default' }, ns, ['metadata.name: Required value: name or generateName is required']],
    ['generateName only', { generateName: 'web-', namespace: 'default' }, ns, []],
    [
      'bad name',
      { name: 'Foo', namespace: 'default' },
      ns,
      [
        "metadata.name: Invalid value: \"Foo\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
    [
      'bad generateName',
      { generateName: 'Web-', namespace: 'default' },
      ns,
      [
        "metadata.generateName: Invalid value: \"Web-\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ],
    ['namespace required', { name: 'web' }, ns, ['metadata.namespace: Required value']],
    ['namespace forbidden', { name: 'node-1', namespace: 'default' }, { namespaced: false, nameRule: 'dns1123-subdomain' }, ['metadata.namespace: Forbidden: not allowed on this type']],
    ['bad label key', { name: 'web', namespace: 'default', labels: { 'bad key': 'x' } }, ns, [`metadata.labels: Invalid value: "bad key": ${NAME_PART}`]],
    [
      'bad label value',
      { name: 'web', namespace: 'default', labels: { app: 'a b' } },
      ns,
      [
        "metadata.labels: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
    ],
    ['bad annotation key', { name: 'web', namespace: 'default', annotations: { 'a b': 'x' } }, ns, [`metadata.annotations: Invalid value: "a b": ${NAME_PART}`]],
    ['annotations too large', { name: 'web', namespace: 'default', annotations: { big: 'x'.repeat(262142) } }, ns, ['metadata.annotations: Too long: may not be more than 262144 bytes']],
    [
      'owner reference fields',
      { name: 'web', namespace: 'default', ownerReferences: [{ apiVersion: '', kind: '', name: '', uid: '' }] },
      ns,
      [
        'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
        'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
        'metadata.ownerReferences.name: Invalid value: "": must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
      ],
    ],
    [
      'two controllers',
      {
        name: 'web',
        namespace: 'default',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
        ],
      },
      ns,
      [
        'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
      ],
    ],
    [
      'unqualified finalizer',
      { name: 'web', namespace: 'default', finalizers: ['cleanup'] },
      ns,
      ['metadata.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified'],
    ],
    [
      'orphan and foreground together',
      { name: 'web', namespace: 'default', finalizers: ['orphan', 'foregroundDeletion'] },
      ns,
      ['metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set'],
    ],
  ];
  it.each(cases)('%s', (_n, meta, opts, want) => expect(msgs(validateObjectMeta(meta, opts))).toEqual(want));
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMeta = { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z' };
  it('accepts label changes', () => {
    expect(validateObjectMetaUpdate({ ...old, labels: { a: 'b' } }, old)).toEqual([]);
  });
  it('rejects identity changes', () => {
    expect(msgs(validateObjectMetaUpdate({ ...old, name: 'other', uid: 'u2' }, old))).toEqual([
      'metadata.name: Invalid value: "other": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
  });
  it('rejects new finalizers on a deleted object', () => {
    const deleted = { ...old, deletionTimestamp: '2024-01-02T00:00:00Z', finalizers: ['a.io/x'] };
    expect(msgs(validateObjectMetaUpdate({ ...deleted, finalizers: ['a.io/x', 'b.io/y'] }, deleted))).toEqual([
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}',
    ]);
  });
});
