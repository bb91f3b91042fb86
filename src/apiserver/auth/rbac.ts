/**
 * RBAC authorization, evaluated as Kubernetes' RBAC authorizer (plugin/pkg/auth/authorizer/rbac)
 * does: ClusterRoleBindings grant everywhere, RoleBindings of the request's namespace grant in that
 * namespace, and a request is allowed as soon as one rule of one applicable binding allows it.
 * Members of a privileged group (system:masters) are allowed everything, as kube-apiserver's
 * privileged-group authorizer does ahead of RBAC.
 */
import type { KObject } from '../../apis/object.js';
import { notFound, StatusError } from '../errors.js';
import { ClusterRoleRules, ownRules, type PolicyRule } from './rbac-aggregation.js';
import { GROUP_MASTERS, serviceAccountUsername, type UserInfo } from './types.js';

export type { PolicyRule } from './rbac-aggregation.js';

/** Current rbac.authorization.k8s.io/v1 objects; the server implements it from its object cache. */
export interface RbacObjects {
  clusterRoles(): KObject[];
  clusterRoleBindings(): KObject[];
  roles(namespace: string): KObject[];
  roleBindings(namespace: string): KObject[];
}

export interface AuthorizationAttributes {
  user: UserInfo;
  verb: string;
  isResourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

export interface AuthorizationDecision {
  allowed: boolean;
  /** "RBAC: allowed by ..." when allowed; resolution errors (missing roles) when denied, else "". */
  reason: string;
}

/** SelfSubjectRulesReview's ResourceRule. */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

/** SelfSubjectRulesReview's NonResourceRule. */
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

export interface RulesForResult {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** True when some binding could not be resolved (its role is missing). */
  incomplete: boolean;
  evaluationError?: string;
}

export interface RbacAuthorizerOptions {
  /** Groups allowed everything regardless of bindings. Default ["system:masters"]. */
  privilegedGroups?: string[];
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup?: string;
  kind?: string;
  name?: string;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Return false to stop visiting. */
type RuleVisitor = (source: string, rule: PolicyRule | undefined, error: string | undefined) => boolean;

export class RbacAuthorizer {
  private readonly privilegedGroups: Set<string>;

  constructor(
    private readonly objects: RbacObjects,
    options: RbacAuthorizerOptions = {},
  ) {
    this.privilegedGroups = new Set(options.privilegedGroups ?? [GROUP_MASTERS]);
  }

  authorize(attributes: AuthorizationAttributes): AuthorizationDecision {
    if (attributes.user.groups.some((g) => this.privilegedGroups.has(g))) return { allowed: true, reason: '' };
    let allowedBy: string | undefined;
    const errors: string[] = [];
    this.visitRulesFor(attributes.user, attributes.namespace, (source, rule, error) => {
      if (rule && ruleAllows(attributes, rule)) {
        allowedBy = source;
        return false;
      }
      if (error) errors.push(error);
      return true;
    });
    if (allowedBy !== undefined) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
    return { allowed: false, reason: errors.length ? `RBAC: ${aggregateErrors(errors)}` : '' };
  }

  /** Everything the user may do in `namespace` (cluster-wide grants included), for SelfSubjectRulesReview. */
  rulesFor(user: UserInfo, namespace: string): RulesForResult {
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_source, rule, error) => {
      if (error) errors.push(error);
      if (rule?.resources?.length) {
        resourceRules.push({
          verbs: rule.verbs ?? [],
          ...(rule.apiGroups ? { apiGroups: rule.apiGroups } : {}),
          resources: rule.resources,
          ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}),
        });
      }
      if (rule?.nonResourceURLs?.length) {
        nonResourceRules.push({ verbs: rule.verbs ?? [], nonResourceURLs: rule.nonResourceURLs });
      }
      return true;
    });
    return {
      resourceRules,
      nonResourceRules,
      incomplete: errors.length > 0,
      ...(errors.length ? { evaluationError: aggregateErrors(errors) } : {}),
    };
  }

  /** Every PolicyRule granted to `user` in `namespace` and the errors resolving its bindings (Kubernetes' RulesFor). */
  policyRulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_source, rule, error) => {
      if (rule) rules.push(rule);
      if (error) errors.push(error);
      return true;
    });
    return { rules, errors };
  }

  /**
   * The rules a binding's roleRef grants in `namespace` (GetRoleReferenceRules); a missing role
   * is a 404, an unknown kind a 500, as kube-apiserver's RBAC storage answers them.
   */
  roleReferenceRules(roleRef: RoleRef, namespace: string): PolicyRule[] {
    const resolved = this.resolveRoleRef(roleRef, namespace, new ClusterRoleRules(() => this.objects.clusterRoles()));
    if (resolved instanceof StatusError) throw resolved;
    return resolved;
  }

  /** Visits every rule granted to `user` by cluster-wide bindings and by RoleBindings in `namespace`. */
  private visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    const clusterRoles = new ClusterRoleRules(() => this.objects.clusterRoles());

    for (const binding of this.objects.clusterRoleBindings()) {
      const subject = applicableSubject(user, binding.subjects, '');
      if (!subject) continue;
      const roleRef: RoleRef = binding.roleRef ?? {};
      const source = describeBinding('ClusterRoleBinding', binding.metadata?.name ?? '', roleRef, subject, '');
      if (!this.visitRoleRules(roleRef, '', clusterRoles, source, visit)) return;
    }

    if (!namespace) return;
    for (const binding of this.objects.roleBindings(namespace)) {
      const subject = applicableSubject(user, binding.subjects, namespace);
      if (!subject) continue;
      const roleRef: RoleRef = binding.roleRef ?? {};
      const bindingNamespace = binding.metadata?.namespace ?? namespace;
      // Kubernetes prints RoleBindings as "name/namespace".
      const bindingName = `${binding.metadata?.name ?? ''}/${bindingNamespace}`;
      const source = describeBinding('RoleBinding', bindingName, roleRef, subject, bindingNamespace);
      if (!this.visitRoleRules(roleRef, namespace, clusterRoles, source, visit)) return;
    }
  }

  private visitRoleRules(
    roleRef: RoleRef,
    namespace: string,
    clusterRoles: ClusterRoleRules,
    source: string,
    visit: RuleVisitor,
  ): boolean {
    const resolved = this.resolveRoleRef(roleRef, namespace, clusterRoles);
    if (resolved instanceof StatusError) return visit(source, undefined, resolved.message);
    for (const rule of resolved) if (!visit(source, rule, undefined)) return false;
    return true;
  }

  /** The rules a binding's roleRef grants, or the error Kubernetes reports for it. */
  private resolveRoleRef(roleRef: RoleRef, namespace: string, clusterRoles: ClusterRoleRules): PolicyRule[] | StatusError {
    const name = roleRef.name ?? '';
    switch (roleRef.kind) {
      case 'Role': {
        const role = this.objects.roles(namespace).find((r) => r.metadata?.name === name);
        return role ? ownRules(role) : notFound({ group: RBAC_GROUP, resource: 'roles' }, name);
      }
      case 'ClusterRole': {
        const role = clusterRoles.get(name);
        return role ? clusterRoles.rulesOf(role) : notFound({ group: RBAC_GROUP, resource: 'clusterroles' }, name);
      }
      default:
        // A plain Go error in kube-apiserver: a 500 with reason Unknown.
        return new StatusError(500, 'Unknown', `unsupported role reference kind: ${quote(roleRef.kind)}`);
    }
  }
}

/** Whether one PolicyRule allows the request (Kubernetes' RuleAllows). */
export function ruleAllows(a: AuthorizationAttributes, rule: PolicyRule): boolean {
  if (!a.isResourceRequest) return verbMatches(rule, a.verb) && nonResourceURLMatches(rule, a.path);
  const combinedResource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return (
    verbMatches(rule, a.verb) &&
    apiGroupMatches(rule, a.apiGroup) &&
    resourceMatches(rule, combinedResource, a.subresource) &&
    resourceNameMatches(rule, a.name)
  );
}

const verbMatches = (rule: PolicyRule, verb: string): boolean => (rule.verbs ?? []).some((v) => v === '*' || v === verb);

const apiGroupMatches = (rule: PolicyRule, group: string): boolean =>
  (rule.apiGroups ?? []).some((g) => g === '*' || g === group);

/**
 * "*" matches everything, "resource/subresource" exactly, "*\/subresource" that subresource of any
 * resource. There is no "resource/*" form in Kubernetes: such a rule only matches a subresource
 * literally named "*".
 */
function resourceMatches(rule: PolicyRule, combinedResource: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combinedResource) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

/** A rule listing names only matches requests for one of those names (so never create/list/watch). */
const resourceNameMatches = (rule: PolicyRule, name: string): boolean =>
  !rule.resourceNames?.length || rule.resourceNames.includes(name);

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (url) => url === '*' || url === path || (url.endsWith('*') && path.startsWith(url.replace(/\*+$/, ''))),
  );
}

/** The first subject of a binding that names the user; `namespace` defaults ServiceAccount subjects. */
function applicableSubject(user: UserInfo, subjects: unknown, namespace: string): Subject | undefined {
  if (!Array.isArray(subjects)) return undefined;
  return (subjects as Subject[]).find((s) => subjectMatches(user, s, namespace));
}

function subjectMatches(user: UserInfo, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return subject.name !== undefined && user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // A RoleBinding may leave the namespace out to mean its own; a ClusterRoleBinding may not.
      const saNamespace = subject.namespace || namespace;
      return !!saNamespace && !!subject.name && user.username === serviceAccountUsername(saNamespace, subject.name);
    }
    default:
      return false;
  }
}

/** The "source" of Kubernetes' "RBAC: allowed by ..." reason. */
function describeBinding(kind: string, name: string, roleRef: RoleRef, subject: Subject, bindingNamespace: string): string {
  return `${kind} ${quote(name)} of ${roleRef.kind ?? ''} ${quote(roleRef.name)} to ${describeSubject(subject, bindingNamespace)}`;
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') {
    return `ServiceAccount ${quote(`${subject.name ?? ''}/${subject.namespace || bindingNamespace}`)}`;
  }
  return `${subject.kind ?? ''} ${quote(subject.name)}`;
}

/** Go's %q for the plain names that appear here. */
const quote = (s: string | undefined): string => JSON.stringify(s ?? '');

/** utilerrors.NewAggregate(errs).Error(): de-duplicated, bracketed when more than one. */
export function aggregateErrors(errors: string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}
