/**
 * Field errors in the form Kubernetes reports them (k8s.io/apimachinery/pkg/util/validation/field):
 * a path such as `spec.template.spec.containers[0].image`, a type, the bad value and a detail.
 */
import { StatusError, type StatusCause } from '../meta/status.js';

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotFound'
  | 'InternalError';

export interface FieldError {
  type: FieldErrorType;
  field: string;
  badValue?: unknown;
  detail?: string;
}

/**
 * A path into an object, rendered as Kubernetes does: `a.b[3].c[key]`. Paths are built on every
 * step of a walk but rendered only for errors, so a child is one small node linked to its parent.
 */
export class FieldPath {
  private constructor(
    private readonly parent: FieldPath | undefined,
    /** Rendered segment: `name` (first), `.name`, `[3]` or `[key]`. */
    private readonly segment: string,
  ) {}
  static root(name = ''): FieldPath {
    return new FieldPath(undefined, name);
  }
  child(...names: string[]): FieldPath {
    return names.reduce<FieldPath>((p, n) => new FieldPath(p, p.isEmpty() ? n : `.${n}`), this);
  }
  index(i: number): FieldPath {
    return new FieldPath(this, `[${i}]`);
  }
  key(k: string): FieldPath {
    return new FieldPath(this, `[${k}]`);
  }
  private isEmpty(): boolean {
    return this.segment === '' && (this.parent === undefined || this.parent.isEmpty());
  }
  toString(): string {
    const parts: string[] = [this.segment];
    for (let p = this.parent; p; p = p.parent) parts.push(p.segment);
    return parts.reverse().join('');
  }
}

type P = FieldPath | string;
const s = (p: P) => p.toString();

export const required = (p: P, detail?: string): FieldError => ({ type: 'FieldValueRequired', field: s(p), detail: detail ?? '' });
export const invalid = (p: P, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field: s(p), badValue: value, detail });
export const notSupported = (p: P, value: unknown, supported: readonly string[]): FieldError => ({
  type: 'FieldValueNotSupported',
  field: s(p),
  badValue: value,
  detail: supported.length ? `supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}` : '',
});
export const duplicate = (p: P, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field: s(p), badValue: value });
export const forbidden = (p: P, detail: string): FieldError => ({ type: 'FieldValueForbidden', field: s(p), detail });
export const tooLong = (p: P, value: unknown, max: number): FieldError => ({
  type: 'FieldValueTooLong',
  field: s(p),
  badValue: value,
  detail: `may not be more than ${max} bytes`,
});
export const tooMany = (p: P, actual: number, max: number): FieldError => ({
  type: 'FieldValueTooMany',
  field: s(p),
  badValue: actual,
  detail: `must have at most ${max} items`,
});
export const notFoundValue = (p: P, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field: s(p), badValue: value });
export const typeInvalid = (p: P, value: unknown, detail: string): FieldError => ({ type: 'FieldValueTypeInvalid', field: s(p), badValue: value, detail });

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueNotFound: 'Not found',
  InternalError: 'Internal error',
};

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') {
    const j = JSON.stringify(v);
    return j.length > 256 ? j.slice(0, 253) + '...' : j;
  }
  return String(v);
}

/** The error body without the field path ("Invalid value: -1: must be ..."), as in Status causes. */
export function errorBody(e: FieldError): string {
  const head = TYPE_TEXT[e.type];
  switch (e.type) {
    case 'FieldValueRequired':
    case 'FieldValueForbidden':
    case 'FieldValueTooLong':
    case 'InternalError':
      if (e.type === 'FieldValueTooLong') return `${head}: ${e.detail}`;
      return e.detail ? `${head}: ${e.detail}` : head;
    default: {
      const v = 'badValue' in e ? `: ${formatValue(e.badValue)}` : '';
      return e.detail ? `${head}${v}: ${e.detail}` : `${head}${v}`;
    }
  }
}

export const errorMessage = (e: FieldError): string => (e.field ? `${e.field}: ${errorBody(e)}` : errorBody(e));

export function aggregateMessage(errs: FieldError[]): string {
  const msgs = errs.map(errorMessage);
  return msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`;
}

/** 422 Invalid, named after the object: `Deployment.apps "web" is invalid: spec.replicas: ...`. */
export function invalidError(kind: string, group: string, name: string, errs: FieldError[]): StatusError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const causes: StatusCause[] = errs.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field }));
  return new StatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${aggregateMessage(errs)}`, {
    name,
    group,
    kind,
    causes,
  });
}
