/**
 * Schemas of admissionregistration.k8s.io/v1 (io.k8s.api.admissionregistration.v1):
 * ValidatingWebhookConfiguration and MutatingWebhookConfiguration, as in Kubernetes 1.33.
 *
 * Defaults are upstream's SetDefaults_* functions: failurePolicy Fail, matchPolicy Equivalent,
 * namespaceSelector and objectSelector {}, timeoutSeconds 10, reinvocationPolicy Never (mutating
 * only), a rule's scope "*", a service reference's port 443. Required fields (sideEffects,
 * admissionReviewVersions, clientConfig) are checked by validation.ts with upstream's messages,
 * not by the schema, so the schema carries no `required` beyond what upstream's messages match.
 */
import { atomicList, bytes, def, int32, kindObj, listObj, mapList, obj, ref, str } from '../schema/builders.js';

const A = 'io.k8s.api.admissionregistration.v1';
const gvk = (kind: string) => ({ group: 'admissionregistration.k8s.io', version: 'v1', kind });

def(
  `${A}.ServiceReference`,
  obj(
    {
      name: str('The name of the service. Required.'),
      namespace: str('The namespace of the service. Required.'),
      path: str('An optional URL path which will be sent in any request to this service.'),
      port: int32('The port on the service that is hosting the webhook. Defaults to 443. Must be a valid port number (1-65535).', { default: 443 }),
    },
    'ServiceReference holds a reference to a Service (and, in this server, to its Endpoints: services have no data plane here).',
  ),
);

def(
  `${A}.WebhookClientConfig`,
  obj(
    {
      caBundle: bytes('A PEM encoded CA bundle which will be used to validate the webhook\'s server certificate. If unspecified, system trust roots are used.'),
      service: ref(`${A}.ServiceReference`, 'A reference to the service for this webhook. Either service or url must be specified.'),
      url: str(
        'The location of the webhook, in standard URL form (scheme://host:port/path). Exactly one of url or service must be specified. The scheme must be "https"; user info, query parameters and fragments are not allowed.',
      ),
    },
    'WebhookClientConfig contains the information to make a TLS connection with the webhook.',
  ),
);

def(
  `${A}.RuleWithOperations`,
  obj(
    {
      apiGroups: atomicList(str(), 'The API groups the resources belong to. \'*\' is all groups. If \'*\' is present, the length of the slice must be one. Required.'),
      apiVersions: atomicList(str(), 'The API versions the resources belong to. \'*\' is all versions. If \'*\' is present, the length of the slice must be one. Required.'),
      operations: atomicList(
        str(),
        'The operations the admission hook cares about - CREATE, UPDATE, DELETE, CONNECT or * for all of those operations and any future admission operations that are added. If \'*\' is present, the length of the slice must be one. Required.',
      ),
      resources: atomicList(
        str(),
        'A list of resources this rule applies to. \'pods\' means pods, \'pods/log\' means the log subresource of pods, \'*\' means all resources but not subresources, \'pods/*\' all subresources of pods, \'*/scale\' all scale subresources, \'*/*\' all resources and their subresources.',
      ),
      scope: str('Cluster, Namespaced or "*" (the default): which resources this rule applies to by scope.', { default: '*' }),
    },
    { description: 'RuleWithOperations is a tuple of Operations and Resources.', extra: { 'x-kubernetes-map-type': 'atomic' } },
  ),
);

def(
  `${A}.MatchCondition`,
  obj(
    {
      expression: str(
        'A CEL expression that must evaluate to bool, with the variables object, oldObject, request and authorizer. Required.',
      ),
      name: str('An identifier for this match condition, used for strategic merging and logging. Required.'),
    },
    { description: 'MatchCondition represents a condition which must be fulfilled for a request to be sent to a webhook.' },
  ),
);

/** A label selector defaulting to {} (which selects everything). */
const selector = (description: string) => ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', description, { default: {} });

const webhookFields = {
  admissionReviewVersions: atomicList(
    str(),
    'An ordered list of preferred AdmissionReview versions the webhook expects. The API server uses the first version in the list which it supports (v1, v1beta1). Required.',
  ),
  clientConfig: ref(`${A}.WebhookClientConfig`, 'Defines how to communicate with the hook. Required.'),
  failurePolicy: str('How unrecognized errors from the admission endpoint are handled: Ignore or Fail. Defaults to Fail.', { default: 'Fail' }),
  matchConditions: mapList(
    ref(`${A}.MatchCondition`),
    'name',
    'A list of conditions that must be met for a request to be sent to this webhook (CEL expressions; all must be true). At most 64.',
  ),
  matchPolicy: str(
    'How the rules are used to match incoming requests: Exact, or Equivalent (the default: a request to another version or group of the same resource is converted and sent).',
    { default: 'Equivalent' },
  ),
  name: str('The name of the admission webhook, fully qualified (e.g. imagepolicy.kubernetes.io). Required.'),
  namespaceSelector: selector('Decides whether to run the webhook on an object based on whether the namespace for that object matches the selector. Defaults to the empty selector, which matches everything.'),
  objectSelector: selector('Decides whether to run the webhook based on whether the object (or, for updates and deletes, the old object) has matching labels. Defaults to the empty selector, which matches everything.'),
  rules: atomicList(ref(`${A}.RuleWithOperations`), 'The operations and resources the webhook cares about.'),
  sideEffects: str(
    'Whether this webhook has side effects: None or NoneOnDryRun. Requests with the dryRun attribute are rejected by a webhook with other side effects. Required.',
  ),
  timeoutSeconds: int32('The timeout for this webhook, between 1 and 30 seconds. Defaults to 10 seconds.', { default: 10 }),
};

def(`${A}.ValidatingWebhook`, obj(webhookFields, 'ValidatingWebhook describes an admission webhook and the resources and operations it applies to.'));

def(
  `${A}.MutatingWebhook`,
  obj(
    {
      ...webhookFields,
      reinvocationPolicy: str(
        'Whether this webhook is called again (IfNeeded) when a later admission plugin changed the object in the same request, or not (Never, the default).',
        { default: 'Never' },
      ),
    },
    'MutatingWebhook describes an admission webhook and the resources and operations it applies to.',
  ),
);

def(
  `${A}.ValidatingWebhookConfiguration`,
  kindObj(gvk('ValidatingWebhookConfiguration'), 'ValidatingWebhookConfiguration describes the configuration of an admission webhook that accepts or rejects an object without changing it.', {
    webhooks: mapList(ref(`${A}.ValidatingWebhook`), 'name', 'Webhooks is a list of webhooks and the affected resources and operations.'),
  }),
);
def(
  `${A}.ValidatingWebhookConfigurationList`,
  listObj(gvk('ValidatingWebhookConfigurationList'), `${A}.ValidatingWebhookConfiguration`, 'ValidatingWebhookConfigurationList is a list of ValidatingWebhookConfiguration.'),
);

def(
  `${A}.MutatingWebhookConfiguration`,
  kindObj(gvk('MutatingWebhookConfiguration'), 'MutatingWebhookConfiguration describes the configuration of an admission webhook that accepts or rejects and may change the object.', {
    webhooks: mapList(ref(`${A}.MutatingWebhook`), 'name', 'Webhooks is a list of webhooks and the affected resources and operations.'),
  }),
);
def(
  `${A}.MutatingWebhookConfigurationList`,
  listObj(gvk('MutatingWebhookConfigurationList'), `${A}.MutatingWebhookConfiguration`, 'MutatingWebhookConfigurationList is a list of MutatingWebhookConfiguration.'),
);
