import { describe, it, expect } from 'vitest';
import { applyStrategicMergePatch } from '../../src/apiserver/patch/strategic-merge.js';
import { SchemaSet } from '../../src/apis/schema/resolve.js';
import type { Definitions, JSONSchema } from '../../src/apis/schema/types.js';
import { StatusError } from '../../src/apiserver/errors.js';

// A small schema mirroring apps/v1 Deployment's strategic-merge annotations.
const str: JSONSchema = { type: 'string' };
const int: JSONSchema = { type: 'integer' };
const defs: Definitions = new Map<string, JSONSchema>([
  [
    'ObjectMeta',
    {
      type: 'object',
      properties: {
        name: str,
        labels: { type: 'object', additionalProperties: str },
        annotations: { type: 'object', additionalProperties: str },
        finalizers: { type: 'array', items: str, 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' },
      },
    },
  ],
  [
    'Deployment',
    {
      type: 'object',
      properties: {
        apiVersion: str,
        kind: str,
        metadata: { $ref: 'ObjectMeta' },
        spec: { $ref: 'DeploymentSpec' },
      },
    },
  ],
  [
    'DeploymentSpec',
    {
      type: 'object',
      properties: {
        replicas: int,
        strategy: { $ref: 'DeploymentStrategy', 'x-kubernetes-patch-strategy': 'retainKeys' },
        template: { $ref: 'PodTemplateSpec' },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  ],
  [
    'DeploymentStrategy',
    {
      type: 'object',
      properties: {
        type: str,
        rollingUpdate: { type: 'object', properties: { maxSurge: int, maxUnavailable: int } },
      },
    },
  ],
  ['PodTemplateSpec', { type: 'object', properties: { metadata: { $ref: 'ObjectMeta' }, spec: { $ref: 'PodSpec' } } }],
  [
    'PodSpec',
    {
      type: 'object',
      properties: {
        containers: {
          type: 'array',
          items: { $ref: 'Container' },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'name',
        },
        volumes: {
          type: 'array',
          items: { $ref: 'Volume' },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          'x-kubernetes-patch-strategy': 'merge,retainKeys',
          'x-kubernetes-patch-merge-key': 'name',
        },
        tolerations: {
          type: 'array',
          'x-kubernetes-list-type': 'atomic',
          items: { type: 'object', properties: { key: str, operator: str, value: str, effect: str } },
        },
      },
    },
  ],
  [
    'Container',
    {
      type: 'object',
      properties: {
        name: str,
        image: str,
        args: { type: 'array', items: str, 'x-kubernetes-list-type': 'atomic' },
        env: {
          type: 'array',
          items: { type: 'object', properties: { name: str, value: str } },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'name',
        },
        ports: {
          type: 'array',
          items: { type: 'object', properties: { containerPort: int, protocol: str, name: str } },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'containerPort',
        },
      },
    },
  ],
  [
    'Volume',
    {
      type: 'object',
      properties: {
        name: str,
        emptyDir: { type: 'object', properties: { medium: str } },
        configMap: { type: 'object', properties: { name: str } },
        secret: { type: 'object', properties: { secretName: str } },
      },
    },
  ],
]);
const set = new SchemaSet(defs);
const schema: JSONSchema = { $ref: 'Deployment' };

type Doc = Record<string, any>;

const deployment = (): Doc => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    labels: { app: 'web', tier: 'frontend' },
    finalizers: ['a.example.com/x', 'b.example.com/y'],
  },
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.25',
            args: ['--a', '--b'],
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
          },
          { name: 'sidecar', image: 'busybox:1' },
        ],
        volumes: [
          { name: 'data', emptyDir: {} },
          { name: 'cache', emptyDir: { medium: 'Memory' } },
        ],
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
      },
    },
  },
});

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Applies with frozen inputs and checks they are unchanged afterwards. */
function apply(doc: unknown, patch: unknown): any {
  const docCopy = clone(doc);
  const patchCopy = clone(patch);
  const out = applyStrategicMergePatch(deepFreeze(doc), deepFreeze(patch), schema, set);
  expect(doc).toEqual(docCopy);
  expect(patch).toEqual(patchCopy);
  return out;
}

const podSpec = (spec: Doc): Doc => ({ spec: { template: { spec } } });
const containers = (d: Doc): Doc[] => d.spec.template.spec.containers;

interface Case {
  name: string;
  patch: Doc;
  /** Edits a copy of deployment() into the expected result. */
  want: (d: Doc) => void;
}

const cases: Case[] = [
  {
    name: 'empty patch',
    patch: {},
    want: () => {},
  },
  {
    name: 'update a container image by name',
    patch: podSpec({ containers: [{ name: 'sidecar', image: 'busybox:2' }] }),
    want: (d) => {
      containers(d)[1]!.image = 'busybox:2';
    },
  },
  {
    name: 'update a nested env var keeps the other container fields and env order',
    patch: podSpec({ containers: [{ name: 'nginx', env: [{ name: 'B', value: '3' }] }] }),
    want: (d) => {
      containers(d)[0]!.env[1].value = '3';
    },
  },
  {
    name: 'add a container: a new item goes before the server-only items, as in Kubernetes',
    patch: podSpec({ containers: [{ name: 'redis', image: 'redis' }] }),
    want: (d) => {
      containers(d).unshift({ name: 'redis', image: 'redis' });
    },
  },
  {
    name: 'add a container at the end with $setElementOrder',
    patch: podSpec({
      '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }, { name: 'redis' }],
      containers: [{ name: 'redis', image: 'redis' }],
    }),
    want: (d) => {
      containers(d).push({ name: 'redis', image: 'redis' });
    },
  },
  {
    name: 'patch items keep the patch order, interleaved with server-only items by server position',
    patch: podSpec({
      containers: [
        { name: 'sidecar', image: 'busybox:2' },
        { name: 'redis', image: 'redis' },
      ],
    }),
    want: (d) => {
      containers(d)[1]!.image = 'busybox:2';
      containers(d).push({ name: 'redis', image: 'redis' });
    },
  },
  {
    name: 'delete a container with $patch: delete',
    patch: podSpec({ containers: [{ name: 'sidecar', $patch: 'delete' }] }),
    want: (d) => {
      containers(d).splice(1, 1);
    },
  },
  {
    name: 'delete a missing container is a no-op',
    patch: podSpec({ containers: [{ name: 'nope', $patch: 'delete' }] }),
    want: () => {},
  },
  {
    name: 'delete an env var and update another in one list',
    patch: podSpec({
      containers: [
        {
          name: 'nginx',
          env: [
            { name: 'A', $patch: 'delete' },
            { name: 'B', value: 'b' },
          ],
        },
      ],
    }),
    want: (d) => {
      containers(d)[0]!.env = [{ name: 'B', value: 'b' }];
    },
  },
  {
    name: 'replace the list with a {$patch: replace} item',
    patch: podSpec({ containers: [{ name: 'only', image: 'x', args: null }, { $patch: 'replace' }] }),
    want: (d) => {
      d.spec.template.spec.containers = [{ name: 'only', image: 'x' }];
    },
  },
  {
    name: '$setElementOrder reorders without changing contents',
    patch: podSpec({ '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] }),
    want: (d) => {
      containers(d).reverse();
    },
  },
  {
    name: '$setElementOrder with an update in a nested list',
    patch: podSpec({
      containers: [
        {
          name: 'nginx',
          '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }],
          env: [{ name: 'B', value: '3' }],
        },
      ],
    }),
    want: (d) => {
      containers(d)[0]!.env = [
        { name: 'B', value: '3' },
        { name: 'A', value: '1' },
      ];
    },
  },
  {
    name: '$setElementOrder naming items the list does not have ignores them',
    patch: podSpec({ '$setElementOrder/containers': [{ name: 'ghost' }, { name: 'sidecar' }, { name: 'nginx' }] }),
    want: (d) => {
      containers(d).reverse();
    },
  },
  {
    name: 'merge ports by containerPort',
    patch: podSpec({ containers: [{ name: 'nginx', ports: [{ containerPort: 80, name: 'http' }] }] }),
    want: (d) => {
      containers(d)[0]!.ports = [{ containerPort: 80, protocol: 'TCP', name: 'http' }];
    },
  },
  {
    name: 'add a port (numeric merge key)',
    patch: podSpec({ containers: [{ name: 'nginx', ports: [{ containerPort: 443, protocol: 'TCP' }] }] }),
    want: (d) => {
      containers(d)[0]!.ports.unshift({ containerPort: 443, protocol: 'TCP' });
    },
  },
  {
    name: '$deleteFromPrimitiveList on finalizers',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example.com/x', 'not-there'] } },
    want: (d) => {
      d.metadata.finalizers = ['b.example.com/y'];
    },
  },
  {
    name: 'finalizers merge as a set (existing then new when the patch names an existing one first)',
    patch: { metadata: { finalizers: ['b.example.com/y', 'c.example.com/z'] } },
    want: (d) => {
      d.metadata.finalizers = ['a.example.com/x', 'b.example.com/y', 'c.example.com/z'];
    },
  },
  {
    name: 'a new finalizer alone goes first, as in Kubernetes',
    patch: { metadata: { finalizers: ['c.example.com/z', 'c.example.com/z'] } },
    want: (d) => {
      d.metadata.finalizers = ['c.example.com/z', 'a.example.com/x', 'b.example.com/y'];
    },
  },
  {
    name: 'add and delete finalizers with $setElementOrder',
    patch: {
      metadata: {
        '$setElementOrder/finalizers': ['b.example.com/y', 'c.example.com/z'],
        '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'],
        finalizers: ['c.example.com/z'],
      },
    },
    want: (d) => {
      d.metadata.finalizers = ['b.example.com/y', 'c.example.com/z'];
    },
  },
  {
    name: '$retainKeys on a volume switching from emptyDir to configMap',
    patch: podSpec({ volumes: [{ name: 'data', configMap: { name: 'cfg' }, $retainKeys: ['configMap', 'name'] }] }),
    want: (d) => {
      d.spec.template.spec.volumes[0] = { name: 'data', configMap: { name: 'cfg' } };
    },
  },
  {
    name: '$retainKeys on the Deployment strategy switching to Recreate',
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
    want: (d) => {
      d.spec.strategy = { type: 'Recreate' };
    },
  },
  {
    name: 'null deletes a label',
    patch: { metadata: { labels: { tier: null, version: 'v2' } } },
    want: (d) => {
      d.metadata.labels = { app: 'web', version: 'v2' };
    },
  },
  {
    name: 'null deletes a whole field',
    patch: { spec: { template: { spec: { tolerations: null } } } },
    want: (d) => {
      delete d.spec.template.spec.tolerations;
    },
  },
  {
    name: 'null for a missing field is ignored',
    patch: { metadata: { annotations: null, labels: { nope: null } } },
    want: () => {},
  },
  {
    name: 'a new map drops its nulls',
    patch: { metadata: { annotations: { a: '1', b: null } } },
    want: (d) => {
      d.metadata.annotations = { a: '1' };
    },
  },
  {
    name: 'an atomic list (tolerations) is replaced',
    patch: podSpec({ tolerations: [{ key: 'gpu', operator: 'Exists' }] }),
    want: (d) => {
      d.spec.template.spec.tolerations = [{ key: 'gpu', operator: 'Exists' }];
    },
  },
  {
    name: 'an atomic list (args) inside a merged item is replaced',
    patch: podSpec({ containers: [{ name: 'nginx', args: ['--c'] }] }),
    want: (d) => {
      containers(d)[0]!.args = ['--c'];
    },
  },
  {
    name: '$patch: delete in a map removes it',
    patch: { spec: { strategy: { rollingUpdate: { $patch: 'delete' } } } },
    want: (d) => {
      delete d.spec.strategy.rollingUpdate;
    },
  },
  {
    name: '$patch: replace in a map replaces it',
    patch: { metadata: { labels: { $patch: 'replace', only: 'me' } } },
    want: (d) => {
      d.metadata.labels = { only: 'me' };
    },
  },
  {
    name: '$patch: merge in a map is the default',
    patch: { metadata: { labels: { $patch: 'merge', more: 'x' } } },
    want: (d) => {
      d.metadata.labels.more = 'x';
    },
  },
  {
    name: 'a field without schema merges maps and replaces lists',
    patch: { spec: { extra: { a: { b: 1, c: null }, list: [3] }, unknown: { x: [1] } } },
    want: (d) => {
      d.spec.extra = { a: { b: 1 }, list: [3] };
      d.spec.unknown = { x: [1] };
    },
  },
  {
    name: 'a value of another type replaces the field',
    patch: { spec: { replicas: { weird: true }, template: { metadata: 'x' } } },
    want: (d) => {
      d.spec.replicas = { weird: true };
      d.spec.template.metadata = 'x';
    },
  },
];

describe('applyStrategicMergePatch', () => {
  it.each(cases)('$name', ({ patch, want }) => {
    const expected = deployment();
    want(expected);
    expect(apply(deployment(), patch)).toEqual(expected);
  });

  it('merges into a document with unknown fields under extra', () => {
    const doc = { ...deployment(), spec: { ...deployment().spec, extra: { a: { b: 0, d: 1 }, list: [1, 2] } } };
    const out = apply(doc, { spec: { extra: { a: { b: 1 }, list: [3] } } });
    expect(out.spec.extra).toEqual({ a: { b: 1, d: 1 }, list: [3] });
  });

  it('creates missing lists from the patch, applying directives', () => {
    const doc = { spec: { template: { spec: {} } } };
    const out = apply(doc, podSpec({ containers: [{ name: 'a', image: 'x' }, { name: 'gone', $patch: 'delete' }] }));
    expect(out).toEqual({ spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } });
  });

  it('the result shares nothing with the inputs', () => {
    const doc = deployment();
    const patch = podSpec({ containers: [{ name: 'redis', image: 'redis', args: ['x'] }] });
    const out = applyStrategicMergePatch(doc, patch, schema, set) as Doc;
    containers(out)[0]!.args.push('y');
    containers(out)[1]!.env[0].value = 'changed';
    expect(patch.spec.template.spec.containers[0].args).toEqual(['x']);
    expect(doc).toEqual(deployment());
  });

  const errors: { name: string; patch: unknown; message: string }[] = [
    { name: 'patch is an array', patch: [], message: 'invalid strategic merge patch: the patch must be a JSON object, not an array' },
    { name: 'patch is null', patch: null, message: 'invalid strategic merge patch: the patch must be a JSON object, not null' },
    {
      name: 'unknown directive in a map',
      patch: { spec: { strategy: { $patch: 'foo' } } },
      message: 'unknown patch type: foo in map: map[$patch:foo] (at spec.strategy)',
    },
    {
      name: 'unknown directive in a list item',
      patch: podSpec({ containers: [{ name: 'nginx', $patch: 'foo' }] }),
      message: 'unknown patch type: foo in map: map[$patch:foo name:nginx] (at spec.template.spec.containers[0])',
    },
    {
      name: 'merge key missing from a patch list item',
      patch: podSpec({ containers: [{ name: 'nginx' }, { image: 'x', args: ['a', 'b'] }] }),
      message: 'map: map[args:[a b] image:x] does not contain declared merge key: name (at spec.template.spec.containers[1])',
    },
    {
      name: 'merge key missing from a delete item',
      patch: podSpec({ containers: [{ $patch: 'delete' }] }),
      message: 'map: map[$patch:delete] does not contain declared merge key: name (at spec.template.spec.containers[0])',
    },
    {
      name: 'merge key missing from a new list',
      patch: { spec: { template: { spec: { volumes: [{ emptyDir: {} }] } } } },
      message: 'map: map[emptyDir:map[]] does not contain declared merge key: name (at spec.template.spec.volumes[0])',
    },
    {
      name: '$patch: merge as a list item',
      patch: podSpec({ containers: [{ $patch: 'merge' }] }),
      message: 'merging lists cannot yet be specified in the patch (at spec.template.spec.containers[0])',
    },
    {
      name: 'a scalar in a merged list of objects',
      patch: podSpec({ containers: ['nginx'] }),
      message: 'list element types are not identical: nginx is not a map (at spec.template.spec.containers[0])',
    },
    {
      name: 'a patch field missing from $retainKeys',
      patch: podSpec({ volumes: [{ name: 'data', configMap: { name: 'c' }, $retainKeys: ['name'] }] }),
      message: 'invalid patch format of retainKeys: field "configMap" is in the patch but not in $retainKeys (at spec.template.spec.volumes[0])',
    },
    {
      name: '$retainKeys not a list',
      patch: { spec: { strategy: { $retainKeys: 'type' } } },
      message: 'invalid patch format of retainKeys: $retainKeys must be a list of field names (at spec.strategy)',
    },
    {
      name: '$deleteFromPrimitiveList not a list',
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } },
      message: 'invalid patch format of primitive list: $deleteFromPrimitiveList/finalizers must be a list of values (at metadata)',
    },
    {
      name: '$setElementOrder not a list',
      patch: { metadata: { '$setElementOrder/finalizers': 'a' } },
      message: 'invalid patch format of setElementOrder list: $setElementOrder/finalizers must be a list (at metadata)',
    },
    {
      name: '$setElementOrder item without the merge key',
      patch: podSpec({ '$setElementOrder/containers': [{ image: 'x' }] }),
      message:
        'map: map[image:x] does not contain declared merge key: name in $setElementOrder/containers (at spec.template.spec.containers[0])',
    },
    {
      name: 'patch list order contradicting $setElementOrder',
      patch: podSpec({
        '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
        containers: [
          { name: 'sidecar', image: 'a' },
          { name: 'nginx', image: 'b' },
        ],
      }),
      message:
        "The order in patch list: [map[image:a name:sidecar] map[image:b name:nginx]] doesn't match $setElementOrder/containers list: [map[name:nginx] map[name:sidecar]] (at spec.template.spec.containers)",
    },
  ];

  it.each(errors)('400: $name', ({ patch, message }) => {
    let err: unknown;
    try {
      apply(deployment(), patch);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(400);
    expect((err as StatusError).reason).toBe('BadRequest');
    expect((err as StatusError).message).toBe(message);
  });

  it('names the failing path in the status causes', () => {
    try {
      apply(deployment(), podSpec({ containers: [{ image: 'x' }] }));
      expect.unreachable();
    } catch (e) {
      expect((e as StatusError).toStatus().details?.causes).toEqual([
        {
          reason: 'FieldValueInvalid',
          message: 'map: map[image:x] does not contain declared merge key: name',
          field: 'spec.template.spec.containers[0]',
        },
      ]);
    }
  });
});
