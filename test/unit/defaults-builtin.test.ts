import { describe, expect, it } from 'vitest';
import {
  admitPodOnCreate,
  defaultCronJob,
  defaultDaemonSet,
  defaultDeployment,
  defaultEndpointSlice,
  defaultJob,
  defaultNamespace,
  defaultNamespaceOnCreate,
  defaultNode,
  defaultPod,
  defaultPodStatusOnCreate,
  defaultSecret,
  defaultService,
  defaultStatefulSet,
  generateJobSelector,
  imageTag,
} from '../../src/apis/defaults/builtin.js';
import type { KObject } from '../../src/apis/object.js';

describe('image pull policy', () => {
  const digest = 'sha256:' + 'a'.repeat(64);
  const cases: [string, string | undefined, string][] = [
    ['nginx', 'latest', 'Always'],
    ['nginx:latest', 'latest', 'Always'],
    ['nginx:1.27', '1.27', 'IfNotPresent'],
    [`nginx@${digest}`, '', 'IfNotPresent'],
    [`nginx:1.27@${digest}`, '1.27', 'IfNotPresent'],
    ['localhost:5000/team/app', 'latest', 'Always'],
    ['registry.example.com:5000/app:v1', 'v1', 'IfNotPresent'],
    ['NGINX', undefined, 'IfNotPresent'],
  ];
  it.each(cases)('%s', (image, tag, policy) => {
    expect(imageTag(image)).toBe(tag);
    const pod: KObject = { spec: { containers: [{ name: 'c', image }] } };
    defaultPod(pod);
    expect(pod.spec.containers[0].imagePullPolicy).toBe(policy);
  });
  it('keeps an explicit policy', () => {
    const pod: KObject = { spec: { containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Never' }] } };
    defaultPod(pod);
    expect(pod.spec.containers[0].imagePullPolicy).toBe('Never');
  });
});

describe('defaultPod', () => {
  it('fills a `kubectl run nginx --image=nginx` pod like Kubernetes', () => {
    const pod: KObject = { metadata: { name: 'nginx', namespace: 'default' }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] } };
    defaultPod(pod);
    expect(pod.spec).toEqual({
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
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
    });
  });

  it('defaults requests to limits, probes, volumes and host ports', () => {
    const pod: KObject = {
      spec: {
        hostNetwork: true,
        containers: [
          {
            name: 'app',
            image: 'app:1',
            ports: [{ containerPort: 8080 }],
            resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
            livenessProbe: { httpGet: { port: 8080 } },
            env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
          },
        ],
        volumes: [{ name: 'a' }, { name: 'b', secret: { secretName: 's' } }, { name: 'c', hostPath: { path: '/x' } }],
      },
    };
    defaultPod(pod);
    const c = pod.spec.containers[0];
    expect(c.resources.requests).toEqual({ cpu: '500m', memory: '1Gi' });
    expect(c.ports[0]).toEqual({ containerPort: 8080, hostPort: 8080, protocol: 'TCP' });
    expect(c.livenessProbe).toEqual({ httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(c.env[0].valueFrom.fieldRef.apiVersion).toBe('v1');
    expect(pod.spec.volumes).toEqual([
      { name: 'a', emptyDir: {} },
      { name: 'b', secret: { secretName: 's', defaultMode: 420 } },
      { name: 'c', hostPath: { path: '/x', type: '' } },
    ]);
  });

  it('sets status and admission defaults on create', () => {
    const pod: KObject = { spec: { containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } };
    defaultPod(pod);
    defaultPodStatusOnCreate(pod);
    admitPodOnCreate(pod);
    expect(pod.status).toEqual({ phase: 'Pending', qosClass: 'Guaranteed' });
    expect(pod.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    expect([pod.spec.priority, pod.spec.preemptionPolicy]).toEqual([0, 'PreemptLowerPriority']);
  });
});

describe('apps/v1', () => {
  const template = () => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } });

  it('Deployment: 25% rolling update and template defaults (no Pod-only fields)', () => {
    const d: KObject = { spec: { selector: { matchLabels: { app: 'web' } }, template: template() } };
    defaultDeployment(d);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    expect([d.spec.replicas, d.spec.revisionHistoryLimit, d.spec.progressDeadlineSeconds]).toEqual([1, 10, 600]);
    const spec = d.spec.template.spec;
    expect(spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(spec.restartPolicy).toBe('Always');
    expect(spec.enableServiceLinks).toBeUndefined();
    expect(spec.serviceAccountName).toBeUndefined();
  });

  it('Deployment: Recreate gets no rollingUpdate', () => {
    const d: KObject = { spec: { strategy: { type: 'Recreate' }, template: template() } };
    defaultDeployment(d);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('DaemonSet: maxUnavailable 1, maxSurge 0', () => {
    const ds: KObject = { spec: { template: template() } };
    defaultDaemonSet(ds);
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  });

  it('StatefulSet: partition 0, Retain/Retain, PVC template defaults', () => {
    const sts: KObject = { spec: { template: template(), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] } };
    defaultStatefulSet(sts);
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
    expect(sts.spec.volumeClaimTemplates[0]).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    });
  });
});

describe('batch/v1', () => {
  const cases: [string, KObject, Record<string, unknown>][] = [
    ['both unset', {}, { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' }],
    ['completions only', { completions: 5 }, { completions: 5, parallelism: 1 }],
    ['parallelism only', { parallelism: 3 }, { completions: undefined, parallelism: 3 }],
    ['backoffLimitPerIndex', { completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1 }, { backoffLimit: 2147483647 }],
    ['podFailurePolicy', { podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }, { podReplacementPolicy: 'Failed' }],
  ];
  it.each(cases)('Job: %s', (_n, spec, want) => {
    const job: KObject = { metadata: { name: 'pi' }, spec: { ...spec, template: { metadata: { labels: { app: 'pi' } }, spec: { containers: [{ name: 'pi', image: 'perl' }] } } } };
    defaultJob(job);
    for (const [k, val] of Object.entries(want)) expect(job.spec[k]).toEqual(val);
    expect(job.metadata!.labels).toEqual({ app: 'pi' });
  });

  it('Job: podFailurePolicy condition status defaults to True', () => {
    const job: KObject = { spec: { podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } } };
    defaultJob(job);
    expect(job.spec.podFailurePolicy.rules[0].onPodConditions[0].status).toBe('True');
  });

  it('Job: generated selector', () => {
    const job: KObject = { metadata: { name: 'pi', uid: 'abc' }, spec: { template: { spec: {} } } };
    generateJobSelector(job);
    expect(job.spec.manualSelector).toBe(false);
    expect(job.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } });
    expect(job.spec.template.metadata.labels).toEqual({
      'job-name': 'pi',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': 'abc',
      'batch.kubernetes.io/controller-uid': 'abc',
    });
  });

  it('CronJob: constants and pod template defaults only', () => {
    const cj: KObject = { spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } } };
    defaultCronJob(cj);
    expect([cj.spec.concurrencyPolicy, cj.spec.suspend, cj.spec.successfulJobsHistoryLimit, cj.spec.failedJobsHistoryLimit]).toEqual(['Allow', false, 3, 1]);
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBeUndefined();
    expect(cj.spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
  });
});

describe('core/v1', () => {
  const svc = (spec: Record<string, unknown>): KObject => {
    const s: KObject = { spec: { ports: [{ port: 80 }], ...spec } };
    defaultService(s);
    return s;
  };
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'ClusterIP',
      { selector: { app: 'web' } },
      { type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'], externalTrafficPolicy: undefined },
    ],
    ['NodePort', { type: 'NodePort' }, { externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: undefined }],
    ['LoadBalancer', { type: 'LoadBalancer' }, { externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true }],
    ['ExternalName', { type: 'ExternalName', externalName: 'example.com' }, { internalTrafficPolicy: undefined, ipFamilies: undefined, ipFamilyPolicy: undefined }],
    ['headless without selector', { clusterIP: 'None' }, { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4'] }],
    ['ClientIP affinity', { sessionAffinity: 'ClientIP' }, { sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } }],
    ['None affinity drops config', { sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } }, { sessionAffinityConfig: undefined }],
  ];
  it.each(cases)('Service: %s', (_n, spec, want) => {
    const s = svc(spec);
    expect(s.spec.ports[0]).toEqual({ port: 80, protocol: 'TCP', targetPort: 80 });
    for (const [k, val] of Object.entries(want)) expect(s.spec[k]).toEqual(val);
  });

  it('Namespace: label, phase and the kubernetes finalizer', () => {
    const ns: KObject = { metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'wrong' } } };
    defaultNamespace(ns);
    defaultNamespaceOnCreate(ns);
    expect(ns).toEqual({
      metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  });

  it('Node: allocatable defaults to capacity', () => {
    const node: KObject = { status: { capacity: { cpu: '2', pods: '110' } } };
    defaultNode(node);
    expect(node.status.allocatable).toEqual({ cpu: '2', pods: '110' });
    const kept: KObject = { status: { capacity: { cpu: '2' }, allocatable: { cpu: '1900m' } } };
    defaultNode(kept);
    expect(kept.status.allocatable).toEqual({ cpu: '1900m' });
  });

  it('EndpointSlice ports and Secret type', () => {
    const es: KObject = { ports: [{ port: 80 }] };
    defaultEndpointSlice(es);
    expect(es.ports).toEqual([{ port: 80, name: '', protocol: 'TCP' }]);
    const s: KObject = {};
    defaultSecret(s);
    expect(s.type).toBe('Opaque');
  });
});
