/**
 * Per-cluster overrides (KubeFed v2 `spec.overrides`): RFC 6902-style operations applied to the
 * copy of the template sent to one cluster. Checked when the federated object is admitted, so a
 * bad override is a 422 naming the field, never a propagation failure later.
 */
import { deepClone, type KObject } from '../../apis/object.js';
import { invalid, notSupported, required, duplicate, forbidden, FieldPath, type FieldError } from '../../apis/validation/field.js';
import { applyJsonPatch } from '../../apiserver/patch/json-patch.js';

export interface ClusterOverride {
  op?: 'add' | 'remove' | 'replace';
  path: string;
  value?: unknown;
}

export interface OverrideEntry {
  clusterName: string;
  clusterOverrides?: ClusterOverride[];
}

/** Paths an override may not touch: the object's identity. */
export const FORBIDDEN_PATHS = ['/metadata/name', '/metadata/namespace', '/metadata/generateName', '/kind', '/apiVersion'];

const OPS = ['add', 'remove', 'replace'];

export function validateOverrides(overrides: unknown, path = FieldPath.root('spec').child('overrides')): FieldError[] {
  const errs: FieldError[] = [];
  if (overrides === undefined || overrides === null) return errs;
  if (!Array.isArray(overrides)) return [invalid(path, overrides, 'must be a list of {clusterName, clusterOverrides}')];
  const clusters = new Set<string>();
  overrides.forEach((o: unknown, i) => {
    const p = path.index(i);
    if (!o || typeof o !== 'object') {
      errs.push(invalid(p, o, 'must be an object'));
      return;
    }
    const entry = o as Record<string, unknown>;
    if (typeof entry.clusterName !== 'string' || entry.clusterName === '') errs.push(required(p.child('clusterName')));
    else if (clusters.has(entry.clusterName)) errs.push(duplicate(p.child('clusterName'), entry.clusterName));
    else clusters.add(entry.clusterName);
    const list = entry.clusterOverrides;
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      errs.push(invalid(p.child('clusterOverrides'), list, 'must be a list of {op, path, value}'));
      return;
    }
    const paths = new Set<string>();
    list.forEach((co: unknown, j) => {
      const cp = p.child('clusterOverrides').index(j);
      if (!co || typeof co !== 'object') {
        errs.push(invalid(cp, co, 'must be an object'));
        return;
      }
      const c = co as Record<string, unknown>;
      const op = c.op ?? 'replace';
      if (typeof op !== 'string' || !OPS.includes(op)) errs.push(notSupported(cp.child('op'), op, OPS));
      if (typeof c.path !== 'string' || c.path === '') {
        errs.push(required(cp.child('path')));
        return;
      }
      if (!c.path.startsWith('/')) errs.push(invalid(cp.child('path'), c.path, 'must be a JSON pointer starting with "/"'));
      else if (FORBIDDEN_PATHS.some((f) => c.path === f || (c.path as string).startsWith(`${f}/`))) errs.push(forbidden(cp.child('path'), `${c.path} may not be overridden`));
      if (paths.has(c.path)) errs.push(duplicate(cp.child('path'), c.path));
      paths.add(c.path);
      if ((op === 'add' || op === 'replace') && !('value' in c)) errs.push(required(cp.child('value'), `${op} needs a value`));
    });
  });
  return errs;
}

/** The overrides for one cluster, applied to a copy of `obj`. Throws if an operation does not apply. */
export function applyOverrides(obj: KObject, overrides: ClusterOverride[] | undefined): KObject {
  if (!overrides?.length) return deepClone(obj);
  const ops = overrides.map((o) => ({ op: o.op ?? 'replace', path: o.path, ...(o.op === 'remove' ? {} : { value: o.value }) }));
  return applyJsonPatch(obj, ops) as KObject;
}

/** The overrides listed for a cluster. */
export function overridesFor(entries: OverrideEntry[] | undefined, cluster: string): ClusterOverride[] | undefined {
  return entries?.find((e) => e.clusterName === cluster)?.clusterOverrides;
}
