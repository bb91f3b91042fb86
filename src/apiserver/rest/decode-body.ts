/**
 * From request bytes to a typed object: content-type and size checks, JSON/YAML parsing
 * with a nesting limit, apiVersion/kind checks, and schema decoding with the request's
 * fieldValidation policy for unknown fields.
 */
import { parse as parseYaml } from 'yaml';
import { decodeValue, type DecodeReport } from '../../apis/schema/decode.js';
import { FieldPath } from '../../apis/validation/field.js';
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE } from '../protobuf/decode.js';
import { apiVersionOf, isPlainObject, type KObject } from '../../apis/object.js';
import { badRequest, unsupportedMediaType } from '../errors.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import type { RestContext } from './context.js';

/** Kubernetes' limit on request bodies. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Deeper documents are rejected before any recursive processing. */
export const MAX_NESTING_DEPTH = 256;

export const OBJECT_CONTENT_TYPES = ['application/json', 'application/yaml', PROTOBUF_MEDIA_TYPE];

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Parses a body of an accepted content type, rejecting malformed or absurdly nested input. */
export function parseBody(raw: Buffer, contentType: string | undefined, accepted = OBJECT_CONTENT_TYPES): unknown {
  const mt = mediaType(contentType) || 'application/json';
  if (!accepted.includes(mt)) throw unsupportedMediaType(mt, accepted);
  // kubectl 1.32+ typed clients send built-in objects as Kubernetes protobuf.
  if (mt === PROTOBUF_MEDIA_TYPE) return decodeKubernetesProtobuf(raw).object;
  const text = raw.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty; an object is required');
  let value: unknown;
  try {
    if (mt === 'application/json' || mt === 'application/merge-patch+json' || mt === 'application/json-patch+json' || mt === 'application/strategic-merge-patch+json') {
      value = JSON.parse(text);
    } else {
      value = parseYaml(text, { maxAliasCount: 100, uniqueKeys: false, strict: true });
    }
  } catch (e) {
    const msg = e instanceof RangeError ? 'the document is nested too deeply' : (e as Error).message.split('\n')[0];
    throw badRequest(`couldn't decode the request body as ${mt === 'application/json' ? 'JSON' : 'YAML'}: ${msg}`);
  }
  const depth = nestingDepth(value);
  if (depth > MAX_NESTING_DEPTH) throw badRequest(`the request body exceeds the maximum nesting depth of ${MAX_NESTING_DEPTH}`);
  return value;
}

/** Nesting depth of a JSON value, computed without recursion. */
export function nestingDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max > MAX_NESTING_DEPTH) return max;
    for (const c of Array.isArray(v) ? v : Object.values(v)) if (typeof c === 'object' && c !== null) stack.push([c, d + 1]);
  }
  return max;
}

/**
 * Checks envelope fields and decodes `body` against the version's schema. Returns the object
 * in the request's version; unknown fields are dropped (error under Strict, warning under Warn).
 */
export function decodeObject(body: unknown, type: ResourceType, version: ServedVersion, ctx: RestContext): KObject {
  const expectedApiVersion = apiVersionOf(type.group, version.name);
  if (!isPlainObject(body)) {
    throw badRequest(`the request body must be a JSON object of kind ${type.kind}, got ${Array.isArray(body) ? 'an array' : typeof body}`);
  }
  const obj = body as KObject;
  // Like kube-apiserver, a body without apiVersion/kind takes them from the endpoint.
  if (obj.kind === undefined || obj.kind === '') obj.kind = type.kind;
  if (typeof obj.kind !== 'string' || typeof (obj.apiVersion ?? '') !== 'string') throw badRequest('apiVersion and kind must be strings');
  if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== expectedApiVersion) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expectedApiVersion})`);
  }
  if (obj.kind !== type.kind) {
    throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${type.kind}) for ${type.resource}`);
  }
  obj.apiVersion = expectedApiVersion;
  return decodeTyped(obj, type, version, ctx);
}

/** Schema decoding of an object whose envelope is already checked. */
export function decodeTyped(obj: KObject, type: ResourceType, version: ServedVersion, ctx: RestContext): KObject {
  const report: DecodeReport = { unknownFields: [], errors: [] };
  if (!type.builtin && obj.metadata !== undefined) {
    // ObjectMeta is a Go struct for every kind: mistyped metadata is a decode error even for custom resources.
    const meta = decodeValue(obj.metadata, { $ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }, type.schemas, { typeErrors: true }, report, FieldPath.root('metadata'));
    if (meta === undefined) delete obj.metadata;
    else obj.metadata = meta as KObject['metadata'];
  }
  const decoded = decodeValue(obj, version.schema, type.schemas, { typeErrors: type.builtin }, report) as KObject;
  if (report.errors.length > 0) {
    const e = report.errors[0]!;
    const detail = e.detail?.includes(e.field) ? e.detail : `${e.detail} (field ${e.field})`;
    throw badRequest(`${type.kind} in version "${version.name}" cannot be handled as a ${type.kind}: ${detail}`, [
      { reason: 'FieldValueTypeInvalid', message: e.detail ?? '', field: e.field },
    ]);
  }
  reportUnknownFields(report.unknownFields, type, version, ctx);
  return decoded;
}

export function reportUnknownFields(unknown: string[], type: ResourceType, version: ServedVersion, ctx: RestContext): void {
  if (unknown.length === 0 || ctx.fieldValidation === 'Ignore') return;
  const msgs = unknown.map((f) => `unknown field "${f}"`);
  if (ctx.fieldValidation === 'Strict') {
    throw badRequest(
      `${type.kind} in version "${version.name}" cannot be handled as a ${type.kind}: strict decoding error: ${msgs.join(', ')}`,
      unknown.map((f) => ({ reason: 'FieldValueInvalid', message: `unknown field "${f}"`, field: f })),
    );
  }
  ctx.warnings.push(...msgs);
}
