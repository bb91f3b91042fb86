/**
 * Workload validation after pkg/apis/apps/validation and pkg/apis/batch/validation (and the
 * selector immutability the apps/v1 registry strategies add), Kubernetes 1.33.
 */
import { cronScheduleError } from '../batch/cron.js';
import type { KObject } from '../object.js';
import { deepEqual, isPlainObject } from '../object.js';
import { FieldPath, forbidden, invalid, notSupported, required, tooLong, tooMany, type FieldError } from './field.js';
import { isDNS1123Label, isDomainPrefixedPath, isValidPercent } from './names.js';
import { labelSelectorConvertible, labelSelectorIsEmpty, labelSelectorMatches, validateLabelSelector, type LabelSelector } from '../meta/labels.js';
import {
  validateAnnotations,
  validateImmutable,
  validateLabels,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './objectmeta.js';
import { validatePodSpecificAnnotations, validatePodTemplateSpec, type PodValidationOptions } from './pod.js';

type Obj = Record<string, any>;
const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const SPEC = FieldPath.root('spec');
const STATUS = FieldPath.root('status');
const META = FieldPath.root('metadata');

export interface WorkloadValidationOptions extends PodValidationOptions {
  /**
   * The request came through a legacy group version (extensions/v1beta1, apps/v1beta2) that
   * still allows changing spec.selector. apps/v1 forbids it.
   */
  allowSelectorChange?: boolean;
}

const namespacedMeta = (o: KObject, rule: 'dns1123-subdomain' | 'dns1123-label' = 'dns1123-subdomain') =>
  validateObjectMeta(o.metadata ?? {}, { namespaced: true, nameRule: rule });

const labelsOf = (template: Obj | undefined): Record<string, string> | undefined => obj(template?.metadata).labels;

const selectorMismatch = (path: FieldPath, template: Obj | undefined) =>
  invalid(path.child('metadata', 'labels'), labelsOf(template) ?? null, '`selector` does not match template `labels`');

/** Selector required, valid and not empty (Deployments, ReplicaSets, StatefulSets). */
function validateRequiredSelector(sel: LabelSelector | undefined, path: FieldPath, kind: string): FieldError[] {
  if (!sel) return [required(path, '')];
  const errs = validateLabelSelector(sel, path);
  if (labelSelectorIsEmpty(sel)) errs.push(invalid(path, sel, `empty selector is invalid for ${kind}`));
  return errs;
}

/** The selector as metav1.LabelSelectorAsSelector sees it: nil matches nothing, {} everything. */
function templateSelectorErrors(sel: LabelSelector | undefined, template: Obj | undefined, path: FieldPath): FieldError[] {
  if (labelSelectorIsEmpty(sel)) return [];
  return labelSelectorMatches(sel, labelsOf(template)) ? [] : [selectorMismatch(path, template)];
}

function collisionCountDecremented(newStatus: Obj | undefined, oldStatus: Obj | undefined): FieldError[] {
  const n = newStatus?.collisionCount;
  const o = oldStatus?.collisionCount;
  if (typeof o === 'number' && (typeof n !== 'number' || n < o)) {
    return [invalid(STATUS.child('collisionCount'), typeof n === 'number' ? n : 0, 'cannot be decremented')];
  }
  return [];
}

function selectorImmutable(o: KObject, old: KObject, opts: WorkloadValidationOptions): FieldError[] {
  return opts.allowSelectorChange ? [] : validateImmutable(o.spec?.selector, old.spec?.selector, SPEC.child('selector'));
}

// --- Int-or-percent fields -----------------------------------------------------------------------

function validatePositiveIntOrPercent(v: unknown, path: FieldPath): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalid(path, v, m));
  if (typeof v === 'number') return validateNonnegative(v, path);
  return [];
}

/** getIntOrPercentValue: percentages as their number, other strings via Atoi (0 if not a number). */
function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (isValidPercent(v).length === 0) return Number(v.slice(0, -1));
    return /^[+-]?\d+$/.test(v) ? Number(v) : 0;
  }
  return 0;
}

function notMoreThan100Percent(v: unknown, path: FieldPath): FieldError[] {
  if (typeof v !== 'string' || isValidPercent(v).length) return [];
  return Number(v.slice(0, -1)) > 100 ? [invalid(path, v, 'must not be greater than 100%')] : [];
}

// --- Deployment and ReplicaSet -------------------------------------------------------------------

/** ValidatePodTemplateSpecForReplicaSet (also used for Deployments). */
function validatePodTemplateForReplicaSet(sel: LabelSelector | undefined, template: Obj | undefined, path: FieldPath, opts: PodValidationOptions): FieldError[] {
  const errs = [...templateSelectorErrors(sel, template, path), ...validatePodTemplateSpec(template, path, opts)];
  const rp = template?.spec?.restartPolicy;
  if (rp !== 'Always') errs.push(notSupported(path.child('spec', 'restartPolicy'), rp ?? '', ['Always']));
  if (template?.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(forbidden(path.child('spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

function validateSelectorAndTemplate(spec: Obj, kind: string, opts: PodValidationOptions): FieldError[] {
  const errs = validateRequiredSelector(spec.selector, SPEC.child('selector'), kind);
  if (!labelSelectorConvertible(spec.selector)) errs.push(invalid(SPEC.child('selector'), spec.selector, 'invalid label selector'));
  else errs.push(...validatePodTemplateForReplicaSet(spec.selector, spec.template, SPEC.child('template'), opts));
  return errs;
}

function validateDeploymentStrategy(strategy: Obj | undefined, path: FieldPath): FieldError[] {
  const s = obj(strategy);
  switch (s.type) {
    case 'Recreate':
      return s.rollingUpdate ? [forbidden(path.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate': {
      if (!s.rollingUpdate) return [required(path.child('rollingUpdate'), 'this should be defaulted and never be nil')];
      const ru = obj(s.rollingUpdate);
      const rp = path.child('rollingUpdate');
      const errs = [
        ...validatePositiveIntOrPercent(ru.maxUnavailable, rp.child('maxUnavailable')),
        ...validatePositiveIntOrPercent(ru.maxSurge, rp.child('maxSurge')),
      ];
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalid(rp.child('maxUnavailable'), ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
      return [...errs, ...notMoreThan100Percent(ru.maxUnavailable, rp.child('maxUnavailable'))];
    }
    default:
      return [notSupported(path, strategy ?? null, ['Recreate', 'RollingUpdate'])];
  }
}

function validateDeploymentSpec(spec: Obj, opts: PodValidationOptions): FieldError[] {
  const errs = [...validateNonnegative(spec.replicas, SPEC.child('replicas')), ...validateSelectorAndTemplate(spec, 'deployment', opts)];
  errs.push(...validateDeploymentStrategy(spec.strategy, SPEC.child('strategy')));
  errs.push(...validateNonnegative(spec.minReadySeconds, SPEC.child('minReadySeconds')));
  errs.push(...validateNonnegative(spec.revisionHistoryLimit, SPEC.child('revisionHistoryLimit')));
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number') {
    errs.push(...validateNonnegative(pds, SPEC.child('progressDeadlineSeconds')));
    if (pds <= (spec.minReadySeconds ?? 0)) errs.push(invalid(SPEC.child('progressDeadlineSeconds'), pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export function validateDeployment(d: KObject, opts: WorkloadValidationOptions = {}): FieldError[] {
  return [...namespacedMeta(d), ...validateDeploymentSpec(obj(d.spec), opts)];
}

export function validateDeploymentUpdate(d: KObject, old: KObject, opts: WorkloadValidationOptions = {}): FieldError[] {
  return [
    ...validateObjectMetaUpdate(d.metadata ?? {}, old.metadata ?? {}),
    ...validateDeploymentSpec(obj(d.spec), opts),
    ...selectorImmutable(d, old, opts),
  ];
}

/** Counters not negative; updated/ready/available not above replicas; available not above ready. */
function validateReplicaCounters(status: Obj, counters: string[], notAbove: string[], availableVsReady: string): FieldError[] {
  const errs = counters.flatMap((c) => validateNonnegative(status[c], STATUS.child(c)));
  const replicas = status.replicas ?? 0;
  for (const c of notAbove) {
    if ((status[c] ?? 0) > replicas) errs.push(invalid(STATUS.child(c), status[c], 'cannot be greater than status.replicas'));
  }
  if ((status.availableReplicas ?? 0) > (status.readyReplicas ?? 0)) errs.push(invalid(STATUS.child('availableReplicas'), status.availableReplicas, availableVsReady));
  return errs;
}

export function validateDeploymentStatusUpdate(d: KObject, old: KObject): FieldError[] {
  const s = obj(d.status);
  return [
    ...validateObjectMetaUpdate(d.metadata ?? {}, old.metadata ?? {}),
    ...validateReplicaCounters(
      s,
      ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'],
      ['updatedReplicas', 'readyReplicas', 'availableReplicas'],
      'cannot be greater than readyReplicas',
    ),
    ...collisionCountDecremented(d.status, old.status),
  ];
}

function validateReplicaSetSpec(spec: Obj, opts: PodValidationOptions): FieldError[] {
  return [
    ...validateNonnegative(spec.replicas, SPEC.child('replicas')),
    ...validateNonnegative(spec.minReadySeconds, SPEC.child('minReadySeconds')),
    // Kubernetes says "deployment" here too.
    ...validateSelectorAndTemplate(spec, 'deployment', opts),
  ];
}

export function validateReplicaSet(rs: KObject, opts: WorkloadValidationOptions = {}): FieldError[] {
  return [...namespacedMeta(rs), ...validateReplicaSetSpec(obj(rs.spec), opts)];
}

export function validateReplicaSetUpdate(rs: KObject, old: KObject, opts: WorkloadValidationOptions = {}): FieldError[] {
  return [...validateObjectMetaUpdate(rs.metadata ?? {}, old.metadata ?? {}), ...validateReplicaSetSpec(obj(rs.spec), opts), ...selectorImmutable(rs, old, opts)];
}

export function validateReplicaSetStatusUpdate(rs: KObject, old: KObject): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rs.metadata ?? {}, old.metadata ?? {}),
    ...validateReplicaCounters(
      obj(rs.status),
      ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
      ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'],
      'cannot be greater than readyReplicas',
    ),
  ];
}

// --- DaemonSet -----------------------------------------------------------------------------------

function validateDaemonSetUpdateStrategy(strategy: Obj | undefined, path: FieldPath): FieldError[] {
  const s = obj(strategy);
  switch (s.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate': {
      if (!s.rollingUpdate) return [required(path.child('rollingUpdate'), '')];
      const ru = obj(s.rollingUpdate);
      const rp = path.child('rollingUpdate');
      const errs = [
        ...validatePositiveIntOrPercent(ru.maxUnavailable, rp.child('maxUnavailable')),
        ...validatePositiveIntOrPercent(ru.maxSurge, rp.child('maxSurge')),
        ...notMoreThan100Percent(ru.maxUnavailable, rp.child('maxUnavailable')),
        ...notMoreThan100Percent(ru.maxSurge, rp.child('maxSurge')),
      ];
      const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) errs.push(invalid(rp.child('maxSurge'), ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      else if (!hasUnavailable && !hasSurge) errs.push(required(rp.child('maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
      return errs;
    }
    default:
      return [notSupported(path, strategy ?? null, ['RollingUpdate', 'OnDelete'])];
  }
}

function validateDaemonSetSpec(spec: Obj, opts: PodValidationOptions): FieldError[] {
  const sel: LabelSelector | undefined = spec.selector;
  const errs = validateLabelSelector(sel, SPEC.child('selector'));
  // No Empty() shortcut here: a missing selector selects nothing and so never matches.
  if (labelSelectorConvertible(sel) && !labelSelectorMatches(sel ?? null, labelsOf(spec.template))) {
    errs.push(selectorMismatch(SPEC.child('template'), spec.template));
  }
  if (labelSelectorIsEmpty(sel)) errs.push(invalid(SPEC.child('selector'), sel, 'empty selector is invalid for daemonset'));
  errs.push(...validatePodTemplateSpec(spec.template, SPEC.child('template'), opts));
  const rp = spec.template?.spec?.restartPolicy;
  if (rp !== 'Always') errs.push(notSupported(SPEC.child('template', 'spec', 'restartPolicy'), rp ?? '', ['Always']));
  if (spec.template?.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(forbidden(SPEC.child('template', 'spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  errs.push(...validateNonnegative(spec.minReadySeconds, SPEC.child('minReadySeconds')));
  errs.push(...validateDaemonSetUpdateStrategy(spec.updateStrategy, SPEC.child('updateStrategy')));
  errs.push(...validateNonnegative(spec.revisionHistoryLimit, SPEC.child('revisionHistoryLimit')));
  return errs;
}

export function validateDaemonSet(ds: KObject, opts: WorkloadValidationOptions = {}): FieldError[] {
  return [...namespacedMeta(ds), ...validateDaemonSetSpec(obj(ds.spec), opts)];
}

export function validateDaemonSetUpdate(ds: KObject, old: KObject, opts: WorkloadValidationOptions = {}): FieldError[] {
  return [...validateObjectMetaUpdate(ds.metadata ?? {}, old.metadata ?? {}), ...validateDaemonSetSpec(obj(ds.spec), opts), ...selectorImmutable(ds, old, opts)];
}

export function validateDaemonSetStatusUpdate(ds: KObject, old: KObject): FieldError[] {
  const s = obj(ds.status);
  const counters = [
    'currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration',
    'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount',
  ];
  return [
    ...validateObjectMetaUpdate(ds.metadata ?? {}, old.metadata ?? {}),
    ...counters.flatMap((c) => validateNonnegative(s[c], STATUS.child(c))),
    ...collisionCountDecremented(ds.status, old.status),
  ];
}

// --- StatefulSet ---------------------------------------------------------------------------------

function validateStatefulSetSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const pmp = spec.podManagementPolicy;
  if (!pmp) errs.push(required(SPEC.child('podManagementPolicy'), ''));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(invalid(SPEC.child('podManagementPolicy'), pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = obj(spec.updateStrategy);
  const usp = SPEC.child('updateStrategy');
  switch (us.type ?? '') {
    case '':
      errs.push(required(usp, ''));
      break;
    case 'OnDelete':
      if (us.rollingUpdate) errs.push(invalid(usp.child('rollingUpdate'), us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate':
      if (us.rollingUpdate) {
        const ru = obj(us.rollingUpdate);
        const rp = usp.child('rollingUpdate');
        errs.push(...validateNonnegative(ru.partition ?? 0, rp.child('partition')));
        if (ru.maxUnavailable !== undefined) {
          errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, rp.child('maxUnavailable')));
          if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalid(rp.child('maxUnavailable'), ru.maxUnavailable, 'cannot be 0'));
          errs.push(...notMoreThan100Percent(ru.maxUnavailable, rp.child('maxUnavailable')));
        }
      }
      break;
    default:
      errs.push(invalid(usp, spec.updateStrategy, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const policy = spec.persistentVolumeClaimRetentionPolicy;
  if (policy) {
    for (const f of ['whenDeleted', 'whenScaled']) {
      if (!['Retain', 'Delete'].includes(policy[f])) errs.push(notSupported(SPEC.child('persistentVolumeClaimRetentionPolicy', f), policy[f] ?? '', ['Retain', 'Delete']));
    }
  }
  errs.push(...validateNonnegative(spec.replicas, SPEC.child('replicas')));
  errs.push(...validateNonnegative(spec.minReadySeconds, SPEC.child('minReadySeconds')));
  if (spec.ordinals) errs.push(...validateNonnegative(spec.ordinals.start ?? 0, SPEC.child('ordinals.start')));
  const sel: LabelSelector | undefined = spec.selector;
  errs.push(...validateRequiredSelector(sel, SPEC.child('selector'), 'statefulset'));
  const tp = SPEC.child('template');
  if (!labelSelectorConvertible(sel)) errs.push(invalid(SPEC.child('selector'), sel, ''));
  else {
    // Kubernetes checks only the template's labels and annotations here, not its pod spec.
    const meta = obj(spec.template?.metadata);
    errs.push(
      ...templateSelectorErrors(sel, spec.template, tp),
      ...validateLabels(meta.labels, tp.child('labels')),
      ...validateAnnotations(meta.annotations, tp.child('annotations')),
      ...validatePodSpecificAnnotations(meta.annotations, spec.template?.spec, tp.child('annotations')),
    );
  }
  const rp = spec.template?.spec?.restartPolicy;
  if (rp !== 'Always') errs.push(notSupported(tp.child('spec', 'restartPolicy'), rp ?? '', ['Always']));
  if (spec.template?.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(forbidden(tp.child('spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

export function validateStatefulSet(sts: KObject): FieldError[] {
  return [...namespacedMeta(sts, 'dns1123-label'), ...validateStatefulSetSpec(obj(sts.spec))];
}

const STS_MUTABLE = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy'];

export function validateStatefulSetUpdate(sts: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(sts.metadata ?? {}, old.metadata ?? {}), ...validateStatefulSetSpec(obj(sts.spec))];
  const strip = (s: Obj) => Object.fromEntries(Object.entries(s).filter(([k]) => !STS_MUTABLE.includes(k)));
  if (!deepEqual(strip(obj(sts.spec)), strip(obj(old.spec)))) {
    errs.push(
      forbidden(
        SPEC,
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

export function validateStatefulSetStatusUpdate(sts: KObject, old: KObject): FieldError[] {
  return [
    ...validateReplicaCounters(
      obj(sts.status),
      ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount'],
      ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'],
      'cannot be greater than status.readyReplicas',
    ),
    ...validateObjectMetaUpdate(sts.metadata ?? {}, old.metadata ?? {}),
    ...collisionCountDecremented(sts.status, old.status),
  ];
}

// --- Job -----------------------------------------------------------------------------------------

const MAX_PARALLELISM_INDEXED = 100000;
const MAX_FAILED_INDEXES = 100000;

/** validateGeneratedSelector: a generated selector and the template labels it relies on. */
function validateGeneratedSelector(job: KObject): FieldError[] {
  const spec = obj(job.spec);
  if (spec.manualSelector === true || !spec.selector) return [];
  const errs: FieldError[] = [];
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  if (!uid) errs.push(required(META.child('uid'), ''));
  const tm = SPEC.child('template', 'metadata');
  const labels = labelsOf(spec.template) ?? {};
  const expected: Record<string, string> = {
    'controller-uid': uid,
    'job-name': name,
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
  };
  for (const [k, v] of Object.entries(expected)) {
    if (!(k in labels)) errs.push(required(tm.child('labels').key(k), `must be '${v}'`));
    else if (labels[k] !== v) errs.push(invalid(tm.child('labels').key(k), labels, `must be '${v}'`));
  }
  if (labelSelectorConvertible(spec.selector) && !labelSelectorMatches(spec.selector, expected)) {
    errs.push(invalid(SPEC.child('selector'), spec.selector, '`selector` not auto-generated'));
  }
  return errs;
}

/** validateJobSpec: what Jobs and CronJob job templates share. */
function validateJobSpecFields(spec: Obj, path: FieldPath, opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex']) {
    errs.push(...validateNonnegative(spec[f], path.child(f)));
  }
  if (spec.maxFailedIndexes !== undefined && spec.maxFailedIndexes !== null) {
    errs.push(...validateNonnegative(spec.maxFailedIndexes, path.child('maxFailedIndexes')));
    if (spec.backoffLimitPerIndex === undefined || spec.backoffLimitPerIndex === null) {
      errs.push(required(path.child('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
    }
  }
  if (typeof spec.managedBy === 'string') {
    errs.push(...isDomainPrefixedPath(path.child('managedBy'), spec.managedBy));
    if (Buffer.byteLength(spec.managedBy) > 63) errs.push(tooLong(path.child('managedBy'), spec.managedBy, 63));
  }
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(notSupported(path.child('completionMode'), mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (spec.completions === undefined || spec.completions === null) errs.push(required(path.child('completions'), 'when completion mode is Indexed'));
      if (spec.parallelism > MAX_PARALLELISM_INDEXED) {
        errs.push(invalid(path.child('parallelism'), spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      }
      if (typeof spec.completions === 'number' && spec.maxFailedIndexes > spec.completions) {
        errs.push(invalid(path.child('maxFailedIndexes'), spec.maxFailedIndexes, 'must be less than or equal to completions'));
      }
      if (spec.maxFailedIndexes > MAX_FAILED_INDEXES) {
        errs.push(invalid(path.child('maxFailedIndexes'), spec.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES}`));
      }
    }
  }
  if (mode === undefined || mode === null || mode === 'NonIndexed') {
    for (const f of ['backoffLimitPerIndex', 'maxFailedIndexes']) {
      if (spec[f] !== undefined && spec[f] !== null) errs.push(invalid(path.child(f), spec[f], 'requires indexed completion mode'));
    }
  }
  if (spec.podFailurePolicy) {
    const rules = arr(spec.podFailurePolicy.rules);
    if (rules.length > 20) errs.push(tooMany(path.child('podFailurePolicy', 'rules'), rules.length, 20));
  }
  if (spec.successPolicy && mode !== 'Indexed') errs.push(invalid(path.child('successPolicy'), spec.successPolicy, 'requires indexed completion mode'));
  const prp = spec.podReplacementPolicy;
  if (prp !== undefined && prp !== null) {
    if (spec.podFailurePolicy) {
      if (prp !== 'Failed') errs.push(notSupported(path.child('podReplacementPolicy'), prp, ['Failed']));
    } else if (prp !== 'Failed' && prp !== 'TerminatingOrFailed') {
      errs.push(notSupported(path.child('podReplacementPolicy'), prp, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validatePodTemplateSpec(spec.template, path.child('template'), opts));
  const rp = spec.template?.spec?.restartPolicy ?? '';
  const rpPath = path.child('template', 'spec', 'restartPolicy');
  if (rp === 'Always' || rp === '') errs.push(required(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(notSupported(rpPath, rp, ['OnFailure', 'Never']));
  else if (spec.podFailurePolicy && rp !== 'Never') errs.push(invalid(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

function validateJobSpec(spec: Obj, opts: PodValidationOptions): FieldError[] {
  const errs = validateJobSpecFields(spec, SPEC, opts);
  if (!spec.selector) errs.push(required(SPEC.child('selector'), ''));
  else errs.push(...validateLabelSelector(spec.selector, SPEC.child('selector')));
  // LabelSelectorAsSelector: nil selects nothing, {} everything; invalid selectors are not checked.
  if (labelSelectorConvertible(spec.selector) && !labelSelectorIsEmpty(spec.selector) && !labelSelectorMatches(spec.selector, labelsOf(spec.template))) {
    errs.push(selectorMismatch(SPEC.child('template'), spec.template));
  }
  return errs;
}

/**
 * ValidateJob. Expects the create-time selector generation (metadata.uid set, selector and
 * template labels generated unless spec.manualSelector) to have happened.
 */
export function validateJob(job: KObject, opts: PodValidationOptions = {}): FieldError[] {
  const errs = [...namespacedMeta(job), ...validateGeneratedSelector(job), ...validateJobSpec(obj(job.spec), opts)];
  const spec = obj(job.spec);
  if (spec.completionMode === 'Indexed' && spec.completions > 0) {
    const host = `${job.metadata?.name ?? ''}-${spec.completions - 1}`;
    if (isDNS1123Label(host).length) {
      errs.push(invalid(META.child('name'), job.metadata?.name ?? '', `will not able to create pod with invalid DNS label: ${host}`));
    }
  }
  return errs;
}

export function validateJobUpdate(job: KObject, old: KObject, opts: PodValidationOptions = {}): FieldError[] {
  const spec = obj(job.spec);
  const oldSpec = obj(old.spec);
  const errs = [...validateObjectMetaUpdate(job.metadata ?? {}, old.metadata ?? {}), ...validateJobSpec(spec, opts)];
  // Completions may change for Indexed Jobs (ElasticIndexedJob), together with parallelism.
  if (spec.completionMode === 'Indexed') {
    if (!deepEqual(spec.completions ?? null, oldSpec.completions ?? null) && typeof spec.completions === 'number' && spec.completions !== spec.parallelism) {
      errs.push(invalid(SPEC.child('completions'), spec.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  } else errs.push(...validateImmutable(spec.completions, oldSpec.completions, SPEC.child('completions')));
  errs.push(...validateImmutable(spec.selector, oldSpec.selector, SPEC.child('selector')));
  // Scheduling directives of a suspended Job that never started may change.
  const mutableScheduling = oldSpec.suspend === true && !old.status?.startTime;
  let oldTemplate: Obj = obj(oldSpec.template);
  if (mutableScheduling) {
    const t = obj(spec.template);
    oldTemplate = JSON.parse(JSON.stringify(oldTemplate));
    const os = (oldTemplate.spec ??= {});
    const ns = obj(t.spec);
    const setOrDelete = (o: Obj, k: string, v: unknown) => (v === undefined ? delete o[k] : (o[k] = v));
    if (!ns.affinity && os.affinity) {
      delete os.affinity.nodeAffinity;
      if (Object.keys(os.affinity).length === 0) delete os.affinity;
    } else if (ns.affinity && !os.affinity) os.affinity = ns.affinity.nodeAffinity ? { nodeAffinity: ns.affinity.nodeAffinity } : {};
    else if (ns.affinity && os.affinity) setOrDelete(os.affinity, 'nodeAffinity', ns.affinity.nodeAffinity);
    for (const k of ['nodeSelector', 'tolerations', 'schedulingGates']) setOrDelete(os, k, ns[k]);
    const om = (oldTemplate.metadata ??= {});
    for (const k of ['annotations', 'labels']) setOrDelete(om, k, obj(t.metadata)[k]);
  }
  errs.push(...validateImmutable(spec.template, oldTemplate, SPEC.child('template')));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...validateImmutable(spec[f], oldSpec[f], SPEC.child(f)));
  }
  return errs;
}

export function validateJobStatusUpdate(job: KObject, old: KObject): FieldError[] {
  const s = obj(job.status);
  return [
    ...validateObjectMetaUpdate(job.metadata ?? {}, old.metadata ?? {}),
    ...['active', 'succeeded', 'failed', 'ready', 'terminating'].flatMap((c) => validateNonnegative(s[c], STATUS.child(c))),
  ];
}

// --- CronJob -------------------------------------------------------------------------------------

function validateTimeZone(tz: unknown, path: FieldPath): FieldError[] {
  if (tz === undefined || tz === null) return [];
  if (tz === '') return [invalid(path, tz, 'timeZone must be nil or non-empty string')];
  const z = String(tz);
  for (const part of z.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)) return [invalid(path, z, `unknown time zone ${z}`)];
  }
  if (z.toLowerCase() === 'local') return [invalid(path, z, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z });
  } catch {
    return [invalid(path, z, `unknown time zone ${z}`)];
  }
  return [];
}

function validateCronJobSpec(spec: Obj, oldSpec: Obj | undefined, opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  const sp = SPEC.child('schedule');
  if (!spec.schedule) errs.push(required(sp, ''));
  else {
    const e = cronScheduleError(spec.schedule);
    if (e) errs.push(invalid(sp, spec.schedule, e));
    const allowTZ = !!oldSpec && String(oldSpec.schedule ?? '').includes('TZ');
    if (allowTZ && spec.schedule.includes('TZ') && spec.timeZone !== undefined) {
      errs.push(invalid(sp, spec.schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    } else if (!allowTZ && spec.schedule.includes('TZ')) {
      errs.push(invalid(sp, spec.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    }
  }
  errs.push(...validateNonnegative(spec.startingDeadlineSeconds, SPEC.child('startingDeadlineSeconds')));
  if (!oldSpec || oldSpec.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone, SPEC.child('timeZone')));
  const cp = SPEC.child('concurrencyPolicy');
  if (!spec.concurrencyPolicy) errs.push(required(cp, ''));
  else if (!['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy)) errs.push(notSupported(cp, spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  const jt = obj(spec.jobTemplate);
  const jp = SPEC.child('jobTemplate');
  const js = obj(jt.spec);
  errs.push(...validateJobSpecFields(js, jp.child('spec'), opts));
  if (js.selector) errs.push(invalid(jp.child('spec', 'selector'), js.selector, '`selector` will be auto-generated'));
  if (js.manualSelector === true) errs.push(notSupported(jp.child('spec', 'manualSelector'), true, ['nil', 'false']));
  errs.push(...validateNonnegative(spec.successfulJobsHistoryLimit, SPEC.child('successfulJobsHistoryLimit')));
  errs.push(...validateNonnegative(spec.failedJobsHistoryLimit, SPEC.child('failedJobsHistoryLimit')));
  return errs;
}

export function validateCronJob(cj: KObject, opts: PodValidationOptions = {}): FieldError[] {
  const errs = [...namespacedMeta(cj), ...validateCronJobSpec(obj(cj.spec), undefined, opts)];
  const name = cj.metadata?.name ?? '';
  // The controller appends an 11-character suffix for the Jobs it creates.
  if (name.length > 52) errs.push(invalid(META.child('name'), name, 'must be no more than 52 characters'));
  return errs;
}

export function validateCronJobUpdate(cj: KObject, old: KObject, opts: PodValidationOptions = {}): FieldError[] {
  return [...validateObjectMetaUpdate(cj.metadata ?? {}, old.metadata ?? {}), ...validateCronJobSpec(obj(cj.spec), obj(old.spec), opts)];
}
