/**
 * The Swagger 2.0 document in the binary form client-go asks for
 * (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): the protobuf message
 * `openapi.v2.Document` of google/gnostic. kubectl decodes it to build its schema models (explain,
 * client-side validation, strategic-merge patch metadata) and to look for the fieldValidation query
 * parameter on PATCH operations.
 *
 * The encoder walks the JSON document with a small table per message (JSON key -> field number and
 * kind). Conventions gnostic uses when it compiles JSON to this message, which we follow:
 * - maps become repeated (name = 1, value = 2) pairs, in document order;
 * - keys starting with `x-` become vendor extensions: the same pairs with an `Any` value;
 * - arbitrary values (default, enum entries, example, vendor extension values) are an `Any` whose
 *   `yaml` field (2) holds the value as YAML text; we write JSON, which is YAML;
 * - a sub-message present in the JSON is written even when empty (kubectl tells a kind from a map by
 *   whether `properties` is set), and a oneof member is written even when it holds a default value.
 * Keywords the message has no field for (anyOf, oneOf, not, nullable, ...) are dropped.
 */

/** The media type client-go puts in `Accept` for the protobuf document. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/**
 * The `Content-Type` to answer with (kube-openapi does the same, and accepts it in `Accept` too):
 * `@` is not a token character, so Go's mime.ParseMediaType, which client-go runs on every response,
 * rejects OPENAPI_V2_PROTOBUF ("mime: unexpected content after media subtype").
 */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Json = Record<string, unknown>;

/** Protobuf wire-format writer; a nested message is written in place and its length prefix inserted at the end. */
class ProtoWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private len = 0;
  private readonly starts: number[] = [];
  private readonly header = Buffer.allocUnsafe(20);

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Varint of a non-negative integer below 2^53, into `target` at `at`; returns the end offset. */
  private static varintAt(target: Buffer, at: number, n: number): number {
    while (n >= 0x80) {
      target[at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    target[at++] = n;
    return at;
  }

  private varint(n: number): void {
    this.ensure(10);
    this.len = ProtoWriter.varintAt(this.buf, this.len, n);
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  int64(field: number, n: number): void {
    this.tag(field, 0);
    if (n >= 0) return this.varint(n);
    // Negative int64: two's complement, always ten bytes.
    let v = BigInt.asUintN(64, BigInt(n));
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  bool(field: number, b: boolean): void {
    this.tag(field, 0);
    this.varint(b ? 1 : 0);
  }

  double(field: number, d: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.len);
    this.len += 8;
  }

  string(field: number, s: string): void {
    this.tag(field, 2);
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  /** Starts a length-delimited sub-message; `end(field)` closes it. */
  begin(): void {
    this.starts.push(this.len);
  }

  end(field: number): void {
    const start = this.starts.pop()!;
    const size = this.len - start;
    let h = ProtoWriter.varintAt(this.header, 0, field * 8 + 2);
    h = ProtoWriter.varintAt(this.header, h, size);
    this.ensure(h);
    this.buf.copyWithin(start + h, start, this.len);
    this.header.copy(this.buf, start, 0, h);
    this.len += h;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** Writes the fields of one message from a JSON value. */
type Encoder = (w: ProtoWriter, v: unknown) => void;
type Kind = 'string' | 'strings' | 'bool' | 'double' | 'int64' | 'any' | 'anys' | Encoder | { repeated: Encoder };
interface MessageSpec {
  /** JSON key -> [field number, kind]. */
  fields: Record<string, readonly [number, Kind]>;
  /** Field number of `repeated NamedAny vendor_extension`, for `x-` keys. */
  ext?: number;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function sub(w: ProtoWriter, field: number, enc: Encoder, v: unknown): void {
  w.begin();
  enc(w, v);
  w.end(field);
}

/** gnostic `Any`: the value as YAML (JSON text) in field 2. */
function anyValue(w: ProtoWriter, v: unknown): void {
  w.string(2, JSON.stringify(v) ?? 'null');
}

function writeField(w: ProtoWriter, field: number, kind: Kind, v: unknown): void {
  if (v === undefined || v === null) return;
  switch (kind) {
    case 'string':
      if (typeof v === 'string' && v !== '') w.string(field, v);
      return;
    case 'strings':
      for (const s of Array.isArray(v) ? v : [v]) if (typeof s === 'string') w.string(field, s);
      return;
    case 'bool':
      if (v === true) w.bool(field, true);
      return;
    case 'double':
      if (typeof v === 'number' && v !== 0 && Number.isFinite(v)) w.double(field, v);
      return;
    case 'int64':
      if (typeof v === 'number' && Number.isSafeInteger(v) && v !== 0) w.int64(field, v);
      return;
    case 'any':
      sub(w, field, anyValue, v);
      return;
    case 'anys':
      if (Array.isArray(v)) for (const x of v) sub(w, field, anyValue, x);
      return;
    default:
      if (typeof kind === 'function') sub(w, field, kind, v);
      else if (Array.isArray(v)) for (const x of v) sub(w, field, kind.repeated, x);
  }
}

function vendorExtension(w: ProtoWriter, field: number, name: string, v: unknown): void {
  if (v === undefined) return;
  w.begin();
  w.string(1, name);
  sub(w, 2, anyValue, v);
  w.end(field);
}

/** Encoder for a message described by `spec` (a thunk, so that messages can refer to each other; read once). */
function message(spec: () => MessageSpec): Encoder {
  let fields: Array<readonly [string, number, Kind]> | undefined;
  let ext: number | undefined;
  return (w, v) => {
    if (!isObject(v)) return;
    if (!fields) {
      const s = spec();
      fields = Object.entries(s.fields).map(([key, [field, kind]]) => [key, field, kind] as const);
      ext = s.ext;
    }
    for (const [key, field, kind] of fields) writeField(w, field, kind, v[key]);
    if (ext !== undefined) for (const k in v) if (k.startsWith('x-')) vendorExtension(w, ext, k, v[k]);
  };
}

/** A map as repeated (name = 1, value = 2) pairs in field `field`, skipping `x-` keys when `ext` is given (written there instead). */
function namedPairs(w: ProtoWriter, v: unknown, field: number, value: Encoder, ext?: number): void {
  if (!isObject(v)) return;
  for (const [k, x] of Object.entries(v)) {
    if (ext !== undefined && k.startsWith('x-')) {
      vendorExtension(w, ext, k, x);
      continue;
    }
    if (x === undefined) continue;
    w.begin();
    w.string(1, k);
    sub(w, 2, value, x);
    w.end(field);
  }
}

/** A message whose only field (1) is a map. */
const mapMessage =
  (value: Encoder): Encoder =>
  (w, v) =>
    namedPairs(w, v, 1, value);

// ---- Messages -------------------------------------------------------------------------------

const externalDocs = message(() => ({ fields: { description: [1, 'string'], url: [2, 'string'] }, ext: 3 }));
const contact = message(() => ({ fields: { name: [1, 'string'], url: [2, 'string'], email: [3, 'string'] }, ext: 4 }));
const license = message(() => ({ fields: { name: [1, 'string'], url: [2, 'string'] }, ext: 3 }));
const info = message(() => ({
  fields: { title: [1, 'string'], version: [2, 'string'], description: [3, 'string'], termsOfService: [4, 'string'], contact: [5, contact], license: [6, license] },
  ext: 7,
}));
const tag = message(() => ({ fields: { name: [1, 'string'], description: [2, 'string'], externalDocs: [3, externalDocs] }, ext: 4 }));
const xml = message(() => ({
  fields: { name: [1, 'string'], namespace: [2, 'string'], prefix: [3, 'string'], attribute: [4, 'bool'], wrapped: [5, 'bool'] },
  ext: 6,
}));
const jsonReference = message(() => ({ fields: { $ref: [1, 'string'], description: [2, 'string'] } }));

/** AdditionalPropertiesItem: oneof schema = 1 | boolean = 2. */
const additionalPropertiesItem: Encoder = (w, v) => {
  if (typeof v === 'boolean') w.bool(2, v);
  else if (isObject(v)) sub(w, 1, schema, v);
};
/** TypeItem / StringArray: repeated string value = 1. */
const stringArray: Encoder = (w, v) => writeField(w, 1, 'strings', v);
/** ItemsItem: repeated Schema schema = 1. */
const itemsItem: Encoder = (w, v) => {
  for (const s of Array.isArray(v) ? v : [v]) sub(w, 1, schema, s);
};

const schema: Encoder = message(() => ({
  fields: {
    $ref: [1, 'string'],
    format: [2, 'string'],
    title: [3, 'string'],
    description: [4, 'string'],
    default: [5, 'any'],
    multipleOf: [6, 'double'],
    maximum: [7, 'double'],
    exclusiveMaximum: [8, 'bool'],
    minimum: [9, 'double'],
    exclusiveMinimum: [10, 'bool'],
    maxLength: [11, 'int64'],
    minLength: [12, 'int64'],
    pattern: [13, 'string'],
    maxItems: [14, 'int64'],
    minItems: [15, 'int64'],
    uniqueItems: [16, 'bool'],
    maxProperties: [17, 'int64'],
    minProperties: [18, 'int64'],
    required: [19, 'strings'],
    enum: [20, 'anys'],
    additionalProperties: [21, additionalPropertiesItem],
    type: [22, stringArray],
    items: [23, itemsItem],
    allOf: [24, { repeated: (w, v) => schema(w, v) }],
    properties: [25, mapMessage((w, v) => schema(w, v))],
    discriminator: [26, 'string'],
    readOnly: [27, 'bool'],
    xml: [28, xml],
    externalDocs: [29, externalDocs],
    example: [30, 'any'],
  },
  ext: 31,
}));

/** SchemaItem: oneof schema = 1 | file_schema = 2; gnostic reads every response schema as a Schema. */
const schemaItem: Encoder = (w, v) => sub(w, 1, schema, v);

/**
 * The primitive keywords shared by PrimitivesItems, Header and the non-body parameters, in field
 * order; each message numbers them consecutively from its own first number.
 */
const PRIMITIVE_KEYS: ReadonlyArray<readonly [string, Kind | 'items']> = [
  ['type', 'string'],
  ['format', 'string'],
  ['items', 'items'],
  ['collectionFormat', 'string'],
  ['default', 'any'],
  ['maximum', 'double'],
  ['exclusiveMaximum', 'bool'],
  ['minimum', 'double'],
  ['exclusiveMinimum', 'bool'],
  ['maxLength', 'int64'],
  ['minLength', 'int64'],
  ['pattern', 'string'],
  ['maxItems', 'int64'],
  ['minItems', 'int64'],
  ['uniqueItems', 'bool'],
  ['enum', 'anys'],
  ['multipleOf', 'double'],
];

function primitiveFields(first: number): MessageSpec['fields'] {
  return Object.fromEntries(PRIMITIVE_KEYS.map(([k, kind], i) => [k, [first + i, kind === 'items' ? primitivesItems : kind] as const]));
}

const primitivesItems: Encoder = message(() => ({ fields: primitiveFields(1), ext: 18 }));
const header = message(() => ({ fields: { ...primitiveFields(1), description: [18, 'string'] }, ext: 19 }));
const PARAM_HEAD = { required: [1, 'bool'], in: [2, 'string'], description: [3, 'string'], name: [4, 'string'] } as const;
/** QueryParameterSubSchema and FormDataParameterSubSchema (same numbering). */
const queryLikeParameter = message(() => ({ fields: { ...PARAM_HEAD, allowEmptyValue: [5, 'bool'], ...primitiveFields(6) }, ext: 23 }));
/** HeaderParameterSubSchema and PathParameterSubSchema (same numbering). */
const headerLikeParameter = message(() => ({ fields: { ...PARAM_HEAD, ...primitiveFields(5) }, ext: 22 }));
const bodyParameter = message(() => ({
  fields: { description: [1, 'string'], name: [2, 'string'], in: [3, 'string'], required: [4, 'bool'], schema: [5, schema] },
  ext: 6,
}));

/** NonBodyParameter: oneof header = 1 | form_data = 2 | query = 3 | path = 4. */
const NON_BODY: Record<string, readonly [number, Encoder]> = {
  header: [1, headerLikeParameter],
  formData: [2, queryLikeParameter],
  query: [3, queryLikeParameter],
  path: [4, headerLikeParameter],
};

/** Parameter: oneof body_parameter = 1 | non_body_parameter = 2. */
const parameter: Encoder = (w, v) => {
  if (!isObject(v)) return;
  if (v.in === 'body') return sub(w, 1, bodyParameter, v);
  const member = NON_BODY[String(v.in)];
  if (!member) return;
  w.begin();
  sub(w, member[0], member[1], v);
  w.end(2);
};

/** ParametersItem: oneof parameter = 1 | json_reference = 2. */
const parametersItem: Encoder = (w, v) => {
  if (!isObject(v)) return;
  if (typeof v.$ref === 'string') sub(w, 2, jsonReference, v);
  else sub(w, 1, parameter, v);
};

const response = message(() => ({
  fields: { description: [1, 'string'], schema: [2, schemaItem], headers: [3, mapMessage(header)], examples: [4, mapMessage(anyValue)] },
  ext: 5,
}));

/** ResponseValue: oneof response = 1 | json_reference = 2. */
const responseValue: Encoder = (w, v) => {
  if (!isObject(v)) return;
  if (typeof v.$ref === 'string') sub(w, 2, jsonReference, v);
  else sub(w, 1, response, v);
};

/** Responses: repeated NamedResponseValue response_code = 1, vendor_extension = 2. */
const responses: Encoder = (w, v) => namedPairs(w, v, 1, responseValue, 2);

/** SecurityRequirement: repeated NamedStringArray = 1. */
const securityRequirement = mapMessage(stringArray);

const operation = message(() => ({
  fields: {
    tags: [1, 'strings'],
    summary: [2, 'string'],
    description: [3, 'string'],
    externalDocs: [4, externalDocs],
    operationId: [5, 'string'],
    produces: [6, 'strings'],
    consumes: [7, 'strings'],
    parameters: [8, { repeated: parametersItem }],
    responses: [9, responses],
    schemes: [10, 'strings'],
    deprecated: [11, 'bool'],
    security: [12, { repeated: securityRequirement }],
  },
  ext: 13,
}));

const pathItem = message(() => ({
  fields: {
    $ref: [1, 'string'],
    get: [2, operation],
    put: [3, operation],
    post: [4, operation],
    delete: [5, operation],
    options: [6, operation],
    head: [7, operation],
    patch: [8, operation],
    parameters: [9, { repeated: parametersItem }],
  },
  ext: 10,
}));

/** Paths: vendor_extension = 1, repeated NamedPathItem path = 2. */
const paths: Encoder = (w, v) => namedPairs(w, v, 2, pathItem, 1);

const SECURITY_HEAD = { type: [1, 'string'] } as const;
/** Oauth2Scopes: repeated NamedString (name = 1, value = 2 as a plain string) = 1. */
const oauth2Scopes: Encoder = (w, v) => {
  if (!isObject(v)) return;
  for (const [k, x] of Object.entries(v)) {
    w.begin();
    w.string(1, k);
    if (typeof x === 'string') w.string(2, x);
    w.end(1);
  }
};
/** oauth2 flows: [field of SecurityDefinitionsItem, message spec]. */
const OAUTH2_FLOWS: Record<string, readonly [number, Encoder]> = {
  implicit: [3, message(() => ({ fields: { ...SECURITY_HEAD, flow: [2, 'string'], scopes: [3, oauth2Scopes], authorizationUrl: [4, 'string'], description: [5, 'string'] }, ext: 6 }))],
  password: [4, message(() => ({ fields: { ...SECURITY_HEAD, flow: [2, 'string'], scopes: [3, oauth2Scopes], tokenUrl: [4, 'string'], description: [5, 'string'] }, ext: 6 }))],
  application: [5, message(() => ({ fields: { ...SECURITY_HEAD, flow: [2, 'string'], scopes: [3, oauth2Scopes], tokenUrl: [4, 'string'], description: [5, 'string'] }, ext: 6 }))],
  accessCode: [
    6,
    message(() => ({
      fields: { ...SECURITY_HEAD, flow: [2, 'string'], scopes: [3, oauth2Scopes], authorizationUrl: [4, 'string'], tokenUrl: [5, 'string'], description: [6, 'string'] },
      ext: 7,
    })),
  ],
};
const basicSecurity = message(() => ({ fields: { ...SECURITY_HEAD, description: [2, 'string'] }, ext: 3 }));
const apiKeySecurity = message(() => ({ fields: { ...SECURITY_HEAD, name: [2, 'string'], in: [3, 'string'], description: [4, 'string'] }, ext: 5 }));

/** SecurityDefinitionsItem: oneof basic = 1 | api_key = 2 | oauth2 implicit = 3 | password = 4 | application = 5 | access_code = 6. */
const securityDefinitionsItem: Encoder = (w, v) => {
  if (!isObject(v)) return;
  if (v.type === 'basic') return sub(w, 1, basicSecurity, v);
  if (v.type === 'apiKey') return sub(w, 2, apiKeySecurity, v);
  const flow = v.type === 'oauth2' ? OAUTH2_FLOWS[String(v.flow)] : undefined;
  if (flow) sub(w, flow[0], flow[1], v);
};

const document = message(() => ({
  fields: {
    swagger: [1, 'string'],
    info: [2, info],
    host: [3, 'string'],
    basePath: [4, 'string'],
    schemes: [5, 'strings'],
    consumes: [6, 'strings'],
    produces: [7, 'strings'],
    paths: [8, paths],
    definitions: [9, mapMessage(schema)],
    parameters: [10, mapMessage(parameter)],
    responses: [11, mapMessage(response)],
    security: [12, { repeated: securityRequirement }],
    securityDefinitions: [13, mapMessage(securityDefinitionsItem)],
    tags: [14, { repeated: tag }],
    externalDocs: [15, externalDocs],
  },
  ext: 16,
}));

/** The gnostic `openapi.v2.Document` protobuf encoding of a Swagger 2.0 JSON document. */
export function encodeOpenAPIv2(doc: Record<string, unknown>): Buffer {
  const w = new ProtoWriter();
  document(w, doc);
  return w.finish();
}
