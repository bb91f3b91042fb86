/**
 * Dynamic admission webhooks as kube-apiserver dispatches them (the MutatingAdmissionWebhook and
 * ValidatingAdmissionWebhook plugins): which configured webhooks a request matches, the
 * AdmissionReview each is sent, and what its answer does to the request.
 *
 * - Webhooks come from every Mutating/ValidatingWebhookConfiguration, ordered by configuration
 *   name and then by their place in it. Requests on those configurations are never sent.
 * - A webhook is called when one of its rules matches the request's resource (or, with
 *   matchPolicy Equivalent, the same objects served by another group or version: the object is
 *   then sent converted to that version), its namespaceSelector and objectSelector match, and its
 *   matchConditions are all true.
 * - Mutating webhooks run one after the other; a JSONPatch answer is applied to the object (in
 *   the webhook's version), which is then defaulted again. When one changed the object, those
 *   called before it with reinvocationPolicy IfNeeded are called once more.
 * - Validating webhooks run in parallel; the first refusal (in webhook order) is the answer.
 * - A refusal is its Status with the message prefixed (`admission webhook "x" denied the
 *   request: ...`) and a code of at least 400. A webhook that cannot be called (unreachable,
 *   timed out, a malformed answer) fails the request with a 500 naming it, or is skipped when its
 *   failurePolicy is Ignore. Dry-run requests fail with a 400 at a webhook whose sideEffects is
 *   not None or NoneOnDryRun; the others see dryRun: true.
 * - Warnings in answers become the response's Warning headers.
 */
import { randomUUID } from 'node:crypto';
import { deepClone, deepEqual, isPlainObject, type KObject } from '../../apis/object.js';
import { decodeValue, type DecodeReport } from '../../apis/schema/decode.js';
import type { LabelSelector } from '../../apis/meta/labels.js';
import type { UserInfo } from '../auth/types.js';
import { badRequest, forbidden, internalError, notFound, qualifiedResource, StatusError, type StatusReason } from '../errors.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import type { Api } from '../rest/context.js';
import { defaultAndConvert, fromStorage } from '../rest/prepare.js';
import { applyScale, toScale } from '../rest/scale.js';
import { postAdmissionReview, WebhookCallError, type WebhookClientConfig } from './client.js';
import { evaluateMatchConditions, type MatchCondition } from './match-conditions.js';
import {
  isExemptAdmissionConfiguration,
  namespaceSelectorMatches,
  objectSelectorMatches,
  ruleMatches,
  type GroupVersionKind,
  type GroupVersionResource,
  type Operation,
  type Rule,
  type RuleAttributes,
} from './rules.js';

export const ADMISSION_REGISTRATION_GROUP = 'admissionregistration.k8s.io';

/** One admission request, with objects in their storage version. */
export interface AdmissionAttributes {
  operation: Operation;
  type: ResourceType;
  /** The version the request was made in. */
  version: ServedVersion;
  subresource?: string;
  /** The object's namespace ("" for cluster-scoped objects). */
  namespace: string;
  /** The name in the request ("" for a create relying on generateName). */
  name: string;
  object?: KObject;
  oldObject?: KObject;
  /** CreateOptions, UpdateOptions or DeleteOptions (meta.k8s.io/v1). */
  options: KObject;
  dryRun: boolean;
  user: UserInfo;
  /** Where warnings from webhooks go (the response's Warning headers). */
  warnings: string[];
}

/** A webhook of a configuration, with upstream's defaults filled in for what storage lacks. */
export interface Webhook {
  /** configuration/name/index: unique per request. */
  uid: string;
  configuration: string;
  name: string;
  rules: Rule[];
  failurePolicy: 'Fail' | 'Ignore';
  matchPolicy: 'Exact' | 'Equivalent';
  namespaceSelector: LabelSelector;
  objectSelector: LabelSelector;
  sideEffects?: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
  matchConditions: MatchCondition[];
  reinvocationPolicy: 'Never' | 'IfNeeded';
  clientConfig: WebhookClientConfig;
}

/** The configured webhooks of one kind, in the order they are called. */
export function configuredWebhooks(api: Api, mutating: boolean): Webhook[] {
  const type = api.registry.byGroupResource(ADMISSION_REGISTRATION_GROUP, mutating ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations');
  if (!type) return [];
  const configs = api.store.list(type).map((c) => c.obj);
  if (configs.length === 0) return [];
  configs.sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  const hooks: Webhook[] = [];
  for (const c of configs) {
    const configuration = c.metadata?.name ?? '';
    (Array.isArray(c.webhooks) ? c.webhooks : []).forEach((h: Record<string, any>, index: number) => {
      if (!isPlainObject(h)) return;
      hooks.push({
        uid: `${configuration}/${h.name}/${index}`,
        configuration,
        name: String(h.name ?? ''),
        rules: Array.isArray(h.rules) ? h.rules : [],
        failurePolicy: h.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
        matchPolicy: h.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
        namespaceSelector: isPlainObject(h.namespaceSelector) ? h.namespaceSelector : {},
        objectSelector: isPlainObject(h.objectSelector) ? h.objectSelector : {},
        ...(typeof h.sideEffects === 'string' ? { sideEffects: h.sideEffects } : {}),
        timeoutSeconds: typeof h.timeoutSeconds === 'number' ? h.timeoutSeconds : 10,
        admissionReviewVersions: Array.isArray(h.admissionReviewVersions) ? h.admissionReviewVersions : [],
        matchConditions: Array.isArray(h.matchConditions) ? h.matchConditions : [],
        reinvocationPolicy: h.reinvocationPolicy === 'IfNeeded' ? 'IfNeeded' : 'Never',
        clientConfig: isPlainObject(h.clientConfig) ? (h.clientConfig as WebhookClientConfig) : {},
      });
    });
  }
  return hooks;
}

/** A resource and version a webhook is called for: the request's own, or an equivalent one. */
interface Target {
  type: ResourceType;
  version: ServedVersion;
  resource: GroupVersionResource;
  kind: GroupVersionKind;
}

interface Invocation extends Target {
  hook: Webhook;
}

const SCALE_KIND: GroupVersionKind = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

/** A subresource with an object of its own kind (pods/binding, pods/eviction, serviceaccounts/token, namespaces/finalize). */
const customSubresource = (t: ResourceType, sub: string) => (sub === '' || sub === 'status' || sub === 'scale' ? undefined : t.subresources.custom?.[sub]);

function targetOf(type: ResourceType, version: ServedVersion, subresource: string): Target {
  const custom = customSubresource(type, subresource);
  return {
    type,
    version,
    resource: { group: type.group, version: version.name, resource: type.resource },
    kind:
      subresource === 'scale'
        ? SCALE_KIND
        : custom
          ? { group: custom.group ?? type.group, version: custom.version ?? version.name, kind: custom.kind }
          : { group: type.group, version: version.name, kind: type.kind },
  };
}

function hasSubresource(t: ResourceType, sub: string): boolean {
  if (sub === '') return true;
  if (sub === 'status') return !!t.subresources.status;
  if (sub === 'scale') return !!t.subresources.scale;
  return !!t.subresources.custom?.[sub];
}

/** The resources serving the same objects (other versions, other groups sharing storage). */
function equivalents(api: Api, a: AdmissionAttributes): Target[] {
  const sub = a.subresource ?? '';
  const out: Target[] = [];
  for (const t of api.registry.sharingStorage(a.type)) {
    if (!hasSubresource(t, sub)) continue;
    for (const v of t.versions) {
      if (!v.served || (t === a.type && v === a.version)) continue;
      out.push(targetOf(t, v, sub));
    }
  }
  return out;
}

/** The namespace as admission attributes carry it: a namespace's own name for requests on it (except its creation). */
function requestNamespace(a: AdmissionAttributes): string {
  if (a.type.group === '' && a.type.resource === 'namespaces') return a.operation === 'CREATE' ? '' : a.name || (a.object ?? a.oldObject)?.metadata?.name || '';
  return a.type.namespaced ? a.namespace : '';
}

/** The object (storage version) as a target sees it: converted, or as a Scale. */
function versioned(t: Target, obj: KObject | undefined, subresource: string): KObject | undefined {
  if (!obj) return undefined;
  if (subresource === 'scale' && t.type.subresources.scale) return toScale(t.type, obj);
  // A custom subresource's object is its own kind, sent as the request carried it.
  if (customSubresource(t.type, subresource)) return deepClone(obj);
  return deepClone(fromStorage(t.version, deepClone(obj)));
}

class CallError extends Error {
  constructor(hook: Webhook, reason: string) {
    super(`failed calling webhook "${hook.name}": ${reason}`);
  }
}

/** ToStatusErr: the webhook's Status with the message prefixed, code at least 400. */
function denial(hook: Webhook, result: unknown): StatusError {
  const r = isPlainObject(result) ? result : {};
  const deniedBy = `admission webhook "${hook.name}" denied the request`;
  const code = typeof r.code === 'number' && r.code >= 400 ? r.code : 400;
  const message =
    typeof r.message === 'string' && r.message ? `${deniedBy}: ${r.message}` : typeof r.reason === 'string' && r.reason ? `${deniedBy}: ${r.reason}` : `${deniedBy} without explanation`;
  const reason = (typeof r.reason === 'string' ? r.reason : '') as StatusReason;
  return new StatusError(code, reason, message, isPlainObject(r.details) ? (r.details as StatusError['details']) : undefined);
}

interface WebhookAnswer {
  allowed: boolean;
  patch?: string;
  patchType?: string;
  result?: unknown;
  warnings: string[];
}

export class WebhookDispatcher {
  constructor(private readonly api: Api) {}

  /** Labels of a namespace, for namespaceSelectors; a missing namespace is a 404 as upstream answers. */
  private namespaceLabels = (name: string): Record<string, string> | undefined => {
    const nsType = this.api.registry.byGroupResource('', 'namespaces');
    const ns = nsType ? this.api.lookup.get(nsType, '', name) : undefined;
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, name);
    return ns.metadata?.labels;
  };

  /** ShouldCallHook: the invocation for a webhook, undefined when it does not apply. */
  private invocation(hook: Webhook, a: AdmissionAttributes, object: KObject | undefined): Invocation | undefined {
    const sub = a.subresource ?? '';
    const own = targetOf(a.type, a.version, sub);
    const ruleAttrs = (t: Target): RuleAttributes => ({ operation: a.operation, resource: t.resource, subresource: sub, namespace: requestNamespace(a) });
    let target: Target | undefined = hook.rules.some((r) => ruleMatches(r, ruleAttrs(own))) ? own : undefined;
    if (!target && hook.matchPolicy === 'Equivalent') {
      const eq = equivalents(this.api, a);
      outer: for (const r of hook.rules) {
        for (const t of eq) {
          if (ruleMatches(r, ruleAttrs(t))) {
            target = t;
            break outer;
          }
        }
      }
    }
    if (!target) return undefined;
    if (!namespaceSelectorMatches(hook.namespaceSelector, { ...ruleAttrs(own), object }, this.namespaceLabels)) return undefined;
    if (!objectSelectorMatches(hook.objectSelector, object, a.oldObject)) return undefined;
    const inv: Invocation = { ...target, hook };
    if (hook.matchConditions.length > 0) {
      const result = evaluateMatchConditions(hook.matchConditions, {
        object: versioned(inv, object, sub) ?? null,
        oldObject: versioned(inv, a.oldObject, sub) ?? null,
        request: this.request(inv, a, object, '', false),
      });
      if (result.error !== undefined) {
        if (hook.failurePolicy === 'Ignore') return undefined;
        const gr = qualifiedResource({ group: a.type.group, resource: a.type.resource });
        throw forbidden(`${gr} "${a.name}" is forbidden: ${result.error}`, { name: a.name, group: a.type.group, kind: a.type.resource });
      }
      if (!result.matches) return undefined;
    }
    return inv;
  }

  /** The AdmissionRequest for an invocation (objects included unless `withObjects` is false). */
  private request(inv: Invocation, a: AdmissionAttributes, object: KObject | undefined, uid: string, withObjects = true): Record<string, unknown> {
    const sub = a.subresource ?? '';
    const own = targetOf(a.type, a.version, sub);
    const ns = requestNamespace(a);
    const u = a.user;
    const name = a.name || (a.operation === 'CREATE' ? '' : object?.metadata?.name ?? '');
    return {
      uid,
      kind: inv.kind,
      resource: inv.resource,
      ...(sub ? { subResource: sub } : {}),
      requestKind: own.kind,
      requestResource: own.resource,
      ...(sub ? { requestSubResource: sub } : {}),
      ...(name ? { name } : {}),
      ...(ns ? { namespace: ns } : {}),
      operation: a.operation,
      userInfo: {
        ...(u.username ? { username: u.username } : {}),
        ...(u.uid ? { uid: u.uid } : {}),
        ...(u.groups.length ? { groups: u.groups } : {}),
        ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
      },
      ...(withObjects ? { object: versioned(inv, object, sub) ?? null, oldObject: versioned(inv, a.oldObject, sub) ?? null } : {}),
      dryRun: a.dryRun,
      options: a.options,
    };
  }

  /** Sends the review and checks the answer (VerifyAdmissionResponse). */
  private async call(inv: Invocation, a: AdmissionAttributes, object: KObject | undefined, mutating: boolean): Promise<WebhookAnswer> {
    const hook = inv.hook;
    if (a.dryRun) {
      if (hook.sideEffects === undefined) throw new CallError(hook, 'Webhook SideEffects is nil');
      if (hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') throw badRequest(`admission webhook "${hook.name}" does not support dry run`);
    }
    const reviewVersion = hook.admissionReviewVersions.find((v) => v === 'v1' || v === 'v1beta1');
    if (!reviewVersion) throw new CallError(hook, 'webhook does not accept known AdmissionReview versions (v1, v1beta1)');
    const uid = randomUUID();
    const apiVersion = `admission.k8s.io/${reviewVersion}`;
    const review = { kind: 'AdmissionReview', apiVersion, request: this.request(inv, a, object, uid) };
    let answer: unknown;
    try {
      answer = await postAdmissionReview(hook.clientConfig, this.api.lookup, review, hook.timeoutSeconds * 1000);
    } catch (e) {
      if (e instanceof WebhookCallError) throw new CallError(hook, `failed to call webhook: ${e.message}`);
      throw e;
    }
    const invalid = (why: string) => new CallError(hook, `received invalid webhook response: ${why}`);
    const r = isPlainObject(answer) ? answer : {};
    const response = r.response;
    if (!isPlainObject(response)) throw invalid('webhook response was absent');
    const patch = typeof response.patch === 'string' && response.patch !== '' ? response.patch : undefined;
    let patchType = typeof response.patchType === 'string' ? response.patchType : undefined;
    if (reviewVersion === 'v1') {
      if (response.uid !== uid) throw invalid(`expected response.uid="${uid}", got "${String(response.uid ?? '')}"`);
      if (r.apiVersion !== apiVersion || r.kind !== 'AdmissionReview') {
        throw invalid(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${String(r.apiVersion ?? '')}, Kind=${String(r.kind ?? '')}`);
      }
      if (mutating) {
        if (patch && response.patchType == null) throw invalid('webhook returned response.patch but not response.patchType');
        if (!patch && response.patchType != null) throw invalid('webhook returned response.patchType but not response.patch');
        if (response.patchType != null && patchType === '') throw invalid(`webhook returned invalid response.patchType of ""`);
      } else {
        if (patch) throw invalid('validating webhook may not return response.patch');
        if (response.patchType != null) throw invalid('validating webhook may not return response.patchType');
      }
    } else if (patch) {
      patchType = 'JSONPatch';
    }
    const warnings = Array.isArray(response.warnings) ? response.warnings.filter((w): w is string => typeof w === 'string') : [];
    return {
      allowed: response.allowed === true,
      ...(mutating && patch ? { patch } : {}),
      ...(mutating && patchType ? { patchType } : {}),
      ...(response.status !== undefined ? { result: response.status } : {}),
      warnings,
    };
  }

  /**
   * Applies a mutating webhook's patch; returns the new storage-version object and whether the
   * webhook's view of it changed.
   */
  private applyPatch(inv: Invocation, a: AdmissionAttributes, object: KObject | undefined, answer: WebhookAnswer): { object: KObject | undefined; changed: boolean } {
    const hook = inv.hook;
    if (!answer.patch) return { object, changed: false };
    let ops: unknown;
    try {
      ops = JSON.parse(Buffer.from(answer.patch, 'base64').toString('utf8'));
      if (!Array.isArray(ops)) throw new Error('a JSON patch must be an array of operations');
    } catch (e) {
      throw new CallError(hook, `received undecodable patch in webhook response: ${(e as Error).message}`);
    }
    if ((ops as unknown[]).length === 0) return { object, changed: false };
    const sub = a.subresource ?? '';
    const before = versioned(inv, object, sub);
    if (!object || !before) throw internalError(`admission webhook "${hook.name}" attempted to modify the object, which is not supported for this operation`);
    if (answer.patchType !== 'JSONPatch') throw new CallError(hook, `unsupported patch type "${answer.patchType ?? ''}"`);
    let patched: unknown;
    try {
      patched = applyJsonPatch(deepClone(before), ops);
    } catch (e) {
      throw internalError(e instanceof Error ? e.message : String(e));
    }
    if (!isPlainObject(patched)) throw internalError(`admission webhook "${hook.name}" returned a patch that does not produce an object`);
    if (sub === 'scale' && inv.type.subresources.scale) {
      const changed = !deepEqual(before, patched);
      return { object: changed ? applyScale(inv.type, object, patched as KObject) : object, changed };
    }
    if (customSubresource(inv.type, sub)) return { object: patched as KObject, changed: !deepEqual(before, patched) };
    // Decoded like a request body (unknown fields dropped) and defaulted again, as upstream does.
    const report: DecodeReport = { unknownFields: [], errors: [] };
    const decoded = decodeValue(patched, inv.version.schema, inv.type.schemas, { typeErrors: inv.type.builtin }, report) as KObject;
    if (report.errors.length) throw internalError(`admission webhook "${hook.name}" returned an object that cannot be decoded: ${report.errors[0]!.detail ?? report.errors[0]!.field}`);
    const stored = defaultAndConvert(inv.type, inv.version, decoded);
    const after = versioned(inv, stored, sub);
    return { object: stored, changed: !deepEqual(before, after) };
  }

  private hooksFor(a: AdmissionAttributes, mutating: boolean): Webhook[] {
    if (isExemptAdmissionConfiguration({ group: a.type.group, version: a.version.name, kind: a.type.kind })) return [];
    return configuredWebhooks(this.api, mutating);
  }

  /** Mutating admission; returns the (possibly changed) storage-version object. */
  async mutate(a: AdmissionAttributes): Promise<KObject | undefined> {
    const hooks = this.hooksFor(a, true);
    if (hooks.length === 0) return a.object;
    let object = a.object;
    const previouslyInvoked = new Set<string>();
    const reinvoke = new Set<string>();
    let shouldReinvoke = false;
    const requireReinvoking = () => {
      for (const uid of previouslyInvoked) reinvoke.add(uid);
      previouslyInvoked.clear();
    };
    for (let round = 0; round < 2; round++) {
      if (round === 1 && !shouldReinvoke) break;
      for (const hook of hooks) {
        const inv = this.invocation(hook, a, object);
        if (!inv) continue;
        // A webhook is never called for the first time in the second round.
        if (round === 1 && !reinvoke.has(hook.uid)) continue;
        let changed = false;
        let err: unknown;
        try {
          const answer = await this.call(inv, a, object, true);
          a.warnings.push(...answer.warnings);
          if (!answer.allowed) throw denial(hook, answer.result);
          const r = this.applyPatch(inv, a, object, answer);
          object = r.object;
          changed = r.changed;
        } catch (e) {
          err = e;
        }
        if (changed) {
          requireReinvoking();
          shouldReinvoke = true;
        }
        if (hook.reinvocationPolicy === 'IfNeeded') previouslyInvoked.add(hook.uid);
        if (err === undefined) continue;
        if (err instanceof CallError) {
          if (hook.failurePolicy === 'Ignore') continue;
          throw internalError(err.message);
        }
        throw err;
      }
    }
    return object;
  }

  /** Validating admission: every matching webhook, in parallel; throws the first refusal. */
  async validate(a: AdmissionAttributes): Promise<void> {
    const hooks = this.hooksFor(a, false);
    if (hooks.length === 0) return;
    const invocations: Invocation[] = [];
    for (const hook of hooks) {
      const inv = this.invocation(hook, a, a.object);
      if (inv) invocations.push(inv);
    }
    const results = await Promise.all(
      invocations.map(async (inv): Promise<unknown> => {
        try {
          const answer = await this.call(inv, a, a.object, false);
          a.warnings.push(...answer.warnings);
          if (!answer.allowed) return denial(inv.hook, answer.result);
          return undefined;
        } catch (e) {
          if (e instanceof CallError) return inv.hook.failurePolicy === 'Ignore' ? undefined : internalError(e.message);
          return e;
        }
      }),
    );
    const first = results.find((r) => r !== undefined);
    if (first !== undefined) throw first;
  }
}

const dispatchers = new WeakMap<Api, WebhookDispatcher>();

/** The dispatcher of a server's Api (created on first use). */
export function webhookDispatcher(api: Api): WebhookDispatcher {
  let d = dispatchers.get(api);
  if (!d) dispatchers.set(api, (d = new WebhookDispatcher(api)));
  return d;
}
