/**
 * Validation of ValidatingWebhookConfiguration and MutatingWebhookConfiguration with
 * Kubernetes 1.33's field paths and messages (pkg/apis/admissionregistration/validation and
 * k8s.io/apiserver/pkg/util/webhook's URL and service checks). Updates relax the checks a stored
 * object already fails (side effects, unknown review versions, duplicate names), as upstream does.
 */
import { validateLabelSelector } from '../meta/labels.js';
import { isPlainObject, type KObject } from '../object.js';
import { duplicate, FieldPath, invalid, notSupported, required, tooMany, type FieldError } from '../validation/field.js';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum } from '../validation/names.js';

export const ACCEPTED_ADMISSION_REVIEW_VERSIONS = ['v1', 'v1beta1'];
const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const ALL_SIDE_EFFECTS = ['None', 'NoneOnDryRun', 'Some', 'Unknown'];
const NO_SIDE_EFFECTS = ['None', 'NoneOnDryRun'];
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
export const MAX_MATCH_CONDITIONS = 64;

/** Checks a matchCondition's expression (CEL compilation); returns messages, none when it compiles. */
export type ExpressionChecker = (expression: string) => string[];

interface Options {
  requireNoSideEffects: boolean;
  requireRecognizedAdmissionReviewVersion: boolean;
  requireUniqueWebhookNames: boolean;
  ignoreMatchConditions: boolean;
  checkExpression?: ExpressionChecker;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const list = (v: unknown): Record<string, any>[] => (Array.isArray(v) ? v.map((x) => (isPlainObject(x) ? x : {})) : []);

/** utilvalidation.IsFullyQualifiedName: a DNS subdomain with at least three segments. */
function fullyQualifiedName(p: FieldPath, name: string): FieldError[] {
  if (!name) return [required(p, '')];
  const errs = isDNS1123Subdomain(name);
  if (errs.length) return [invalid(p, name, errs.join(','))];
  if (name.split('.').length < 3) return [invalid(p, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

function validateResources(resources: string[], p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) errs.push(required(p, ''));
  const resWithWildcardSub = new Set<string>();
  const subWithWildcardRes = new Set<string>();
  let doubleWildcard = false;
  let singleWildcard = false;
  let withoutSub = false;
  resources.forEach((resSub, i) => {
    if (resSub === '') {
      errs.push(required(p.index(i), ''));
      return;
    }
    if (resSub === '*/*') doubleWildcard = true;
    if (resSub === '*') singleWildcard = true;
    const slash = resSub.indexOf('/');
    if (slash < 0) {
      withoutSub = resSub !== '*';
      return;
    }
    const res = resSub.slice(0, slash);
    const sub = resSub.slice(slash + 1);
    if (resWithWildcardSub.has(res)) errs.push(invalid(p.index(i), resSub, `if '${res}/*' is present, must not specify ${resSub}`));
    if (subWithWildcardRes.has(sub)) errs.push(invalid(p.index(i), resSub, `if '*/${sub}' is present, must not specify ${resSub}`));
    if (sub === '*') resWithWildcardSub.add(res);
    if (res === '*') subWithWildcardRes.add(sub);
  });
  if (resources.length > 1 && doubleWildcard) errs.push(invalid(p, resources, "if '*/*' is present, must not specify other resources"));
  if (singleWildcard && withoutSub) errs.push(invalid(p, resources, "if '*' is present, must not specify other resources without subresources"));
  return errs;
}

function validateRule(rule: Record<string, any>, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const ops = strings(rule.operations);
  if (ops.length === 0) errs.push(required(p.child('operations'), ''));
  if (ops.length > 1 && ops.includes('*')) errs.push(invalid(p.child('operations'), ops, "if '*' is present, must not specify other operations"));
  ops.forEach((op, i) => {
    if (!OPERATIONS.includes(op)) errs.push(notSupported(p.child('operations').index(i), op, OPERATIONS));
  });
  const groups = strings(rule.apiGroups);
  if (groups.length === 0) errs.push(required(p.child('apiGroups'), ''));
  if (groups.length > 1 && groups.includes('*')) errs.push(invalid(p.child('apiGroups'), groups, "if '*' is present, must not specify other API groups"));
  const versions = strings(rule.apiVersions);
  if (versions.length === 0) errs.push(required(p.child('apiVersions'), ''));
  if (versions.length > 1 && versions.includes('*')) errs.push(invalid(p.child('apiVersions'), versions, "if '*' is present, must not specify other API versions"));
  versions.forEach((v, i) => {
    if (v === '') errs.push(required(p.child('apiVersions').index(i), ''));
  });
  errs.push(...validateResources(strings(rule.resources), p.child('resources')));
  if (rule.scope !== undefined && rule.scope !== null && !SCOPES.includes(rule.scope)) errs.push(notSupported(p.child('scope'), rule.scope, SCOPES));
  return errs;
}

/** webhook.ValidateWebhookURL with forceHttps. */
export function validateWebhookURL(p: FieldPath, raw: string): FieldError[] {
  const form = '; desired format: https://host[/path]';
  let u: URL;
  try {
    u = new URL(raw);
  } catch (e) {
    return [required(p, `url must be a valid URL: ${(e as Error).message}${form}`)];
  }
  const errs: FieldError[] = [];
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'https') errs.push(invalid(p, scheme, `'https' is the only allowed URL scheme${form}`));
  if (!u.host) errs.push(invalid(p, u.host, `host must be specified${form}`));
  if (u.username || u.password) errs.push(invalid(p, u.password ? `${u.username}:${u.password}` : u.username, 'user information is not permitted in the URL'));
  if (u.hash.length > 1) errs.push(invalid(p, u.hash.slice(1), 'fragments are not permitted in the URL'));
  if (u.search.length > 1) errs.push(invalid(p, u.search.slice(1), 'query parameters are not permitted in the URL'));
  return errs;
}

/** webhook.ValidateWebhookService. */
export function validateWebhookService(p: FieldPath, svc: Record<string, any>): FieldError[] {
  const errs: FieldError[] = [];
  if (!svc.name) errs.push(required(p.child('name'), 'service name is required'));
  if (!svc.namespace) errs.push(required(p.child('namespace'), 'service namespace is required'));
  const port = typeof svc.port === 'number' ? svc.port : 443;
  const portErrs = isValidPortNum(port);
  if (portErrs.length) errs.push(invalid(p.child('port'), port, `port is not valid: ${portErrs.join(', ')}`));
  const path = svc.path;
  if (typeof path !== 'string' || path === '/' || path === '') return errs;
  const pp = p.child('path');
  if (path === '//') return [...errs, invalid(pp, path, 'segment[0] may not be empty')];
  if (!path.startsWith('/')) errs.push(invalid(pp, path, "must start with a '/'"));
  let check = path.slice(1);
  if (check.endsWith('/')) check = check.slice(0, -1);
  check.split('/').forEach((step, i) => {
    if (step === '') {
      errs.push(invalid(pp, path, `segment[${i}] may not be empty`));
      return;
    }
    for (const m of isDNS1123Subdomain(step)) errs.push(invalid(pp, path, `segment[${i}]: ${m}`));
  });
  return errs;
}

function validateMatchConditions(conds: Record<string, any>[], opts: Options, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (conds.length > MAX_MATCH_CONDITIONS) errs.push(tooMany(p, conds.length, MAX_MATCH_CONDITIONS));
  const names = new Set<string>();
  conds.forEach((c, i) => {
    const name = typeof c.name === 'string' ? c.name : '';
    const np = p.index(i).child('name');
    if (!name) errs.push(required(np, ''));
    for (const m of isQualifiedName(name)) errs.push(invalid(np, name, m));
    if (name) {
      if (names.has(name)) errs.push(duplicate(np, name));
      else names.add(name);
    }
    const expression = typeof c.expression === 'string' ? c.expression : '';
    if (!expression) {
      errs.push(required(p.index(i).child('expression'), ''));
      return;
    }
    for (const m of opts.checkExpression?.(expression) ?? []) errs.push(invalid(p.index(i).child('expression'), expression, m));
  });
  return errs;
}

function validateWebhook(hook: Record<string, any>, mutating: boolean, opts: Options, p: FieldPath): FieldError[] {
  const errs = fullyQualifiedName(p.child('name'), typeof hook.name === 'string' ? hook.name : '');
  list(hook.rules).forEach((r, i) => errs.push(...validateRule(r, p.child('rules').index(i))));
  if (hook.failurePolicy != null && !FAILURE_POLICIES.includes(hook.failurePolicy)) errs.push(notSupported(p.child('failurePolicy'), hook.failurePolicy, FAILURE_POLICIES));
  if (hook.matchPolicy != null && !MATCH_POLICIES.includes(hook.matchPolicy)) errs.push(notSupported(p.child('matchPolicy'), hook.matchPolicy, MATCH_POLICIES));
  const allowed = opts.requireNoSideEffects ? NO_SIDE_EFFECTS : ALL_SIDE_EFFECTS;
  if (hook.sideEffects == null) errs.push(required(p.child('sideEffects'), `must specify one of ${allowed.join(', ')}`));
  else if (!allowed.includes(hook.sideEffects)) errs.push(notSupported(p.child('sideEffects'), hook.sideEffects, allowed));
  if (typeof hook.timeoutSeconds === 'number' && (hook.timeoutSeconds > 30 || hook.timeoutSeconds < 1)) {
    errs.push(invalid(p.child('timeoutSeconds'), hook.timeoutSeconds, 'the timeout value must be between 1 and 30 seconds'));
  }
  if (isPlainObject(hook.namespaceSelector)) errs.push(...validateLabelSelector(hook.namespaceSelector, p.child('namespaceSelector')));
  if (isPlainObject(hook.objectSelector)) errs.push(...validateLabelSelector(hook.objectSelector, p.child('objectSelector')));
  if (mutating && hook.reinvocationPolicy != null && !REINVOCATION_POLICIES.includes(hook.reinvocationPolicy)) {
    errs.push(notSupported(p.child('reinvocationPolicy'), hook.reinvocationPolicy, REINVOCATION_POLICIES));
  }
  const cc = isPlainObject(hook.clientConfig) ? hook.clientConfig : {};
  const hasUrl = cc.url != null;
  const hasService = cc.service != null;
  if (hasUrl === hasService) errs.push(required(p.child('clientConfig'), 'exactly one of url or service is required'));
  else if (hasUrl) errs.push(...validateWebhookURL(p.child('clientConfig').child('url'), String(cc.url)));
  else errs.push(...validateWebhookService(p.child('clientConfig').child('service'), isPlainObject(cc.service) ? cc.service : {}));
  if (!opts.ignoreMatchConditions) errs.push(...validateMatchConditions(list(hook.matchConditions), opts, p.child('matchConditions')));
  return errs;
}

function validateAdmissionReviewVersions(versions: string[], requireRecognized: boolean, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (versions.length < 1) return [required(p, `must specify one of ${ACCEPTED_ADMISSION_REVIEW_VERSIONS.join(', ')}`)];
  const seen = new Set<string>();
  let accepted = false;
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(invalid(p.index(i), v, 'duplicate version'));
      return;
    }
    seen.add(v);
    for (const m of isDNS1035Label(v)) errs.push(invalid(p.index(i), v, m));
    if (ACCEPTED_ADMISSION_REVIEW_VERSIONS.includes(v)) accepted = true;
  });
  if (requireRecognized && !accepted) errs.push(invalid(p, versions, `must include at least one of ${ACCEPTED_ADMISSION_REVIEW_VERSIONS.join(', ')}`));
  return errs;
}

function validateConfiguration(obj: KObject, mutating: boolean, opts: Options): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list(obj.webhooks).forEach((hook, i) => {
    const p = FieldPath.root('webhooks').index(i);
    errs.push(...validateWebhook(hook, mutating, opts, p));
    errs.push(...validateAdmissionReviewVersions(strings(hook.admissionReviewVersions), opts.requireRecognizedAdmissionReviewVersion, p.child('admissionReviewVersions')));
    if (opts.requireUniqueWebhookNames && typeof hook.name === 'string' && hook.name) {
      if (names.has(hook.name)) errs.push(duplicate(p.child('name'), hook.name));
      else names.add(hook.name);
    }
  });
  return errs;
}

/** Validation of a new ValidatingWebhookConfiguration (mutating=false) or MutatingWebhookConfiguration. */
export function validateWebhookConfiguration(obj: KObject, mutating: boolean, checkExpression?: ExpressionChecker): FieldError[] {
  return validateConfiguration(obj, mutating, {
    requireNoSideEffects: true,
    requireRecognizedAdmissionReviewVersion: true,
    requireUniqueWebhookNames: true,
    ignoreMatchConditions: false,
    ...(checkExpression ? { checkExpression } : {}),
  });
}

/** Validation of an update: what the stored object already violates stays allowed. */
export function validateWebhookConfigurationUpdate(obj: KObject, old: KObject, mutating: boolean, checkExpression?: ExpressionChecker): FieldError[] {
  const oldHooks = list(old.webhooks);
  const newHooks = list(obj.webhooks);
  const sameConditions =
    newHooks.length === oldHooks.length && oldHooks.every((h, i) => JSON.stringify(h.matchConditions ?? null) === JSON.stringify(newHooks[i]!.matchConditions ?? null));
  const oldNames = oldHooks.map((h) => h.name);
  return validateConfiguration(obj, mutating, {
    requireNoSideEffects: oldHooks.every((h) => NO_SIDE_EFFECTS.includes(h.sideEffects)),
    requireRecognizedAdmissionReviewVersion: oldHooks.every((h) => {
      const vs = strings(h.admissionReviewVersions);
      return vs.length === 0 || vs.some((v) => ACCEPTED_ADMISSION_REVIEW_VERSIONS.includes(v));
    }),
    requireUniqueWebhookNames: new Set(oldNames).size === oldNames.length,
    ignoreMatchConditions: sameConditions,
    ...(checkExpression ? { checkExpression } : {}),
  });
}
