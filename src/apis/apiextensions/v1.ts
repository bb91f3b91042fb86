/** Schemas of apiextensions.k8s.io/v1: CustomResourceDefinition and the JSON Schema dialect it embeds. */
import {
  atomicList,
  bool,
  bytes,
  def,
  int32,
  int64,
  kindObj,
  listObj,
  mapList,
  mapOf,
  num,
  obj,
  ref,
  str,
  time,
} from '../schema/builders.js';

const X = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
const JSON_ANY = `${X}.JSON`;
const PROPS = `${X}.JSONSchemaProps`;
const GVK = { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition' };

def(
  `${X}.ExternalDocumentation`,
  obj(
    {
      description: str('A short description of the external documentation.'),
      url: str('The URL of the external documentation.'),
    },
    'ExternalDocumentation points to further documentation for a schema.',
  ),
);

def(
  `${X}.ValidationRule`,
  obj(
    {
      fieldPath: str(
        'A JSONPath-like path, relative to the schema node carrying the rule, to the field reported when the rule fails (for example ".spec.replicas" or ".items[\'key\']"). Defaults to the node itself.',
      ),
      message: str('A fixed message returned when the rule evaluates to false. Must not contain line breaks.'),
      messageExpression: str(
        'A CEL expression evaluating to the message returned when the rule fails; takes precedence over message. It sees the same variables as rule.',
      ),
      optionalOldSelf: bool(
        'Makes the rule a transition rule that is also evaluated when there is no old value: oldSelf is then an optional that is absent on create.',
      ),
      reason: str('A machine-readable reason reported with a failing rule; defaults to FieldValueInvalid.', {
        enum: ['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'],
      }),
      rule: str(
        'A CEL expression that must evaluate to true. `self` is the value at this schema node; `oldSelf`, when referenced, is its previous value and makes the rule a transition rule that runs only on updates.',
      ),
    },
    { description: 'ValidationRule is a CEL validation rule attached to a schema node.', required: ['rule'] },
  ),
);

const props = (description: string) => ref(PROPS, description);
const propsMap = (description: string) => mapOf(ref(PROPS), description);
const propsList = (description: string) => atomicList(ref(PROPS), description);

def(
  PROPS,
  obj(
    {
      $ref: str('A reference to another schema. Not allowed in CustomResourceDefinition schemas.'),
      $schema: str('The JSON Schema dialect URI. Not allowed in CustomResourceDefinition schemas.'),
      additionalItems: ref(JSON_ANY, 'A schema, or a boolean, for array items beyond those described by items. Not allowed in structural schemas.'),
      additionalProperties: ref(
        JSON_ANY,
        'A schema (or true/false) for object properties not listed in properties: map values all follow this schema. Cannot be combined with properties.',
      ),
      allOf: propsList('The value must be valid against every one of these schemas.'),
      anyOf: propsList('The value must be valid against at least one of these schemas.'),
      default: ref(
        JSON_ANY,
        'The value filled in when the field is absent. Defaults must be pruned-clean and valid against the schema; they are applied when reading from storage and on requests.',
      ),
      definitions: propsMap('Named schemas. Not allowed in CustomResourceDefinition schemas.'),
      dependencies: mapOf(ref(JSON_ANY), 'Per-property dependencies: a schema or a list of property names required when the key is present.'),
      description: str('Human-readable documentation of the value, shown by kubectl explain.'),
      enum: atomicList(ref(JSON_ANY), 'The value must equal one of these.'),
      example: ref(JSON_ANY, 'An example value, for documentation.'),
      exclusiveMaximum: bool('When true, the value must be strictly less than maximum.'),
      exclusiveMinimum: bool('When true, the value must be strictly greater than minimum.'),
      externalDocs: ref(`${X}.ExternalDocumentation`, 'A link to further documentation.'),
      format: str(
        'A refinement of type, such as int32, int64, float, double, byte, date, date-time, password, uuid, email, hostname, ipv4, ipv6, cidr, uri, duration, quantity or int-or-string. Unknown formats are ignored.',
      ),
      id: str('A schema identifier. Not used by Kubernetes.'),
      items: props('The schema of every element of an array. A single schema is required for structural schemas.'),
      maxItems: int64('The maximum number of elements in an array.'),
      maxLength: int64('The maximum length of a string, in Unicode code points.'),
      maxProperties: int64('The maximum number of properties in an object.'),
      maximum: num('The largest allowed number.'),
      minItems: int64('The minimum number of elements in an array.'),
      minLength: int64('The minimum length of a string, in Unicode code points.'),
      minProperties: int64('The minimum number of properties in an object.'),
      minimum: num('The smallest allowed number.'),
      multipleOf: num('The number must be an integer multiple of this value.'),
      not: props('The value must not be valid against this schema.'),
      nullable: bool('When true, null is accepted (and kept) in addition to the declared type; otherwise a null field is dropped.'),
      oneOf: propsList('The value must be valid against exactly one of these schemas.'),
      pattern: str('An ECMA-262 regular expression a string must match.'),
      patternProperties: propsMap('Schemas for object properties whose names match the given regular expressions. Not allowed in structural schemas.'),
      properties: propsMap('The schemas of the named properties of an object.'),
      required: atomicList(str(), 'Names of properties that must be present.'),
      title: str('A short title for the value.'),
      type: str('The JSON type: object, array, string, integer, number or boolean.'),
      uniqueItems: bool('When true, array elements must be distinct. Not allowed in structural schemas (use x-kubernetes-list-type set).'),
      'x-kubernetes-embedded-resource': bool(
        'Marks an object holding an embedded Kubernetes object: apiVersion, kind and metadata are validated and kept even if not listed. Requires type object.',
      ),
      'x-kubernetes-int-or-string': bool(
        'Accepts either an integer or a string. Must be used without type, optionally with an anyOf of integer and string.',
      ),
      'x-kubernetes-list-map-keys': atomicList(
        str(),
        'For x-kubernetes-list-type map: the item fields that together identify an element. They must be scalar, and required or defaulted.',
      ),
      'x-kubernetes-list-type': str(
        'How an array is merged by server-side apply: atomic (replaced as a whole, the default), set (unique scalar elements) or map (elements identified by x-kubernetes-list-map-keys).',
      ),
      'x-kubernetes-map-type': str(
        'How an object is merged by server-side apply: granular (each key owned separately, the default) or atomic (replaced as a whole).',
      ),
      'x-kubernetes-preserve-unknown-fields': bool(
        'Stops pruning of fields not described by the schema at this node (and below, until a nested schema turns it off).',
      ),
      'x-kubernetes-validations': mapList(
        ref(`${X}.ValidationRule`),
        'rule',
        'CEL rules the value must satisfy, identified by their rule text.',
      ),
    },
    'JSONSchemaProps is an OpenAPI v3 (JSON Schema) node, the subset that CustomResourceDefinitions accept, plus the Kubernetes x-kubernetes-* extensions.',
  ),
);

def(
  `${X}.CustomResourceValidation`,
  obj(
    { openAPIV3Schema: props('The OpenAPI v3 schema custom resources of this version are validated, pruned and defaulted with.') },
    'CustomResourceValidation holds the validation schema of a custom resource version.',
  ),
);

def(`${X}.CustomResourceSubresourceStatus`, {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  description:
    'CustomResourceSubresourceStatus enables the /status subresource. It has no fields: when present, the main resource ignores changes to .status and /status ignores everything else.',
});

def(
  `${X}.CustomResourceSubresourceScale`,
  obj(
    {
      labelSelectorPath: str(
        'JSON path (like .status.selector) to the serialized label selector, a string, reported as status.selector in the Scale object. Must be under .status or .spec.',
      ),
      specReplicasPath: str('JSON path (like .spec.replicas) to the desired replica count, an integer. Must be under .spec.'),
      statusReplicasPath: str('JSON path (like .status.replicas) to the observed replica count, an integer. Must be under .status.'),
    },
    {
      description: 'CustomResourceSubresourceScale enables the /scale subresource and maps its fields into the custom resource.',
      required: ['specReplicasPath', 'statusReplicasPath'],
    },
  ),
);

def(
  `${X}.CustomResourceSubresources`,
  obj(
    {
      scale: ref(`${X}.CustomResourceSubresourceScale`, 'Enables the /scale subresource.'),
      status: ref(`${X}.CustomResourceSubresourceStatus`, 'Enables the /status subresource.'),
    },
    'CustomResourceSubresources selects the subresources served for a custom resource version.',
  ),
);

def(
  `${X}.CustomResourceColumnDefinition`,
  obj(
    {
      description: str('A human-readable description of the column.'),
      format: str('An OpenAPI format refining type, used for display (for example date-time or int32).'),
      jsonPath: str('A simple JSONPath, evaluated against each object, that produces the cell value.'),
      name: str('The column header.'),
      priority: int32('Importance of the column: 0 is shown in the standard view, higher numbers only in wide output (-o wide).'),
      type: str('The OpenAPI type of the column: integer, number, string, boolean or date.'),
    },
    {
      description: 'CustomResourceColumnDefinition describes an extra column printed by kubectl get for a custom resource.',
      required: ['name', 'type', 'jsonPath'],
    },
  ),
);

def(
  `${X}.SelectableField`,
  obj(
    {
      jsonPath: str(
        'A simple JSONPath (without array wildcards) to a string, integer or boolean field usable in field selectors. Must begin with a dot.',
      ),
    },
    { description: 'SelectableField names a field that list and watch requests may filter on with fieldSelector.', required: ['jsonPath'] },
  ),
);

def(
  `${X}.CustomResourceDefinitionVersion`,
  obj(
    {
      additionalPrinterColumns: atomicList(
        ref(`${X}.CustomResourceColumnDefinition`),
        'Extra columns for table output. When empty, a single Age column is shown.',
      ),
      deprecated: bool('Marks this version deprecated: requests to it get a warning header.'),
      deprecationWarning: str('Replaces the default warning returned for a deprecated version. Only allowed when deprecated is true.'),
      name: str('The version name, used in the URL path /apis/<group>/<version>. Must be a DNS label like v1 or v2beta1.'),
      schema: ref(`${X}.CustomResourceValidation`, 'The schema objects of this version are validated, pruned and defaulted with.'),
      selectableFields: atomicList(
        ref(`${X}.SelectableField`),
        'Fields, beyond metadata.name and metadata.namespace, that field selectors may use. At most 8.',
      ),
      served: bool('Whether this version is served by the REST API.'),
      storage: bool('Whether objects are persisted in this version. Exactly one version must be the storage version.'),
      subresources: ref(`${X}.CustomResourceSubresources`, 'The subresources served for this version.'),
    },
    {
      description: 'CustomResourceDefinitionVersion describes one version of a custom resource.',
      required: ['name', 'served', 'storage'],
    },
  ),
);

def(
  `${X}.CustomResourceDefinitionNames`,
  obj(
    {
      categories: atomicList(str(), 'Groups the resource belongs to, so that for example "kubectl get all" includes it. Lowercase.'),
      kind: str('The CamelCase kind of the objects, used in their kind field.'),
      listKind: str('The kind of lists of objects. Defaults to "<kind>List".'),
      plural: str('The lowercase plural name, used in the URL path /apis/<group>/<version>/.../<plural>.'),
      shortNames: atomicList(str(), 'Short lowercase aliases accepted by kubectl, such as "crd".'),
      singular: str('The lowercase singular name. Defaults to the lowercase kind.'),
    },
    { description: 'CustomResourceDefinitionNames are the names a custom resource is served under.', required: ['plural', 'kind'] },
  ),
);

def(
  `${X}.ServiceReference`,
  obj(
    {
      name: str('The name of the service.'),
      namespace: str('The namespace of the service.'),
      path: str('An optional URL path requests are sent to.'),
      port: int32('The service port requests are sent to. Must be between 1 and 65535.', { default: 443 }),
    },
    { description: 'ServiceReference identifies an in-cluster service a webhook is reached through.', required: ['namespace', 'name'] },
  ),
);

def(
  `${X}.WebhookClientConfig`,
  obj(
    {
      caBundle: bytes('PEM-encoded CA certificates used to verify the webhook server certificate. When empty, the system trust roots are used.'),
      service: ref(`${X}.ServiceReference`, 'The in-cluster service serving the webhook. Exactly one of url and service must be set.'),
      url: str(
        'The location of the webhook as an https URL (scheme://host[:port]/path) without user info, query or fragment. Exactly one of url and service must be set.',
      ),
    },
    'WebhookClientConfig tells the API server how to connect to a webhook over TLS.',
  ),
);

def(
  `${X}.WebhookConversion`,
  obj(
    {
      clientConfig: ref(`${X}.WebhookClientConfig`, 'How to reach the conversion webhook.'),
      conversionReviewVersions: atomicList(
        str(),
        'ConversionReview versions the webhook understands, in order of preference; the API server uses the first it supports.',
      ),
    },
    { description: 'WebhookConversion configures a conversion webhook.', required: ['conversionReviewVersions'] },
  ),
);

def(
  `${X}.CustomResourceConversion`,
  obj(
    {
      strategy: str(
        'How objects are converted between versions: None changes only apiVersion; Webhook calls the configured conversion webhook.',
        { enum: ['None', 'Webhook'], default: 'None' },
      ),
      webhook: ref(`${X}.WebhookConversion`, 'The webhook configuration. Required when strategy is Webhook, forbidden otherwise.'),
    },
    { description: 'CustomResourceConversion selects how custom resources are converted between versions.', required: ['strategy'] },
  ),
);

def(
  `${X}.CustomResourceDefinitionSpec`,
  obj(
    {
      conversion: ref(`${X}.CustomResourceConversion`, 'How objects are converted between the versions of the resource.'),
      group: str('The API group of the resource, used in /apis/<group>/... . Must match the group part of the definition name (<plural>.<group>).'),
      names: ref(`${X}.CustomResourceDefinitionNames`, 'The names the resource is served under.'),
      preserveUnknownFields: bool(
        'Deprecated: when true, fields not in the schema are kept in storage. Only allowed for definitions upgraded from v1beta1; use x-kubernetes-preserve-unknown-fields in the schema instead.',
      ),
      scope: str('Whether objects are Cluster-scoped or Namespaced.', { enum: ['Cluster', 'Namespaced'] }),
      versions: atomicList(
        ref(`${X}.CustomResourceDefinitionVersion`),
        'The served versions of the resource, with their schemas. Exactly one must be the storage version. They are ordered by Kubernetes version priority in discovery.',
      ),
    },
    {
      description: 'CustomResourceDefinitionSpec describes how a custom resource is served.',
      required: ['group', 'names', 'scope', 'versions'],
    },
  ),
);

def(
  `${X}.CustomResourceDefinitionCondition`,
  obj(
    {
      lastTransitionTime: time('When the condition last changed status.'),
      message: str('A human-readable explanation of the condition.'),
      reason: str('A CamelCase reason for the last status change.'),
      status: str('True, False or Unknown.'),
      type: str('The condition type, such as Established, NamesAccepted, NonStructuralSchema or Terminating.'),
    },
    { description: 'CustomResourceDefinitionCondition reports one aspect of the state of a CustomResourceDefinition.', required: ['type', 'status'] },
  ),
);

def(
  `${X}.CustomResourceDefinitionStatus`,
  obj(
    {
      acceptedNames: ref(`${X}.CustomResourceDefinitionNames`, 'The names actually being served; they can differ from spec.names when those conflict.'),
      conditions: mapList(ref(`${X}.CustomResourceDefinitionCondition`), 'type', 'The observed conditions of the definition.'),
      storedVersions: atomicList(
        str(),
        'Every version objects have ever been persisted in. A version can be removed from spec.versions only after it is removed here, once no stored object uses it.',
      ),
    },
    'CustomResourceDefinitionStatus is the observed state of a CustomResourceDefinition.',
  ),
);

def(
  `${X}.CustomResourceDefinition`,
  kindObj(
    GVK,
    'CustomResourceDefinition adds a resource to the API. Its name must be <spec.names.plural>.<spec.group>.',
    {
      spec: ref(`${X}.CustomResourceDefinitionSpec`, 'The resource to serve.'),
      status: ref(`${X}.CustomResourceDefinitionStatus`, 'The observed state of the definition.'),
    },
    { required: ['spec'] },
  ),
);

def(
  `${X}.CustomResourceDefinitionList`,
  listObj({ ...GVK, kind: 'CustomResourceDefinitionList' }, `${X}.CustomResourceDefinition`),
);
