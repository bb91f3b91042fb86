/**
 * Which requests a webhook's rules match, as k8s.io/apiserver's webhook predicates decide it:
 * operations, API groups, versions, resources (with `*`, `resource/subresource`, `resource/*`,
 * `*\/subresource`, `*\/*`) and scope; the configuration kinds that are never sent to webhooks;
 * and the namespace and object selectors.
 */
import { labelSelectorMatches, type LabelSelector } from '../../apis/meta/labels.js';
import type { KObject } from '../../apis/object.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface Rule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

/** What a rule is matched against. */
export interface RuleAttributes {
  operation: Operation;
  resource: GroupVersionResource;
  subresource: string;
  /** The request's namespace: "" for cluster-scoped objects; a namespace's own name for requests on it (not on its creation). */
  namespace: string;
}

const exactOrWildcard = (items: string[] | undefined, requested: string): boolean => (items ?? []).some((i) => i === '*' || i === requested);

const isNamespaceResource = (r: GroupVersionResource): boolean => r.group === '' && r.version === 'v1' && r.resource === 'namespaces';

function scopeMatches(rule: Rule, a: RuleAttributes): boolean {
  const scope = rule.scope ?? '*';
  if (scope === '*') return true;
  // Namespace objects are cluster-scoped although their requests carry their own name as namespace.
  if (scope === 'Namespaced') return !isNamespaceResource(a.resource) && a.namespace !== '';
  if (scope === 'Cluster') return isNamespaceResource(a.resource) || a.namespace === '';
  return false;
}

function resourceMatches(rule: Rule, a: RuleAttributes): boolean {
  for (const rs of rule.resources ?? []) {
    const slash = rs.indexOf('/');
    const res = slash < 0 ? rs : rs.slice(0, slash);
    const sub = slash < 0 ? '' : rs.slice(slash + 1);
    if ((res === '*' || res === a.resource.resource) && (sub === '*' || sub === a.subresource)) return true;
  }
  return false;
}

/** rules.Matcher.Matches. */
export function ruleMatches(rule: Rule, a: RuleAttributes): boolean {
  return (
    scopeMatches(rule, a) &&
    (rule.operations ?? []).some((op) => op === '*' || op === a.operation) &&
    exactOrWildcard(rule.apiGroups, a.resource.group) &&
    exactOrWildcard(rule.apiVersions, a.resource.version) &&
    resourceMatches(rule, a)
  );
}

/** Requests on webhook configurations (and admission policies) are never sent to webhooks. */
export function isExemptAdmissionConfiguration(kind: GroupVersionKind): boolean {
  return (
    kind.group === 'admissionregistration.k8s.io' &&
    [
      'ValidatingWebhookConfiguration',
      'MutatingWebhookConfiguration',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'MutatingAdmissionPolicy',
      'MutatingAdmissionPolicyBinding',
    ].includes(kind.kind)
  );
}

/** Whether a selector has no requirements ({} or absent after defaulting): it selects everything. */
export function selectorIsEmpty(sel: LabelSelector | undefined | null): boolean {
  return !sel || Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0;
}

/**
 * The namespaceSelector decision (namespace.Matcher.MatchNamespaceSelector): cluster-scoped
 * objects other than namespaces always match; a namespace being created or updated is matched
 * by its own labels, other requests by their namespace's labels (`namespaceLabels` looks them
 * up, and throws when the namespace does not exist).
 */
export function namespaceSelectorMatches(
  sel: LabelSelector | undefined | null,
  a: RuleAttributes & { object?: KObject | undefined },
  namespaceLabels: (name: string) => Record<string, string> | undefined,
): boolean {
  if (a.namespace === '' && a.resource.resource !== 'namespaces') return true;
  if (selectorIsEmpty(sel)) return true;
  let labels: Record<string, string> | undefined;
  if (a.resource.resource === 'namespaces' && a.subresource === '' && (a.operation === 'CREATE' || a.operation === 'UPDATE')) {
    labels = a.object?.metadata?.labels;
  } else {
    labels = namespaceLabels(a.namespace);
  }
  return labelSelectorMatches(sel, labels ?? {});
}

/** The objectSelector decision: the new or the old object's labels match. */
export function objectSelectorMatches(sel: LabelSelector | undefined | null, object: KObject | undefined, oldObject: KObject | undefined): boolean {
  if (selectorIsEmpty(sel)) return true;
  const m = (o: KObject | undefined) => o !== undefined && labelSelectorMatches(sel, o.metadata?.labels ?? {});
  return m(object) || m(oldObject);
}
