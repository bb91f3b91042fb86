/**
 * RBAC privilege-escalation prevention, as kube-apiserver's RBAC storage does it
 * (pkg/registry/rbac/{clusterrole,role,clusterrolebinding,rolebinding}/policybased):
 *
 * - a Role or ClusterRole may only be written with rules its writer already holds, unless the
 *   writer may `escalate` that role (checked against the request's name: none on a POST);
 * - a ClusterRole with an aggregationRule needs full authority (it can gather anything);
 * - a RoleBinding or ClusterRoleBinding may only be written by someone who holds every
 *   permission of the role it references (in the binding's namespace), unless they may `bind`
 *   that role;
 * - members of system:masters are exempt, and an update that only changes what the garbage
 *   collector changes (ownerReferences, finalizers) is not checked.
 *
 * Refusals are 403s: `clusterroles.rbac.authorization.k8s.io "NAME" is forbidden: user "U"
 * (groups=["g"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:...}`.
 */
import { deepClone, deepEqual, type KObject } from '../../apis/object.js';
import { forbidden } from '../errors.js';
import { goQuote, goQuoteList } from '../go-quote.js';
import type { PolicyRule } from './rbac-aggregation.js';
import { aggregateErrors, type AuthorizationAttributes, type AuthorizationDecision, type RoleRef } from './rbac.js';
import { compactRules, compactString, covers } from './rule-covers.js';
import { GROUP_MASTERS, type UserInfo } from './types.js';

/** What the checks need from the authorizer (RbacAuthorizer provides it). */
export interface EscalationAuthorizer {
  authorize(attributes: AuthorizationAttributes): AuthorizationDecision;
  policyRulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] };
  roleReferenceRules(roleRef: RoleRef, namespace: string): PolicyRule[];
}

export interface WriteContext {
  authorizer: EscalationAuthorizer;
  user: UserInfo;
  /** The name in the request path: empty for a POST to the collection. */
  requestName: string;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** Refuses (403) a Role/ClusterRole create or update that would grant what its writer does not hold. */
export function checkRoleWrite(resource: 'roles' | 'clusterroles', obj: KObject, old: KObject | undefined, w: WriteContext): void {
  if (isPrivileged(w.user)) return;
  const namespace = obj.metadata?.namespace ?? '';
  if (allowed(w, 'escalate', resource, namespace, w.requestName)) return;
  if (old && onlyGarbageCollectorFields(obj, old)) return;
  const name = obj.metadata?.name ?? '';
  const denial = escalationDenial(w, namespace, obj.rules ?? []);
  if (denial) throw forbiddenWrite(resource, name, denial);
  const aggregates = (o: KObject | undefined) => (o?.aggregationRule?.clusterRoleSelectors?.length ?? 0) > 0;
  if (resource === 'clusterroles' && (aggregates(obj) || aggregates(old)) && escalationDenial(w, namespace, FULL_AUTHORITY)) {
    throw forbiddenWrite(resource, name, 'must have cluster-admin privileges to use the aggregationRule');
  }
}

/** Refuses (403) a RoleBinding/ClusterRoleBinding write whose role grants what its writer does not hold. */
export function checkBindingWrite(resource: 'rolebindings' | 'clusterrolebindings', obj: KObject, old: KObject | undefined, w: WriteContext): void {
  if (isPrivileged(w.user)) return;
  if (old && onlyGarbageCollectorFields(obj, old)) return;
  const namespace = obj.metadata?.namespace ?? '';
  const roleRef: RoleRef = obj.roleRef ?? {};
  if (bindAuthorized(w, roleRef, namespace)) return;
  const denial = escalationDenial(w, namespace, w.authorizer.roleReferenceRules(roleRef, namespace));
  if (denial) throw forbiddenWrite(resource, obj.metadata?.name ?? '', denial);
}

/** EscalationAllowed: system:masters is what the API server's own loopback requests run as. */
const isPrivileged = (user: UserInfo): boolean => user.groups.includes(GROUP_MASTERS);

function allowed(w: WriteContext, verb: string, resource: string, namespace: string, name: string, apiGroup = RBAC_GROUP): boolean {
  return w.authorizer.authorize({ user: w.user, verb, isResourceRequest: true, apiGroup, resource, subresource: '', namespace, name, path: '' }).allowed;
}

/** BindingAuthorized: `bind` on the referenced role, in the binding's namespace ("" for ClusterRoleBindings). */
function bindAuthorized(w: WriteContext, roleRef: RoleRef, namespace: string): boolean {
  const resource = roleRef.kind === 'ClusterRole' ? 'clusterroles' : roleRef.kind === 'Role' ? 'roles' : undefined;
  return !!resource && allowed(w, 'bind', resource, namespace, roleRef.name ?? '', roleRef.apiGroup ?? '');
}

/** ConfirmNoEscalation: undefined when the user's rules in `namespace` cover `rules`, else why not. */
export function escalationDenial(w: Omit<WriteContext, 'requestName'>, namespace: string, rules: readonly PolicyRule[]): string | undefined {
  const held = w.authorizer.policyRulesFor(w.user, namespace);
  const { covered, missing } = covers(held.rules, rules);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  const msg = `user ${goQuote(w.user.username)} (groups=${goQuoteList(w.user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  // kube-apiserver prints its []error holding one aggregate: "[...]" around the aggregate's text.
  return held.errors.length ? `${msg}; resolution errors: [${aggregateErrors(held.errors)}]` : msg;
}

/** IsOnlyMutatingGCFields (resourceVersion and managedFields aside: this server sets them later). */
function onlyGarbageCollectorFields(obj: KObject, old: KObject): boolean {
  const IGNORED = ['ownerReferences', 'finalizers', 'selfLink', 'resourceVersion', 'managedFields'];
  const strip = (o: KObject) => {
    const c = deepClone(o);
    const m: Record<string, unknown> = (c.metadata ??= {});
    for (const k of IGNORED) delete m[k];
    return c;
  };
  return deepEqual(strip(obj), strip(old));
}

/** apierrors.NewForbidden for the RBAC resource being written. */
function forbiddenWrite(resource: string, name: string, reason: string) {
  const subject = name ? `${resource}.${RBAC_GROUP} ${goQuote(name)}` : `${resource}.${RBAC_GROUP}`;
  return forbidden(`${subject} is forbidden: ${reason}`, { ...(name ? { name } : {}), group: RBAC_GROUP, kind: resource });
}
