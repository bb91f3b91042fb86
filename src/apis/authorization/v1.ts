/**
 * Schemas of authorization.k8s.io/v1 (io.k8s.api.authorization.v1): the access review kinds
 * SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview and
 * SelfSubjectRulesReview. Also defines meta/v1 FieldSelectorRequirement, which
 * FieldSelectorAttributes uses. Kubernetes 1.33 list semantics and required fields; no defaults.
 */
import { arr, atomicList, bool, def, kindObj, mapOf, obj, ref, str } from '../schema/builders.js';

const Z = 'io.k8s.api.authorization.v1';
const M = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const gvk = (kind: string) => ({ group: 'authorization.k8s.io', version: 'v1', kind });

def(
  `${M}.FieldSelectorRequirement`,
  obj(
    {
      key: str('The field path the requirement applies to.'),
      operator: str("How the field relates to the values: In, NotIn, Exists or DoesNotExist. The set may grow."),
      values: atomicList(str(), 'Values to compare with; non-empty for In and NotIn, empty for Exists and DoesNotExist.'),
    },
    { description: 'FieldSelectorRequirement is a field selector condition made of a key, an operator and values.', required: ['key', 'operator'] },
  ),
);

def(
  `${Z}.FieldSelectorAttributes`,
  obj(
    {
      rawSelector: str(
        'The field selector exactly as given in the fieldSelector query parameter. Authorizers should parse it themselves; set this or requirements, not both.',
      ),
      requirements: atomicList(ref(`${M}.FieldSelectorRequirement`), 'The parsed field selector requirements; set this or rawSelector, not both.'),
    },
    'FieldSelectorAttributes carries the field selector of a list, watch or deletecollection request for authorization. Empty means no restriction.',
  ),
);

def(
  `${Z}.LabelSelectorAttributes`,
  obj(
    {
      rawSelector: str(
        'The label selector exactly as given in the labelSelector query parameter. Authorizers should parse it themselves; set this or requirements, not both.',
      ),
      requirements: atomicList(ref(`${M}.LabelSelectorRequirement`), 'The parsed label selector requirements; set this or rawSelector, not both.'),
    },
    'LabelSelectorAttributes carries the label selector of a list, watch or deletecollection request for authorization. Empty means no restriction.',
  ),
);

def(
  `${Z}.ResourceAttributes`,
  obj(
    {
      fieldSelector: ref(`${Z}.FieldSelectorAttributes`, 'Field selector of the request, if any. Beta: requires the AuthorizeWithSelectors feature.'),
      group: str('API group of the resource; "*" means all groups.'),
      labelSelector: ref(`${Z}.LabelSelectorAttributes`, 'Label selector of the request, if any. Beta: requires the AuthorizeWithSelectors feature.'),
      name: str('Name of the object acted on; empty for create and for requests over all objects.'),
      namespace: str(
        'Namespace of the request; empty means all namespaces for namespaced resources and is the only value for cluster-scoped ones.',
      ),
      resource: str('Resource type, such as "pods"; "*" means all resources.'),
      subresource: str('Subresource, such as "log"; empty for the resource itself.'),
      verb: str('API verb, such as get, list, watch, create, update, patch, delete; "*" means all verbs.'),
      version: str('API version of the resource; "*" means all versions.'),
    },
    'ResourceAttributes describes a request on an API resource, as seen by the authorizer.',
  ),
);

def(
  `${Z}.NonResourceAttributes`,
  obj(
    {
      path: str('URL path of the request, such as "/healthz".'),
      verb: str('HTTP verb of the request, in lower case, such as get.'),
    },
    'NonResourceAttributes describes a request to a non-resource URL, as seen by the authorizer.',
  ),
);

def(
  `${Z}.SubjectAccessReviewSpec`,
  obj(
    {
      extra: mapOf(arr(str()), 'Extra attributes of the user, as provided by the authenticator.'),
      groups: atomicList(str(), 'Groups the user belongs to.'),
      nonResourceAttributes: ref(`${Z}.NonResourceAttributes`, 'The non-resource request to check; set this or resourceAttributes.'),
      resourceAttributes: ref(`${Z}.ResourceAttributes`, 'The resource request to check; set this or nonResourceAttributes.'),
      uid: str('UID of the user.'),
      user: str('Name of the user to check. Set user, groups or both.'),
    },
    'SubjectAccessReviewSpec names a request and a user; exactly one of resourceAttributes and nonResourceAttributes must be set.',
  ),
);

def(
  `${Z}.SelfSubjectAccessReviewSpec`,
  obj(
    {
      nonResourceAttributes: ref(`${Z}.NonResourceAttributes`, 'The non-resource request to check; set this or resourceAttributes.'),
      resourceAttributes: ref(`${Z}.ResourceAttributes`, 'The resource request to check; set this or nonResourceAttributes.'),
    },
    'SelfSubjectAccessReviewSpec names a request to check for the calling user; exactly one of its fields must be set.',
  ),
);

def(
  `${Z}.SubjectAccessReviewStatus`,
  obj(
    {
      allowed: bool('Whether the request is allowed.'),
      denied: bool(
        'Whether the request is explicitly denied, so no other authorizer could allow it. Both allowed and denied false means no opinion; they are never both true.',
      ),
      evaluationError: str(
        'Problems met while checking authorization; the result may still be meaningful, for example allowed despite an unreadable role.',
      ),
      reason: str('Why the request was allowed or denied, if the authorizer says.'),
    },
    { description: 'SubjectAccessReviewStatus is the outcome of an access check.', required: ['allowed'] },
  ),
);

def(
  `${Z}.SubjectAccessReview`,
  kindObj(gvk('SubjectAccessReview'), 'SubjectAccessReview checks whether a given user or group may perform an action.', {
    spec: ref(`${Z}.SubjectAccessReviewSpec`, 'The request and user to check.'),
    status: ref(`${Z}.SubjectAccessReviewStatus`, 'Filled in by the server: whether the request is allowed.'),
  }, { required: ['spec'] }),
);

def(
  `${Z}.LocalSubjectAccessReview`,
  kindObj(
    gvk('LocalSubjectAccessReview'),
    'LocalSubjectAccessReview checks whether a given user or group may perform an action in one namespace; it allows namespace administrators to check access within their namespace.',
    {
      spec: ref(`${Z}.SubjectAccessReviewSpec`, 'The request and user to check; resourceAttributes.namespace must be empty or equal to the namespace of the review.'),
      status: ref(`${Z}.SubjectAccessReviewStatus`, 'Filled in by the server: whether the request is allowed.'),
    },
    { required: ['spec'] },
  ),
);

def(
  `${Z}.SelfSubjectAccessReview`,
  kindObj(
    gvk('SelfSubjectAccessReview'),
    'SelfSubjectAccessReview checks whether the calling user may perform an action; every user can create one to learn what they may do.',
    {
      spec: ref(`${Z}.SelfSubjectAccessReviewSpec`, 'The request to check.'),
      status: ref(`${Z}.SubjectAccessReviewStatus`, 'Filled in by the server: whether the request is allowed.'),
    },
    { required: ['spec'] },
  ),
);

def(
  `${Z}.SelfSubjectRulesReviewSpec`,
  obj(
    {
      namespace: str('Namespace whose rules are evaluated.'),
    },
    'SelfSubjectRulesReviewSpec names the namespace to list the rules of.',
  ),
);

def(
  `${Z}.ResourceRule`,
  obj(
    {
      apiGroups: atomicList(str(), 'API groups of the resources; "*" means all groups.'),
      resourceNames: atomicList(str(), 'Names of the objects the rule is limited to; empty means all, "*" means all.'),
      resources: atomicList(str(), 'Resources the rule applies to, such as "pods"; "*" means all, "*/foo" the foo subresource of all.'),
      verbs: atomicList(str(), 'Verbs allowed on the resources, such as get, list or watch; "*" means all.'),
    },
    { description: 'ResourceRule lists verbs allowed on some resources. Its fields are combined as a cross product.', required: ['verbs'] },
  ),
);

def(
  `${Z}.NonResourceRule`,
  obj(
    {
      nonResourceURLs: atomicList(str(), 'Non-resource URL paths; a trailing "*" matches any suffix, and "*" alone matches all.'),
      verbs: atomicList(str(), 'Lower-case HTTP verbs allowed on the URLs, such as get; "*" means all.'),
    },
    { description: 'NonResourceRule lists HTTP verbs allowed on some non-resource URLs.', required: ['verbs'] },
  ),
);

def(
  `${Z}.SubjectRulesReviewStatus`,
  obj(
    {
      evaluationError: str('Problems met while listing the rules, for example an authorizer that cannot list rules.'),
      incomplete: bool('True when the list may be missing rules, for example because an authorizer cannot enumerate them.'),
      nonResourceRules: atomicList(ref(`${Z}.NonResourceRule`), 'What the subject may do on non-resource URLs; order is not significant.'),
      resourceRules: atomicList(ref(`${Z}.ResourceRule`), 'What the subject may do on resources; order is not significant.'),
    },
    {
      description:
        'SubjectRulesReviewStatus lists what a subject may do in a namespace. It is informational and may be incomplete; use access reviews for authorization decisions.',
      required: ['resourceRules', 'nonResourceRules', 'incomplete'],
    },
  ),
);

def(
  `${Z}.SelfSubjectRulesReview`,
  kindObj(
    gvk('SelfSubjectRulesReview'),
    'SelfSubjectRulesReview lists what the calling user may do in a namespace. The answer depends on the authorizers and may be incomplete; it is meant for UIs, not for authorization decisions.',
    {
      spec: ref(`${Z}.SelfSubjectRulesReviewSpec`, 'The namespace to evaluate.'),
      status: ref(`${Z}.SubjectRulesReviewStatus`, 'Filled in by the server: the rules that apply.'),
    },
    { required: ['spec'] },
  ),
);

/*
 * Conditional defaults: none (authorization/v1 has no SetDefaults_* functions). The review kinds
 * are create-only and not stored: the server fills status and returns the object.
 */
