/**
 * OpenAPI value validation with Kubernetes' messages (the checks apiextensions-apiserver runs
 * for CRDs; built-in kinds use it for required fields, enums and bounds in their schemas).
 */
import {
  duplicate,
  FieldPath,
  invalid,
  notSupported,
  required,
  tooMany,
  typeInvalid,
  type FieldError,
} from '../validation/field.js';
import { deepEqual, isPlainObject } from '../object.js';
import { jsonTypeOf } from './decode.js';
import type { SchemaSet } from './resolve.js';
import type { JSONSchema } from './types.js';

export interface ValidateOptions {
  /** Check JSON types (CRDs); built-in objects were type-checked while decoding. */
  checkTypes: boolean;
}

const FORMATS: Record<string, (v: string) => boolean> = {
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v),
  uuid: (v) => /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(v),
  ipv4: (v) => /^(\d{1,3})(\.\d{1,3}){3}$/.test(v) && v.split('.').every((p) => Number(p) <= 255),
  hostname: (v) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i.test(v) && v.length <= 253,
  email: (v) => /^[^@\s]+@[^@\s]+$/.test(v),
  duration: (v) => /^([+-]?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+|0)$/.test(v),
};

function typeMatches(value: unknown, s: JSONSchema): boolean {
  switch (s.type) {
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string' || (s.format === 'quantity' && typeof value === 'number');
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

export function validateValue(
  value: unknown,
  schema: JSONSchema,
  set: SchemaSet,
  opts: ValidateOptions,
  path: FieldPath = FieldPath.root(),
  errs: FieldError[] = [],
): FieldError[] {
  const s = set.resolve(schema);
  // Rendered only when an error is reported.
  let rendered: string | undefined;
  const pathText = () => (rendered ??= path.toString());
  if (value === null) {
    if (!s.nullable && s.type && opts.checkTypes) {
      errs.push(typeInvalid(path, value, `${pathText()} in body must be of type ${s.type}: "null"`));
    }
    return errs;
  }
  if (s['x-kubernetes-int-or-string']) {
    if (opts.checkTypes && !(typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)))) {
      errs.push(typeInvalid(path, value, `${pathText()} in body must be of type integer,string: "${jsonTypeOf(value)}"`));
      return errs;
    }
  } else if (s.type && !typeMatches(value, s)) {
    if (opts.checkTypes) errs.push(typeInvalid(path, jsonTypeOf(value), `${pathText()} in body must be of type ${s.type}: "${jsonTypeOf(value)}"`));
    return errs;
  }

  if (s.enum && !s.enum.some((e) => deepEqual(e, value))) {
    errs.push(notSupported(path, value, s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
  }

  if (typeof value === 'string') {
    if (s.maxLength !== undefined && [...value].length > s.maxLength) {
      errs.push({ type: 'FieldValueTooLong', field: pathText(), badValue: value, detail: `may not be more than ${s.maxLength} bytes` });
    }
    if (s.minLength !== undefined && [...value].length < s.minLength) {
      errs.push(invalid(path, value, `${pathText()} in body should be at least ${s.minLength} chars long`));
    }
    if (s.pattern !== undefined) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(s.pattern, 'u');
      } catch {
        re = undefined;
      }
      if (re && !re.test(value)) errs.push(invalid(path, value, `${pathText()} in body should match '${s.pattern}'`));
    }
    if (s.format && FORMATS[s.format] && !FORMATS[s.format]!(value)) {
      errs.push(invalid(path, value, `${pathText()} in body must be of type ${s.format}: ${JSON.stringify(value)}`));
    }
  }

  if (typeof value === 'number') {
    if (s.minimum !== undefined) {
      if (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum) {
        errs.push(invalid(path, value, `${pathText()} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`));
      }
    }
    if (s.maximum !== undefined) {
      if (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum) {
        errs.push(invalid(path, value, `${pathText()} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`));
      }
    }
    if (s.multipleOf !== undefined && s.multipleOf > 0 && Math.abs(value / s.multipleOf - Math.round(value / s.multipleOf)) > 1e-9) {
      errs.push(invalid(path, value, `${pathText()} in body should be a multiple of ${s.multipleOf}`));
    }
  }

  if (Array.isArray(value)) {
    if (s.maxItems !== undefined && value.length > s.maxItems) errs.push(tooMany(path, value.length, s.maxItems));
    if (s.minItems !== undefined && value.length < s.minItems) {
      errs.push(invalid(path, value.length, `${pathText()} in body should have at least ${s.minItems} items`));
    }
    validateListSemantics(value, s, path, errs);
    if (s.items) value.forEach((item, i) => validateValue(item, s.items!, set, opts, path.index(i), errs));
  }

  if (isPlainObject(value)) {
    for (const r of s.required ?? []) {
      if (value[r] === undefined) errs.push(required(path.child(r)));
    }
    const n = Object.keys(value).length;
    if (s.maxProperties !== undefined && n > s.maxProperties) errs.push(tooMany(path, n, s.maxProperties));
    if (s.minProperties !== undefined && n < s.minProperties) {
      errs.push(invalid(path, n, `${pathText()} in body should have at least ${s.minProperties} properties`));
    }
    for (const [k, v] of Object.entries(value)) {
      const ps = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (ps) validateValue(v, ps, set, opts, path.child(k), errs);
    }
  }

  if (s.allOf) for (const sub of s.allOf) validateValue(value, sub, set, { ...opts, checkTypes: true }, path, errs);
  if (s.anyOf && !s.anyOf.some((sub) => validateValue(value, sub, set, { ...opts, checkTypes: true }, path).length === 0)) {
    errs.push(invalid(path, value, 'must validate at least one schema (anyOf)'));
  }
  if (s.oneOf) {
    const passing = s.oneOf.filter((sub) => validateValue(value, sub, set, { ...opts, checkTypes: true }, path).length === 0).length;
    if (passing !== 1) errs.push(invalid(path, value, 'must validate one and only one schema (oneOf)'));
  }
  if (s.not && validateValue(value, s.not, set, { ...opts, checkTypes: true }, path).length === 0) {
    errs.push(invalid(path, value, 'must not validate the schema (not)'));
  }
  return errs;
}

/** Uniqueness that x-kubernetes-list-type set/map and uniqueItems require. */
function validateListSemantics(value: unknown[], s: JSONSchema, path: FieldPath, errs: FieldError[]): void {
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set' || s.uniqueItems) {
    const seen: unknown[] = [];
    value.forEach((v, i) => {
      if (seen.some((x) => deepEqual(x, v))) errs.push(duplicate(path.index(i), v));
      else seen.push(v);
    });
  } else if (listType === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    if (keys.length === 0) return;
    const seen = new Set<string>();
    value.forEach((v, i) => {
      if (!isPlainObject(v)) return;
      const id = JSON.stringify(keys.map((k) => v[k] ?? null));
      if (seen.has(id)) {
        const shown: Record<string, unknown> = {};
        for (const k of keys) shown[k] = v[k];
        errs.push(duplicate(path.index(i), shown));
      } else seen.add(id);
    });
  }
}
