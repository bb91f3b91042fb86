/**
 * Decodes Kubernetes protobuf request bodies (Content-Type: application/vnd.kubernetes.protobuf) into the
 * JSON object a JSON client would have sent for the same Go value.
 *
 * Wire format: the 4-byte magic "k8s\0", then a runtime.Unknown { 1: typeMeta { 1: apiVersion, 2: kind },
 * 2: raw (the object's own message), 3: contentEncoding, 4: contentType }. The object's message layout is
 * in ./messages.ts (generated from the descriptors and Go struct tags that kubectl itself carries).
 *
 * Zero values. Go's gogo-protobuf writes every non-pointer field, zero or not, and only non-nil pointers,
 * slices and maps. The decoder reproduces what encoding/json makes of the same Go value:
 *  - a field marked omitZero (a non-pointer scalar tagged omitempty) is dropped when it holds its zero
 *    value ('' / 0 / false / empty bytes) — e.g. DeploymentSpec.paused=false, ObjectMeta.namespace='';
 *  - every other scalar that is on the wire is kept, zero or not: pointers (replicas: 0,
 *    storageClassName: '') and required fields (containerPort: 0);
 *  - nested messages on the wire are kept, {} when empty (resources: {}, strategy: {}), except a zero
 *    meta/v1 Time or MicroTime (empty message, or the Go zero time), which is dropped where JSON has null;
 *  - absent repeated fields and maps stay absent (JSON would have omitted them or written null).
 * Fields embedded with `json:",inline"` (Volume.volumeSource, Probe.handler, ...) are merged into the
 * parent. Unknown field numbers are skipped. Any malformed input is a 400 BadRequest StatusError.
 */
import { badRequest, type StatusError } from '../errors.js';
import { ARRAY_WRAPPERS, KINDS, MESSAGES, type FieldSpec } from './messages.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const MAX_DEPTH = 100;
/** Seconds of Go's zero time.Time (0001-01-01T00:00:00Z) since the Unix epoch. */
const GO_ZERO_TIME_SECONDS = -62135596800;

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1.';
const SPECIAL: Readonly<Record<string, (r: Reader) => unknown>> = {
  [`${META}Time`]: (r) => decodeTime(r, false),
  [`${META}MicroTime`]: (r) => decodeTime(r, true),
  [`${META}Duration`]: decodeDuration,
  [`${META}FieldsV1`]: decodeEmbeddedJSON,
  'k8s.io.apimachinery.pkg.runtime.RawExtension': decodeEmbeddedJSON,
  'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON': decodeEmbeddedJSON,
  'k8s.io.apimachinery.pkg.api.resource.Quantity': decodeQuantity,
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': decodeIntOrString,
};

/** True for application/vnd.kubernetes.protobuf, with or without parameters. */
export function isProtobufContentType(ct: string | undefined | null): boolean {
  if (!ct) return false;
  return ct.split(';', 1)[0]!.trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

/** Decodes a whole Kubernetes protobuf body (magic + runtime.Unknown) into a JSON object. */
export function decodeKubernetesProtobuf(body: Buffer | Uint8Array): DecodedObject {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw invalid('missing the "k8s\\x00" prefix');
  }
  const r = new Reader(buf, MAGIC.length, buf.length);
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  let contentEncoding = '';
  let contentType = '';
  while (!r.done()) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WIRE_LEN) {
      const tm = r.sub();
      while (!tm.done()) {
        const [f, wt] = tm.tag();
        if (f === 1 && wt === WIRE_LEN) apiVersion = tm.string();
        else if (f === 2 && wt === WIRE_LEN) kind = tm.string();
        else tm.skip(wt);
      }
    } else if (field === 2 && wireType === WIRE_LEN) raw = r.bytes();
    else if (field === 3 && wireType === WIRE_LEN) contentEncoding = r.string();
    else if (field === 4 && wireType === WIRE_LEN) contentType = r.string();
    else r.skip(wireType);
  }
  if (contentEncoding) throw invalid(`unsupported content encoding "${contentEncoding}"`);
  if (contentType && !isProtobufContentType(contentType)) throw invalid(`unsupported content type "${contentType}"`);
  if (!kind) throw invalid('object has no kind');
  const message = messageForKind(apiVersion, kind);
  if (!message) {
    throw badRequest(`invalid protobuf body: no kind "${kind}" is registered for version "${apiVersion}" in protobuf decoding`);
  }
  const fields = decodeMessage(new Reader(raw, 0, raw.length), message, 0) as Record<string, unknown>;
  return { apiVersion, kind, object: { kind, apiVersion, ...fields } };
}

/** The proto message for a top-level kind; DeleteOptions is registered in every group version. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  const found = KINDS[`${apiVersion}/${kind}`];
  if (found) return found;
  if (kind === 'DeleteOptions' && apiVersion) return `${META}DeleteOptions`;
  return undefined;
}

/** Decodes one message's bytes (no magic, no envelope) by its full proto name. */
export function decodeProtobufMessage(bytes: Buffer, message: string): unknown {
  if (!MESSAGES[message] && !SPECIAL[message]) throw invalid(`unknown message ${message}`);
  return decodeMessage(new Reader(bytes, 0, bytes.length), message, 0);
}

// ---------------------------------------------------------------- wire reader

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

function invalid(why: string): StatusError {
  return badRequest(`invalid protobuf body: ${why}`);
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  done(): boolean {
    return this.pos >= this.end;
  }

  /** An unsigned varint of up to 64 bits. */
  varint(): bigint | number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) throw invalid('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) return result;
      mul *= 128;
    }
    // More than 49 bits (large or negative values): continue exactly.
    let big = BigInt(result);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (this.pos >= this.end) throw invalid('truncated varint');
      const b = this.buf[this.pos++]!;
      big |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return BigInt.asUintN(64, big);
      shift += 7n;
    }
    throw invalid('varint longer than 10 bytes');
  }

  tag(): [field: number, wireType: number] {
    const v = this.varint();
    const n = typeof v === 'number' ? v : Number(v);
    const field = Math.floor(n / 8);
    if (field < 1 || field > 0x1fffffff) throw invalid(`bad field number ${field}`);
    return [field, n & 7];
  }

  length(): number {
    const v = this.varint();
    const n = typeof v === 'number' ? v : Number(v);
    if (n > this.end - this.pos) throw invalid('length-delimited field runs past the end of its message');
    return n;
  }

  bytes(): Buffer {
    const n = this.length();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    return this.bytes().toString('utf8');
  }

  sub(): Reader {
    const n = this.length();
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  fixed(n: 4 | 8): number {
    if (this.end - this.pos < n) throw invalid('truncated fixed-width field');
    const v = n === 4 ? this.buf.readFloatLE(this.pos) : this.buf.readDoubleLE(this.pos);
    this.pos += n;
    return v;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.fixed(8);
        return;
      case WIRE_LEN: {
        const n = this.length(); // read before adding: `this.pos += this.length()` would use the old pos
        this.pos += n;
        return;
      }
      case WIRE_FIXED32:
        this.fixed(4);
        return;
      default:
        throw invalid(`unsupported wire type ${wireType}`);
    }
  }
}

// ---------------------------------------------------------------- scalars

const SCALAR_WIRE: Readonly<Record<string, number>> = {
  string: WIRE_LEN,
  bytes: WIRE_LEN,
  int32: WIRE_VARINT,
  int64: WIRE_VARINT,
  bool: WIRE_VARINT,
  double: WIRE_FIXED64,
  float: WIRE_FIXED32,
};

function int64(v: bigint | number): number {
  if (typeof v === 'number') return v;
  const signed = BigInt.asIntN(64, v);
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw invalid(`integer ${signed} is out of the range JSON numbers can carry exactly`);
  }
  return Number(signed);
}

function int32(v: bigint | number): number {
  return typeof v === 'number' ? v | 0 : Number(BigInt.asIntN(32, v));
}

function readScalar(r: Reader, type: string): unknown {
  switch (type) {
    case 'string':
      return r.string();
    case 'bytes':
      return r.bytes().toString('base64');
    case 'int32':
      return int32(r.varint());
    case 'int64':
      return int64(r.varint());
    case 'bool': {
      const v = r.varint();
      return v !== 0 && v !== 0n;
    }
    case 'double':
      return r.fixed(8);
    case 'float':
      return r.fixed(4);
    default:
      throw invalid(`unsupported scalar type ${type}`);
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

// ---------------------------------------------------------------- messages

function decodeMessage(r: Reader, message: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw invalid('objects nested too deeply');
  const special = SPECIAL[message];
  if (special) return special(r);
  const spec = MESSAGES[message];
  if (!spec) throw invalid(`unknown message ${message}`);
  if (ARRAY_WRAPPERS.has(message)) {
    const items: unknown[] = [];
    const itemSpec = spec[1]!;
    while (!r.done()) {
      const [field, wireType] = r.tag();
      if (field === 1) readField(r, wireType, itemSpec, items, depth);
      else r.skip(wireType);
    }
    return items;
  }
  const out: Record<string, unknown> = {};
  while (!r.done()) {
    const [field, wireType] = r.tag();
    const f = spec[field];
    if (!f) {
      r.skip(wireType);
      continue;
    }
    if (f.map) {
      if (wireType !== WIRE_LEN) throw invalid(`field ${f.name} of ${message}: wrong wire type ${wireType}`);
      const [key, value] = readMapEntry(r.sub(), f, depth);
      const m = (out[f.name] ??= {}) as Record<string, unknown>;
      m[key] = value;
    } else if (f.repeated) {
      readField(r, wireType, f, (out[f.name] ??= []) as unknown[], depth);
    } else {
      const one: unknown[] = [];
      readField(r, wireType, f, one, depth);
      const v = one[one.length - 1];
      if (f.inline) {
        if (v && typeof v === 'object') Object.assign(out, v);
      } else if (v === undefined || (f.omitZero && isZero(v))) {
        delete out[f.name];
      } else {
        out[f.name] = v;
      }
    }
  }
  return out;
}

/** Reads one occurrence of a (possibly repeated) non-map field, pushing its value(s) onto `into`. */
function readField(r: Reader, wireType: number, f: FieldSpec, into: unknown[], depth: number): void {
  const scalarWire = SCALAR_WIRE[f.type];
  if (scalarWire === undefined) {
    if (wireType !== WIRE_LEN) throw invalid(`field ${f.name}: wrong wire type ${wireType} for a message`);
    const v = decodeMessage(r.sub(), f.type, depth + 1);
    if (v !== undefined || f.repeated) into.push(v ?? null);
    return;
  }
  if (wireType === scalarWire) {
    into.push(readScalar(r, f.type));
  } else if (f.repeated && wireType === WIRE_LEN && scalarWire !== WIRE_LEN) {
    // packed repeated scalars
    const p = r.sub();
    while (!p.done()) into.push(readScalar(p, f.type));
  } else {
    throw invalid(`field ${f.name}: wrong wire type ${wireType} for ${f.type}`);
  }
}

function readMapEntry(r: Reader, f: FieldSpec, depth: number): [string, unknown] {
  const valueType = f.map!.value;
  let key = '';
  let value: unknown;
  let seen = false;
  while (!r.done()) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WIRE_LEN) key = r.string();
    else if (field === 2) {
      const one: unknown[] = [];
      readField(r, wireType, { name: `${f.name}[${key}]`, type: valueType }, one, depth);
      value = one[0];
      seen = true;
    } else r.skip(wireType);
  }
  if (!seen) value = zeroValue(valueType, depth);
  return [key, value ?? null];
}

/** A map entry without a value field holds the value type's zero value. */
function zeroValue(type: string, depth: number): unknown {
  switch (type) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
    case 'double':
    case 'float':
      return 0;
    default:
      return decodeMessage(new Reader(Buffer.alloc(0), 0, 0), type, depth + 1);
  }
}

// ---------------------------------------------------------------- well-known Kubernetes messages

function decodeTime(r: Reader, micro: boolean): string | undefined {
  let seconds: number | undefined;
  let nanos = 0;
  while (!r.done()) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WIRE_VARINT) seconds = int64(r.varint());
    else if (field === 2 && wireType === WIRE_VARINT) nanos = int32(r.varint());
    else r.skip(wireType);
  }
  if (seconds === undefined && nanos === 0) return undefined;
  seconds ??= 0;
  if (seconds === GO_ZERO_TIME_SECONDS && nanos === 0) return undefined;
  const ms = seconds * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) throw invalid(`time ${seconds}s is out of range`);
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const base = iso.slice(0, iso.indexOf('.'));
  if (!micro) return `${base}Z`;
  const us = Math.floor(Math.max(0, Math.min(nanos, 999_999_999)) / 1000);
  return `${base}.${String(us).padStart(6, '0')}Z`;
}

function decodeDuration(r: Reader): string {
  let ns = 0n;
  while (!r.done()) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WIRE_VARINT) {
      const v = r.varint();
      ns = BigInt.asIntN(64, BigInt(v));
    } else r.skip(wireType);
  }
  return goDuration(ns);
}

/** Go's time.Duration.String(). */
export function goDuration(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  const frac = (v: bigint, prec: number): [string, bigint] => {
    let s = '';
    let printed = false;
    for (let i = 0; i < prec; i++) {
      const digit = v % 10n;
      printed ||= digit !== 0n;
      if (printed) s = `${digit}${s}`;
      v /= 10n;
    }
    return [printed ? `.${s}` : '', v];
  };
  if (u < 1_000_000_000n) {
    let prec: number;
    let unit: string;
    if (u < 1000n) [prec, unit] = [0, 'ns'];
    else if (u < 1_000_000n) [prec, unit] = [3, 'µs'];
    else [prec, unit] = [6, 'ms'];
    const [f, whole] = frac(u, prec);
    out = `${whole}${f}${unit}`;
  } else {
    const [f, secs] = frac(u, 9);
    u = secs;
    out = `${u % 60n}${f}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** RawExtension, FieldsV1, apiextensions JSON: { 1: raw bytes } holding JSON (or a nested k8s protobuf). */
function decodeEmbeddedJSON(r: Reader): unknown {
  let raw: Buffer | undefined;
  while (!r.done()) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WIRE_LEN) raw = r.bytes();
    else r.skip(wireType);
  }
  if (!raw || raw.length === 0) return undefined;
  if (raw.length >= MAGIC.length && raw.subarray(0, MAGIC.length).equals(MAGIC)) {
    return decodeKubernetesProtobuf(raw).object;
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw invalid('embedded raw object is not valid JSON');
  }
}

function decodeQuantity(r: Reader): string {
  let s = '0';
  while (!r.done()) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WIRE_LEN) s = r.string();
    else r.skip(wireType);
  }
  return s;
}

function decodeIntOrString(r: Reader): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (!r.done()) {
    const [field, wireType] = r.tag();
    if (field === 1 && wireType === WIRE_VARINT) type = int64(r.varint());
    else if (field === 2 && wireType === WIRE_VARINT) intVal = int32(r.varint());
    else if (field === 3 && wireType === WIRE_LEN) strVal = r.string();
    else r.skip(wireType);
  }
  return type === 1 ? strVal : intVal;
}
