/**
 * RBAC escalation prevention: Kubernetes' Covers (rule breakdown and covering, wildcards,
 * resourceNames, subresources, non-resource URLs with a trailing *), the compaction and compact
 * text of the missing rules, and the 403s of checkRoleWrite / checkBindingWrite against a real
 * RbacAuthorizer over static objects.
 */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { checkBindingWrite, checkRoleWrite, type WriteContext } from '../../src/apiserver/auth/escalation.js';
import { RbacAuthorizer, type PolicyRule, type RbacObjects } from '../../src/apiserver/auth/rbac.js';
import { breakdownRule, compactRules, compactString, covers } from '../../src/apiserver/auth/rule-covers.js';
import { StatusError } from '../../src/apiserver/errors.js';

const r = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
  ...(resourceNames ? { resourceNames } : {}),
});
const url = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

describe('breakdownRule', () => {
  it('splits into one group, resource, verb and name each', () => {
    expect(breakdownRule(r(['get', 'list'], ['', 'apps'], ['pods'], ['a', 'b']))).toHaveLength(8);
    expect(breakdownRule(r(['get'], [''], ['pods', 'services']))).toEqual([r(['get'], [''], ['pods']), r(['get'], [''], ['services'])]);
    expect(breakdownRule(url(['get', 'post'], ['/healthz']))).toEqual([url(['get'], ['/healthz']), url(['post'], ['/healthz'])]);
    expect(breakdownRule({ verbs: [], apiGroups: [''], resources: ['pods'] })).toEqual([]);
  });
});

describe('covers', () => {
  const cases: [string, PolicyRule[], PolicyRule[], boolean][] = [
    ['exact', [r(['get'], [''], ['pods'])], [r(['get'], [''], ['pods'])], true],
    ['another verb', [r(['get'], [''], ['pods'])], [r(['get', 'create'], [''], ['pods'])], false],
    ['spread over two held rules', [r(['get'], [''], ['pods']), r(['create'], [''], ['pods'])], [r(['get', 'create'], [''], ['pods'])], true],
    ['verb *', [r(['*'], [''], ['pods'])], [r(['escalate', 'delete'], [''], ['pods'])], true],
    ['group *', [r(['get'], ['*'], ['pods'])], [r(['get'], ['apps', 'batch'], ['pods'])], true],
    ['another group', [r(['get'], ['apps'], ['deployments'])], [r(['get'], ['extensions'], ['deployments'])], false],
    ['resource *', [r(['get'], [''], ['*'])], [r(['get'], [''], ['pods', 'pods/log'])], true],
    ['*/subresource', [r(['get'], [''], ['*/status'])], [r(['get'], [''], ['pods/status', 'services/status'])], true],
    ['*/subresource is not the resource', [r(['get'], [''], ['*/status'])], [r(['get'], [''], ['pods'])], false],
    ['a resource is not its subresources', [r(['get'], [''], ['pods'])], [r(['get'], [''], ['pods/log'])], false],
    ['held names cover those names', [r(['get'], [''], ['secrets'], ['a', 'b'])], [r(['get'], [''], ['secrets'], ['b'])], true],
    ['held names do not cover every name', [r(['get'], [''], ['secrets'], ['a'])], [r(['get'], [''], ['secrets'])], false],
    ['held names do not cover other names', [r(['get'], [''], ['secrets'], ['a'])], [r(['get'], [''], ['secrets'], ['a', 'c'])], false],
    ['no names held covers any name', [r(['get'], [''], ['secrets'])], [r(['get'], [''], ['secrets'], ['x'])], true],
    ['url exact', [url(['get'], ['/healthz'])], [url(['get'], ['/healthz'])], true],
    ['url trailing *', [url(['get'], ['/apis/*'])], [url(['get'], ['/apis/apps/v1', '/apis/'])], true],
    ['url * covers all', [url(['*'], ['*'])], [url(['get', 'post'], ['/metrics'])], true],
    ['url prefix without *', [url(['get'], ['/apis'])], [url(['get'], ['/apis/apps'])], false],
    ['url rule does not cover resources', [url(['*'], ['*'])], [r(['get'], [''], ['pods'])], false],
    ['resource rule does not cover urls', [r(['*'], ['*'], ['*'])], [url(['get'], ['/healthz'])], false],
    ['nothing held', [], [r(['get'], [''], ['pods'])], false],
    ['nothing wanted', [], [], true],
    ['cluster-admin', [r(['*'], ['*'], ['*']), url(['*'], ['*'])], [r(['escalate', 'bind'], ['rbac.authorization.k8s.io'], ['clusterroles'], ['x']), url(['get'], ['/x'])], true],
  ];
  it.each(cases)('%s', (_name, held, wanted, want) => expect(covers(held, wanted).covered).toBe(want));

  it('reports the atomic rules not covered', () => {
    expect(covers([r(['get'], [''], ['pods'])], [r(['get', 'list'], [''], ['pods', 'secrets'])]).missing).toEqual([
      r(['list'], [''], ['pods']),
      r(['get'], [''], ['secrets']),
      r(['list'], [''], ['secrets']),
    ]);
  });
});

describe('compactRules and compactString', () => {
  it.each([
    [r(['get'], [''], ['pods']), '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}'],
    [r(['get'], ['apps'], ['deployments'], ['web']), '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["web"], Verbs:["get"]}'],
    [url(['get', 'post'], ['/healthz']), '{NonResourceURLs:["/healthz"], Verbs:["get" "post"]}'],
  ])('%j', (rule, text) => expect(compactString(rule)).toBe(text));

  it('merges verbs of the same group, resource and name only', () => {
    const compact = compactRules([
      r(['get'], [''], ['pods']),
      r(['list'], [''], ['pods']),
      r(['get'], [''], ['pods'], ['a']),
      r(['list'], [''], ['pods'], ['a']),
      r(['get'], [''], ['pods'], ['b']),
      url(['get'], ['/x']),
      url(['post'], ['/x']),
    ]).map(compactString);
    expect(compact.sort()).toEqual([
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get" "list"]}',
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["b"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}',
      '{NonResourceURLs:["/x"], Verbs:["get"]}',
      '{NonResourceURLs:["/x"], Verbs:["post"]}',
    ]);
  });
});

describe('checkRoleWrite / checkBindingWrite', () => {
  const RBAC = 'rbac.authorization.k8s.io';
  const objects = (o: { clusterRoles?: KObject[]; clusterRoleBindings?: KObject[]; roles?: KObject[]; roleBindings?: KObject[] }): RbacObjects => ({
    clusterRoles: () => o.clusterRoles ?? [],
    clusterRoleBindings: () => o.clusterRoleBindings ?? [],
    roles: (ns) => (o.roles ?? []).filter((x) => x.metadata?.namespace === ns),
    roleBindings: (ns) => (o.roleBindings ?? []).filter((x) => x.metadata?.namespace === ns),
  });
  const authorizer = new RbacAuthorizer(
    objects({
      clusterRoles: [
        { metadata: { name: 'writer' }, rules: [r(['create', 'update'], [RBAC], ['clusterroles', 'roles', 'rolebindings', 'clusterrolebindings']), r(['get'], [''], ['configmaps'])] },
        { metadata: { name: 'escalator' }, rules: [r(['escalate'], [RBAC], ['clusterroles'], ['grow'])] },
        { metadata: { name: 'binder' }, rules: [r(['bind'], [RBAC], ['clusterroles'], ['big'])] },
        { metadata: { name: 'big' }, rules: [r(['*'], [''], ['secrets'])] },
        { metadata: { name: 'secret-reader' }, rules: [r(['get'], [''], ['secrets'])] },
      ],
      clusterRoleBindings: ['writer', 'escalator', 'binder'].map((n) => ({
        metadata: { name: n },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: n },
        subjects: [{ kind: 'User', name: 'erin' }],
      })),
      roles: [{ metadata: { name: 'team-secrets', namespace: 'team' }, rules: [r(['get'], [''], ['secrets'])] }],
      roleBindings: [
        { metadata: { name: 'erin', namespace: 'team' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'team-secrets' }, subjects: [{ kind: 'User', name: 'erin' }] },
        { metadata: { name: 'ghost', namespace: 'team' }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'missing' }, subjects: [{ kind: 'User', name: 'erin' }] },
      ],
    }),
  );
  const erin: WriteContext = { authorizer, user: { username: 'erin', groups: ['devs', 'system:authenticated'] }, requestName: '' };
  const refusal = (f: () => void): string | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      return `${e.code} ${e.message}`;
    }
  };
  const clusterRole = (name: string, rules: PolicyRule[], extra: Partial<KObject> = {}): KObject => ({ metadata: { name }, rules, ...extra });
  const binding = (name: string, namespace: string, kind: string, roleName: string): KObject => ({
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: RBAC, kind, name: roleName },
    subjects: [{ kind: 'User', name: 'frank' }],
  });

  it.each<[string, () => void, string | undefined]>([
    ['a role within what is held', () => checkRoleWrite('clusterroles', clusterRole('ok', [r(['get'], [''], ['configmaps'])]), undefined, erin), undefined],
    [
      'a role with more than is held',
      () => checkRoleWrite('clusterroles', clusterRole('more', [r(['get', 'list'], [''], ['configmaps', 'pods'])]), undefined, erin),
      '403 clusterroles.rbac.authorization.k8s.io "more" is forbidden: user "erin" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["configmaps"], Verbs:["list"]}\n{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}',
    ],
    ['escalate on the role named in the request', () => checkRoleWrite('clusterroles', clusterRole('grow', [r(['*'], ['*'], ['*'])]), undefined, { ...erin, requestName: 'grow' }), undefined],
    [
      'escalate by name does not cover a POST (no name in the request)',
      () => checkRoleWrite('clusterroles', clusterRole('grow', [r(['get'], [''], ['pods'])]), undefined, erin),
      '403 clusterroles.rbac.authorization.k8s.io "grow" is forbidden: user "erin" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get"]}',
    ],
    [
      'a role in a namespace counts that namespace\'s bindings (and reports the one it cannot resolve)',
      () => checkRoleWrite('roles', { metadata: { name: 'r', namespace: 'team' }, rules: [r(['get'], [''], ['secrets', 'pods'])] }, undefined, erin),
      '403 roles.rbac.authorization.k8s.io "r" is forbidden: user "erin" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get"]}; resolution errors: [roles.rbac.authorization.k8s.io "missing" not found]',
    ],
    [
      'an aggregationRule needs full authority',
      () => checkRoleWrite('clusterroles', clusterRole('agg', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } }), undefined, erin),
      '403 clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule',
    ],
    [
      'an update that only changes garbage-collector fields is not checked',
      () => checkRoleWrite('clusterroles', { metadata: { name: 'x', finalizers: ['f'], ownerReferences: [] }, rules: [r(['*'], ['*'], ['*'])] }, { metadata: { name: 'x' }, rules: [r(['*'], ['*'], ['*'])] }, erin),
      undefined,
    ],
    [
      'a generated name is not known yet',
      () => checkRoleWrite('clusterroles', { metadata: { generateName: 'g-' }, rules: [r(['get'], [''], ['pods'])] }, undefined, erin),
      '403 clusterroles.rbac.authorization.k8s.io is forbidden: user "erin" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get"]}',
    ],
    [
      'system:masters is exempt',
      () => checkRoleWrite('clusterroles', clusterRole('any', [r(['*'], ['*'], ['*'])]), undefined, { ...erin, user: { username: 'admin', groups: ['system:masters'] } }),
      undefined,
    ],
    ['binding a role whose rules are held', () => checkBindingWrite('rolebindings', binding('b', 'team', 'Role', 'team-secrets'), undefined, erin), undefined],
    ['binding a ClusterRole held in the binding\'s namespace', () => checkBindingWrite('rolebindings', binding('b', 'team', 'ClusterRole', 'secret-reader'), undefined, erin), undefined],
    [
      'binding it where it is not held',
      () => checkBindingWrite('rolebindings', binding('b', 'default', 'ClusterRole', 'secret-reader'), undefined, erin),
      '403 rolebindings.rbac.authorization.k8s.io "b" is forbidden: user "erin" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    ],
    ['bind on the role', () => checkBindingWrite('clusterrolebindings', binding('b', '', 'ClusterRole', 'big'), undefined, erin), undefined],
    ['a missing role', () => checkBindingWrite('clusterrolebindings', binding('b', '', 'ClusterRole', 'nope'), undefined, erin), '404 clusterroles.rbac.authorization.k8s.io "nope" not found'],
    ['an unknown roleRef kind', () => checkBindingWrite('rolebindings', binding('b', 'team', 'Group', 'x'), undefined, erin), '500 unsupported role reference kind: "Group"'],
  ])('%s', (_name, write, want) => expect(refusal(write)).toBe(want));
});
