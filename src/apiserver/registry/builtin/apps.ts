/** apps/v1 and batch/v1 workloads. */
import type { KObject } from '../../../apis/object.js';
import {
  defaultCronJob,
  defaultDaemonSet,
  defaultDeployment,
  defaultJob,
  defaultReplicaSet,
  defaultStatefulSet,
  generateJobSelector,
} from '../../../apis/defaults/builtin.js';
import * as v from '../../../apis/validation/workloads.js';
import * as printers from '../../printers/builtin.js';
import type { ResourceType } from '../types.js';
import { defineBuiltin } from './define.js';

const ALL = ['all'];

/** Status as Go serializes a zero-valued status struct (non-omitempty fields appear as 0). */
const EMPTY_STATUS: Record<string, () => KObject> = {
  Deployment: () => ({}),
  ReplicaSet: () => ({ replicas: 0 }),
  DaemonSet: () => ({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }),
  StatefulSet: () => ({ replicas: 0, availableReplicas: 0 }),
  Job: () => ({}),
  CronJob: () => ({}),
};

const resetStatus = (o: KObject) => {
  o.status = EMPTY_STATUS[o.kind ?? '']?.() ?? {};
};

export function appsResources(): ResourceType[] {
  return [
    defineBuiltin({
      group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', definition: 'io.k8s.api.apps.v1.Deployment',
      namespaced: true, shortNames: ['deploy'], categories: ALL, status: true, scale: true,
      strategy: {
        generation: 'spec-and-annotations',
        statusUpdatesAnnotations: true,
        defaults: defaultDeployment,
        prepareForCreate: resetStatus,
        validate: (o) => v.validateDeployment(o),
        validateUpdate: (o, old) => v.validateDeploymentUpdate(o, old),
        validateStatusUpdate: (o, old) => v.validateDeploymentStatusUpdate(o, old),
      },
      table: printers.deploymentPrinter,
    }),
    defineBuiltin({
      group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', definition: 'io.k8s.api.apps.v1.ReplicaSet',
      namespaced: true, shortNames: ['rs'], categories: ALL, status: true, scale: true,
      strategy: {
        generation: 'spec',
        defaults: defaultReplicaSet,
        prepareForCreate: resetStatus,
        validate: (o) => v.validateReplicaSet(o),
        validateUpdate: (o, old) => v.validateReplicaSetUpdate(o, old),
        validateStatusUpdate: (o, old) => v.validateReplicaSetStatusUpdate(o, old),
      },
      table: printers.replicaSetPrinter,
      fieldSelectors: { 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
    }),
    defineBuiltin({
      group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', definition: 'io.k8s.api.apps.v1.DaemonSet',
      namespaced: true, shortNames: ['ds'], categories: ALL, status: true,
      strategy: {
        generation: 'spec',
        defaults: defaultDaemonSet,
        prepareForCreate: resetStatus,
        validate: (o) => v.validateDaemonSet(o),
        validateUpdate: (o, old) => v.validateDaemonSetUpdate(o, old),
        validateStatusUpdate: (o, old) => v.validateDaemonSetStatusUpdate(o, old),
      },
      table: printers.daemonSetPrinter,
    }),
    defineBuiltin({
      group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', definition: 'io.k8s.api.apps.v1.StatefulSet',
      namespaced: true, shortNames: ['sts'], categories: ALL, status: true, scale: true,
      strategy: {
        generation: 'spec',
        defaults: defaultStatefulSet,
        prepareForCreate: resetStatus,
        validate: (o) => v.validateStatefulSet(o),
        validateUpdate: (o, old) => v.validateStatefulSetUpdate(o, old),
        validateStatusUpdate: (o, old) => v.validateStatefulSetStatusUpdate(o, old),
      },
      table: printers.statefulSetPrinter,
    }),
    defineBuiltin({
      group: 'apps', version: 'v1', resource: 'controllerrevisions', kind: 'ControllerRevision', definition: 'io.k8s.api.apps.v1.ControllerRevision',
      namespaced: true, table: printers.controllerRevisionPrinter,
    }),
    defineBuiltin({
      group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', definition: 'io.k8s.api.batch.v1.Job',
      namespaced: true, categories: ALL, status: true,
      strategy: {
        generation: 'spec',
        defaults: defaultJob,
        prepareForCreate: (job) => {
          resetStatus(job);
          generateJobSelector(job);
          // Job defaulting gives an unlabelled Job its pod template's labels.
          const m = job.metadata!;
          if (!m.labels || Object.keys(m.labels).length === 0) m.labels = { ...(job.spec?.template?.metadata?.labels ?? {}) };
        },
        validate: (o) => v.validateJob(o),
        validateUpdate: (o, old) => v.validateJobUpdate(o, old),
        validateStatusUpdate: (o, old) => v.validateJobStatusUpdate(o, old),
      },
      table: printers.jobPrinter,
      fieldSelectors: { 'status.successful': (o) => String(o.status?.succeeded ?? 0) },
    }),
    defineBuiltin({
      group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', definition: 'io.k8s.api.batch.v1.CronJob',
      namespaced: true, shortNames: ['cj'], categories: ALL, status: true,
      strategy: {
        generation: 'spec',
        defaults: defaultCronJob,
        prepareForCreate: resetStatus,
        validate: (o) => v.validateCronJob(o),
        validateUpdate: (o, old) => v.validateCronJobUpdate(o, old),
      },
      table: printers.cronJobPrinter,
    }),
  ];
}
