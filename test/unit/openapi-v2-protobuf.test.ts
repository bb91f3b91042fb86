import { describe, expect, it } from 'vitest';
import { OpenAPIDocuments } from '../../src/apiserver/openapi/documents.js';
import { encodeOpenAPIv2, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from '../../src/apiserver/openapi/v2-protobuf.js';
import { appsResources } from '../../src/apiserver/registry/builtin/apps.js';
import { Registry } from '../../src/apiserver/registry/registry.js';

// ---- A test-only protobuf reader ------------------------------------------------------------

interface RawField {
  no: number;
  wire: number;
  varint?: bigint;
  bytes?: Buffer;
  double?: number;
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [v, pos];
    shift += 7n;
    if (shift > 63n) throw new Error('varint too long');
  }
}

function decodeFields(buf: Buffer): RawField[] {
  const out: RawField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p] = readVarint(buf, pos);
    pos = p;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no === 0) throw new Error('field number 0');
    if (wire === 0) {
      const [v, q] = readVarint(buf, pos);
      out.push({ no, wire, varint: v });
      pos = q;
    } else if (wire === 1) {
      if (pos + 8 > buf.length) throw new Error('truncated double');
      out.push({ no, wire, double: buf.readDoubleLE(pos) });
      pos += 8;
    } else if (wire === 2) {
      const [n, q] = readVarint(buf, pos);
      const end = q + Number(n);
      if (end > buf.length) throw new Error(`length ${n} overruns the buffer`);
      out.push({ no, wire, bytes: buf.subarray(q, end) });
      pos = end;
    } else {
      throw new Error(`unexpected wire type ${wire}`);
    }
  }
  return out;
}

class Msg {
  readonly fields: RawField[];
  constructor(buf: Buffer) {
    this.fields = decodeFields(buf);
  }
  all(no: number): RawField[] {
    return this.fields.filter((f) => f.no === no);
  }
  has(no: number): boolean {
    return this.all(no).length > 0;
  }
  private single(no: number, wire: number): RawField | undefined {
    const fs = this.all(no);
    if (fs.length > 1) throw new Error(`field ${no} repeated`);
    if (fs[0] && fs[0].wire !== wire) throw new Error(`field ${no} has wire type ${fs[0].wire}, want ${wire}`);
    return fs[0];
  }
  str(no: number): string {
    return this.single(no, 2)?.bytes?.toString('utf8') ?? '';
  }
  strs(no: number): string[] {
    return this.all(no).map((f) => f.bytes!.toString('utf8'));
  }
  bool(no: number): boolean {
    return (this.single(no, 0)?.varint ?? 0n) !== 0n;
  }
  int64(no: number): number {
    return Number(BigInt.asIntN(64, this.single(no, 0)?.varint ?? 0n));
  }
  double(no: number): number {
    return this.single(no, 1)?.double ?? 0;
  }
  msg(no: number): Msg {
    const f = this.single(no, 2);
    if (!f) throw new Error(`field ${no} missing`);
    return new Msg(f.bytes!);
  }
  msgs(no: number): Msg[] {
    return this.all(no).map((f) => new Msg(f.bytes!));
  }
  /** Repeated (name = 1, value = 2) pairs in field `no`. */
  named(no: number): Map<string, Msg> {
    return new Map(this.msgs(no).map((p) => [p.str(1), p.msg(2)]));
  }
}

/** The value of a gnostic Any (its yaml field, 2, holds JSON text here). */
const anyValue = (m: Msg): unknown => JSON.parse(m.str(2));
/** Vendor extensions (repeated NamedAny in field `no`) as a plain object. */
const extensions = (m: Msg, no: number): Record<string, unknown> => Object.fromEntries([...m.named(no)].map(([k, v]) => [k, anyValue(v)]));

// ---- Field numbers of gnostic's openapi.v2 messages used in the assertions -----------------

const DOC = { swagger: 1, info: 2, paths: 8, definitions: 9, security: 12, securityDefinitions: 13, ext: 16 };
const PATH_ITEM = { get: 2, patch: 8, parameters: 9 };
const OP = { tags: 1, description: 3, operationId: 5, produces: 6, consumes: 7, parameters: 8, responses: 9, ext: 13 };
const SCHEMA = {
  ref: 1,
  format: 2,
  description: 4,
  default: 5,
  maximum: 7,
  exclusiveMaximum: 8,
  minimum: 9,
  maxLength: 11,
  pattern: 13,
  required: 19,
  enum: 20,
  additionalProperties: 21,
  type: 22,
  items: 23,
  allOf: 24,
  properties: 25,
  readOnly: 27,
  example: 30,
  ext: 31,
};

// ---- The document --------------------------------------------------------------------------

const GVK = { group: 'apps', version: 'v1', kind: 'Deployment' };
const DOCUMENT = {
  swagger: '2.0',
  info: { title: 'Kubernetes', version: 'v1.33.0-kubefed' },
  paths: {
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}': {
      patch: {
        tags: ['apps_v1'],
        description: 'partially update the specified Deployment',
        operationId: 'patchAppsV1NamespacedDeployment',
        consumes: ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'],
        produces: ['application/json'],
        parameters: [
          { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } },
          { name: 'fieldValidation', in: 'query', description: 'How the server handles unknown fields.', type: 'string', uniqueItems: true },
          { name: 'limit', in: 'query', type: 'integer', maximum: 500 },
        ],
        responses: {
          '200': { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } },
          '401': { description: 'Unauthorized' },
        },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': GVK,
      },
      parameters: [
        { name: 'name', in: 'path', description: 'name of the Deployment', required: true, type: 'string' },
        { $ref: '#/parameters/pretty' },
      ],
    },
  },
  definitions: {
    'io.k8s.api.apps.v1.Deployment': {
      description: 'Deployment enables declarative updates for Pods and ReplicaSets.',
      type: 'object',
      properties: {
        spec: { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec', description: 'Desired behavior.' },
      },
      'x-kubernetes-group-version-kind': [GVK],
    },
    'io.k8s.api.apps.v1.DeploymentSpec': {
      type: 'object',
      required: ['selector', 'template'],
      properties: {
        replicas: { type: 'integer', format: 'int32', default: 1, minimum: 0, maximum: 2.5, exclusiveMaximum: true },
        containers: {
          type: 'array',
          items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' },
          'x-kubernetes-list-map-keys': ['name'],
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-patch-merge-key': 'name',
          'x-kubernetes-patch-strategy': 'merge',
        },
        labels: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-map-type': 'granular' },
        closed: { type: 'object', additionalProperties: false },
        port: { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true },
        policy: { type: 'string', enum: ['Always', 'Never', 7, null], pattern: '^[A-Z]', maxLength: 63, example: { a: [1, 'b'] } },
        empty: { type: 'object', properties: {} },
        union: { allOf: [{ $ref: '#/definitions/x' }], anyOf: [{ type: 'integer' }], readOnly: true, 'x-kubernetes-preserve-unknown-fields': true },
        delta: { type: 'integer', minimum: -5, default: -3 },
      },
    },
  },
  securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
  security: [{ BearerToken: [] }],
  'x-doc-extension': 'yes',
};

describe('encodeOpenAPIv2', () => {
  const doc = new Msg(encodeOpenAPIv2(DOCUMENT));

  it('exports the media type client-go asks for and the Content-Type Go can parse', () => {
    expect(OPENAPI_V2_PROTOBUF).toBe('application/com.github.proto-openapi.spec.v2@v1.0+protobuf');
    expect(OPENAPI_V2_PROTOBUF_CONTENT_TYPE).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  });

  it('writes the document header, security and extensions', () => {
    expect(doc.str(DOC.swagger)).toBe('2.0');
    const info = doc.msg(DOC.info);
    expect(info.str(1)).toBe('Kubernetes');
    expect(info.str(2)).toBe('v1.33.0-kubefed');
    // SecurityDefinitions -> NamedSecurityDefinitionsItem -> SecurityDefinitionsItem.api_key_security (2)
    const sec = doc.msg(DOC.securityDefinitions).named(1).get('BearerToken')!.msg(2);
    expect([sec.str(1), sec.str(2), sec.str(3), sec.str(4)]).toEqual(['apiKey', 'authorization', 'header', 'Bearer Token authentication']);
    // SecurityRequirement -> NamedStringArray, an empty StringArray present
    const req = doc.msgs(DOC.security);
    expect(req).toHaveLength(1);
    expect(req[0]!.named(1).get('BearerToken')!.strs(1)).toEqual([]);
    expect(extensions(doc, DOC.ext)).toEqual({ 'x-doc-extension': 'yes' });
  });

  it('writes the PATCH operation with its group-version-kind and the fieldValidation query parameter', () => {
    const paths = doc.msg(DOC.paths);
    expect(paths.has(1)).toBe(false);
    const item = paths.named(2).get('/apis/apps/v1/namespaces/{namespace}/deployments/{name}')!;
    expect(item.has(PATH_ITEM.get)).toBe(false);
    const op = item.msg(PATH_ITEM.patch);
    expect(op.strs(OP.tags)).toEqual(['apps_v1']);
    expect(op.str(OP.description)).toBe('partially update the specified Deployment');
    expect(op.str(OP.operationId)).toBe('patchAppsV1NamespacedDeployment');
    expect(op.strs(OP.consumes)).toContain('application/strategic-merge-patch+json');
    expect(op.strs(OP.produces)).toEqual(['application/json']);
    expect(extensions(op, OP.ext)).toEqual({ 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': GVK });

    const [body, fieldValidation, limit] = op.msgs(OP.parameters).map((p) => p.msg(1)); // ParametersItem.parameter
    // Parameter.body_parameter (1): description 1, name 2, in 3, required 4, schema 5
    const b = body!.msg(1);
    expect([b.str(2), b.str(3), b.bool(4)]).toEqual(['body', 'body', true]);
    expect(b.msg(5).str(SCHEMA.ref)).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
    // Parameter.non_body_parameter (2) -> NonBodyParameter.query_parameter_sub_schema (3)
    const q = fieldValidation!.msg(2).msg(3);
    expect(q.str(4)).toBe('fieldValidation');
    expect(q.str(2)).toBe('query');
    expect(q.str(3)).toBe('How the server handles unknown fields.');
    expect(q.str(6)).toBe('string');
    expect(q.bool(20)).toBe(true); // unique_items
    expect(q.bool(1)).toBe(false);
    const l = limit!.msg(2).msg(3);
    expect([l.str(6), l.double(11)]).toEqual(['integer', 500]);

    // path-level parameters: path_parameter_sub_schema (4) and a JsonReference (ParametersItem 2)
    const [name, ref] = item.msgs(PATH_ITEM.parameters);
    const p = name!.msg(1).msg(2).msg(4);
    expect([p.bool(1), p.str(2), p.str(3), p.str(4), p.str(5)]).toEqual([true, 'path', 'name of the Deployment', 'name', 'string']);
    expect(ref!.msg(2).str(1)).toBe('#/parameters/pretty');

    // Responses -> NamedResponseValue -> ResponseValue.response (1): description 1, schema 2 (SchemaItem.schema 1)
    const responses = op.msg(OP.responses).named(1);
    expect([...responses.keys()]).toEqual(['200', '401']);
    const ok = responses.get('200')!.msg(1);
    expect(ok.str(1)).toBe('OK');
    expect(ok.msg(2).msg(1).str(SCHEMA.ref)).toBe('#/definitions/io.k8s.api.apps.v1.Deployment');
    expect(responses.get('401')!.msg(1).has(2)).toBe(false);
  });

  it('writes definitions with properties, references, extensions and the oneof/any encodings', () => {
    const defs = doc.msg(DOC.definitions).named(1);
    expect([...defs.keys()]).toEqual(['io.k8s.api.apps.v1.Deployment', 'io.k8s.api.apps.v1.DeploymentSpec']);

    const deployment = defs.get('io.k8s.api.apps.v1.Deployment')!;
    expect(deployment.msg(SCHEMA.type).strs(1)).toEqual(['object']);
    expect(deployment.str(SCHEMA.description)).toBe('Deployment enables declarative updates for Pods and ReplicaSets.');
    expect(extensions(deployment, SCHEMA.ext)).toEqual({ 'x-kubernetes-group-version-kind': [GVK] });
    const specRef = deployment.msg(SCHEMA.properties).named(1).get('spec')!;
    expect(specRef.str(SCHEMA.ref)).toBe('#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
    expect(specRef.str(SCHEMA.description)).toBe('Desired behavior.');
    expect(specRef.has(SCHEMA.type)).toBe(false);

    const spec = defs.get('io.k8s.api.apps.v1.DeploymentSpec')!;
    expect(spec.strs(SCHEMA.required)).toEqual(['selector', 'template']);
    const props = spec.msg(SCHEMA.properties).named(1);

    const replicas = props.get('replicas')!;
    expect(replicas.msg(SCHEMA.type).strs(1)).toEqual(['integer']);
    expect(replicas.str(SCHEMA.format)).toBe('int32');
    expect(anyValue(replicas.msg(SCHEMA.default))).toBe(1);
    expect(replicas.has(SCHEMA.minimum)).toBe(false); // proto3: zero is not written
    expect(replicas.double(SCHEMA.maximum)).toBe(2.5);
    expect(replicas.bool(SCHEMA.exclusiveMaximum)).toBe(true);

    const containers = props.get('containers')!;
    expect(containers.msg(SCHEMA.type).strs(1)).toEqual(['array']);
    const items = containers.msg(SCHEMA.items).msgs(1); // ItemsItem.schema, repeated
    expect(items).toHaveLength(1);
    expect(items[0]!.str(SCHEMA.ref)).toBe('#/definitions/io.k8s.api.core.v1.Container');
    expect(extensions(containers, SCHEMA.ext)).toEqual({
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });

    const labels = props.get('labels')!;
    const ap = labels.msg(SCHEMA.additionalProperties);
    expect(ap.has(2)).toBe(false);
    expect(ap.msg(1).msg(SCHEMA.type).strs(1)).toEqual(['string']);
    expect(labels.has(SCHEMA.properties)).toBe(false);
    expect(extensions(labels, SCHEMA.ext)).toEqual({ 'x-kubernetes-map-type': 'granular' });

    // additionalProperties: false is the oneof's boolean member, written although false
    const closed = props.get('closed')!.msg(SCHEMA.additionalProperties);
    expect(closed.fields).toEqual([{ no: 2, wire: 0, varint: 0n }]);

    const port = props.get('port')!;
    expect(port.msg(SCHEMA.type).strs(1)).toEqual(['string']);
    expect(port.str(SCHEMA.format)).toBe('int-or-string');
    expect(extensions(port, SCHEMA.ext)).toEqual({ 'x-kubernetes-int-or-string': true });

    const policy = props.get('policy')!;
    expect(policy.msgs(SCHEMA.enum).map(anyValue)).toEqual(['Always', 'Never', 7, null]);
    expect(policy.str(SCHEMA.pattern)).toBe('^[A-Z]');
    expect(policy.int64(SCHEMA.maxLength)).toBe(63);
    expect(anyValue(policy.msg(SCHEMA.example))).toEqual({ a: [1, 'b'] });

    // An empty properties map is still present (kubectl tells a kind from a map by it).
    const empty = props.get('empty')!;
    expect(empty.msg(SCHEMA.properties).fields).toEqual([]);

    const union = props.get('union')!;
    expect(union.msgs(SCHEMA.allOf).map((s) => s.str(SCHEMA.ref))).toEqual(['#/definitions/x']);
    expect(union.bool(SCHEMA.readOnly)).toBe(true);
    expect(extensions(union, SCHEMA.ext)).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(union.fields.map((f) => f.no).sort((a, b) => a - b)).toEqual([SCHEMA.allOf, SCHEMA.readOnly, SCHEMA.ext]); // anyOf has no field

    const delta = props.get('delta')!;
    expect(delta.double(SCHEMA.minimum)).toBe(-5);
    expect(anyValue(delta.msg(SCHEMA.default))).toBe(-3);
  });

  it('encodes negative int64 as ten-byte two’s complement and multi-byte lengths', () => {
    const long = 'x'.repeat(70_000);
    const m = new Msg(encodeOpenAPIv2({ definitions: { a: { description: long, minLength: -1, maxLength: 300 } } }));
    const a = m.msg(DOC.definitions).named(1).get('a')!;
    expect(a.str(SCHEMA.description)).toBe(long);
    expect(a.int64(12)).toBe(-1);
    expect(a.all(12)[0]!.varint).toBe(2n ** 64n - 1n);
    expect(a.int64(SCHEMA.maxLength)).toBe(300);
  });

  it('encodes the document the server publishes for the apps group', () => {
    const registry = new Registry();
    for (const t of appsResources()) registry.add(t);
    const json = JSON.parse(new OpenAPIDocuments(registry, 'v1.33.0-kubefed').v2()) as Record<string, unknown>;
    const m = new Msg(encodeOpenAPIv2(json));
    const defs = m.msg(DOC.definitions).named(1);
    expect([...defs.keys()]).toEqual(Object.keys(json.definitions as object));
    const paths = m.msg(DOC.paths).named(2);
    expect([...paths.keys()]).toEqual(Object.keys(json.paths as object));

    // What kubectl's field-validation probe looks for: a PATCH operation for the kind, with the query parameter.
    const patchOps = [...paths.values()].filter((p) => p.has(PATH_ITEM.patch)).map((p) => p.msg(PATH_ITEM.patch));
    const forDeployment = patchOps.filter((op) => {
      const gvk = extensions(op, OP.ext)['x-kubernetes-group-version-kind'] as Record<string, string> | undefined;
      return gvk?.kind === 'Deployment' && gvk.group === 'apps' && gvk.version === 'v1';
    });
    expect(forDeployment.length).toBeGreaterThan(0);
    const names = forDeployment[0]!.msgs(OP.parameters).map((p) => (p.has(1) && p.msg(1).has(2) && p.msg(1).msg(2).has(3) ? p.msg(1).msg(2).msg(3).str(4) : ''));
    expect(names).toContain('fieldValidation');

    // Every reference in the encoded definitions names an encoded definition.
    const refs: string[] = [];
    const walk = (s: Msg) => {
      if (s.has(SCHEMA.ref)) refs.push(s.str(SCHEMA.ref));
      if (s.has(SCHEMA.properties)) for (const p of s.msg(SCHEMA.properties).named(1).values()) walk(p);
      if (s.has(SCHEMA.items)) for (const i of s.msg(SCHEMA.items).msgs(1)) walk(i);
      if (s.has(SCHEMA.additionalProperties) && s.msg(SCHEMA.additionalProperties).has(1)) walk(s.msg(SCHEMA.additionalProperties).msg(1));
      for (const x of s.msgs(SCHEMA.allOf)) walk(x);
    };
    for (const d of defs.values()) walk(d);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(defs.has(r.replace('#/definitions/', '')), r).toBe(true);
  });
});
