/** Schemas of k8s.io/apimachinery meta/v1 and the shared scalar types (Quantity, IntOrString, Time). */
import {
  arr,
  atomicList,
  bool,
  def,
  int32,
  int64,
  mapList,
  obj,
  ref,
  str,
  strMap,
  time,
} from '../schema/builders.js';

const M = 'io.k8s.apimachinery.pkg.apis.meta.v1';

def('io.k8s.apimachinery.pkg.api.resource.Quantity', {
  type: 'string',
  format: 'quantity',
  description:
    'A fixed-point representation of a number, written as a decimal or binary-SI quantity: "128974848", "129e6", "129M", "123Mi", "100m". Serialized as a string.',
});

def('io.k8s.apimachinery.pkg.util.intstr.IntOrString', {
  'x-kubernetes-int-or-string': true,
  description: 'A value that is either an integer or a string (for example a port number or a port name, or "25%").',
});

def(`${M}.Time`, {
  type: 'string',
  format: 'date-time',
  description: 'A timestamp in RFC 3339 form with second precision, always in UTC (for example 2024-01-02T15:04:05Z).',
});

def(`${M}.MicroTime`, {
  type: 'string',
  format: 'date-time',
  description: 'A timestamp in RFC 3339 form with microsecond precision.',
});

def('io.k8s.apimachinery.pkg.runtime.RawExtension', {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  description: 'An embedded object of any kind, stored as given.',
});

def('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON', {
  'x-kubernetes-preserve-unknown-fields': true,
  description: 'Any JSON value.',
});

def(
  `${M}.OwnerReference`,
  obj(
    {
      apiVersion: str('API version of the referent.'),
      blockOwnerDeletion: bool(
        'If true, and the owner has the "foregroundDeletion" finalizer, the owner cannot be removed from storage until this reference is removed.',
      ),
      controller: bool('If true, this reference points to the managing controller.'),
      kind: str('Kind of the referent.'),
      name: str('Name of the referent.'),
      uid: str('UID of the referent.'),
    },
    {
      description:
        'OwnerReference identifies an object that owns this one. The garbage collector deletes an object once all of its owners are gone.',
      required: ['apiVersion', 'kind', 'name', 'uid'],
      extra: { 'x-kubernetes-map-type': 'atomic' },
    },
  ),
);

def(
  `${M}.ManagedFieldsEntry`,
  obj(
    {
      apiVersion: str('The version of the resource the fieldset applies to.'),
      fieldsType: str('The format of the fields field; the only valid value is "FieldsV1".'),
      fieldsV1: ref(`${M}.FieldsV1`, 'The set of fields owned by this manager.'),
      manager: str('Identifier of the workflow managing these fields.'),
      operation: str('The type of operation which lead to this entry: Apply or Update.'),
      subresource: str('The subresource used to update the object, empty for the main resource.'),
      time: time('When this entry was last changed.'),
    },
    'ManagedFieldsEntry records which fields a manager owns, for server-side apply.',
  ),
);

def(`${M}.FieldsV1`, {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  description: 'A set of fields in the FieldsV1 trie encoding ("f:<name>", "k:<keys>", "v:<value>", "i:<index>").',
});

def(
  `${M}.ObjectMeta`,
  obj(
    {
      annotations: strMap(
        'Annotations is an unstructured key value map stored with a resource that tools may set to store and retrieve arbitrary metadata. They are not queryable. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations',
      ),
      creationTimestamp: time('When this object was created, set by the server. Read-only.'),
      deletionGracePeriodSeconds: int64('Seconds allowed for graceful termination before the object is removed. Read-only.'),
      deletionTimestamp: time(
        'When this object will be deleted, set by the server when a graceful deletion is requested. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
      ),
      finalizers: arr(str(), {
        description:
          'Must be empty before the object is deleted from the registry. Each entry identifies a component that will remove it when its cleanup is done.',
        listType: 'set',
        patchStrategy: 'merge',
      }),
      generateName: str(
        'Optional prefix used by the server to generate a unique name when Name is not provided. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#idempotency',
      ),
      generation: int64('A sequence number representing a specific generation of the desired state. Set by the server. Read-only.'),
      labels: strMap(
        'Map of string keys and values that can be used to organize and categorize (scope and select) objects. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels',
      ),
      managedFields: atomicList(
        ref(`${M}.ManagedFieldsEntry`),
        'Maps workflow id and version to the set of fields that are managed by that workflow, for server-side apply.',
      ),
      name: str(
        'Name must be unique within a namespace. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
      ),
      namespace: str(
        'Namespace defines the space within which each name must be unique. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces',
      ),
      ownerReferences: mapList(
        ref(`${M}.OwnerReference`),
        'uid',
        'List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected.',
      ),
      resourceVersion: str(
        'An opaque value that represents the internal version of this object, used for optimistic concurrency and watches. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency',
      ),
      selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
      uid: str(
        'UID is the unique in time and space value for this object, generated by the server on create. Read-only. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids',
      ),
    },
    'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
  ),
);

def(
  `${M}.ListMeta`,
  obj(
    {
      continue: str('Set if the list was truncated by a limit; pass it back to retrieve the next page.'),
      remainingItemCount: int64('The number of items not yet returned when a limit was used.'),
      resourceVersion: str('The resource version at which the list was read.'),
      selfLink: str('Deprecated: no longer populated.'),
    },
    'ListMeta describes metadata that synthetic resources must have, including lists.',
  ),
);

def(
  `${M}.LabelSelectorRequirement`,
  obj(
    {
      key: str('The label key that the selector applies to.'),
      operator: str("Represents a key's relationship to a set of values: In, NotIn, Exists and DoesNotExist."),
      values: atomicList(str(), 'An array of string values; non-empty for In and NotIn, empty for Exists and DoesNotExist.'),
    },
    {
      description: 'A selector that contains values, a key, and an operator that relates the key and values.',
      required: ['key', 'operator'],
    },
  ),
);

def(
  `${M}.LabelSelector`,
  obj(
    {
      matchExpressions: atomicList(ref(`${M}.LabelSelectorRequirement`), 'A list of label selector requirements, ANDed.'),
      matchLabels: strMap('A map of {key,value} pairs, each equivalent to a matchExpressions element with operator In and that single value.'),
    },
    {
      description:
        'A label query over a set of resources. The results of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects; a null one matches none.',
      extra: { 'x-kubernetes-map-type': 'atomic' },
    },
  ),
);

def(
  `${M}.Condition`,
  obj(
    {
      lastTransitionTime: time('The last time the condition transitioned from one status to another.'),
      message: str('A human readable message indicating details about the transition.'),
      observedGeneration: int64('The .metadata.generation that the condition was set based upon.'),
      reason: str("A programmatic identifier indicating the reason for the condition's last transition, in CamelCase."),
      status: str('Status of the condition, one of True, False, Unknown.'),
      type: str('Type of condition in CamelCase or in foo.example.com/CamelCase.'),
    },
    { description: 'Condition contains details for one aspect of the current state of an API resource.', required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
  ),
);

def(
  `${M}.StatusCause`,
  obj(
    {
      field: str('The field of the resource that caused this error, e.g. "spec.containers[0].name".'),
      message: str('A human-readable description of the cause of the error.'),
      reason: str('A machine-readable description of the cause of the error.'),
    },
    'StatusCause provides more information about an api.Status failure.',
  ),
);

def(
  `${M}.StatusDetails`,
  obj(
    {
      causes: atomicList(ref(`${M}.StatusCause`), 'The causes of the error; fields may be named.'),
      group: str('The group attribute of the resource associated with the status.'),
      kind: str('The kind attribute of the resource associated with the status.'),
      name: str('The name attribute of the resource associated with the status.'),
      retryAfterSeconds: int32('Seconds the client should wait before retrying the operation.'),
      uid: str('UID of the resource.'),
    },
    'StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.',
  ),
);

def(
  `${M}.Status`,
  obj(
    {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
      code: int32('Suggested HTTP return code for this status, 0 if not set.'),
      details: ref(`${M}.StatusDetails`, 'Extended data associated with the reason.'),
      kind: str('Kind is a string value representing the REST resource this object represents.'),
      message: str('A human-readable description of the status of this operation.'),
      metadata: ref(`${M}.ListMeta`, 'Standard list metadata.'),
      reason: str('A machine-readable description of why this operation is in the "Failure" status.'),
      status: str('Status of the operation. One of: "Success" or "Failure".'),
    },
    { description: 'Status is a return value for calls that do not return other objects.', extra: { 'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Status' }] } },
  ),
);

def(
  `${M}.Preconditions`,
  obj(
    {
      resourceVersion: str('Specifies the target ResourceVersion.'),
      uid: str('Specifies the target UID.'),
    },
    'Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.',
  ),
);

def(
  `${M}.DeleteOptions`,
  obj(
    {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
      dryRun: atomicList(str(), 'When present, indicates that modifications should not be persisted. Valid values: All.'),
      gracePeriodSeconds: int64('The duration in seconds before the object should be deleted.'),
      kind: str('Kind is a string value representing the REST resource this object represents.'),
      orphanDependents: bool('Deprecated: use propagationPolicy.'),
      preconditions: ref(`${M}.Preconditions`, 'Must be fulfilled before a deletion is carried out.'),
      propagationPolicy: str('Whether and how garbage collection will be performed: Orphan, Background or Foreground.'),
    },
    'DeleteOptions may be provided when deleting an API object.',
  ),
);

def(`${M}.Patch`, {
  type: 'object',
  description: 'The body of a PATCH request: a JSON patch, merge patch, strategic merge patch or apply configuration.',
});

def(
  `${M}.WatchEvent`,
  obj(
    {
      object: ref('io.k8s.apimachinery.pkg.runtime.RawExtension', 'The object, or a Status for ERROR events.'),
      type: str('ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.'),
    },
    { description: 'Event represents a single event to a watched resource.', required: ['type', 'object'] },
  ),
);
