/**
 * Review kinds that are answered rather than stored: access reviews (kubectl auth can-i),
 * rules reviews (kubectl auth can-i --list), token reviews and self-subject reviews
 * (kubectl auth whoami).
 */
import { isPlainObject, type KObject } from '../../apis/object.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { AuthorizationAttributes, RbacAuthorizer } from '../auth/rbac.js';
import type { UserInfo } from '../auth/types.js';
import { badRequest } from '../errors.js';
import type { ResourceType } from '../registry/types.js';

export interface ReviewDeps {
  authorizer: RbacAuthorizer;
  authenticator: Authenticator;
}

function attributes(user: UserInfo, spec: KObject, namespaceOverride?: string): AuthorizationAttributes {
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  if (ra) {
    return {
      user,
      verb: ra.verb ?? '',
      isResourceRequest: true,
      apiGroup: ra.group ?? '',
      resource: ra.resource ?? '',
      subresource: ra.subresource ?? '',
      namespace: namespaceOverride ?? ra.namespace ?? '',
      name: ra.name ?? '',
      path: '',
    };
  }
  if (nra) return { user, verb: nra.verb ?? '', isResourceRequest: false, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', path: nra.path ?? '' };
  throw badRequest('exactly one of nonResourceAttributes or resourceAttributes must be specified');
}

/** Computes the response for a review kind, or undefined if `type` is not one. */
export async function answerReview(deps: ReviewDeps, type: ResourceType, requester: UserInfo, body: KObject, namespace: string): Promise<KObject | undefined> {
  const spec: KObject = isPlainObject(body.spec) ? body.spec : {};
  const echo = (status: KObject): KObject => ({
    kind: type.kind,
    apiVersion: body.apiVersion,
    metadata: { ...(body.metadata ?? {}), creationTimestamp: null } as unknown as KObject['metadata'],
    spec,
    status,
  });
  switch (type.resource) {
    case 'selfsubjectaccessreviews': {
      const d = deps.authorizer.authorize(attributes(requester, spec));
      return echo({ allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) });
    }
    case 'subjectaccessreviews':
    case 'localsubjectaccessreviews': {
      if (!spec.user && !(spec.groups?.length)) throw badRequest('at least one of user or group must be specified');
      const subject: UserInfo = { username: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
      const d = deps.authorizer.authorize(attributes(subject, spec, type.resource === 'localsubjectaccessreviews' ? namespace : undefined));
      return echo({ allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) });
    }
    case 'selfsubjectrulesreviews': {
      const rules = deps.authorizer.rulesFor(requester, spec.namespace ?? '');
      return echo({
        resourceRules: rules.resourceRules,
        nonResourceRules: rules.nonResourceRules,
        incomplete: rules.incomplete,
        ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}),
      });
    }
    case 'tokenreviews': {
      if (!spec.token) throw badRequest('token must be specified');
      const u = await deps.authenticator.authenticateToken(spec.token, spec.audiences);
      if (!u) return echo({ authenticated: false, user: {}, error: 'invalid bearer token' });
      return echo({ authenticated: true, user: { username: u.username, uid: u.uid, groups: u.groups, extra: u.extra }, audiences: spec.audiences ?? [] });
    }
    case 'selfsubjectreviews':
      return echo({ userInfo: { username: requester.username, ...(requester.uid ? { uid: requester.uid } : {}), groups: requester.groups, ...(requester.extra ? { extra: requester.extra } : {}) } });
    default:
      return undefined;
  }
}
