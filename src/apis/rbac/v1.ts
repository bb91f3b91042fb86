/**
 * Schemas of rbac.authorization.k8s.io/v1 (io.k8s.api.rbac.v1): Role, ClusterRole, RoleBinding
 * and ClusterRoleBinding. List semantics and required fields follow Kubernetes 1.33.
 */
import { atomicList, def, kindObj, labelSelector, listObj, obj, ref, str } from '../schema/builders.js';

const R = 'io.k8s.api.rbac.v1';
const gvk = (kind: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', kind });

def(
  `${R}.PolicyRule`,
  obj(
    {
      apiGroups: atomicList(str(), 'API groups of the resources; "" is the core group and "*" every group.'),
      nonResourceURLs: atomicList(
        str(),
        'Non-resource URL paths such as "/healthz"; "*" is only allowed as the final segment. Only effective in ClusterRoles bound by ClusterRoleBindings; a rule covers either resources or URLs, not both.',
      ),
      resourceNames: atomicList(str(), 'Names of the objects the rule is limited to; empty means every object.'),
      resources: atomicList(str(), 'Resources the rule applies to, such as "pods" or "pods/log"; "*" means every resource.'),
      verbs: atomicList(str(), 'Verbs allowed on the listed resources or URLs, such as get, list or watch; "*" means every verb.'),
    },
    { description: 'PolicyRule grants a set of verbs on a set of resources or non-resource URLs.', required: ['verbs'] },
  ),
);

def(
  `${R}.Subject`,
  obj(
    {
      apiGroup: str('API group of the subject: "" for ServiceAccount, "rbac.authorization.k8s.io" for User and Group.'),
      kind: str('Kind of subject: User, Group or ServiceAccount. Authorizers report an error for kinds they do not know.'),
      name: str('Name of the subject.'),
      namespace: str('Namespace of a ServiceAccount subject; must be empty for User and Group.'),
    },
    {
      description: 'Subject is a user, group or service account that a binding grants a role to.',
      required: ['kind', 'name'],
      extra: { 'x-kubernetes-map-type': 'atomic' },
    },
  ),
);

def(
  `${R}.RoleRef`,
  obj(
    {
      apiGroup: str('API group of the referenced role; always rbac.authorization.k8s.io.', { default: 'rbac.authorization.k8s.io' }),
      kind: str('Kind of the referenced role: Role or ClusterRole.'),
      name: str('Name of the referenced role.'),
    },
    {
      description: 'RoleRef points to the Role or ClusterRole a binding grants.',
      required: ['apiGroup', 'kind', 'name'],
      extra: { 'x-kubernetes-map-type': 'atomic' },
    },
  ),
);

def(
  `${R}.AggregationRule`,
  obj(
    {
      clusterRoleSelectors: atomicList(
        labelSelector(),
        'Label selectors over ClusterRoles; the rules of every ClusterRole matched by any selector are aggregated.',
      ),
    },
    'AggregationRule tells the controller which ClusterRoles to combine into an aggregated ClusterRole.',
  ),
);

def(
  `${R}.Role`,
  kindObj(gvk('Role'), 'Role is a namespaced set of policy rules that a RoleBinding can grant.', {
    rules: atomicList(ref(`${R}.PolicyRule`), 'The policy rules of this Role.'),
  }),
);
def(`${R}.RoleList`, listObj(gvk('RoleList'), `${R}.Role`, 'RoleList is a list of Roles.'));

def(
  `${R}.ClusterRole`,
  kindObj(
    gvk('ClusterRole'),
    'ClusterRole is a cluster-wide set of policy rules that a RoleBinding or ClusterRoleBinding can grant.',
    {
      aggregationRule: ref(
        `${R}.AggregationRule`,
        'When set, the rules are computed by a controller from the matching ClusterRoles, and direct edits to rules are overwritten.',
      ),
      rules: atomicList(ref(`${R}.PolicyRule`), 'The policy rules of this ClusterRole.'),
    },
  ),
);
def(`${R}.ClusterRoleList`, listObj(gvk('ClusterRoleList'), `${R}.ClusterRole`, 'ClusterRoleList is a list of ClusterRoles.'));

def(
  `${R}.RoleBinding`,
  kindObj(
    gvk('RoleBinding'),
    'RoleBinding grants the rules of a Role, or of a ClusterRole, to subjects within the namespace of the binding.',
    {
      roleRef: ref(`${R}.RoleRef`, 'The Role in this namespace, or the ClusterRole, being granted. Immutable.'),
      subjects: atomicList(ref(`${R}.Subject`), 'Users, groups and service accounts that receive the role.'),
    },
    { required: ['roleRef'] },
  ),
);
def(`${R}.RoleBindingList`, listObj(gvk('RoleBindingList'), `${R}.RoleBinding`, 'RoleBindingList is a list of RoleBindings.'));

def(
  `${R}.ClusterRoleBinding`,
  kindObj(
    gvk('ClusterRoleBinding'),
    'ClusterRoleBinding grants the rules of a ClusterRole to subjects across the whole cluster.',
    {
      roleRef: ref(`${R}.RoleRef`, 'The ClusterRole being granted. Immutable.'),
      subjects: atomicList(ref(`${R}.Subject`), 'Users, groups and service accounts that receive the role.'),
    },
    { required: ['roleRef'] },
  ),
);
def(
  `${R}.ClusterRoleBindingList`,
  listObj(gvk('ClusterRoleBindingList'), `${R}.ClusterRoleBinding`, 'ClusterRoleBindingList is a list of ClusterRoleBindings.'),
);

/*
 * Defaults (Kubernetes 1.33, pkg/apis/rbac/v1/defaults.go):
 *   - RoleBinding/ClusterRoleBinding: roleRef.apiGroup 'rbac.authorization.k8s.io' when empty — a
 *     schema default above (RoleRef only appears in bindings). Kubernetes also replaces an explicit
 *     empty string "", which a schema default does not: the defaulting code should treat "" like absent.
 *   - Subject (conditional on kind, only when apiGroup is empty or absent):
 *       kind 'ServiceAccount' -> apiGroup ''
 *       kind 'User' or 'Group' -> apiGroup 'rbac.authorization.k8s.io'
 *       any other kind -> left empty
 */
