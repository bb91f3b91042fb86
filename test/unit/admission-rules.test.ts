/**
 * Webhook rule matching, table-driven (cases after k8s.io/apiserver's predicates/rules tests):
 * operations, groups, versions, resources with subresources and wildcards, scope (namespaces
 * are cluster-scoped); the namespace and object selectors; exempt configuration kinds; and
 * validation of configurations with upstream's messages.
 */
import { describe, expect, it } from 'vitest';
import { validateWebhookConfiguration, validateWebhookConfigurationUpdate } from '../../src/apis/admissionregistration/validation.js';
import { aggregateMessage } from '../../src/apis/validation/field.js';
import { checkMatchConditionExpression, evaluateMatchConditions } from '../../src/apiserver/admission/match-conditions.js';
import {
  isExemptAdmissionConfiguration,
  namespaceSelectorMatches,
  objectSelectorMatches,
  ruleMatches,
  type Rule,
  type RuleAttributes,
} from '../../src/apiserver/admission/rules.js';
import { jsonPatchFor } from '../../src/apiserver/admission/webhook-server.js';
import { applyJsonPatch } from '../../src/apiserver/patch/json-patch.js';

const attrs = (over: Partial<RuleAttributes> & { gvr?: string } = {}): RuleAttributes => {
  const [group, version, resource] = (over.gvr ?? 'apps/v1/deployments').split('/') as [string, string, string];
  return { operation: 'CREATE', resource: { group, version, resource }, subresource: '', namespace: 'ns', ...over };
};
const rule = (over: Partial<Rule> = {}): Rule => ({ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], ...over });

describe('ruleMatches', () => {
  it.each<[string, Rule, RuleAttributes, boolean]>([
    ['exact match', rule(), attrs(), true],
    ['other operation', rule(), attrs({ operation: 'UPDATE' }), false],
    ['operation *', rule({ operations: ['*'] }), attrs({ operation: 'DELETE' }), true],
    ['one of several operations', rule({ operations: ['UPDATE', 'DELETE'] }), attrs({ operation: 'DELETE' }), true],
    ['CONNECT only', rule({ operations: ['CONNECT'] }), attrs(), false],
    ['no operations', rule({ operations: [] }), attrs(), false],
    ['other group', rule({ apiGroups: ['extensions'] }), attrs(), false],
    ['group *', rule({ apiGroups: ['*'] }), attrs(), true],
    ['core group ""', rule({ apiGroups: [''], resources: ['pods'] }), attrs({ gvr: '/v1/pods' }), true],
    ['core group does not match apps', rule({ apiGroups: [''] }), attrs(), false],
    ['other version', rule({ apiVersions: ['v1beta1'] }), attrs(), false],
    ['version *', rule({ apiVersions: ['*'] }), attrs(), true],
    ['other resource', rule({ resources: ['replicasets'] }), attrs(), false],
    ['resource * matches the main resource', rule({ resources: ['*'] }), attrs(), true],
    ['resource * does not match a subresource', rule({ resources: ['*'] }), attrs({ subresource: 'status' }), false],
    ['deployments does not match deployments/status', rule(), attrs({ subresource: 'status' }), false],
    ['deployments/status', rule({ resources: ['deployments/status'] }), attrs({ subresource: 'status' }), true],
    ['deployments/status does not match the main resource', rule({ resources: ['deployments/status'] }), attrs(), false],
    ['deployments/status does not match deployments/scale', rule({ resources: ['deployments/status'] }), attrs({ subresource: 'scale' }), false],
    ['deployments/* matches a subresource', rule({ resources: ['deployments/*'] }), attrs({ subresource: 'scale' }), true],
    ['deployments/* matches the main resource', rule({ resources: ['deployments/*'] }), attrs(), true],
    ['*/scale', rule({ resources: ['*/scale'] }), attrs({ subresource: 'scale' }), true],
    ['*/scale not status', rule({ resources: ['*/scale'] }), attrs({ subresource: 'status' }), false],
    ['*/* matches everything', rule({ resources: ['*/*'] }), attrs({ subresource: 'status' }), true],
    ['scope Namespaced, namespaced object', rule({ scope: 'Namespaced' }), attrs(), true],
    ['scope Namespaced, cluster-scoped object', rule({ scope: 'Namespaced', apiGroups: ['*'], resources: ['*'] }), attrs({ gvr: 'rbac.authorization.k8s.io/v1/clusterroles', namespace: '' }), false],
    ['scope Cluster, cluster-scoped object', rule({ scope: 'Cluster', apiGroups: ['*'], resources: ['*'] }), attrs({ gvr: 'rbac.authorization.k8s.io/v1/clusterroles', namespace: '' }), true],
    ['scope Cluster, namespaced object', rule({ scope: 'Cluster' }), attrs(), false],
    ['scope Cluster, a namespace (its name as namespace)', rule({ scope: 'Cluster', apiGroups: [''], resources: ['namespaces'] }), attrs({ gvr: '/v1/namespaces', namespace: 'ns', operation: 'CREATE' }), true],
    ['scope Namespaced, a namespace', rule({ scope: 'Namespaced', apiGroups: [''], resources: ['namespaces'] }), attrs({ gvr: '/v1/namespaces', namespace: 'ns' }), false],
    ['scope *', rule({ scope: '*' }), attrs(), true],
    ['unknown scope', rule({ scope: 'Global' }), attrs(), false],
  ])('%s', (_name, r, a, expected) => {
    expect(ruleMatches(r, a)).toBe(expected);
  });
});

describe('selectors', () => {
  const labels: Record<string, Record<string, string>> = { prod: { env: 'prod' }, dev: { env: 'dev' } };
  const lookup = (name: string) => labels[name];
  const sel = { matchLabels: { env: 'prod' } };
  it.each<[string, Partial<RuleAttributes> & { gvr?: string; object?: any }, boolean]>([
    ['object in a matching namespace', { namespace: 'prod' }, true],
    ['object in another namespace', { namespace: 'dev' }, false],
    ['cluster-scoped object: always', { gvr: 'rbac.authorization.k8s.io/v1/clusterroles', namespace: '' }, true],
    ['a namespace being created: its own labels', { gvr: '/v1/namespaces', namespace: '', object: { metadata: { labels: { env: 'prod' } } } }, true],
    ['a namespace being created without them', { gvr: '/v1/namespaces', namespace: '', object: { metadata: { name: 'x' } } }, false],
    ['a namespace being updated: the new labels', { gvr: '/v1/namespaces', operation: 'UPDATE', namespace: 'dev', object: { metadata: { labels: { env: 'prod' } } } }, true],
    ['a namespace being deleted: the stored labels', { gvr: '/v1/namespaces', operation: 'DELETE', namespace: 'prod' }, true],
    ['status of a namespace: the stored labels', { gvr: '/v1/namespaces', operation: 'UPDATE', subresource: 'status', namespace: 'dev', object: { metadata: { labels: { env: 'prod' } } } }, false],
  ])('namespaceSelector: %s', (_n, a, expected) => {
    expect(namespaceSelectorMatches(sel, attrs(a), lookup)).toBe(expected);
  });

  it('an empty namespaceSelector matches without looking the namespace up', () => {
    expect(namespaceSelectorMatches({}, attrs({ namespace: 'missing' }), () => {
      throw new Error('looked up');
    })).toBe(true);
  });

  it.each<[string, any, any, boolean]>([
    ['new object matches', { metadata: { labels: { env: 'prod' } } }, undefined, true],
    ['old object matches (a delete)', undefined, { metadata: { labels: { env: 'prod' } } }, true],
    ['labels removed by an update: the old still matches', { metadata: {} }, { metadata: { labels: { env: 'prod' } } }, true],
    ['neither matches', { metadata: { labels: { env: 'dev' } } }, { metadata: {} }, false],
  ])('objectSelector: %s', (_n, obj, old, expected) => {
    expect(objectSelectorMatches(sel, obj, old)).toBe(expected);
  });

  it('expressions in selectors', () => {
    const s = { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] };
    expect(objectSelectorMatches(s, { metadata: { labels: { env: 'dev' } } }, undefined)).toBe(false);
    expect(objectSelectorMatches(s, { metadata: {} }, undefined)).toBe(true);
  });

  it('webhook configurations are exempt, other admissionregistration kinds too', () => {
    for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy']) {
      expect(isExemptAdmissionConfiguration({ group: 'admissionregistration.k8s.io', version: 'v1', kind })).toBe(true);
    }
    expect(isExemptAdmissionConfiguration({ group: '', version: 'v1', kind: 'ConfigMap' })).toBe(false);
  });
});

describe('configuration validation', () => {
  const hook = (over: Record<string, unknown> = {}) => ({
    name: 'check.example.com',
    clientConfig: { url: 'https://127.0.0.1:8443/check' },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    ...over,
  });
  const config = (...webhooks: Record<string, unknown>[]) => ({ metadata: { name: 'c' }, webhooks });
  const message = (errs: ReturnType<typeof validateWebhookConfiguration>) => aggregateMessage(errs);

  it.each<[string, Record<string, unknown>, string]>([
    ['sideEffects missing', hook({ sideEffects: undefined }), 'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun'],
    ['sideEffects Some on create', hook({ sideEffects: 'Some' }), 'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"'],
    ['admissionReviewVersions missing', hook({ admissionReviewVersions: undefined }), 'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1'],
    ['unknown review version', hook({ admissionReviewVersions: ['v2'] }), 'webhooks[0].admissionReviewVersions: Invalid value: ["v2"]: must include at least one of v1, v1beta1'],
    ['a name with two segments', hook({ name: 'example.com' }), 'webhooks[0].name: Invalid value: "example.com": should be a domain with at least three segments separated by dots'],
    ['timeout 31', hook({ timeoutSeconds: 31 }), 'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds'],
    ['timeout 0', hook({ timeoutSeconds: 0 }), 'webhooks[0].timeoutSeconds: Invalid value: 0: the timeout value must be between 1 and 30 seconds'],
    ['http URL', hook({ clientConfig: { url: 'http://127.0.0.1/x' } }), `webhooks[0].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`],
    ['URL with a query', hook({ clientConfig: { url: 'https://127.0.0.1/x?a=b' } }), 'webhooks[0].clientConfig.url: Invalid value: "a=b": query parameters are not permitted in the URL'],
    ['url and service', hook({ clientConfig: { url: 'https://a', service: { namespace: 'n', name: 's' } } }), 'webhooks[0].clientConfig: Required value: exactly one of url or service is required'],
    ['service path without /', hook({ clientConfig: { service: { namespace: 'n', name: 's', path: 'x' } } }), "webhooks[0].clientConfig.service.path: Invalid value: \"x\": must start with a '/'"],
    ['bad failurePolicy', hook({ failurePolicy: 'Maybe' }), 'webhooks[0].failurePolicy: Unsupported value: "Maybe": supported values: "Fail", "Ignore"'],
    ['bad operation', hook({ rules: [{ operations: ['PATCH'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }), 'webhooks[0].rules[0].operations[0]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"'],
    ['* with other resources', hook({ rules: [{ operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['*', 'pods'] }] }), `webhooks[0].rules[0].resources: Invalid value: ["*","pods"]: if '*' is present, must not specify other resources without subresources`],
    ['bad scope', hook({ rules: [{ operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'All' }] }), 'webhooks[0].rules[0].scope: Unsupported value: "All": supported values: "*", "Cluster", "Namespaced"'],
    ['a match condition that does not compile', hook({ matchConditions: [{ name: 'x', expression: 'object.metadata.name ==' }] }), 'webhooks[0].matchConditions[0].expression: Invalid value: "object.metadata.name ==": compilation failed'],
  ])('%s', (_n, h, expected) => {
    expect(message(validateWebhookConfiguration(config(h), false, checkMatchConditionExpression))).toContain(expected);
  });

  it('duplicate webhook names', () => {
    expect(message(validateWebhookConfiguration(config(hook(), hook()), false))).toBe('webhooks[1].name: Duplicate value: "check.example.com"');
  });

  it('a valid configuration has no errors, for both kinds', () => {
    expect(validateWebhookConfiguration(config(hook()), false)).toEqual([]);
    expect(validateWebhookConfiguration(config(hook({ reinvocationPolicy: 'IfNeeded' })), true)).toEqual([]);
    expect(message(validateWebhookConfiguration(config(hook({ reinvocationPolicy: 'Always' })), true))).toContain('webhooks[0].reinvocationPolicy: Unsupported value: "Always"');
  });

  it('an update keeps side effects the stored configuration already has', () => {
    const old = config(hook({ sideEffects: 'Some' }));
    expect(validateWebhookConfigurationUpdate(config(hook({ sideEffects: 'Some', timeoutSeconds: 5 })), old, false)).toEqual([]);
    expect(validateWebhookConfigurationUpdate(config(hook({ sideEffects: 'Some' })), config(hook()), false)).toHaveLength(1);
  });
});

describe('match conditions', () => {
  const request = { operation: 'CREATE', userInfo: { username: 'alice' } };
  it.each<[string, string, boolean]>([
    ['label test', "has(object.metadata.labels) && object.metadata.labels['team'] == 'a'", true],
    ['integer comparison', 'object.spec.replicas > 2', true],
    ['request fields', "request.userInfo.username != 'bob'", true],
    ['oldObject is null on create', 'oldObject == null', true],
    ['false', "object.metadata.name.startsWith('x')", false],
  ])('%s', (_n, expression, expected) => {
    const r = evaluateMatchConditions([{ name: 'c', expression }], { object: { metadata: { name: 'web', labels: { team: 'a' } }, spec: { replicas: 3 } }, oldObject: null, request });
    expect(r).toEqual({ matches: expected });
  });

  it('an evaluation error is reported (and a false condition wins over it)', () => {
    const vars = { object: { metadata: {} }, oldObject: null, request };
    expect(evaluateMatchConditions([{ name: 'a', expression: "object.metadata.labels['x'] == 'y'" }], vars).error).toContain("matchCondition 'a'");
    expect(evaluateMatchConditions([{ name: 'a', expression: "object.metadata.labels['x'] == 'y'" }, { name: 'b', expression: 'false' }], vars)).toEqual({ matches: false });
  });

  it('the authorizer variable is not available', () => {
    expect(checkMatchConditionExpression("authorizer.group('').resource('pods').check('get').allowed()")[0]).toContain('compilation failed');
  });
});

describe('jsonPatchFor', () => {
  it.each<[string, unknown, unknown]>([
    ['add a key', { a: 1 }, { a: 1, b: { c: 2 } }],
    ['remove and replace', { a: 1, b: 2, 'x/y': 3 }, { a: 5, 'x~z': 4 }],
    ['arrays replaced whole', { l: [1, 2, 3] }, { l: [1, 3] }],
    ['nested', { metadata: { finalizers: ['a'] } }, { metadata: { finalizers: ['a', 'b'], labels: { k: 'v' } } }],
  ])('%s', (_n, from, to) => {
    expect(applyJsonPatch(structuredClone(from), jsonPatchFor(from, to))).toEqual(to);
  });
});
