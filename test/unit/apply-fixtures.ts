/** A small hand-built Deployment schema for the server-side apply tests. */
import { SchemaSet } from '../../src/apis/schema/resolve.js';
import type { Definitions, JSONSchema } from '../../src/apis/schema/types.js';
import type { KObject } from '../../src/apis/object.js';

const str: JSONSchema = { type: 'string' };
const int: JSONSchema = { type: 'integer' };
const strMap: JSONSchema = { type: 'object', additionalProperties: { type: 'string' } };
const obj = (properties: Record<string, JSONSchema>, extra: Partial<JSONSchema> = {}): JSONSchema => ({ type: 'object', properties, ...extra });

const defs: Definitions = new Map<string, JSONSchema>([
  ['IntOrString', { 'x-kubernetes-int-or-string': true }],
  [
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    obj({
      name: str,
      namespace: str,
      uid: str,
      resourceVersion: str,
      generation: int,
      creationTimestamp: str,
      labels: strMap,
      annotations: strMap,
      finalizers: { type: 'array', items: str, 'x-kubernetes-list-type': 'set' },
      ownerReferences: {
        type: 'array',
        items: obj({ uid: str, name: str, kind: str, apiVersion: str }),
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-patch-merge-key': 'uid',
      },
      managedFields: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'atomic' },
    }),
  ],
  ['LabelSelector', obj({ matchLabels: strMap }, { 'x-kubernetes-map-type': 'atomic' })],
  [
    'ContainerPort',
    obj({ containerPort: int, name: str, protocol: { type: 'string', default: 'TCP' } }),
  ],
  [
    'Container',
    obj({
      name: str,
      image: str,
      imagePullPolicy: str,
      args: { type: 'array', items: str },
      ports: {
        type: 'array',
        items: { $ref: 'ContainerPort' },
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
      },
      env: {
        type: 'array',
        items: obj({ name: str, value: str }),
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-patch-merge-key': 'name',
      },
      resources: obj({ limits: strMap, requests: strMap }),
      terminationMessagePath: str,
      terminationMessagePolicy: str,
    }),
  ],
  [
    'PodSpec',
    obj({
      containers: {
        type: 'array',
        items: { $ref: 'Container' },
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      },
      restartPolicy: str,
      dnsPolicy: str,
      schedulerName: str,
      terminationGracePeriodSeconds: int,
      securityContext: obj({ runAsUser: int }),
      nodeSelector: { ...strMap, 'x-kubernetes-map-type': 'atomic' },
    }),
  ],
  [
    'Deployment',
    obj({
      apiVersion: str,
      kind: str,
      metadata: { $ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
      spec: obj({
        replicas: int,
        paused: { type: 'boolean', nullable: true },
        revisionHistoryLimit: int,
        progressDeadlineSeconds: int,
        selector: { $ref: 'LabelSelector' },
        strategy: obj({
          type: str,
          rollingUpdate: obj({ maxSurge: { $ref: 'IntOrString' }, maxUnavailable: { $ref: 'IntOrString' } }),
        }),
        template: obj({ metadata: { $ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }, spec: { $ref: 'PodSpec' } }),
      }),
      status: obj({ replicas: int }),
    }),
  ],
]);

export const set = new SchemaSet(defs);
export const schema: JSONSchema = { $ref: 'Deployment' };

/** The Go zero value of a Deployment as Kubernetes serializes it (non-pointer structs present). */
export const emptyDeployment = (): KObject => ({
  metadata: {},
  spec: { selector: null, template: { metadata: {}, spec: { containers: null } }, strategy: {} },
  status: {},
});

/** A Deployment as `kubectl create deployment web --image=nginx` leaves it after defaulting. */
export function createdDeployment(): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx',
              imagePullPolicy: 'Always',
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
    },
    status: {},
  };
}

/** An apply configuration for a Deployment named web. */
export function webConfig(over: { replicas?: number; image?: string; labels?: Record<string, string>; containers?: unknown[] } = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', ...(over.labels ? { labels: over.labels } : {}) },
    spec: {
      ...(over.replicas !== undefined ? { replicas: over.replicas } : {}),
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: over.containers ?? [{ name: 'web', image: over.image ?? 'nginx:1.25' }] },
      },
    },
  };
}
