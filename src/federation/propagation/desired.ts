/**
 * The object one member should hold for an intent: the template, fields the member owns kept
 * from its current copy, the planned replicas, the cluster's overrides, and the managed label.
 */
import { createHash } from 'node:crypto';
import { deepClone, isPlainObject, type KObject } from '../../apis/object.js';
import type { Intent } from '../context.js';
import { applyOverrides } from '../placement/overrides.js';
import { MANAGED_LABEL } from './intent.js';

/** JSON with object keys sorted, so equal values always hash alike. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** The template's canonical text, computed once per intent rather than once per cluster. */
const templateText = new WeakMap<KObject, string>();

/** Hash of everything the federation decides for one cluster's copy. */
export function intentHash(intent: Intent, cluster: string, replicas: number | undefined): string {
  let t = templateText.get(intent.template);
  if (t === undefined) templateText.set(intent.template, (t = canonical(intent.template)));
  return createHash('sha1').update(`{"o":${canonical(intent.overrides[cluster] ?? null)},"r":${replicas ?? 'null'},"t":${t}}`).digest('base64url').slice(0, 16);
}

/** Fields a member sets on its own copy that a write from the federation must keep. */
function retainMemberFields(kind: string, desired: KObject, member: KObject): void {
  const d = desired as Record<string, any>;
  const m = member as Record<string, any>;
  if (kind === '/Service' && d.spec && m.spec) {
    for (const f of ['clusterIP', 'clusterIPs', 'healthCheckNodePort', 'ipFamilies', 'ipFamilyPolicy']) if (d.spec[f] === undefined && m.spec[f] !== undefined) d.spec[f] = deepClone(m.spec[f]);
    for (const p of d.spec.ports ?? []) {
      if (p.nodePort !== undefined) continue;
      const old = (m.spec.ports ?? []).find((q: any) => (p.name && q.name === p.name) || (q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP')));
      if (old?.nodePort !== undefined && d.spec.type !== 'ClusterIP') p.nodePort = old.nodePort;
    }
  }
  if (kind === '/ServiceAccount') {
    for (const f of ['secrets', 'imagePullSecrets']) if (d[f] === undefined && m[f] !== undefined) d[f] = deepClone(m[f]);
  }
  if (kind === 'batch/Job' && d.spec && m.spec) {
    if (d.spec.selector === undefined) d.spec.selector = deepClone(m.spec.selector);
    const memberLabels = m.spec.template?.metadata?.labels;
    if (memberLabels && d.spec.template) {
      d.spec.template.metadata = { ...(d.spec.template.metadata ?? {}), labels: { ...memberLabels, ...(d.spec.template.metadata?.labels ?? {}) } };
    }
  }
}

/**
 * The desired member object. Throws (ApplyOverridesFailed) when an override does not apply.
 * `member` is the cluster's current copy, if any.
 */
export function desiredObject(intent: Intent, cluster: string, member: KObject | undefined, replicas: number | undefined): KObject {
  let d = deepClone(intent.template);
  if (replicas !== undefined) d.spec = { ...(d.spec ?? {}), replicas };
  const overrides = intent.overrides[cluster];
  if (overrides?.length) d = applyOverrides(d, overrides);
  const meta = (d.metadata ??= {});
  meta.labels = { ...(meta.labels ?? {}), [MANAGED_LABEL]: 'true' };
  if (member) {
    const mm = member.metadata ?? {};
    meta.resourceVersion = mm.resourceVersion;
    if (mm.finalizers?.length) meta.finalizers = [...mm.finalizers];
    // Annotations the member added (e.g. a Deployment's revision) stay; the template's win.
    if (mm.annotations) meta.annotations = { ...mm.annotations, ...(meta.annotations ?? {}) };
    retainMemberFields(`${intent.type.target.group}/${intent.type.target.kind}`, d, member);
  }
  return d;
}

/**
 * True when every field of `desired` is already in `member` (members add defaults and status,
 * which do not count). Used when no record says what was written last, e.g. after a crash.
 */
export function alreadyApplied(desired: unknown, member: unknown): boolean {
  if (Array.isArray(desired)) return Array.isArray(member) && desired.length === member.length && desired.every((d, i) => alreadyApplied(d, member[i]));
  if (isPlainObject(desired)) {
    if (!isPlainObject(member)) return false;
    return Object.entries(desired).every(([k, v]) => k === 'resourceVersion' || v === undefined || alreadyApplied(v, member[k]));
  }
  return desired === member || (typeof desired === 'number' && typeof member === 'string' && String(desired) === member);
}

/** "gen:N" for kinds whose spec changes bump the generation, else "rv:N". */
export function memberVersion(obj: KObject): string {
  const gen = obj.metadata?.generation;
  return gen ? `gen:${gen}` : `rv:${obj.metadata?.resourceVersion ?? ''}`;
}
