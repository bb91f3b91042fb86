/**
 * Terse constructors for writing built-in type schemas. A type file reads like the Go type
 * it mirrors:
 *
 *   def('io.k8s.api.core.v1.ContainerPort', obj({
 *     containerPort: int32('Number of port to expose on the pod\'s IP address.'),
 *     protocol: str('Protocol for port.', { enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' }),
 *   }, { required: ['containerPort'] }));
 *
 * `default` values are applied by the server's defaulting exactly like CRD schema defaults.
 */
import type { Definitions, JSONSchema } from './types.js';

export const builtinDefinitions: Definitions = new Map();

/** Registers a named definition and returns a reference to it. */
export function def(name: string, schema: JSONSchema): JSONSchema {
  if (builtinDefinitions.has(name)) throw new Error(`schema definition ${name} registered twice`);
  builtinDefinitions.set(name, schema);
  return { $ref: name };
}

type Extra = Partial<JSONSchema>;
const withDesc = (s: JSONSchema, description?: string, extra?: Extra): JSONSchema => ({
  ...s,
  ...(description ? { description } : {}),
  ...extra,
});

export const str = (description?: string, extra?: Extra): JSONSchema => withDesc({ type: 'string' }, description, extra);
export const int32 = (description?: string, extra?: Extra): JSONSchema =>
  withDesc({ type: 'integer', format: 'int32' }, description, extra);
export const int64 = (description?: string, extra?: Extra): JSONSchema =>
  withDesc({ type: 'integer', format: 'int64' }, description, extra);
export const num = (description?: string, extra?: Extra): JSONSchema =>
  withDesc({ type: 'number', format: 'double' }, description, extra);
export const bool = (description?: string, extra?: Extra): JSONSchema => withDesc({ type: 'boolean' }, description, extra);
export const bytes = (description?: string, extra?: Extra): JSONSchema =>
  withDesc({ type: 'string', format: 'byte' }, description, extra);

/** map[string]string */
export const strMap = (description?: string, extra?: Extra): JSONSchema =>
  withDesc({ type: 'object', additionalProperties: { type: 'string' } }, description, extra);

/** map[string]<schema> */
export const mapOf = (values: JSONSchema, description?: string, extra?: Extra): JSONSchema =>
  withDesc({ type: 'object', additionalProperties: values }, description, extra);

/** A reference to a named definition, with a field-specific description. */
export const ref = (name: string, description?: string, extra?: Extra): JSONSchema => withDesc({ $ref: name }, description, extra);

export const quantity = (description?: string): JSONSchema => ref('io.k8s.apimachinery.pkg.api.resource.Quantity', description);
export const time = (description?: string): JSONSchema => ref('io.k8s.apimachinery.pkg.apis.meta.v1.Time', description);
export const microTime = (description?: string): JSONSchema => ref('io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime', description);
export const intOrString = (description?: string, extra?: Extra): JSONSchema =>
  ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString', description, extra);
export const objectMeta = (): JSONSchema =>
  ref(
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  );
export const listMeta = (): JSONSchema =>
  ref(
    'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
    'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  );
export const labelSelector = (description?: string): JSONSchema => ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector', description);

export interface ArrayOpts {
  description?: string;
  /** x-kubernetes-list-type; Kubernetes' default for an unannotated list is atomic. */
  listType?: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys (listType map). */
  mapKeys?: string[];
  /** Strategic merge patch: x-kubernetes-patch-strategy ("merge", "replace", "merge,retainKeys"). */
  patchStrategy?: string;
  /** Strategic merge patch: x-kubernetes-patch-merge-key. */
  patchMergeKey?: string;
  extra?: Extra;
}

export function arr(items: JSONSchema, opts: ArrayOpts | string = {}): JSONSchema {
  const o: ArrayOpts = typeof opts === 'string' ? { description: opts } : opts;
  const s: JSONSchema = { type: 'array', items };
  if (o.description) s.description = o.description;
  if (o.listType) s['x-kubernetes-list-type'] = o.listType;
  if (o.mapKeys) s['x-kubernetes-list-map-keys'] = o.mapKeys;
  if (o.patchStrategy) s['x-kubernetes-patch-strategy'] = o.patchStrategy;
  if (o.patchMergeKey) s['x-kubernetes-patch-merge-key'] = o.patchMergeKey;
  return { ...s, ...o.extra };
}

/** A list merged by key, in both strategic merge patch and server-side apply. */
export const mapList = (items: JSONSchema, key: string | string[], description?: string, extra?: Extra): JSONSchema => {
  const keys = Array.isArray(key) ? key : [key];
  return arr(items, { description, listType: 'map', mapKeys: keys, patchStrategy: 'merge', patchMergeKey: keys[0], extra });
};

/** A list of scalars merged as a set. */
export const setList = (items: JSONSchema, description?: string, extra?: Extra): JSONSchema =>
  arr(items, { description, listType: 'set', extra });

/** A list replaced wholesale by patches and owned as one unit by apply. */
export const atomicList = (items: JSONSchema, description?: string, extra?: Extra): JSONSchema =>
  arr(items, { description, listType: 'atomic', extra });

export interface ObjOpts {
  description?: string;
  required?: string[];
  extra?: Extra;
}

export function obj(properties: Record<string, JSONSchema>, opts: ObjOpts | string = {}): JSONSchema {
  const o: ObjOpts = typeof opts === 'string' ? { description: opts } : opts;
  const s: JSONSchema = { type: 'object', properties };
  if (o.description) s.description = o.description;
  if (o.required?.length) s.required = o.required;
  return { ...s, ...o.extra };
}

/** The schema of a top-level kind: apiVersion, kind, metadata, then the kind's own fields. */
export function kindObj(
  gvk: { group: string; version: string; kind: string } | { group: string; version: string; kind: string }[],
  description: string,
  fields: Record<string, JSONSchema>,
  opts: { required?: string[] } = {},
): JSONSchema {
  const gvks = Array.isArray(gvk) ? gvk : [gvk];
  return obj(
    {
      apiVersion: str(
        'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
      ),
      kind: str(
        'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
      ),
      metadata: objectMeta(),
      ...fields,
    },
    { description, required: opts.required, extra: { 'x-kubernetes-group-version-kind': gvks } },
  );
}

/** The schema of a `<Kind>List`. */
export function listObj(gvk: { group: string; version: string; kind: string }, itemDef: string, description?: string): JSONSchema {
  return obj(
    {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
      items: arr(ref(itemDef), `List of ${gvk.kind.replace(/List$/, '').toLowerCase()}s.`),
      kind: str('Kind is a string value representing the REST resource this object represents.'),
      metadata: listMeta(),
    },
    { description: description ?? `${gvk.kind} is a list of ${gvk.kind.replace(/List$/, '')} objects.`, required: ['items'], extra: { 'x-kubernetes-group-version-kind': [gvk] } },
  );
}
