import { describe, expect, it } from 'vitest';
import {
  defaultCronJob,
  defaultDaemonSet,
  defaultDeployment,
  defaultJob,
  defaultReplicaSet,
  defaultStatefulSet,
  generateJobSelector,
} from '../../src/apis/defaults/builtin.js';
import type { KObject } from '../../src/apis/object.js';
import { errorMessage, type FieldError } from '../../src/apis/validation/field.js';
import {
  validateCronJob,
  validateDaemonSet,
  validateDaemonSetUpdate,
  validateDeployment,
  validateDeploymentStatusUpdate,
  validateDeploymentUpdate,
  validateJob,
  validateJobUpdate,
  validateReplicaSet,
  validateReplicaSetStatusUpdate,
  validateStatefulSet,
  validateStatefulSetStatusUpdate,
  validateStatefulSetUpdate,
} from '../../src/apis/validation/workloads.js';

const msgs = (errs: FieldError[]) => errs.map(errorMessage);

const template = (labels: Record<string, string>) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] },
});

/** What `kubectl create deployment web --image=nginx` sends, after defaulting. */
function deployment(mutate?: (d: KObject) => void): KObject {
  const d: KObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, strategy: {}, template: template({ app: 'web' }) },
  };
  defaultDeployment(d);
  mutate?.(d);
  return d;
}

describe('Deployment', () => {
  it('accepts a defaulted deployment', () => expect(validateDeployment(deployment())).toEqual([]));

  const cases: [string, (d: KObject) => void, string[]][] = [
    ['negative replicas', (d) => (d.spec.replicas = -1), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    [
      'selector does not match',
      (d) => (d.spec.template.metadata.labels = { app: 'x' }),
      ['spec.template.metadata.labels: Invalid value: {"app":"x"}: `selector` does not match template `labels`'],
    ],
    [
      'selector missing',
      (d) => delete d.spec.selector,
      ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`'],
    ],
    ['empty selector', (d) => (d.spec.selector = {}), ['spec.selector: Invalid value: {}: empty selector is invalid for deployment']],
    [
      'Recreate with rollingUpdate',
      (d) => (d.spec.strategy.type = 'Recreate'),
      ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    ],
    [
      'maxSurge and maxUnavailable both 0',
      (d) => (d.spec.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: '0%' }),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0'],
    ],
    [
      'maxUnavailable above 100%',
      (d) => (d.spec.strategy.rollingUpdate.maxUnavailable = '150%'),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%'],
    ],
    [
      'maxSurge not a percentage',
      (d) => (d.spec.strategy.rollingUpdate.maxSurge = 'lots'),
      [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"lots\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      ],
    ],
    [
      'strategy type',
      (d) => (d.spec.strategy = { type: 'BlueGreen' }),
      ['spec.strategy: Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"'],
    ],
    [
      'restartPolicy Never',
      (d) => (d.spec.template.spec.restartPolicy = 'Never'),
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    ['minReadySeconds', (d) => (d.spec.minReadySeconds = -5), ['spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0']],
    ['revisionHistoryLimit', (d) => (d.spec.revisionHistoryLimit = -1), ['spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0']],
    [
      'progressDeadlineSeconds not above minReadySeconds',
      (d) => {
        d.spec.minReadySeconds = 30;
        d.spec.progressDeadlineSeconds = 30;
      },
      ['spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds'],
    ],
    ['container without image', (d) => delete d.spec.template.spec.containers[0].image, ['spec.template.spec.containers[0].image: Required value']],
    [
      'bad template label',
      (d) => {
        d.spec.template.metadata.labels['bad key'] = 'x';
      },
      [
        "spec.template.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
  ];
  it.each(cases)('%s', (_n, mutate, want) => expect(msgs(validateDeployment(deployment(mutate)))).toEqual(want));

  it('keeps the selector on update', () => {
    const old = deployment();
    const d = deployment((x) => {
      x.spec.selector = { matchLabels: { app: 'web2' } };
      x.spec.template.metadata.labels = { app: 'web2' };
    });
    expect(msgs(validateDeploymentUpdate(d, old))).toEqual(['spec.selector: Invalid value: {"matchLabels":{"app":"web2"}}: field is immutable']);
    expect(validateDeploymentUpdate(d, old, { allowSelectorChange: true })).toEqual([]);
    expect(validateDeploymentUpdate(deployment((x) => (x.spec.replicas = 3)), old)).toEqual([]);
  });

  it('validates status counters', () => {
    const old = deployment();
    const d = deployment((x) => (x.status = { replicas: 1, readyReplicas: 3, availableReplicas: 1, updatedReplicas: -1 }));
    expect(msgs(validateDeploymentStatusUpdate(d, old))).toEqual([
      'status.updatedReplicas: Invalid value: -1: must be greater than or equal to 0',
      'status.readyReplicas: Invalid value: 3: cannot be greater than status.replicas',
    ]);
  });
});

describe('ReplicaSet', () => {
  const rs = (mutate?: (o: KObject) => void) => {
    const o: KObject = {
      metadata: { name: 'web-5d8f', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d8f' } }, template: template({ app: 'web', 'pod-template-hash': '5d8f' }) },
    };
    defaultReplicaSet(o);
    mutate?.(o);
    return o;
  };
  it('accepts a valid replica set', () => expect(validateReplicaSet(rs())).toEqual([]));
  it('says "deployment" about empty selectors, like Kubernetes', () =>
    expect(msgs(validateReplicaSet(rs((o) => (o.spec.selector = {}))))).toEqual(['spec.selector: Invalid value: {}: empty selector is invalid for deployment']));
  it('checks status', () =>
    expect(msgs(validateReplicaSetStatusUpdate(rs((o) => (o.status = { replicas: 2, readyReplicas: 1, availableReplicas: 2 })), rs()))).toEqual([
      'status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas',
    ]));
});

describe('DaemonSet', () => {
  const ds = (mutate?: (o: KObject) => void) => {
    const o: KObject = { metadata: { name: 'agent', namespace: 'kube-system' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template({ app: 'agent' }) } };
    defaultDaemonSet(o);
    mutate?.(o);
    return o;
  };
  it('accepts a defaulted daemon set', () => expect(validateDaemonSet(ds())).toEqual([]));
  const cases: [string, (o: KObject) => void, string[]][] = [
    [
      'maxSurge and maxUnavailable both set',
      (o) => (o.spec.updateStrategy.rollingUpdate = { maxUnavailable: 1, maxSurge: 1 }),
      ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero'],
    ],
    [
      'both zero',
      (o) => (o.spec.updateStrategy.rollingUpdate = { maxUnavailable: 0, maxSurge: 0 }),
      ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'],
    ],
    [
      'missing selector',
      (o) => delete o.spec.selector,
      ['spec.template.metadata.labels: Invalid value: {"app":"agent"}: `selector` does not match template `labels`'],
    ],
    ['restartPolicy', (o) => (o.spec.template.spec.restartPolicy = 'OnFailure'), ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"']],
  ];
  it.each(cases)('%s', (_n, mutate, want) => expect(msgs(validateDaemonSet(ds(mutate)))).toEqual(want));
  it('keeps the selector on update', () => {
    const d = ds((o) => (o.spec.selector.matchExpressions = [{ key: 'app', operator: 'Exists' }]));
    expect(msgs(validateDaemonSetUpdate(d, ds()))).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"app":"agent"},"matchExpressions":[{"key":"app","operator":"Exists"}]}: field is immutable',
    ]);
  });
});

describe('StatefulSet', () => {
  const sts = (mutate?: (o: KObject) => void) => {
    const o: KObject = {
      metadata: { name: 'db', namespace: 'default' },
      spec: { serviceName: 'db', replicas: 3, selector: { matchLabels: { app: 'db' } }, template: template({ app: 'db' }) },
    };
    defaultStatefulSet(o);
    mutate?.(o);
    return o;
  };
  it('accepts a defaulted stateful set', () => expect(validateStatefulSet(sts())).toEqual([]));
  it('names are DNS labels', () =>
    expect(msgs(validateStatefulSet(sts((o) => (o.metadata!.name = 'db.v1'))))).toEqual(['metadata.name: Invalid value: "db.v1": must not contain dots']));
  it('does not validate the pod spec of its template, like Kubernetes', () =>
    expect(validateStatefulSet(sts((o) => delete o.spec.template.spec.containers[0].image))).toEqual([]));
  it('podManagementPolicy', () =>
    expect(msgs(validateStatefulSet(sts((o) => (o.spec.podManagementPolicy = 'Random'))))).toEqual([
      "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
    ]));
  it('allows replicas, template and strategy updates only', () => {
    const old = sts();
    expect(validateStatefulSetUpdate(sts((o) => (o.spec.replicas = 5)), old)).toEqual([]);
    expect(msgs(validateStatefulSetUpdate(sts((o) => (o.spec.serviceName = 'other')), old))).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });
  it('checks status', () =>
    expect(msgs(validateStatefulSetStatusUpdate(sts((o) => (o.status = { replicas: 1, readyReplicas: 2, availableReplicas: 2 })), sts()))).toEqual([
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas',
    ]));
});

describe('Job', () => {
  /** `kubectl create job pi --image=perl` after defaulting and selector generation. */
  const job = (mutate?: (o: KObject) => void) => {
    const o: KObject = {
      metadata: { name: 'pi', namespace: 'default', uid: 'c0ffee' },
      spec: { template: { metadata: {}, spec: { containers: [{ name: 'pi', image: 'perl', resources: {} }], restartPolicy: 'Never' } } },
    };
    defaultJob(o);
    generateJobSelector(o);
    mutate?.(o);
    return o;
  };
  it('accepts a defaulted job', () => expect(validateJob(job())).toEqual([]));
  const cases: [string, (o: KObject) => void, string[]][] = [
    [
      'restartPolicy Always',
      (o) => (o.spec.template.spec.restartPolicy = 'Always'),
      ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ],
    ['negative parallelism', (o) => (o.spec.parallelism = -1), ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0']],
    ['negative backoffLimit', (o) => (o.spec.backoffLimit = -1), ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0']],
    [
      'generated label changed',
      (o) => (o.spec.template.metadata.labels['batch.kubernetes.io/job-name'] = 'other'),
      [
        `spec.template.metadata.labels[batch.kubernetes.io/job-name]: Invalid value: {"job-name":"pi","batch.kubernetes.io/job-name":"other","controller-uid":"c0ffee","batch.kubernetes.io/controller-uid":"c0ffee"}: must be 'pi'`,
      ],
    ],
    ['Indexed without completions', (o) => ((o.spec.completionMode = 'Indexed'), delete o.spec.completions), ['spec.completions: Required value: when completion mode is Indexed']],
  ];
  it.each(cases)('%s', (_n, mutate, want) => expect(msgs(validateJob(job(mutate)))).toEqual(want));

  it('manual selectors must match the template', () => {
    const o = job((x) => {
      x.spec.manualSelector = true;
      x.spec.selector = { matchLabels: { app: 'pi' } };
    });
    expect(msgs(validateJob(o))[0]).toMatch(/^spec\.template\.metadata\.labels: Invalid value: .*: `selector` does not match template `labels`$/);
  });

  it('template and selector are immutable', () => {
    const old = job();
    const o = job((x) => (x.spec.template.spec.containers[0].image = 'perl:5'));
    expect(msgs(validateJobUpdate(o, old))[0]).toMatch(/^spec\.template: Invalid value: .*: field is immutable$/);
    expect(validateJobUpdate(job((x) => (x.spec.parallelism = 3)), old)).toEqual([]);
  });

  it('a suspended Job that never started may change scheduling directives', () => {
    const old = job((x) => (x.spec.suspend = true));
    const o = job((x) => {
      x.spec.suspend = true;
      x.spec.template.spec.nodeSelector = { disk: 'ssd' };
    });
    expect(validateJobUpdate(o, old)).toEqual([]);
  });
});

describe('CronJob', () => {
  const cj = (mutate?: (o: KObject) => void) => {
    const o: KObject = {
      metadata: { name: 'backup', namespace: 'default' },
      spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'b', image: 'busybox' }], restartPolicy: 'OnFailure' } } } } },
    };
    defaultCronJob(o);
    mutate?.(o);
    return o;
  };
  it('accepts a defaulted cron job', () => expect(validateCronJob(cj())).toEqual([]));
  it('rejects bad schedules', () => {
    expect(msgs(validateCronJob(cj((o) => (o.spec.schedule = 'every minute'))))).toEqual([
      'spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]',
    ]);
    expect(msgs(validateCronJob(cj((o) => (o.spec.schedule = '61 * * * *'))))).toEqual(['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']);
  });
  it('rejects names over 52 characters', () =>
    expect(msgs(validateCronJob(cj((o) => (o.metadata!.name = 'a'.repeat(53)))))).toEqual([`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`]));
});
