/** rbac.authorization.k8s.io/v1, and the review kinds of authorization.k8s.io and authentication.k8s.io. */
import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
  validateClusterRoleBindingUpdate,
} from '../../../apis/validation/service.js';
import type { KObject } from '../../../apis/object.js';
import { checkBindingWrite, checkRoleWrite, type WriteContext } from '../../auth/escalation.js';
import * as printers from '../../printers/builtin.js';
import type { ResourceType, StrategyContext } from '../types.js';
import { CREATE_ONLY, defineBuiltin } from './define.js';

/** A strategy hook running an escalation check, when the server has an authorizer to check with. */
function escalationHook(check: (obj: KObject, old: KObject | undefined, w: WriteContext) => void) {
  return (obj: KObject, old: KObject | undefined, ctx: StrategyContext, requestName: string): void => {
    if (ctx.authorizer) check(obj, old, { authorizer: ctx.authorizer, user: ctx.user, requestName });
  };
}
const roleHook = (resource: 'roles' | 'clusterroles') => escalationHook((o, old, w) => checkRoleWrite(resource, o, old, w));
const bindingHook = (resource: 'rolebindings' | 'clusterrolebindings') => escalationHook((o, old, w) => checkBindingWrite(resource, o, old, w));

export function rbacResources(): ResourceType[] {
  const rbac = 'rbac.authorization.k8s.io';
  return [
    defineBuiltin({
      group: rbac, version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', definition: 'io.k8s.api.rbac.v1.ClusterRole',
      namespaced: false, strategy: { nameRule: 'path-segment', authorizeWrite: roleHook('clusterroles'), validate: (o) => validateClusterRole(o) }, table: printers.clusterRolePrinter,
    }),
    defineBuiltin({
      group: rbac, version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', definition: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
      namespaced: false,
      strategy: {
        nameRule: 'path-segment',
        authorizeWrite: bindingHook('clusterrolebindings'),
        validate: (o) => validateClusterRoleBinding(o),
        validateUpdate: (o, old) => validateClusterRoleBindingUpdate(o, old),
      },
      table: printers.clusterRoleBindingPrinter,
    }),
    defineBuiltin({
      group: rbac, version: 'v1', resource: 'roles', kind: 'Role', definition: 'io.k8s.api.rbac.v1.Role',
      namespaced: true, strategy: { nameRule: 'path-segment', authorizeWrite: roleHook('roles'), validate: (o) => validateRole(o) }, table: printers.rolePrinter,
    }),
    defineBuiltin({
      group: rbac, version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', definition: 'io.k8s.api.rbac.v1.RoleBinding',
      namespaced: true,
      strategy: {
        nameRule: 'path-segment',
        authorizeWrite: bindingHook('rolebindings'),
        validate: (o) => validateRoleBinding(o),
        validateUpdate: (o, old) => validateRoleBindingUpdate(o, old),
      },
      table: printers.roleBindingPrinter,
    }),
  ];
}

/** Kinds that are answered, not stored: POST one and the response carries the verdict. */
export function reviewResources(): ResourceType[] {
  const authz = 'authorization.k8s.io';
  const authn = 'authentication.k8s.io';
  return [
    defineBuiltin({ group: authz, version: 'v1', resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', definition: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview', namespaced: false, verbs: CREATE_ONLY }),
    defineBuiltin({ group: authz, version: 'v1', resource: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', definition: 'io.k8s.api.authorization.v1.SelfSubjectRulesReview', namespaced: false, verbs: CREATE_ONLY }),
    defineBuiltin({ group: authz, version: 'v1', resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', definition: 'io.k8s.api.authorization.v1.SubjectAccessReview', namespaced: false, verbs: CREATE_ONLY }),
    defineBuiltin({ group: authz, version: 'v1', resource: 'localsubjectaccessreviews', kind: 'LocalSubjectAccessReview', definition: 'io.k8s.api.authorization.v1.LocalSubjectAccessReview', namespaced: true, verbs: CREATE_ONLY }),
    defineBuiltin({ group: authn, version: 'v1', resource: 'tokenreviews', kind: 'TokenReview', definition: 'io.k8s.api.authentication.v1.TokenReview', namespaced: false, verbs: CREATE_ONLY }),
    defineBuiltin({ group: authn, version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', definition: 'io.k8s.api.authentication.v1.SelfSubjectReview', namespaced: false, verbs: CREATE_ONLY }),
  ];
}
