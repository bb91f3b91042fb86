/**
 * Schemas of batch/v1 (io.k8s.api.batch.v1): Job and CronJob.
 *
 * List semantics, required fields and enums follow Kubernetes 1.33. JobSpec carries no schema
 * `default`s on purpose: Kubernetes applies the Job defaults (SetDefaults_Job) to Job objects
 * only, never to CronJob.spec.jobTemplate.spec, and both share io.k8s.api.batch.v1.JobSpec.
 * Those defaults are listed at the end of the file for the defaulting code.
 */
import {
  arr,
  atomicList,
  bool,
  def,
  int32,
  int64,
  kindObj,
  labelSelector,
  listObj,
  obj,
  objectMeta,
  ref,
  setList,
  str,
  time,
} from '../schema/builders.js';

const B = 'io.k8s.api.batch.v1';
const gvk = (kind: string) => ({ group: 'batch', version: 'v1', kind });

// ---------------------------------------------------------------------------------------------
// Pod failure policy and success policy
// ---------------------------------------------------------------------------------------------

def(
  `${B}.PodFailurePolicyOnExitCodesRequirement`,
  obj(
    {
      containerName: str('Only check the exit code of the container (or init container) with this name; when unset, every container is checked.'),
      operator: str(
        'How exit codes relate to values: In matches when some checked exit code is in values, NotIn when some checked exit code is not. Exit code 0 never counts.',
        { enum: ['In', 'NotIn'] },
      ),
      values: setList(int32(), 'Exit codes to compare against: sorted, without duplicates, 1 to 255 entries; 0 is not allowed with In.'),
    },
    {
      description: 'PodFailurePolicyOnExitCodesRequirement matches a failed pod by the exit codes of its terminated containers.',
      required: ['operator', 'values'],
    },
  ),
);

def(
  `${B}.PodFailurePolicyOnPodConditionsPattern`,
  obj(
    {
      status: str('Pod condition status that must match (True, False or Unknown). Defaults to True.'),
      type: str('Pod condition type that must match, for example DisruptionTarget.'),
    },
    { description: 'PodFailurePolicyOnPodConditionsPattern matches a failed pod by one of its conditions.', required: ['type', 'status'] },
  ),
);

def(
  `${B}.PodFailurePolicyRule`,
  obj(
    {
      action: str(
        'What to do when the rule matches: FailJob fails the whole Job, FailIndex fails only the pod index (needs backoffLimitPerIndex), Ignore does not count the failure against backoffLimit, Count counts it as usual.',
        { enum: ['Count', 'FailIndex', 'FailJob', 'Ignore'] },
      ),
      onExitCodes: ref(`${B}.PodFailurePolicyOnExitCodesRequirement`, 'Match on container exit codes.'),
      onPodConditions: atomicList(
        ref(`${B}.PodFailurePolicyOnPodConditionsPattern`),
        'Match when any of these patterns matches a condition of the pod (at most 20).',
      ),
    },
    {
      description: 'PodFailurePolicyRule maps failed pods matching a requirement to an action. Exactly one of onExitCodes and onPodConditions is set.',
      required: ['action'],
    },
  ),
);

def(
  `${B}.PodFailurePolicy`,
  obj(
    {
      rules: atomicList(
        ref(`${B}.PodFailurePolicyRule`),
        'Rules checked in order against every failed pod; the first match decides, and a pod matching none is counted against backoffLimit. At most 20.',
      ),
    },
    { description: 'PodFailurePolicy decides how pod failures affect the Job.', required: ['rules'] },
  ),
);

def(
  `${B}.SuccessPolicyRule`,
  obj(
    {
      succeededCount: int32('How many of the selected indexes (all indexes when succeededIndexes is unset) must succeed.'),
      succeededIndexes: str(
        'Indexes that must all succeed, written as comma-separated numbers and ranges such as "1,3-5,7", within 0 to completions-1.',
      ),
    },
    'SuccessPolicyRule declares a Job successful once enough indexes have succeeded. At least one of its fields must be set.',
  ),
);

def(
  `${B}.SuccessPolicy`,
  obj(
    {
      rules: atomicList(
        ref(`${B}.SuccessPolicyRule`),
        'Alternative rules checked in order; when one is met the Job gets SuccessCriteriaMet, remaining pods are stopped and the Job completes. 1 to 20 rules.',
      ),
    },
    { description: 'SuccessPolicy lets an Indexed Job succeed before all of its indexes have completed.', required: ['rules'] },
  ),
);

// ---------------------------------------------------------------------------------------------
// Job
// ---------------------------------------------------------------------------------------------

def(
  `${B}.JobSpec`,
  obj(
    {
      activeDeadlineSeconds: int64('Seconds the Job may stay active, counted from startTime, before it is terminated and marked failed. The timer stops while the Job is suspended.'),
      backoffLimit: int32('Number of retries before the Job is marked failed. Defaults to 6.'),
      backoffLimitPerIndex: int32(
        'Retries allowed per index before that index is marked failed; only for Indexed Jobs whose pods use restartPolicy Never. Immutable.',
      ),
      completionMode: str(
        'How completions are tracked: NonIndexed (any completions successful pods finish the Job) or Indexed (one successful pod per index 0..completions-1).',
        { enum: ['Indexed', 'NonIndexed'] },
      ),
      completions: int32('Number of successfully finished pods the Job needs; null means the first success finishes the Job.'),
      managedBy: str(
        'Controller that reconciles the Job; the built-in controller only handles Jobs without it or with kubernetes.io/job-controller. Immutable, at most 63 characters.',
      ),
      manualSelector: bool(
        'When true, the user chooses selector and pod labels instead of the system generating unique ones. Leave unset unless you know you need it.',
      ),
      maxFailedIndexes: int32('Failed indexes tolerated before the whole Job is failed; requires backoffLimitPerIndex.'),
      parallelism: int32('Maximum number of pods running at once.'),
      podFailurePolicy: ref(`${B}.PodFailurePolicy`, 'How failed pods count against the Job; cannot be used with restartPolicy OnFailure.'),
      podReplacementPolicy: str(
        'When a replacement pod is created: TerminatingOrFailed (as soon as the old pod is terminating) or Failed (only once it has fully terminated). Must be Failed when podFailurePolicy is set.',
        { enum: ['Failed', 'TerminatingOrFailed'] },
      ),
      selector: labelSelector('Selects the pods of this Job; normally generated by the system.'),
      successPolicy: ref(`${B}.SuccessPolicy`, 'Lets an Indexed Job succeed before every index completed. Immutable.'),
      suspend: bool('When true, no pods are created and running pods are deleted; resuming restarts the activeDeadlineSeconds timer. Defaults to false.'),
      template: ref('io.k8s.api.core.v1.PodTemplateSpec', 'The pod run by the Job. Its restartPolicy must be Never or OnFailure.'),
      ttlSecondsAfterFinished: int32('Seconds after the Job finishes (Complete or Failed) before it may be deleted automatically; unset means never.'),
    },
    { description: 'JobSpec is the desired behaviour of a Job.', required: ['template'] },
  ),
);

def(
  `${B}.JobCondition`,
  obj(
    {
      lastProbeTime: time('When the condition was last checked.'),
      lastTransitionTime: time('When the condition last moved from one status to another.'),
      message: str('Human-readable details about the last transition.'),
      reason: str('A short CamelCase cause of the last transition.'),
      status: str('Status of the condition: True, False or Unknown.'),
      type: str('Kind of job condition, such as Complete, Failed, Suspended, FailureTarget or SuccessCriteriaMet.'),
    },
    { description: 'JobCondition describes one aspect of the state of a Job.', required: ['type', 'status'] },
  ),
);

def(
  `${B}.UncountedTerminatedPods`,
  obj(
    {
      failed: setList(str(), 'UIDs of failed pods not yet counted in status.failed.'),
      succeeded: setList(str(), 'UIDs of succeeded pods not yet counted in status.succeeded.'),
    },
    'UncountedTerminatedPods lists pods that finished but are not yet included in the Job status counters.',
  ),
);

def(
  `${B}.JobStatus`,
  obj(
    {
      active: int32('Pending and running pods that are not terminating; 0 once the Job has finished.'),
      completedIndexes: str('Completed indexes of an Indexed Job, written as comma-separated numbers and ranges such as "1,3-5,7".'),
      completionTime: time('When the Job completed successfully; set only on success.'),
      conditions: arr(ref(`${B}.JobCondition`), {
        description:
          'Latest observations of the Job. A finished Job has a Complete or Failed condition with status True; a suspended one has Suspended.',
        listType: 'atomic',
        patchStrategy: 'merge',
        patchMergeKey: 'type',
      }),
      failed: int32('Pods that reached phase Failed.'),
      failedIndexes: str('Failed indexes when backoffLimitPerIndex is set, in the same format as completedIndexes.'),
      ready: int32('Active pods with a Ready condition that are not terminating.'),
      startTime: time('When the job controller started processing the Job; reset each time a suspended Job resumes.'),
      succeeded: int32('Pods that reached phase Succeeded.'),
      terminating: int32('Pods that are terminating: pending or running with a deletionTimestamp.'),
      uncountedTerminatedPods: ref(`${B}.UncountedTerminatedPods`, 'Finished pods the controller has not yet added to the counters.'),
    },
    'JobStatus is the most recently observed state of a Job.',
  ),
);

def(
  `${B}.Job`,
  kindObj(gvk('Job'), 'Job runs pods until a given number of them complete successfully.', {
    spec: ref(`${B}.JobSpec`, 'The desired behaviour of the Job.'),
    status: ref(`${B}.JobStatus`, 'The most recently observed state of the Job.'),
  }),
);
def(`${B}.JobList`, listObj(gvk('JobList'), `${B}.Job`, 'JobList is a list of Jobs.'));

// ---------------------------------------------------------------------------------------------
// CronJob
// ---------------------------------------------------------------------------------------------

def(
  `${B}.JobTemplateSpec`,
  obj(
    {
      metadata: objectMeta(),
      spec: ref(`${B}.JobSpec`, 'The desired behaviour of the Jobs created from this template.'),
    },
    'JobTemplateSpec is the template of the Jobs a CronJob creates.',
  ),
);

def(
  `${B}.CronJobSpec`,
  obj(
    {
      concurrencyPolicy: str(
        'What to do when a run is due while a previous Job is still running: Allow runs both, Forbid skips the new run, Replace stops the old Job.',
        { enum: ['Allow', 'Forbid', 'Replace'], default: 'Allow' },
      ),
      failedJobsHistoryLimit: int32('How many failed finished Jobs are kept.', { default: 1 }),
      jobTemplate: ref(`${B}.JobTemplateSpec`, 'The Job created at each scheduled time.'),
      schedule: str('When to run, in cron syntax, for example "*/5 * * * *".'),
      startingDeadlineSeconds: int64('Seconds after a missed scheduled time during which the Job may still be started; missed runs count as failed.'),
      successfulJobsHistoryLimit: int32('How many successful finished Jobs are kept.', { default: 3 }),
      suspend: bool('When true, no new runs are started; Jobs already running are not affected.', { default: false }),
      timeZone: str(
        'IANA time zone name (such as "Europe/Paris") the schedule is interpreted in; defaults to the time zone of the kube-controller-manager.',
      ),
    },
    { description: 'CronJobSpec describes which Job to run and when.', required: ['schedule', 'jobTemplate'] },
  ),
);

def(
  `${B}.CronJobStatus`,
  obj(
    {
      active: atomicList(ref('io.k8s.api.core.v1.ObjectReference'), 'References to the Jobs of this CronJob that are currently running.'),
      lastScheduleTime: time('When a Job was last scheduled.'),
      lastSuccessfulTime: time('When a Job last completed successfully.'),
    },
    'CronJobStatus is the most recently observed state of a CronJob.',
  ),
);

def(
  `${B}.CronJob`,
  kindObj(gvk('CronJob'), 'CronJob creates Jobs on a repeating schedule.', {
    spec: ref(`${B}.CronJobSpec`, 'The Job to run and its schedule.'),
    status: ref(`${B}.CronJobStatus`, 'The most recently observed state of the CronJob.'),
  }),
);
def(`${B}.CronJobList`, listObj(gvk('CronJobList'), `${B}.CronJob`, 'CronJobList is a list of CronJobs.'));

/*
 * Defaults for the defaulting code (Kubernetes 1.33, pkg/apis/batch/v1/defaults.go).
 *
 * Job only — SetDefaults_Job runs for Job objects, NOT for CronJob.spec.jobTemplate.spec (a real
 * CronJob keeps its jobTemplate.spec free of backoffLimit, completionMode, ...). Because JobSpec is
 * shared, none of these is a schema `default`:
 *   constant (for Job.spec):
 *     - spec.completionMode ??= 'NonIndexed'
 *     - spec.suspend ??= false
 *     - spec.backoffLimit ??= 6            (but 2147483647 when spec.backoffLimitPerIndex is set)
 *   conditional:
 *     - if spec.completions and spec.parallelism are both unset: completions = 1, parallelism = 1
 *     - else spec.parallelism ??= 1        (completions stays unset: "any success finishes the Job")
 *     - spec.podReplacementPolicy ??= (spec.podFailurePolicy set ? 'Failed' : 'TerminatingOrFailed')
 *         (JobPodReplacementPolicy gate, beta and on by default in 1.33)
 *     - every spec.podFailurePolicy.rules[].onPodConditions[].status ??= 'True'
 *     - if the Job has no labels (metadata.labels empty) and spec.template.metadata.labels is set:
 *         metadata.labels = copy of spec.template.metadata.labels
 *   on create (Job storage; unverified whether Kubernetes does this in SetDefaults_Job or in the
 *   create strategy — either way Job-only):
 *     - spec.manualSelector ??= false (real 1.33 responses for new Jobs show manualSelector: false);
 *       when it is not true the server generates spec.selector
 *       {matchLabels: {batch.kubernetes.io/controller-uid: <uid>}} and adds
 *       batch.kubernetes.io/controller-uid, batch.kubernetes.io/job-name, controller-uid and
 *       job-name labels to spec.template.metadata.labels.
 *
 * CronJob (SetDefaults_CronJob) — all constant, expressed as schema defaults above:
 *   concurrencyPolicy 'Allow', suspend false, successfulJobsHistoryLimit 3, failedJobsHistoryLimit 1.
 *   The pod template inside jobTemplate still gets the core Pod defaults.
 */
