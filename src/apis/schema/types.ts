/**
 * One schema model for every type the server knows, built-in or CRD: a subset of OpenAPI v3
 * (what apiextensions.k8s.io/v1 JSONSchemaProps allows) plus the Kubernetes extensions.
 * The same schema drives decoding (unknown and mistyped fields), defaulting, validation,
 * strategic-merge and server-side-apply list semantics, and the published OpenAPI documents.
 *
 * `$ref` holds a definition name (e.g. `io.k8s.api.core.v1.PodSpec`), not a URI; the OpenAPI
 * writers turn it into `#/definitions/...` or `#/components/schemas/...`.
 */
export interface JSONSchema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  /** int32, int64, double, byte, date-time, ... ; `quantity` marks resource.Quantity (string or number). */
  format?: string;
  description?: string;
  title?: string;
  properties?: Record<string, JSONSchema>;
  required?: string[];
  additionalProperties?: JSONSchema | boolean;
  items?: JSONSchema;
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  allOf?: JSONSchema[];
  anyOf?: JSONSchema[];
  oneOf?: JSONSchema[];
  not?: JSONSchema;
  example?: unknown;
  externalDocs?: { description?: string; url?: string };
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-unions'?: unknown[];
  'x-kubernetes-validations'?: { rule: string; message?: string; messageExpression?: string; reason?: string; fieldPath?: string }[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

/** Named schemas, keyed by their OpenAPI definition name. */
export type Definitions = Map<string, JSONSchema>;
