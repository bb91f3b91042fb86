/**
 * The federation API's admission hook: checks what the federation reads from objects before
 * anything is stored, so a mistake is a 422 naming the field rather than a propagation failure
 * later. Covers Federated<Kind> (template, placement with its scheduling policy, overrides), the
 * Federation v1 annotations on any object (cluster selector, replica preferences with their
 * scheduling policy, orphaning), ReplicaSchedulingPreferences, FederatedTypeConfigs and cluster
 * taints (Cluster, KubeFedCluster).
 */
import { isPlainObject, type KObject } from '../apis/object.js';
import { duplicate, FieldPath, invalid, notSupported, required, type FieldError } from '../apis/validation/field.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../apis/validation/names.js';
import type { AdmissionPlugin } from '../apiserver/rest/context.js';
import type { ResourceType } from '../apiserver/registry/types.js';
import { CORE_GROUP, SCHEDULING_GROUP, TYPES_GROUP } from './crds/federation-crds.js';
import { CLUSTER_SELECTOR_ANNOTATION, parseClusterSelector } from './placement/cluster-selector.js';
import { validateOverrides } from './placement/overrides.js';
import { ORPHAN_ANNOTATION, SYNC_FINALIZER } from './propagation/intent.js';
import { DEPLOYMENT_PREFERENCES_ANNOTATION, RS_PREFERENCES_ANNOTATION, parsePreferencesAnnotation } from './placement/preferences.js';
import { PLACEMENT_POLICY_FIELDS, parseSchedulingPolicy, parseTaints, validateClusterSelector } from './placement/scheduling-policy.js';

export { validateClusterSelector };

/** Kinds a ReplicaSchedulingPreference may divide the replicas of. */
export const RSP_TARGET_KINDS = ['FederatedDeployment', 'FederatedReplicaSet', 'FederatedStatefulSet', 'Deployment', 'ReplicaSet', 'StatefulSet'];

const SCOPES = ['Namespaced', 'Cluster'];
const PROPAGATION = ['Enabled', 'Disabled'];

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** spec.placement of a Federated<Kind>. */
export function validatePlacement(placement: unknown, path = FieldPath.root('spec').child('placement')): FieldError[] {
  if (placement === undefined || placement === null) return [];
  if (!isPlainObject(placement)) return [invalid(path, placement, 'must be an object {clusters, clusterSelector, tolerations, spreadConstraints, clusterAffinities}')];
  const errs: FieldError[] = [];
  const clusters = (placement as { clusters?: unknown }).clusters;
  if (clusters !== undefined && clusters !== null) {
    const cp = path.child('clusters');
    if (!Array.isArray(clusters)) errs.push(invalid(cp, clusters, 'must be a list of {name}'));
    else {
      const seen = new Set<string>();
      clusters.forEach((c: unknown, i) => {
        const p = cp.index(i);
        if (!isPlainObject(c)) {
          errs.push(invalid(p, c, 'must be an object {name}'));
          return;
        }
        const name = (c as { name?: unknown }).name;
        if (name === undefined || name === null || name === '') errs.push(required(p.child('name'), 'cluster name'));
        else if (typeof name !== 'string') errs.push(invalid(p.child('name'), name, 'must be a string'));
        else if (seen.has(name)) errs.push(duplicate(p.child('name'), name));
        else {
          seen.add(name);
          for (const m of isDNS1123Subdomain(name)) errs.push(invalid(p.child('name'), name, m));
        }
      });
    }
  }
  errs.push(...validateClusterSelector((placement as { clusterSelector?: unknown }).clusterSelector, path.child('clusterSelector')));
  errs.push(...parseSchedulingPolicy(placement as Record<string, unknown>, path, PLACEMENT_POLICY_FIELDS).errors);
  return errs;
}

/** A Federated<Kind> (types.kubefed.io): template, placement and overrides. */
export function validateFederatedObject(obj: KObject): FieldError[] {
  const spec: unknown = obj.spec;
  const sp = FieldPath.root('spec');
  if (spec === undefined || spec === null) return [];
  if (!isPlainObject(spec)) return [invalid(sp, spec, 'must be an object {template, placement, overrides}')];
  const errs: FieldError[] = [];
  const s = spec as Record<string, unknown>;
  if (s.template !== undefined && s.template !== null && !isPlainObject(s.template)) errs.push(invalid(sp.child('template'), s.template, 'must be an object'));
  errs.push(...validatePlacement(s.placement, sp.child('placement')));
  errs.push(...validateOverrides(s.overrides, sp.child('overrides')));
  return errs;
}

const annotationPath = (key: string) => FieldPath.root('metadata').child('annotations').key(key);

/** The Federation v1 annotations and kubefed.io/orphan, on any object. */
export function validateFederationAnnotations(obj: KObject): FieldError[] {
  const ann = obj.metadata?.annotations;
  if (!isPlainObject(ann)) return [];
  const errs: FieldError[] = [];
  const check = (key: string, parse: (v: string) => unknown) => {
    const v: unknown = ann[key];
    if (v === undefined) return;
    if (typeof v !== 'string') {
      errs.push(invalid(annotationPath(key), v, 'must be a string'));
      return;
    }
    try {
      parse(v);
    } catch (e) {
      errs.push(invalid(annotationPath(key), v, (e as Error).message));
    }
  };
  check(CLUSTER_SELECTOR_ANNOTATION, parseClusterSelector);
  check(RS_PREFERENCES_ANNOTATION, (v) => parsePreferencesAnnotation(v, []));
  check(DEPLOYMENT_PREFERENCES_ANNOTATION, (v) => parsePreferencesAnnotation(v, []));
  const orphan: unknown = ann[ORPHAN_ANNOTATION];
  if (orphan !== undefined && orphan !== 'true' && orphan !== 'false') errs.push(notSupported(annotationPath(ORPHAN_ANNOTATION), orphan, ['true', 'false']));
  return errs;
}

function nonNegativeInt(v: unknown, p: FieldPath): FieldError[] {
  if (v === undefined || v === null) return [];
  if (!isInt(v)) return [invalid(p, v, 'must be an integer')];
  return v < 0 ? [invalid(p, v, 'must be greater than or equal to 0')] : [];
}

/** ReplicaSchedulingPreference (scheduling.kubefed.io). */
export function validateReplicaSchedulingPreference(obj: KObject): FieldError[] {
  const sp = FieldPath.root('spec');
  const spec: unknown = obj.spec;
  if (!isPlainObject(spec)) return [spec === undefined || spec === null ? required(sp) : invalid(sp, spec, 'must be an object')];
  const errs: FieldError[] = [];
  const s = spec as Record<string, unknown>;
  if (s.targetKind === undefined || s.targetKind === null || s.targetKind === '') errs.push(required(sp.child('targetKind')));
  else if (typeof s.targetKind !== 'string' || !RSP_TARGET_KINDS.includes(s.targetKind)) errs.push(notSupported(sp.child('targetKind'), s.targetKind, RSP_TARGET_KINDS));
  if (s.totalReplicas === undefined || s.totalReplicas === null) errs.push(required(sp.child('totalReplicas')));
  else errs.push(...nonNegativeInt(s.totalReplicas, sp.child('totalReplicas')));
  if (s.clusters !== undefined && s.clusters !== null) {
    const cp = sp.child('clusters');
    if (!isPlainObject(s.clusters)) errs.push(invalid(cp, s.clusters, 'must be a map of cluster name (or "*") to {minReplicas, maxReplicas, weight}'));
    else {
      for (const [name, pref] of Object.entries(s.clusters as Record<string, unknown>)) {
        const p = cp.key(name);
        if (!isPlainObject(pref)) {
          errs.push(invalid(p, pref, 'must be an object {minReplicas, maxReplicas, weight}'));
          continue;
        }
        const { minReplicas, maxReplicas, weight } = pref as Record<string, unknown>;
        errs.push(...nonNegativeInt(weight, p.child('weight')), ...nonNegativeInt(minReplicas, p.child('minReplicas')), ...nonNegativeInt(maxReplicas, p.child('maxReplicas')));
        if (isInt(maxReplicas) && maxReplicas >= 0 && isInt(minReplicas) && minReplicas >= 0 && maxReplicas < minReplicas) {
          errs.push(invalid(p.child('maxReplicas'), maxReplicas, `must be greater than or equal to minReplicas (${minReplicas})`));
        }
      }
    }
  }
  errs.push(...parseSchedulingPolicy(s, sp).errors);
  return errs;
}

/** Cluster and KubeFedCluster (core.kubefed.io): spec.taints. */
export function validateClusterTaints(obj: KObject): FieldError[] {
  const spec: unknown = obj.spec;
  if (!isPlainObject(spec)) return [];
  return parseTaints((spec as Record<string, unknown>).taints).errors;
}

function validateApiResource(r: unknown, p: FieldPath, isRequired: boolean): FieldError[] {
  if (r === undefined || r === null) return isRequired ? [required(p)] : [];
  if (!isPlainObject(r)) return [invalid(p, r, 'must be an object {group, version, kind, pluralName, scope}')];
  const errs: FieldError[] = [];
  const { group, version, kind, pluralName, scope } = r as Record<string, unknown>;
  const requiredString = (v: unknown, f: string, check?: (s: string) => string[]) => {
    if (v === undefined || v === null || v === '') errs.push(required(p.child(f)));
    else if (typeof v !== 'string') errs.push(invalid(p.child(f), v, 'must be a string'));
    else for (const m of check?.(v) ?? []) errs.push(invalid(p.child(f), v, m));
  };
  if (group !== undefined && group !== null && group !== '') {
    if (typeof group !== 'string') errs.push(invalid(p.child('group'), group, 'must be a string'));
    else for (const m of isDNS1123Subdomain(group)) errs.push(invalid(p.child('group'), group, m));
  }
  requiredString(version, 'version', isDNS1035Label);
  // As Kubernetes checks CRD names: the lower-cased kind and the plural are DNS-1035 labels.
  requiredString(kind, 'kind', (k) => isDNS1035Label(k.toLowerCase()));
  requiredString(pluralName, 'pluralName', isDNS1035Label);
  if (scope === undefined || scope === null || scope === '') errs.push(required(p.child('scope')));
  else if (typeof scope !== 'string' || !SCOPES.includes(scope)) errs.push(notSupported(p.child('scope'), scope, SCOPES));
  return errs;
}

/** FederatedTypeConfig (core.kubefed.io). */
export function validateFederatedTypeConfig(obj: KObject): FieldError[] {
  const sp = FieldPath.root('spec');
  const spec: unknown = obj.spec;
  if (!isPlainObject(spec)) return [spec === undefined || spec === null ? required(sp) : invalid(sp, spec, 'must be an object')];
  const s = spec as Record<string, unknown>;
  const errs = [...validateApiResource(s.targetType, sp.child('targetType'), true), ...validateApiResource(s.federatedType, sp.child('federatedType'), false)];
  if (s.propagation === undefined || s.propagation === null || s.propagation === '') errs.push(required(sp.child('propagation')));
  else if (typeof s.propagation !== 'string' || !PROPAGATION.includes(s.propagation)) errs.push(notSupported(sp.child('propagation'), s.propagation, PROPAGATION));
  if (s.statusCollection !== undefined && s.statusCollection !== null && (typeof s.statusCollection !== 'string' || !PROPAGATION.includes(s.statusCollection))) {
    errs.push(notSupported(sp.child('statusCollection'), s.statusCollection, PROPAGATION));
  }
  return errs;
}

/** Every check that applies to one object of the given group and kind. */
export function validateFederationObject(group: string, kind: string, obj: KObject): FieldError[] {
  const errs = validateFederationAnnotations(obj);
  if (group === TYPES_GROUP) errs.push(...validateFederatedObject(obj));
  else if (group === SCHEDULING_GROUP && kind === 'ReplicaSchedulingPreference') errs.push(...validateReplicaSchedulingPreference(obj));
  else if (group === CORE_GROUP && kind === 'FederatedTypeConfig') errs.push(...validateFederatedTypeConfig(obj));
  else if (group === CORE_GROUP && (kind === 'Cluster' || kind === 'KubeFedCluster')) errs.push(...validateClusterTaints(obj));
  return errs;
}

export interface FederationAdmissionOptions {
  /**
   * Whether a new object of this type will be propagated; such objects get the sync
   * controller's finalizer at creation, which spares the controller a write per object.
   */
  propagated?(type: ResourceType, obj: KObject): boolean;
}

/** The admission plug-in for the federation API server (creates and updates, not status writes). */
export function federationAdmission(opts: FederationAdmissionOptions = {}): AdmissionPlugin {
  return {
    mutateCreate({ type, obj }) {
      if (!opts.propagated?.(type, obj)) return;
      const finalizers = obj.metadata?.finalizers ?? [];
      if (!finalizers.includes(SYNC_FINALIZER)) obj.metadata = { ...obj.metadata, finalizers: [...finalizers, SYNC_FINALIZER] };
    },
    validate(req) {
      if (req.subresource === 'status') return [];
      // An object on its way out only loses finalizers; never block that on what it already holds.
      if (req.old?.metadata?.deletionTimestamp) return [];
      return validateFederationObject(req.type.group, req.type.kind, req.obj);
    },
  };
}
