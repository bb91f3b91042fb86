import { describe, it, expect } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import {
  RbacAuthorizer,
  type AuthorizationAttributes,
  type PolicyRule,
  type RbacObjects,
} from '../../src/apiserver/auth/rbac.js';
import { aggregatedRules } from '../../src/apiserver/auth/rbac-aggregation.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapPolicy } from '../../src/apiserver/auth/bootstrap-policy.js';
import type { UserInfo } from '../../src/apiserver/auth/types.js';

const RBAC = 'rbac.authorization.k8s.io/v1';

const clusterRole = (name: string, rules: PolicyRule[], extra: Partial<KObject> = {}): KObject => ({
  apiVersion: RBAC,
  kind: 'ClusterRole',
  metadata: { name, ...(extra.metadata ?? {}) },
  rules,
  ...(extra.aggregationRule ? { aggregationRule: extra.aggregationRule } : {}),
});
const role = (namespace: string, name: string, rules: PolicyRule[]): KObject => ({
  apiVersion: RBAC,
  kind: 'Role',
  metadata: { name, namespace },
  rules,
});
type Subject = { kind: string; name: string; namespace?: string };
const clusterRoleBinding = (name: string, roleName: string, subjects: Subject[]): KObject => ({
  apiVersion: RBAC,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
  subjects,
});
const roleBinding = (namespace: string, name: string, roleRef: { kind: string; name: string }, subjects: Subject[]): KObject => ({
  apiVersion: RBAC,
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
  subjects,
});

function objects(all: KObject[]): RbacObjects {
  const of = (kind: string) => all.filter((o) => o.kind === kind);
  return {
    clusterRoles: () => of('ClusterRole'),
    clusterRoleBindings: () => of('ClusterRoleBinding'),
    roles: (ns) => of('Role').filter((o) => o.metadata?.namespace === ns),
    roleBindings: (ns) => of('RoleBinding').filter((o) => o.metadata?.namespace === ns),
  };
}

const user = (username: string, ...groups: string[]): UserInfo => ({ username, groups: [...groups, 'system:authenticated'] });
const sa = (ns: string, name: string): UserInfo =>
  user(`system:serviceaccount:${ns}:${name}`, 'system:serviceaccounts', `system:serviceaccounts:${ns}`);

function resource(u: UserInfo, verb: string, spec: string, namespace = '', name = ''): AuthorizationAttributes {
  // spec: "group/resource/subresource" with "" as the core group, e.g. "/pods/log", "apps/deployments/scale"
  const [apiGroup = '', resourceName = '', subresource = ''] = spec.split('/');
  return { user: u, verb, isResourceRequest: true, apiGroup, resource: resourceName, subresource, namespace, name, path: '' };
}
const nonResource = (u: UserInfo, verb: string, path: string): AuthorizationAttributes => ({
  user: u,
  verb,
  isResourceRequest: false,
  apiGroup: '',
  resource: '',
  subresource: '',
  namespace: '',
  name: '',
  path,
});

const read = ['get', 'list', 'watch'];

const fixture = objects([
  clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: read }]),
  clusterRole('named-secrets', [
    { apiGroups: [''], resources: ['secrets'], resourceNames: ['app-secret'], verbs: ['get', 'update', 'list', 'watch', 'delete'] },
    { apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'], verbs: ['*'] },
  ]),
  clusterRole('scaler', [{ apiGroups: ['apps', ''], resources: ['*/scale'], verbs: ['update', 'patch'] }]),
  clusterRole('log-reader', [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }]),
  clusterRole('pods-slash-star', [{ apiGroups: [''], resources: ['pods/*'], verbs: ['get'] }]),
  clusterRole('apps-anything', [{ apiGroups: ['apps'], resources: ['*'], verbs: ['*'] }]),
  clusterRole('urls', [{ nonResourceURLs: ['/healthz', '/logs/*', '/metrics'], verbs: ['get'] }]),
  clusterRole('monitoring', [{ apiGroups: ['bogus'], resources: ['ignored'], verbs: ['*'] }], {
    aggregationRule: {
      clusterRoleSelectors: [
        { matchLabels: { 'example.com/aggregate-to-monitoring': 'true' } },
        { matchExpressions: [{ key: 'example.com/tier', operator: 'In', values: ['metrics'] }] },
      ],
    },
  }),
  clusterRole('monitoring-services', [{ apiGroups: [''], resources: ['services', 'endpoints'], verbs: read }], {
    metadata: { name: 'monitoring-services', labels: { 'example.com/aggregate-to-monitoring': 'true' } },
  }),
  clusterRole('monitoring-metrics', [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }], {
    metadata: { name: 'monitoring-metrics', labels: { 'example.com/tier': 'metrics' } },
  }),
  clusterRole('monitoring-other-tier', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], {
    metadata: { name: 'monitoring-other-tier', labels: { 'example.com/tier': 'web' } },
  }),
  role('team-a', 'configmap-writer', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'update'] }]),

  clusterRoleBinding('alice-reads-pods', 'pod-reader', [{ kind: 'User', name: 'alice' }]),
  clusterRoleBinding('devs-named', 'named-secrets', [
    { kind: 'User', name: 'nobody' },
    { kind: 'Group', name: 'devs' },
  ]),
  clusterRoleBinding('ops-logs', 'log-reader', [{ kind: 'Group', name: 'ops' }]),
  clusterRoleBinding('ops-slash-star', 'pods-slash-star', [{ kind: 'Group', name: 'ops' }]),
  clusterRoleBinding('ops-urls', 'urls', [{ kind: 'Group', name: 'ops' }]),
  clusterRoleBinding('carol-monitoring', 'monitoring', [{ kind: 'User', name: 'carol' }]),
  // A ServiceAccount subject without a namespace never matches in a ClusterRoleBinding.
  clusterRoleBinding('sa-without-namespace', 'apps-anything', [{ kind: 'ServiceAccount', name: 'builder' }]),
  clusterRoleBinding('scaler-sa', 'scaler', [{ kind: 'ServiceAccount', name: 'autoscaler', namespace: 'kube-system' }]),
  roleBinding('team-a', 'bob-apps', { kind: 'ClusterRole', name: 'apps-anything' }, [{ kind: 'User', name: 'bob' }]),
  roleBinding('team-a', 'bob-configmaps', { kind: 'Role', name: 'configmap-writer' }, [{ kind: 'User', name: 'bob' }]),
  roleBinding('team-a', 'builder-pods', { kind: 'ClusterRole', name: 'pod-reader' }, [{ kind: 'ServiceAccount', name: 'builder' }]),
  roleBinding('team-a', 'deployer-apps', { kind: 'ClusterRole', name: 'apps-anything' }, [
    { kind: 'ServiceAccount', name: 'deployer', namespace: 'team-b' },
  ]),
  roleBinding('team-a', 'dangling', { kind: 'Role', name: 'does-not-exist' }, [{ kind: 'User', name: 'dave' }]),
]);

const alice = user('alice');
const bob = user('bob');
const carol = user('carol');
const dev = user('erin', 'devs');
const op = user('oscar', 'ops');
const stranger = user('mallory');

describe('RbacAuthorizer', () => {
  const authorizer = new RbacAuthorizer(fixture);

  const cases: [string, AuthorizationAttributes, boolean][] = [
    // ClusterRoleBinding: cluster-wide, verbs and group must match
    ['cluster binding: get pods in any namespace', resource(alice, 'get', '/pods', 'team-z', 'p1'), true],
    ['cluster binding: list pods in all namespaces', resource(alice, 'list', '/pods'), true],
    ['verb not granted', resource(alice, 'delete', '/pods', 'team-a', 'p1'), false],
    ['api group must match', resource(alice, 'get', 'apps/pods', 'team-a', 'p1'), false],
    ['resource must match', resource(alice, 'get', '/services', 'team-a', 's1'), false],
    ['subresource needs its own rule', resource(alice, 'get', '/pods/log', 'team-a', 'p1'), false],
    ['no binding at all', resource(stranger, 'get', '/pods', 'team-a', 'p1'), false],
    // resourceNames
    ['resourceNames: named get', resource(dev, 'get', '/secrets', 'team-a', 'app-secret'), true],
    ['resourceNames: other name', resource(dev, 'get', '/secrets', 'team-a', 'db-secret'), false],
    ['resourceNames: delete named', resource(dev, 'delete', '/secrets', 'x', 'app-secret'), true],
    ['resourceNames: list without name', resource(dev, 'list', '/secrets', 'team-a'), false],
    ['resourceNames: watch without name', resource(dev, 'watch', '/secrets', 'team-a'), false],
    ['resourceNames: list with fieldSelector name', resource(dev, 'list', '/secrets', 'team-a', 'app-secret'), true],
    ['resourceNames: create without name', resource(dev, 'create', '/configmaps', 'team-a'), false],
    ['resourceNames: deletecollection', resource(dev, 'deletecollection', '/configmaps', 'team-a'), false],
    ['resourceNames: * verb on the named object', resource(dev, 'patch', '/configmaps', 'team-a', 'settings'), true],
    // subresources
    ['resource/subresource exact', resource(op, 'get', '/pods/log', 'team-a', 'p1'), true],
    ['resource/subresource does not grant the resource', resource(op, 'get', '/pods', 'team-a', 'p1'), false],
    ['pods/* is not a wildcard in Kubernetes', resource(op, 'get', '/pods/exec', 'team-a', 'p1'), false],
    ['*/subresource in apps', resource(sa('kube-system', 'autoscaler'), 'update', 'apps/deployments/scale', 'team-a', 'd'), true],
    ['*/subresource in core', resource(sa('kube-system', 'autoscaler'), 'patch', '/replicationcontrollers/scale', 'x', 'rc'), true],
    ['*/subresource other subresource', resource(sa('kube-system', 'autoscaler'), 'update', 'apps/deployments/status', 'x', 'd'), false],
    ['*/subresource not the resource', resource(sa('kube-system', 'autoscaler'), 'update', 'apps/deployments', 'x', 'd'), false],
    // wildcards
    ['* resources and verbs in apps', resource(bob, 'deletecollection', 'apps/deployments', 'team-a'), true],
    ['* resources include subresources', resource(bob, 'update', 'apps/statefulsets/scale', 'team-a', 's'), true],
    ['* resources limited to the rule group', resource(bob, 'get', 'batch/jobs', 'team-a', 'j'), false],
    // RoleBinding scoping
    ['RoleBinding to ClusterRole: only in its namespace', resource(bob, 'create', 'apps/deployments', 'team-b'), false],
    ['RoleBinding to ClusterRole: not cluster-wide', resource(bob, 'list', 'apps/deployments', ''), false],
    ['RoleBinding to Role', resource(bob, 'create', '/configmaps', 'team-a'), true],
    ['RoleBinding to Role: verb', resource(bob, 'delete', '/configmaps', 'team-a', 'c'), false],
    ['RoleBinding to Role: other namespace', resource(bob, 'create', '/configmaps', 'team-b'), false],
    // ServiceAccount subjects
    ['SA subject defaults to the binding namespace', resource(sa('team-a', 'builder'), 'list', '/pods', 'team-a'), true],
    ['SA with same name elsewhere', resource(sa('team-b', 'builder'), 'list', '/pods', 'team-a'), false],
    ['SA subject without namespace in a ClusterRoleBinding', resource(sa('team-a', 'builder'), 'get', 'apps/deployments', 'team-a', 'd'), false],
    ['SA from another namespace bound here', resource(sa('team-b', 'deployer'), 'create', 'apps/deployments', 'team-a'), true],
    ['SA from another namespace, in its own namespace', resource(sa('team-b', 'deployer'), 'create', 'apps/deployments', 'team-b'), false],
    ['user named like a SA is the SA', resource(user('system:serviceaccount:team-a:builder'), 'get', '/pods', 'team-a', 'p'), true],
    // aggregation
    ['aggregated via matchLabels', resource(carol, 'list', '/services', 'team-a'), true],
    ['aggregated via matchExpressions', nonResource(carol, 'get', '/metrics'), true],
    ['not aggregated: label value differs', resource(carol, 'get', '/secrets', 'team-a', 's'), false],
    ["aggregated role's own rules are replaced", resource(carol, 'get', 'bogus/ignored', 'team-a', 'x'), false],
    // non-resource URLs
    ['exact URL', nonResource(op, 'get', '/healthz'), true],
    ['exact URL is not a prefix', nonResource(op, 'get', '/healthz/ping'), false],
    ['prefix URL', nonResource(op, 'get', '/logs/kube-apiserver.log'), true],
    ['prefix URL includes its base', nonResource(op, 'get', '/logs/'), true],
    ['prefix URL: verb', nonResource(op, 'post', '/logs/x'), false],
    ['URL rules do not grant resources', resource(op, 'get', '/healthz', 'x', 'y'), false],
    ['resource rules do not grant URLs', nonResource(alice, 'get', '/pods'), false],
    // privileged group
    ['system:masters without any binding', resource(user('root', 'system:masters'), 'delete', '/nodes', '', 'n1'), true],
    ['dangling RoleBinding grants nothing', resource(user('dave'), 'get', '/pods', 'team-a', 'p'), false],
  ];

  it.each(cases)('%s', (_name, attributes, allowed) => {
    expect(authorizer.authorize(attributes).allowed).toBe(allowed);
  });

  it('explains which binding allowed a request, as Kubernetes does', () => {
    expect(authorizer.authorize(resource(alice, 'get', '/pods', 'team-a', 'p')).reason).toBe(
      'RBAC: allowed by ClusterRoleBinding "alice-reads-pods" of ClusterRole "pod-reader" to User "alice"',
    );
    expect(authorizer.authorize(resource(sa('team-a', 'builder'), 'get', '/pods', 'team-a', 'p')).reason).toBe(
      'RBAC: allowed by RoleBinding "builder-pods/team-a" of ClusterRole "pod-reader" to ServiceAccount "builder/team-a"',
    );
    expect(authorizer.authorize(resource(dev, 'get', '/secrets', 'team-a', 'app-secret')).reason).toBe(
      'RBAC: allowed by ClusterRoleBinding "devs-named" of ClusterRole "named-secrets" to Group "devs"',
    );
    expect(authorizer.authorize(resource(stranger, 'get', '/pods', 'team-a', 'p'))).toEqual({ allowed: false, reason: '' });
    expect(authorizer.authorize(resource(user('dave'), 'get', '/pods', 'team-a', 'p'))).toEqual({
      allowed: false,
      reason: 'RBAC: roles.rbac.authorization.k8s.io "does-not-exist" not found',
    });
  });

  it('lists the rules of a user in a namespace', () => {
    const rules = authorizer.rulesFor(bob, 'team-a');
    expect(rules).toEqual({
      resourceRules: [
        { verbs: ['*'], apiGroups: ['apps'], resources: ['*'] },
        { verbs: ['create', 'update'], apiGroups: [''], resources: ['configmaps'] },
      ],
      nonResourceRules: [],
      incomplete: false,
    });
    expect(authorizer.rulesFor(bob, 'team-b').resourceRules).toEqual([]);
    expect(authorizer.rulesFor(dev, '').resourceRules[0]).toEqual({
      verbs: ['get', 'update', 'list', 'watch', 'delete'],
      apiGroups: [''],
      resources: ['secrets'],
      resourceNames: ['app-secret'],
    });
    expect(authorizer.rulesFor(op, '').nonResourceRules).toEqual([{ verbs: ['get'], nonResourceURLs: ['/healthz', '/logs/*', '/metrics'] }]);
    expect(authorizer.rulesFor(user('dave'), 'team-a')).toMatchObject({
      incomplete: true,
      evaluationError: 'roles.rbac.authorization.k8s.io "does-not-exist" not found',
    });
  });

  it('aggregates without duplicates, excluding the role itself', () => {
    const roles = [
      clusterRole('agg', [], { aggregationRule: { clusterRoleSelectors: [{}] } }),
      clusterRole('a', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
      clusterRole('b', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: [] }]),
    ];
    expect(aggregatedRules(roles[0]!, roles)).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
  });
});

describe('bootstrap policy', () => {
  const policy = bootstrapPolicy();
  const extraBindings = [
    roleBinding('team-a', 'viewers', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'viewer' }]),
    roleBinding('team-a', 'editors', { kind: 'ClusterRole', name: 'edit' }, [{ kind: 'User', name: 'editor' }]),
    roleBinding('team-a', 'admins', { kind: 'ClusterRole', name: 'admin' }, [{ kind: 'User', name: 'admin' }]),
  ];
  // privilegedGroups: [] checks that system:masters is granted by the cluster-admin binding itself.
  const authorizer = new RbacAuthorizer(objects([...policy, ...extraBindings]), { privilegedGroups: [] });
  const viewer = user('viewer');
  const editor = user('editor');
  const admin = user('admin');
  const someone = user('someone');
  const anonymous: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

  it('marks every object as a bootstrap default', () => {
    for (const o of policy) {
      expect(o.apiVersion).toBe('rbac.authorization.k8s.io/v1');
      expect(o.metadata?.labels?.['kubernetes.io/bootstrapping']).toBe('rbac-defaults');
      expect(o.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate']).toBe('true');
    }
    expect(bootstrapClusterRoles().map((r) => r.metadata?.name)).toEqual(
      expect.arrayContaining(['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer']),
    );
    expect(bootstrapClusterRoleBindings().find((b) => b.metadata?.name === 'system:public-info-viewer')?.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' },
    ]);
    bootstrapPolicy()[0]!.rules.push('mutated');
    expect(bootstrapPolicy()[0]!.rules).toHaveLength(2);
  });

  const cases: [string, AuthorizationAttributes, boolean][] = [
    ['masters via cluster-admin binding', resource(user('root', 'system:masters'), 'delete', '/nodes', '', 'n'), true],
    ['masters non-resource', nonResource(user('root', 'system:masters'), 'get', '/anything'), true],
    ['authenticated: discovery', nonResource(someone, 'get', '/apis/apps/v1'), true],
    ['authenticated: openapi', nonResource(someone, 'get', '/openapi/v3'), true],
    ['authenticated: SSAR', resource(someone, 'create', 'authorization.k8s.io/selfsubjectaccessreviews'), true],
    ['authenticated: SSRR', resource(someone, 'create', 'authorization.k8s.io/selfsubjectrulesreviews'), true],
    ['authenticated: selfsubjectreviews', resource(someone, 'create', 'authentication.k8s.io/selfsubjectreviews'), true],
    ['authenticated: no pods', resource(someone, 'list', '/pods', 'team-a'), false],
    ['anonymous: version', nonResource(anonymous, 'get', '/version'), true],
    ['anonymous: healthz', nonResource(anonymous, 'get', '/readyz'), true],
    ['anonymous: no discovery', nonResource(anonymous, 'get', '/api'), false],
    ['view: list deployments', resource(viewer, 'list', 'apps/deployments', 'team-a'), true],
    ['view: pod logs', resource(viewer, 'get', '/pods/log', 'team-a', 'p'), true],
    ['view: not secrets', resource(viewer, 'get', '/secrets', 'team-a', 's'), false],
    ['view: not writes', resource(viewer, 'create', 'apps/deployments', 'team-a'), false],
    ['view: only its namespace', resource(viewer, 'list', 'apps/deployments', 'team-b'), false],
    ['view: endpointslices', resource(viewer, 'list', 'discovery.k8s.io/endpointslices', 'team-a'), true],
    ['edit: create deployments', resource(editor, 'create', 'apps/deployments', 'team-a'), true],
    ['edit: inherits view (nested aggregation)', resource(editor, 'watch', 'batch/jobs', 'team-a'), true],
    ['edit: exec', resource(editor, 'create', '/pods/exec', 'team-a', 'p'), true],
    ['edit: leases', resource(editor, 'update', 'coordination.k8s.io/leases', 'team-a', 'l'), true],
    ['edit: no rolebindings', resource(editor, 'create', 'rbac.authorization.k8s.io/rolebindings', 'team-a'), false],
    ['admin: rolebindings', resource(admin, 'create', 'rbac.authorization.k8s.io/rolebindings', 'team-a'), true],
    ['admin: inherits edit and view', resource(admin, 'get', '/pods', 'team-a', 'p'), true],
    ['admin: not cluster-scoped', resource(admin, 'get', '/nodes', '', 'n'), false],
  ];

  it.each(cases)('%s', (_name, attributes, allowed) => {
    expect(authorizer.authorize(attributes).allowed).toBe(allowed);
  });

  it('names the cluster-admin binding for system:masters', () => {
    expect(authorizer.authorize(resource(user('root', 'system:masters'), 'get', '/pods', 'x', 'p')).reason).toBe(
      'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
    );
  });
});
