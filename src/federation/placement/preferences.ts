/**
 * Replica preferences from the three places users give them, in one form for the planner:
 * Federation v1 annotations (`federation.kubernetes.io/replica-set-preferences` and
 * `deployment-preferences`, cluster keys matched case-insensitively), a KubeFed
 * ReplicaSchedulingPreference, or the default: every cluster with weight 1.
 */
import type { KObject } from '../../apis/object.js';
import type { ClusterPreference, ReplicaPreferences } from '../planning/planner.js';

export const RS_PREFERENCES_ANNOTATION = 'federation.kubernetes.io/replica-set-preferences';
export const DEPLOYMENT_PREFERENCES_ANNOTATION = 'federation.kubernetes.io/deployment-preferences';

export const DEFAULT_PREFERENCES: ReplicaPreferences = { rebalance: false, clusters: { '*': { weight: 1 } } };

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

/** Parses a v1 preferences annotation; throws with a message naming the problem. */
export function parsePreferencesAnnotation(json: string, clusterNames: string[]): ReplicaPreferences {
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
  const byLower = new Map(clusterNames.map((n) => [n.toLowerCase(), n]));
  const clusters: Record<string, ClusterPreference> = {};
  for (const [k, v] of Object.entries((d.clusters ?? {}) as Record<string, unknown>)) {
    const name = k === '*' ? '*' : (byLower.get(k.toLowerCase()) ?? k);
    clusters[name] = checkPreference(v, `clusters[${JSON.stringify(k)}]`);
  }
  if (Object.keys(clusters).length === 0) return { rebalance: !!d.rebalance, clusters: { '*': { weight: 1 } } };
  return { rebalance: !!d.rebalance, clusters };
}

/** The preferences that apply to a workload: its annotation, else the default. */
export function v1Preferences(obj: KObject, clusterNames: string[]): ReplicaPreferences {
  const a = obj.metadata?.annotations ?? {};
  const json = obj.kind === 'Deployment' ? (a[DEPLOYMENT_PREFERENCES_ANNOTATION] ?? a[RS_PREFERENCES_ANNOTATION]) : a[RS_PREFERENCES_ANNOTATION];
  return json === undefined ? DEFAULT_PREFERENCES : parsePreferencesAnnotation(json, clusterNames);
}

/** A ReplicaSchedulingPreference's spec as planner preferences. */
export function rspPreferences(rsp: KObject): ReplicaPreferences {
  const spec = rsp.spec ?? {};
  const clusters: Record<string, ClusterPreference> = {};
  for (const [k, v] of Object.entries((spec.clusters ?? {}) as Record<string, ClusterPreference>)) clusters[k] = checkPreference(v, `spec.clusters[${JSON.stringify(k)}]`);
  return { rebalance: !!spec.rebalance, clusters: Object.keys(clusters).length ? clusters : { '*': { weight: 1 } } };
}
