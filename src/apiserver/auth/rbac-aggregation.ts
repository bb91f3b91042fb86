/**
 * ClusterRole aggregation: a ClusterRole with an aggregationRule has as its rules the union of the
 * rules of every other ClusterRole whose labels match one of its selectors. Kubernetes' aggregation
 * controller writes that union into the role; here it is computed when needed, from the current
 * ClusterRoles, so it is never stale.
 */
import { labelSelectorMatches, type LabelSelector } from '../../apis/meta/labels.js';
import type { KObject } from '../../apis/object.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** Looks up ClusterRoles by name and memoizes their effective rules (for one evaluation). */
export class ClusterRoleRules {
  private byName: Map<string, KObject> | undefined;
  private readonly effective = new Map<string, PolicyRule[]>();

  constructor(private readonly listClusterRoles: () => KObject[]) {}

  get(name: string): KObject | undefined {
    return this.index().get(name);
  }

  /** The rules a ClusterRole grants: its own, or the aggregated ones if it has an aggregationRule. */
  rulesOf(role: KObject): PolicyRule[] {
    return this.resolve(role, new Set());
  }

  private resolve(role: KObject, visiting: Set<string>): PolicyRule[] {
    const name = role.metadata?.name ?? '';
    const cached = this.effective.get(name);
    if (cached) return cached;
    const selectors: LabelSelector[] | undefined = role.aggregationRule?.clusterRoleSelectors;
    // A cycle (A aggregates B aggregates A) falls back to the stored rules, as the controller would see them.
    if (!role.aggregationRule || visiting.has(name)) return ownRules(role);

    visiting.add(name);
    const matched = this.all()
      .filter((other) => other.metadata?.name !== name)
      .filter((other) => (selectors ?? []).some((s) => labelSelectorMatches(s, other.metadata?.labels)))
      .sort((a, b) => compare(a.metadata?.name ?? '', b.metadata?.name ?? ''));
    const seen = new Set<string>();
    const rules: PolicyRule[] = [];
    for (const other of matched) {
      for (const rule of this.resolve(other, visiting)) {
        const key = ruleKey(rule);
        if (!seen.has(key)) {
          seen.add(key);
          rules.push(rule);
        }
      }
    }
    visiting.delete(name);
    this.effective.set(name, rules);
    return rules;
  }

  private all(): KObject[] {
    return [...this.index().values()];
  }

  private index(): Map<string, KObject> {
    this.byName ??= new Map(this.listClusterRoles().map((r) => [r.metadata?.name ?? '', r]));
    return this.byName;
  }
}

/** The effective rules of `role` among `clusterRoles` (e.g. for writing them back, as the controller does). */
export function aggregatedRules(role: KObject, clusterRoles: KObject[]): PolicyRule[] {
  return new ClusterRoleRules(() => clusterRoles).rulesOf(role);
}

export function ownRules(role: KObject): PolicyRule[] {
  return Array.isArray(role.rules) ? (role.rules as PolicyRule[]) : [];
}

/** Identity of a rule for de-duplication; empty and missing lists are the same (as in Go). */
function ruleKey(rule: PolicyRule): string {
  const list = (v: string[] | undefined): string[] => v ?? [];
  return JSON.stringify([
    list(rule.verbs),
    list(rule.apiGroups),
    list(rule.resources),
    list(rule.resourceNames),
    list(rule.nonResourceURLs),
  ]);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
