/**
 * Replica preferences from the three places users give them, in one form for the planner:
 * Federation v1 annotations (`federation.kubernetes.io/replica-set-preferences` and
 * `deployment-preferences`, cluster keys matched case-insensitively), a KubeFed
 * ReplicaSchedulingPreference, or the default: every cluster with weight 1, rebalancing (so a
 * cluster that joins gets its share). The annotation and the RSP spec also carry the workload's
 * scheduling policy (tolerations, spreadConstraints, clusterAffinities, dynamicWeight: see
 * scheduling-policy.ts).
 */
import type { KObject } from '../../apis/object.js';
import { errorMessage, FieldPath } from '../../apis/validation/field.js';
import type { ClusterPreference, ReplicaPreferences } from '../planning/planner.js';
import type { SchedulingPolicy } from '../planning/scheduling-types.js';
import { parseSchedulingPolicy, POLICY_FIELDS } from './scheduling-policy.js';

export const RS_PREFERENCES_ANNOTATION = 'federation.kubernetes.io/replica-set-preferences';
export const DEPLOYMENT_PREFERENCES_ANNOTATION = 'federation.kubernetes.io/deployment-preferences';

/**
 * No annotation and no ReplicaSchedulingPreference: an even split that follows the clusters
 * (rebalance true: a cluster that joins or returns gets its share, make-before-break).
 */
export const DEFAULT_PREFERENCES: ReplicaPreferences = { rebalance: true, clusters: { '*': { weight: 1 } } };

/** Replica preferences and the scheduling policy given with them. */
export interface WorkloadPreferences {
  preferences: ReplicaPreferences;
  policy: SchedulingPolicy;
}

const ANNOTATION_FIELDS = ['rebalance', 'clusters', ...POLICY_FIELDS];

function checkPreference(p: unknown, at: string): ClusterPreference {
  if (!p || typeof p !== 'object') throw new Error(`${at} must be an object with minReplicas, maxReplicas and weight`);
  const out: ClusterPreference = {};
  for (const k of ['minReplicas', 'maxReplicas', 'weight'] as const) {
    const v = (p as Record<string, unknown>)[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${at}.${k} must be a non-negative integer`);
    out[k] = v;
  }
  if (out.maxReplicas !== undefined && out.minReplicas !== undefined && out.maxReplicas < out.minReplicas) {
    throw new Error(`${at}.maxReplicas must not be below minReplicas`);
  }
  const unknown = Object.keys(p).filter((k) => !['minReplicas', 'maxReplicas', 'weight'].includes(k));
  if (unknown.length) throw new Error(`${at} has unknown field(s) ${unknown.join(', ')}`);
  return out;
}

/**
 * Parses a v1 preferences annotation: {rebalance, clusters, tolerations, spreadConstraints,
 * clusterAffinities, dynamicWeight}. `rebalance` absent is false, as in Federation v1. Throws
 * with a message naming the problem.
 */
export function parseWorkloadPreferences(json: string, clusterNames: string[]): WorkloadPreferences {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new Error(`is not valid JSON: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('must be a JSON object {"rebalance": bool, "clusters": {...}}');
  const d = doc as { rebalance?: unknown; clusters?: unknown };
  if (d.rebalance !== undefined && typeof d.rebalance !== 'boolean') throw new Error('rebalance must be true or false');
  if (d.clusters !== undefined && (typeof d.clusters !== 'object' || d.clusters === null || Array.isArray(d.clusters))) throw new Error('clusters must be an object keyed by cluster name or "*"');
  const unknown = Object.keys(d).filter((k) => !ANNOTATION_FIELDS.includes(k));
  if (unknown.length) throw new Error(`has unknown field(s) ${unknown.join(', ')}; expected ${ANNOTATION_FIELDS.join(', ')}`);
  const byLower = new Map(clusterNames.map((n) => [n.toLowerCase(), n]));
  const clusters: Record<string, ClusterPreference> = {};
  for (const [k, v] of Object.entries((d.clusters ?? {}) as Record<string, unknown>)) {
    const name = k === '*' ? '*' : (byLower.get(k.toLowerCase()) ?? k);
    clusters[name] = checkPreference(v, `clusters[${JSON.stringify(k)}]`);
  }
  const { policy, errors } = parseSchedulingPolicy(d as Record<string, unknown>, FieldPath.root());
  if (errors.length) throw new Error(errors.map(errorMessage).join('; '));
  return { preferences: { rebalance: !!d.rebalance, clusters: Object.keys(clusters).length ? clusters : { '*': { weight: 1 } } }, policy };
}

/** The replica preferences of a v1 annotation (see parseWorkloadPreferences). */
export function parsePreferencesAnnotation(json: string, clusterNames: string[]): ReplicaPreferences {
  return parseWorkloadPreferences(json, clusterNames).preferences;
}

/** The annotation that applies to a workload's kind, if it has one. */
export function preferencesAnnotation(obj: KObject): string | undefined {
  const a = obj.metadata?.annotations ?? {};
  return obj.kind === 'Deployment' ? (a[DEPLOYMENT_PREFERENCES_ANNOTATION] ?? a[RS_PREFERENCES_ANNOTATION]) : a[RS_PREFERENCES_ANNOTATION];
}

/** A workload's annotation parsed, or undefined without one. Throws on a bad annotation. */
export function v1WorkloadPreferences(obj: KObject, clusterNames: string[]): WorkloadPreferences | undefined {
  const json = preferencesAnnotation(obj);
  return json === undefined ? undefined : parseWorkloadPreferences(json, clusterNames);
}

/** The preferences that apply to a workload: its annotation, else the default. */
export function v1Preferences(obj: KObject, clusterNames: string[]): ReplicaPreferences {
  return v1WorkloadPreferences(obj, clusterNames)?.preferences ?? DEFAULT_PREFERENCES;
}

/** A ReplicaSchedulingPreference's spec: preferences (rebalance absent is false, as in KubeFed) and policy. Throws naming the bad field. */
export function rspWorkloadPreferences(rsp: KObject): WorkloadPreferences {
  const spec = rsp.spec ?? {};
  const clusters: Record<string, ClusterPreference> = {};
  for (const [k, v] of Object.entries((spec.clusters ?? {}) as Record<string, ClusterPreference>)) clusters[k] = checkPreference(v, `spec.clusters[${JSON.stringify(k)}]`);
  const { policy, errors } = parseSchedulingPolicy(spec, FieldPath.root('spec'));
  if (errors.length) throw new Error(errors.map(errorMessage).join('; '));
  return { preferences: { rebalance: !!spec.rebalance, clusters: Object.keys(clusters).length ? clusters : { '*': { weight: 1 } } }, policy };
}

/** A ReplicaSchedulingPreference's spec as planner preferences. */
export function rspPreferences(rsp: KObject): ReplicaPreferences {
  return rspWorkloadPreferences(rsp).preferences;
}
