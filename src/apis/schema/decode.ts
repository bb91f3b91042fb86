/**
 * Decoding a request body against a schema, the way kube-apiserver's decoders behave:
 * unknown fields are dropped (and reported, for fieldValidation Strict/Warn), `null` means
 * "unset" unless the schema is nullable, and for built-in kinds a value of the wrong JSON
 * type is a decode error (400), as Go's JSON decoder makes it. For CRDs (`typeErrors: false`)
 * mistyped values are left for validation, which reports them as 422.
 */
import { FieldPath, typeInvalid, type FieldError } from '../validation/field.js';
import { isPlainObject } from '../object.js';
import type { SchemaSet } from './resolve.js';
import type { JSONSchema } from './types.js';

export interface DecodeOptions {
  /** Report values of the wrong JSON type as errors (built-in kinds). */
  typeErrors: boolean;
  /** Keep `null` values everywhere (used for patches, where null means "delete"). */
  keepNulls?: boolean;
}

export interface DecodeReport {
  /** Paths of dropped unknown fields, e.g. `spec.template.spec.containers[0].foo`. */
  unknownFields: string[];
  /** Type mismatches (only with typeErrors). */
  errors: FieldError[];
}

const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

export const jsonTypeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'number' ? 'number' : typeof v;

const EMBEDDED_META_FIELDS = new Set(['name', 'namespace', 'labels', 'annotations', 'generateName', 'finalizers', 'uid', 'ownerReferences']);

/**
 * Decodes `value` in place where possible and returns the decoded value (undefined = drop).
 * `root` marks a top-level object, whose apiVersion/kind/metadata are always known.
 */
export function decodeValue(
  value: unknown,
  schema: JSONSchema,
  set: SchemaSet,
  opts: DecodeOptions,
  report: DecodeReport,
  path: FieldPath = FieldPath.root(),
): unknown {
  const s = set.resolve(schema);
  if (value === null) return s.nullable || opts.keepNulls ? null : undefined;
  if (value === undefined) return undefined;

  if (s['x-kubernetes-int-or-string']) {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value))) return value;
    return mistyped(value, 'intstr.IntOrString', path, opts, report);
  }

  switch (s.type) {
    case 'object':
      return decodeObject(value, s, set, opts, report, path);
    case 'array': {
      if (!Array.isArray(value)) return mistyped(value, `[]${goTypeName(s.items ? set.resolve(s.items) : {})}`, path, opts, report);
      if (!s.items) return value;
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        // Go decodes a null array element to the zero value; keeping null lets validation name it.
        const d = item === null ? null : decodeValue(item, s.items, set, opts, report, path.index(i));
        out.push(d === undefined ? null : d);
      }
      return out;
    }
    case 'string':
      if (s.format === 'quantity') {
        if (typeof value === 'number' && Number.isFinite(value)) return String(value);
        if (typeof value !== 'string') return mistyped(value, 'resource.Quantity', path, opts, report);
        if (opts.typeErrors && !QUANTITY.test(value)) {
          report.errors.push(
            typeInvalid(path, value, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
          );
        }
        return value;
      }
      if (typeof value !== 'string') return mistyped(value, 'string', path, opts, report);
      if (opts.typeErrors && s.format === 'date-time' && Number.isNaN(Date.parse(value))) {
        report.errors.push(typeInvalid(path, value, `parsing time "${value}" as RFC 3339 failed`));
      }
      if (opts.typeErrors && s.format === 'byte' && !/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, ''))) {
        report.errors.push(typeInvalid(path, value, 'illegal base64 data'));
      }
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return mistyped(value, s.format ?? 'int64', path, opts, report);
      if (opts.typeErrors && s.format === 'int32' && (value > 2147483647 || value < -2147483648)) {
        report.errors.push(typeInvalid(path, value, `json: cannot unmarshal number ${value} into Go struct field ${path.toString()} of type int32`));
      }
      return value;
    case 'number':
      if (typeof value !== 'number') return mistyped(value, 'float64', path, opts, report);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') return mistyped(value, 'bool', path, opts, report);
      return value;
    default:
      // No type: any JSON value (x-kubernetes-preserve-unknown-fields, RawExtension, JSON).
      if (isPlainObject(value) && (s.properties || s['x-kubernetes-embedded-resource'])) {
        return decodeObject(value, s, set, opts, report, path);
      }
      return value;
  }
}

function decodeObject(
  value: unknown,
  s: JSONSchema,
  set: SchemaSet,
  opts: DecodeOptions,
  report: DecodeReport,
  path: FieldPath,
): unknown {
  if (!isPlainObject(value)) {
    const additional = typeof s.additionalProperties === 'object' ? set.resolve(s.additionalProperties) : undefined;
    return mistyped(value, additional ? `map[string]${goTypeName(additional)}` : 'struct', path, opts, report);
  }
  const props = s.properties;
  const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true || s.additionalProperties === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  for (const key of Object.keys(value)) {
    const child = path.child(key);
    let fieldSchema = props?.[key] ?? additional;
    if (!fieldSchema && embedded) {
      if (key === 'apiVersion' || key === 'kind') fieldSchema = { type: 'string' };
      else if (key === 'metadata') {
        value[key] = decodeEmbeddedMeta(value[key], report, child);
        continue;
      }
    }
    if (!fieldSchema) {
      if (!preserve) {
        report.unknownFields.push(child.toString());
        delete value[key];
      } else if (value[key] === null && !opts.keepNulls) {
        // preserved unknown fields keep their nulls, as Kubernetes does
      }
      continue;
    }
    const d = decodeValue(value[key], fieldSchema, set, opts, report, child);
    if (d === undefined) delete value[key];
    else value[key] = d;
  }
  return value;
}

function decodeEmbeddedMeta(meta: unknown, report: DecodeReport, path: FieldPath): unknown {
  if (!isPlainObject(meta)) return meta;
  for (const k of Object.keys(meta)) {
    if (!EMBEDDED_META_FIELDS.has(k)) {
      report.unknownFields.push(path.child(k).toString());
      delete meta[k];
    }
  }
  return meta;
}

function mistyped(value: unknown, goType: string, path: FieldPath, opts: DecodeOptions, report: DecodeReport): unknown {
  if (opts.typeErrors) {
    report.errors.push(
      typeInvalid(path, value, `json: cannot unmarshal ${jsonTypeOf(value)} into Go struct field ${path.toString()} of type ${goType}`),
    );
    return undefined;
  }
  return value;
}

function goTypeName(s: JSONSchema): string {
  if (s['x-kubernetes-int-or-string']) return 'intstr.IntOrString';
  switch (s.type) {
    case 'string':
      return s.format === 'quantity' ? 'resource.Quantity' : 'string';
    case 'integer':
      return s.format ?? 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'array':
      return '[]' + (s.items ? goTypeName(s.items) : 'interface {}');
    case 'object':
      return s.properties ? 'struct' : 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}
