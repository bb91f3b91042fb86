/**
 * Whether one set of RBAC rules covers another, as Kubernetes decides it for privilege-escalation
 * checks (k8s.io/component-helpers/auth/rbac/validation Covers): every rule to grant is broken
 * into atomic rules (one group, resource, verb and resource name, or one URL and verb), and
 * each must be covered by a single rule held. Also the compaction and the compact text
 * kube-apiserver uses to list what is missing.
 */
import { goQuoteList } from '../go-quote.js';
import type { PolicyRule } from './rbac-aggregation.js';

/** Rules with at most one verb, API group, resource and resource name (or one non-resource URL and verb). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        const atom = { apiGroups: [group], resources: [resource], verbs: [verb] };
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ ...atom, resourceNames: [name] });
        else out.push(atom);
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

const hasAll = (set: readonly string[] = [], wanted: readonly string[] = []): boolean => wanted.every((w) => set.includes(w));

/** "*" covers any resource, "*\/sub" the subresource `sub` of any resource. */
function resourcesCover(held: readonly string[] = [], wanted: readonly string[] = []): boolean {
  if (held.includes('*')) return true;
  return wanted.every((r) => {
    if (held.includes(r)) return true;
    const slash = r.indexOf('/');
    return slash >= 0 && held.includes(`*/${r.slice(slash + 1)}`);
  });
}

/** A held URL ending in "*" covers every path with that prefix. */
const urlCovers = (held: string, wanted: string): boolean => held === wanted || (held.endsWith('*') && wanted.startsWith(held.replace(/\*+$/, '')));

/** Whether `held` covers `atom`, an atomic rule from breakdownRule. */
export function ruleCovers(held: PolicyRule, atom: PolicyRule): boolean {
  const verbs = held.verbs?.includes('*') || hasAll(held.verbs, atom.verbs);
  const groups = held.apiGroups?.includes('*') || hasAll(held.apiGroups, atom.apiGroups);
  const resources = resourcesCover(held.resources, atom.resources);
  const urls = (atom.nonResourceURLs ?? []).every((u) => (held.nonResourceURLs ?? []).some((h) => urlCovers(h, u)));
  // A rule limited to names covers only those names, never a request for any name.
  const names = !held.resourceNames?.length || (!!atom.resourceNames?.length && hasAll(held.resourceNames, atom.resourceNames));
  return !!verbs && !!groups && resources && urls && names;
}

/** Covers(owner, servant): whether `held` covers `wanted`, and the atomic rules it does not. */
export function covers(held: readonly PolicyRule[], wanted: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing = wanted.flatMap(breakdownRule).filter((atom) => !held.some((h) => ruleCovers(h, atom)));
  return { covered: missing.length === 0, missing };
}

/**
 * CompactRules: atomic rules for the same single group, resource and (at most one) resource
 * name are merged into one rule with all their verbs; other rules are kept as they are.
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const merged = new Map<string, PolicyRule>();
  const others: PolicyRule[] = [];
  for (const r of rules) {
    const simple =
      !r.nonResourceURLs?.length && (r.resourceNames?.length ?? 0) <= 1 && r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!simple) {
      others.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups, r.resources, r.resourceNames ?? null]);
    const existing = merged.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...(r.verbs ?? [])];
    else merged.set(key, { ...r, verbs: [...(r.verbs ?? [])] });
  }
  return [...others, ...merged.values()];
}

/** rbacv1helpers.CompactString: `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  const field = (name: string, v: readonly string[] | undefined) => {
    if (v?.length) parts.push(`${name}:${goQuoteList(v)}`);
  };
  field('APIGroups', r.apiGroups);
  field('Resources', r.resources);
  field('NonResourceURLs', r.nonResourceURLs);
  field('ResourceNames', r.resourceNames);
  field('Verbs', r.verbs);
  return `{${parts.join(', ')}}`;
}
