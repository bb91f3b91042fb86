/**
 * Where users express how a workload is scheduled beyond replica preferences, parsed and
 * validated in one place for admission (422s naming the field) and for the scheduler:
 * - `tolerations`: as a pod's (key, operator Exists|Equal, value, effect, tolerationSeconds),
 *   checked as Kubernetes checks them;
 * - `spreadConstraints`: [{spreadByField region|zone|cluster, minGroups, maxGroups}];
 * - `clusterAffinities`: ordered [{affinityName, clusterNames, labelSelector}];
 * - `dynamicWeight`: AvailableReplicas.
 * They sit at the top of the Federation v1 preferences annotation, of a
 * ReplicaSchedulingPreference's spec and of a Federated<Kind>'s spec.placement (which has no
 * dynamicWeight: without a ReplicaSchedulingPreference nothing is divided). Cluster taints
 * (Cluster and KubeFedCluster spec.taints) are checked here too.
 */
import { isPlainObject } from '../../apis/object.js';
import { duplicate, errorMessage, FieldPath, forbidden, invalid, notSupported, required, type FieldError } from '../../apis/validation/field.js';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../apis/validation/names.js';
import type { LabelSelector } from '../../apis/meta/labels.js';
import type { ClusterAffinityTerm, SchedulingPolicy, SpreadConstraint, Taint, TaintEffect, Toleration } from '../planning/scheduling-types.js';
import { TAINT_EFFECTS } from '../planning/taints.js';

export const POLICY_FIELDS = ['tolerations', 'spreadConstraints', 'clusterAffinities', 'dynamicWeight'] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];
/** spec.placement of a Federated<Kind> carries these. */
export const PLACEMENT_POLICY_FIELDS: readonly PolicyField[] = ['tolerations', 'spreadConstraints', 'clusterAffinities'];

const OPERATORS = ['Exists', 'Equal'];
const SPREAD_FIELDS: SpreadConstraint['spreadByField'][] = ['region', 'zone', 'cluster'];
const DYNAMIC_WEIGHTS = ['AvailableReplicas'];
const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const given = (v: unknown) => v !== undefined && v !== null;

function unknownFields(obj: Record<string, unknown>, known: readonly string[], p: FieldPath): FieldError[] {
  return Object.keys(obj)
    .filter((k) => !known.includes(k))
    .map((k) => forbidden(p.child(k), `unknown field; expected one of ${known.join(', ')}`));
}

/** `v` as an object of the `known` fields (others are errors); undefined, with an error, when it is not an object. */
function objectOf(v: unknown, p: FieldPath, known: readonly string[], errs: FieldError[]): Record<string, unknown> | undefined {
  if (!isPlainObject(v)) {
    errs.push(invalid(p, v, `must be an object {${known.join(', ')}}`));
    return undefined;
  }
  errs.push(...unknownFields(v as Record<string, unknown>, known, p));
  return v as Record<string, unknown>;
}

/** A required string, one of `allowed` when given, unique among its siblings (`seen`). */
function requiredUnique(v: unknown, p: FieldPath, seen: Set<string>, errs: FieldError[], allowed?: readonly string[]): void {
  if (!given(v) || v === '') errs.push(required(p));
  else if (typeof v !== 'string') errs.push(invalid(p, v, 'must be a string'));
  else if (allowed && !allowed.includes(v)) errs.push(notSupported(p, v, allowed));
  else if (seen.has(v)) errs.push(duplicate(p, v));
  else seen.add(v);
}

function optionalString(v: unknown, p: FieldPath, errs: FieldError[], check?: (s: string) => string[]): string | undefined {
  if (!given(v) || v === '') return undefined;
  if (typeof v !== 'string') {
    errs.push(invalid(p, v, 'must be a string'));
    return undefined;
  }
  for (const m of check?.(v) ?? []) errs.push(invalid(p, v, m));
  return v;
}

function listOf(v: unknown, p: FieldPath, what: string, errs: FieldError[]): unknown[] {
  if (!given(v)) return [];
  if (Array.isArray(v)) return v;
  errs.push(invalid(p, v, `must be a list of ${what}`));
  return [];
}

// --- label selectors --------------------------------------------------------------------------------

function validateRequirement(r: unknown, p: FieldPath): FieldError[] {
  if (!isPlainObject(r)) return [invalid(p, r, 'must be an object {key, operator, values}')];
  const errs: FieldError[] = [];
  const { key, operator, values } = r as { key?: unknown; operator?: unknown; values?: unknown };
  if (typeof key !== 'string' || key === '') errs.push(required(p.child('key')));
  else for (const m of isQualifiedName(key)) errs.push(invalid(p.child('key'), key, m));
  let vals: unknown[] = [];
  if (given(values)) {
    if (!Array.isArray(values)) errs.push(invalid(p.child('values'), values, 'must be a list of strings'));
    else vals = values;
  }
  vals.forEach((v, j) => {
    if (typeof v !== 'string') errs.push(invalid(p.child('values').index(j), v, 'must be a string'));
    else for (const m of isValidLabelValue(v)) errs.push(invalid(p.child('values').index(j), v, m));
  });
  if (!given(operator) || operator === '') errs.push(required(p.child('operator')));
  else if (typeof operator !== 'string' || !SELECTOR_OPERATORS.includes(operator)) errs.push(notSupported(p.child('operator'), operator, SELECTOR_OPERATORS));
  else if ((operator === 'In' || operator === 'NotIn') && vals.length === 0) errs.push(required(p.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
  else if ((operator === 'Exists' || operator === 'DoesNotExist') && vals.length > 0) errs.push(forbidden(p.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  return errs;
}

/** A LabelSelector given as an object (spec.placement.clusterSelector, an affinity term's labelSelector). */
export function validateClusterSelector(sel: unknown, path: FieldPath): FieldError[] {
  if (!given(sel)) return [];
  if (!isPlainObject(sel)) return [invalid(path, sel, 'must be a label selector {matchLabels, matchExpressions}')];
  const errs: FieldError[] = [];
  const { matchLabels, matchExpressions } = sel as { matchLabels?: unknown; matchExpressions?: unknown };
  if (given(matchLabels)) {
    const lp = path.child('matchLabels');
    if (!isPlainObject(matchLabels)) errs.push(invalid(lp, matchLabels, 'must be a map of label keys to values'));
    else {
      for (const [k, v] of Object.entries(matchLabels)) {
        for (const m of isQualifiedName(k)) errs.push(invalid(lp, k, m));
        if (typeof v !== 'string') errs.push(invalid(lp.key(k), v, 'must be a string'));
        else for (const m of isValidLabelValue(v)) errs.push(invalid(lp.key(k), v, m));
      }
    }
  }
  if (given(matchExpressions)) {
    const ep = path.child('matchExpressions');
    if (!Array.isArray(matchExpressions)) errs.push(invalid(ep, matchExpressions, 'must be a list of {key, operator, values}'));
    else matchExpressions.forEach((r: unknown, i) => errs.push(...validateRequirement(r, ep.index(i))));
  }
  return errs;
}

// --- tolerations ----------------------------------------------------------------------------------

function parseToleration(t: unknown, p: FieldPath, errs: FieldError[]): Toleration | undefined {
  const before = errs.length;
  const o = objectOf(t, p, ['key', 'operator', 'value', 'effect', 'tolerationSeconds'], errs);
  if (!o) return undefined;
  const key = optionalString(o.key, p.child('key'), errs, isQualifiedName);
  let operator: Toleration['operator'];
  if (given(o.operator) && o.operator !== '') {
    if (typeof o.operator !== 'string' || !OPERATORS.includes(o.operator)) errs.push(notSupported(p.child('operator'), o.operator, OPERATORS));
    else operator = o.operator as Toleration['operator'];
  }
  const value = optionalString(o.value, p.child('value'), errs, isValidLabelValue);
  if (!key && operator !== 'Exists') errs.push(invalid(p.child('operator'), o.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
  if (operator === 'Exists' && value) errs.push(invalid(p.child('value'), value, "value must be empty when `operator` is 'Exists'"));
  let effect: TaintEffect | undefined;
  if (given(o.effect) && o.effect !== '') {
    if (typeof o.effect !== 'string' || !TAINT_EFFECTS.includes(o.effect as TaintEffect)) errs.push(notSupported(p.child('effect'), o.effect, TAINT_EFFECTS));
    else effect = o.effect as TaintEffect;
  }
  let tolerationSeconds: number | undefined;
  if (given(o.tolerationSeconds)) {
    if (!isInt(o.tolerationSeconds)) errs.push(invalid(p.child('tolerationSeconds'), o.tolerationSeconds, 'must be an integer'));
    else tolerationSeconds = o.tolerationSeconds;
    if (effect !== 'NoExecute') errs.push(invalid(p.child('effect'), o.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
  }
  if (errs.length > before) return undefined;
  return { ...(key ? { key } : {}), ...(operator ? { operator } : {}), ...(value ? { value } : {}), ...(effect ? { effect } : {}), ...(tolerationSeconds !== undefined ? { tolerationSeconds } : {}) };
}

// --- spread constraints ---------------------------------------------------------------------------

function parseSpread(s: unknown, p: FieldPath, seen: Set<string>, errs: FieldError[]): SpreadConstraint | undefined {
  const before = errs.length;
  const o = objectOf(s, p, ['spreadByField', 'minGroups', 'maxGroups'], errs);
  if (!o) return undefined;
  const field = o.spreadByField;
  requiredUnique(field, p.child('spreadByField'), seen, errs, SPREAD_FIELDS);
  for (const k of ['minGroups', 'maxGroups'] as const) {
    const v = o[k];
    if (!given(v)) continue;
    if (!isInt(v)) errs.push(invalid(p.child(k), v, 'must be an integer'));
    else if (v < 1) errs.push(invalid(p.child(k), v, 'must be greater than or equal to 1'));
  }
  if (isInt(o.minGroups) && isInt(o.maxGroups) && o.maxGroups < o.minGroups) errs.push(invalid(p.child('maxGroups'), o.maxGroups, `must be greater than or equal to minGroups (${o.minGroups})`));
  if (errs.length > before) return undefined;
  return { spreadByField: field as SpreadConstraint['spreadByField'], ...(isInt(o.minGroups) ? { minGroups: o.minGroups } : {}), ...(isInt(o.maxGroups) ? { maxGroups: o.maxGroups } : {}) };
}

// --- cluster affinities ---------------------------------------------------------------------------

function parseAffinity(a: unknown, p: FieldPath, seen: Set<string>, errs: FieldError[]): ClusterAffinityTerm | undefined {
  const before = errs.length;
  const o = objectOf(a, p, ['affinityName', 'clusterNames', 'labelSelector'], errs);
  if (!o) return undefined;
  const name = o.affinityName;
  requiredUnique(name, p.child('affinityName'), seen, errs);
  const names: string[] = [];
  listOf(o.clusterNames, p.child('clusterNames'), 'cluster names', errs).forEach((n, i) => {
    const np = p.child('clusterNames').index(i);
    if (typeof n !== 'string' || n === '') errs.push(invalid(np, n, 'must be a cluster name'));
    else if (names.includes(n)) errs.push(duplicate(np, n));
    else {
      for (const m of isDNS1123Subdomain(n)) errs.push(invalid(np, n, m));
      names.push(n);
    }
  });
  errs.push(...validateClusterSelector(o.labelSelector, p.child('labelSelector')));
  if (errs.length > before) return undefined;
  return { affinityName: name as string, ...(given(o.clusterNames) ? { clusterNames: names } : {}), ...(given(o.labelSelector) ? { labelSelector: o.labelSelector as LabelSelector } : {}) };
}

// --- the policy -----------------------------------------------------------------------------------

export interface ParsedPolicy {
  policy: SchedulingPolicy;
  /** Problems, each naming its field under `path`; the policy leaves out what is wrong. */
  errors: FieldError[];
}

/**
 * Reads the scheduling policy fields of `obj` (an annotation's JSON object, an RSP's spec, a
 * placement). `path` names `obj` in errors (FieldPath.root() for the annotation's top level);
 * only `fields` are read.
 */
export function parseSchedulingPolicy(obj: Record<string, unknown> | undefined, path: FieldPath = FieldPath.root(), fields: readonly PolicyField[] = POLICY_FIELDS): ParsedPolicy {
  const errors: FieldError[] = [];
  const policy: SchedulingPolicy = {};
  const o = obj ?? {};
  const list = <T>(field: PolicyField, what: string, parse: (v: unknown, p: FieldPath, seen: Set<string>, errs: FieldError[]) => T | undefined): T[] | undefined => {
    if (!fields.includes(field) || !given(o[field])) return undefined;
    const p = path.child(field);
    const seen = new Set<string>();
    return listOf(o[field], p, what, errors)
      .map((v, i) => parse(v, p.index(i), seen, errors))
      .filter((v): v is T => v !== undefined);
  };
  const tolerations = list('tolerations', 'tolerations', (v, p, _seen, errs) => parseToleration(v, p, errs));
  const spreadConstraints = list('spreadConstraints', 'spread constraints', parseSpread);
  const clusterAffinities = list('clusterAffinities', 'affinity terms', parseAffinity);
  if (tolerations) policy.tolerations = tolerations;
  if (spreadConstraints) policy.spreadConstraints = spreadConstraints;
  if (clusterAffinities) policy.clusterAffinities = clusterAffinities;
  if (fields.includes('dynamicWeight') && given(o.dynamicWeight) && o.dynamicWeight !== '') {
    if (typeof o.dynamicWeight !== 'string' || !DYNAMIC_WEIGHTS.includes(o.dynamicWeight)) errors.push(notSupported(path.child('dynamicWeight'), o.dynamicWeight, DYNAMIC_WEIGHTS));
    else policy.dynamicWeight = 'AvailableReplicas';
  }
  return { policy, errors };
}

/**
 * The scheduling policy of a Federated<Kind>'s spec.placement (tolerations, spreadConstraints,
 * clusterAffinities). Throws an Error naming the first bad field (admission rejects such
 * objects; this guards objects stored before it did).
 */
export function placementPolicy(placement: unknown): SchedulingPolicy {
  if (!isPlainObject(placement)) return {};
  const { policy, errors } = parseSchedulingPolicy(placement as Record<string, unknown>, FieldPath.root('spec').child('placement'), PLACEMENT_POLICY_FIELDS);
  if (errors.length) throw new Error(errors.map(errorMessage).join('; '));
  return policy;
}

/** A policy's fields from `primary` where it has them, else from `fallback` (an RSP over its workload's placement). */
export function mergePolicies(primary: SchedulingPolicy, fallback: SchedulingPolicy): SchedulingPolicy {
  const out: SchedulingPolicy = { ...fallback };
  for (const k of POLICY_FIELDS) if (primary[k] !== undefined) (out as Record<string, unknown>)[k] = primary[k];
  return out;
}

// --- cluster taints --------------------------------------------------------------------------------

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Cluster / KubeFedCluster spec.taints: key a qualified name, value a label value, effect one of three, timeAdded RFC 3339, unique by key and effect. */
export function parseTaints(list: unknown, path: FieldPath = FieldPath.root('spec').child('taints')): { taints: Taint[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const taints: Taint[] = [];
  const seen = new Set<string>();
  listOf(list, path, 'taints {key, value, effect, timeAdded}', errors).forEach((t, i) => {
    const p = path.index(i);
    const before = errors.length;
    const o = objectOf(t, p, ['key', 'value', 'effect', 'timeAdded'], errors);
    if (!o) return;
    if (!given(o.key) || o.key === '') errors.push(required(p.child('key')));
    else optionalString(o.key, p.child('key'), errors, isQualifiedName);
    const value = optionalString(o.value, p.child('value'), errors, isValidLabelValue);
    if (!given(o.effect) || o.effect === '') errors.push(required(p.child('effect')));
    else if (typeof o.effect !== 'string' || !TAINT_EFFECTS.includes(o.effect as TaintEffect)) errors.push(notSupported(p.child('effect'), o.effect, TAINT_EFFECTS));
    const timeAdded = optionalString(o.timeAdded, p.child('timeAdded'), errors, (s) => (RFC3339.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ['must be an RFC 3339 time, e.g. 2024-05-01T12:00:00Z']));
    if (errors.length > before) return;
    const id = `${o.key as string}:${o.effect as string}`;
    if (seen.has(id)) {
      errors.push(duplicate(p, { key: o.key, effect: o.effect }));
      return;
    }
    seen.add(id);
    taints.push({ key: o.key as string, ...(value ? { value } : {}), effect: o.effect as TaintEffect, ...(timeAdded ? { timeAdded } : {}) });
  });
  return { taints, errors };
}
