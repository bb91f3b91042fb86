/**
 * Generates src/apiserver/protobuf/messages.ts, the table the protobuf request decoder works from.
 *
 *   npx vite-node scripts/gen-protobuf-messages.ts -- /path/to/kubectl [out.ts]
 *
 * The facts come from a kubectl binary (any 1.3x release; the committed table was made from 1.33):
 *  - every Go program built with gogo-protobuf embeds the gzipped FileDescriptorProto of each
 *    generated.proto it links (k8s.io/api/..., k8s.io/apimachinery/...): message names, field numbers,
 *    wire types, repeated and map fields;
 *  - the Go runtime type data of the same binary holds each API struct with its fields' kinds and tags
 *    (`json:"replicas,omitempty" protobuf:"varint,1,opt,name=replicas"`): the JSON name, `,inline`
 *    embeddings, omitempty, and whether a field is a pointer.
 * Nothing is downloaded and no .proto file is needed. The binary is read, never run.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** Top-level kinds a client can send: [apiVersion, kind, proto message]. */
const ROOTS: [string, string, string][] = [
  ...[
    'Pod', 'PodTemplate', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'ServiceAccount', 'Namespace', 'Node', 'Event',
    'Binding', 'ResourceQuota', 'LimitRange', 'PersistentVolumeClaim', 'PersistentVolume', 'ReplicationController',
  ].map((k): [string, string, string] => ['v1', k, `k8s.io.api.core.v1.${k}`]),
  ...['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'ControllerRevision'].map(
    (k): [string, string, string] => ['apps/v1', k, `k8s.io.api.apps.v1.${k}`],
  ),
  ['batch/v1', 'Job', 'k8s.io.api.batch.v1.Job'],
  ['batch/v1', 'CronJob', 'k8s.io.api.batch.v1.CronJob'],
  ['networking.k8s.io/v1', 'Ingress', 'k8s.io.api.networking.v1.Ingress'],
  ['networking.k8s.io/v1', 'IngressClass', 'k8s.io.api.networking.v1.IngressClass'],
  ['networking.k8s.io/v1', 'NetworkPolicy', 'k8s.io.api.networking.v1.NetworkPolicy'],
  ['discovery.k8s.io/v1', 'EndpointSlice', 'k8s.io.api.discovery.v1.EndpointSlice'],
  ['coordination.k8s.io/v1', 'Lease', 'k8s.io.api.coordination.v1.Lease'],
  ['events.k8s.io/v1', 'Event', 'k8s.io.api.events.v1.Event'],
  ...['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].map(
    (k): [string, string, string] => ['rbac.authorization.k8s.io/v1', k, `k8s.io.api.rbac.v1.${k}`],
  ),
  ...['SelfSubjectAccessReview', 'SubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectRulesReview'].map(
    (k): [string, string, string] => ['authorization.k8s.io/v1', k, `k8s.io.api.authorization.v1.${k}`],
  ),
  ...['TokenRequest', 'TokenReview', 'SelfSubjectReview'].map(
    (k): [string, string, string] => ['authentication.k8s.io/v1', k, `k8s.io.api.authentication.v1.${k}`],
  ),
  ['policy/v1', 'Eviction', 'k8s.io.api.policy.v1.Eviction'],
  ['policy/v1', 'PodDisruptionBudget', 'k8s.io.api.policy.v1.PodDisruptionBudget'],
  ['autoscaling/v1', 'Scale', 'k8s.io.api.autoscaling.v1.Scale'],
  ['autoscaling/v1', 'HorizontalPodAutoscaler', 'k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler', 'k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler'],
  ['scheduling.k8s.io/v1', 'PriorityClass', 'k8s.io.api.scheduling.v1.PriorityClass'],
  ['certificates.k8s.io/v1', 'CertificateSigningRequest', 'k8s.io.api.certificates.v1.CertificateSigningRequest'],
  ['meta.k8s.io/v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
];

/** Messages whose JSON form is not their fields (the decoder converts them itself). */
const SPECIAL: Record<string, string> = {
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': 'microTime',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration': 'duration',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': 'json',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': 'json',
  'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON': 'json',
  'k8s.io.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'intOrString',
};

// ---- a minimal protobuf reader, enough for descriptor.proto ----

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  eof(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let r = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error('truncated varint');
      r += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) return r;
    }
  }
  bytes(): Buffer {
    const n = this.varint();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`wire type ${wireType}`);
  }
}

type Decoded = Record<string, unknown>;
type FieldRule = [name: string, kind: 'str' | 'int' | ((b: Buffer) => Decoded), repeated?: boolean];

function parse(buf: Buffer, rules: Record<number, FieldRule>): Decoded {
  const r = new Reader(buf);
  const out: Decoded = {};
  while (!r.eof()) {
    const tag = r.varint();
    const rule = rules[Math.floor(tag / 8)];
    if (!rule) {
      r.skip(tag & 7);
      continue;
    }
    const [name, kind, repeated] = rule;
    const v = kind === 'str' ? r.bytes().toString('utf8') : kind === 'int' ? r.varint() : kind(r.bytes());
    if (repeated) ((out[name] ??= []) as unknown[]).push(v);
    else out[name] = v;
  }
  return out;
}

interface FieldDescriptor {
  name: string;
  number: number;
  label: number;
  type: number;
  typeName?: string;
}
interface MessageDescriptor {
  name: string;
  field?: FieldDescriptor[];
  nested?: MessageDescriptor[];
  options?: { mapEntry?: number };
}
interface FileDescriptor {
  name: string;
  package: string;
  messageType?: MessageDescriptor[];
}

const FIELD_RULES: Record<number, FieldRule> = {
  1: ['name', 'str'],
  3: ['number', 'int'],
  4: ['label', 'int'],
  5: ['type', 'int'],
  6: ['typeName', 'str'],
};
const MESSAGE_RULES: Record<number, FieldRule> = {
  1: ['name', 'str'],
  2: ['field', (b) => parse(b, FIELD_RULES), true],
  3: ['nested', (b) => parse(b, MESSAGE_RULES), true],
  7: ['options', (b) => parse(b, { 7: ['mapEntry', 'int'] })],
};
const FILE_RULES: Record<number, FieldRule> = {
  1: ['name', 'str'],
  2: ['package', 'str'],
  4: ['messageType', (b) => parse(b, MESSAGE_RULES), true],
};

const SCALARS: Record<number, string> = { 1: 'double', 2: 'float', 3: 'int64', 5: 'int32', 8: 'bool', 9: 'string', 12: 'bytes' };

interface ProtoField {
  name: string;
  number: number;
  repeated: boolean;
  type: string;
}
interface ProtoMessage {
  mapEntry: boolean;
  fields: ProtoField[];
}

/** Every gzip member in the binary that inflates to a k8s generated.proto FileDescriptorProto. */
function descriptors(bin: Buffer): Map<string, ProtoMessage> {
  const out = new Map<string, ProtoMessage>();
  for (let i = bin.indexOf(GZIP); i >= 0; i = bin.indexOf(GZIP, i + 1)) {
    if (bin[i + 3] !== 0) continue; // Go's gzip writer sets no header flags: the deflate data starts at +10
    let raw: Buffer;
    try {
      raw = zlib.inflateRawSync(bin.subarray(i + 10, i + 10 + 4_000_000));
    } catch {
      continue;
    }
    let fd: FileDescriptor;
    try {
      fd = parse(raw, FILE_RULES) as unknown as FileDescriptor;
    } catch {
      continue;
    }
    if (typeof fd.name !== 'string' || !fd.name.startsWith('k8s.io/') || !fd.name.endsWith('generated.proto')) continue;
    const walk = (m: MessageDescriptor, prefix: string): void => {
      const full = `${prefix}.${m.name}`;
      out.set(full, {
        mapEntry: !!m.options?.mapEntry,
        fields: (m.field ?? []).map((f) => {
          const scalar = SCALARS[f.type];
          if (!scalar && f.type !== 11) throw new Error(`${full}.${f.name}: unsupported proto type ${f.type}`);
          return { name: f.name, number: f.number, repeated: f.label === 3, type: scalar ?? f.typeName!.replace(/^\./, '') };
        }),
      });
      for (const n of m.nested ?? []) walk(n, full);
    };
    for (const m of fd.messageType ?? []) walk(m, fd.package);
  }
  return out;
}
const GZIP = Buffer.from([0x1f, 0x8b, 0x08]);

// ---- Go runtime type data (ELF, amd64, Go >= 1.21 abi.Type layout) ----

interface GoField {
  name: string;
  tag: string;
  embedded: boolean;
  kind: number;
}
/** Go reflect kinds used below. */
const K = { bool: 1, int: 2, float64: 14, ptr: 22, slice: 23, string: 24, struct: 25 };

function goStructs(bin: Buffer): Map<string, GoField[]> {
  const shoff = Number(bin.readBigUInt64LE(0x28));
  const shentsize = bin.readUInt16LE(0x3a);
  const shnum = bin.readUInt16LE(0x3c);
  const shstrndx = bin.readUInt16LE(0x3e);
  const secs: { nameOff: number; name: string; addr: number; off: number; size: number }[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    secs.push({
      nameOff: bin.readUInt32LE(o),
      name: '',
      addr: Number(bin.readBigUInt64LE(o + 16)),
      off: Number(bin.readBigUInt64LE(o + 24)),
      size: Number(bin.readBigUInt64LE(o + 32)),
    });
  }
  const strtab = secs[shstrndx]!;
  for (const s of secs) s.name = bin.toString('latin1', strtab.off + s.nameOff, bin.indexOf(0, strtab.off + s.nameOff));
  const ro = secs.find((s) => s.name === '.rodata');
  if (!ro) throw new Error('no .rodata section: not a Go ELF binary?');
  const vaToOff = (va: number): number => {
    for (const s of secs) if (s.addr && va >= s.addr && va < s.addr + s.size) return va - s.addr + s.off;
    return -1;
  };
  const u64 = (o: number): number => Number(bin.readBigUInt64LE(o));
  const uvarint = (o: number): [number, number] => {
    let r = 0;
    let mul = 1;
    let n = 0;
    for (;;) {
      const b = bin[o + n++]!;
      r += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) return [r, n];
    }
  };
  const readName = (off: number): { name: string; tag: string; flags: number } => {
    const flags = bin[off]!;
    const [l, n] = uvarint(off + 1);
    const name = bin.toString('latin1', off + 1 + n, off + 1 + n + l);
    let tag = '';
    if (flags & 2) {
      const p = off + 1 + n + l;
      const [tl, tn] = uvarint(p);
      tag = bin.toString('latin1', p + tn, p + tn + tl);
    }
    return { name, tag, flags };
  };
  const out = new Map<string, GoField[]>();
  // abi.StructType: Type (48 bytes; Kind_ at 23, TFlag at 20, Str nameOff at 40), PkgPath at 48,
  // Fields slice at 56 (ptr, len, cap), then for named types the UncommonType (PkgPath nameOff at 80).
  for (let t = ro.off; t + 88 < ro.off + ro.size; t += 8) {
    if ((bin[t + 23]! & 0x1f) !== K.struct || !(bin[t + 20]! & 1)) continue;
    const len = u64(t + 64);
    if (len < 1 || len > 300 || len !== u64(t + 72)) continue;
    const fo = vaToOff(u64(t + 56));
    if (fo < 0) continue;
    const fields: GoField[] = [];
    for (let i = 0; i < len; i++) {
      const no = vaToOff(u64(fo + i * 24));
      const to = vaToOff(u64(fo + i * 24 + 8));
      if (no < 0 || to < 0) break;
      const nm = readName(no);
      fields.push({ name: nm.name, tag: nm.tag, embedded: !!(nm.flags & 8), kind: bin[to + 23]! & 0x1f });
    }
    if (fields.length !== len || !fields.some((f) => f.tag.includes('protobuf:"'))) continue;
    const tflag = bin[t + 20]!;
    let typeName = readName(ro.off + bin.readInt32LE(t + 40)).name;
    if (tflag & 2) typeName = typeName.slice(1);
    const pkg = readName(ro.off + bin.readInt32LE(t + 80)).name;
    if (!pkg.startsWith('k8s.io/')) continue;
    out.set(`${pkg.replace(/\//g, '.')}.${typeName.slice(typeName.lastIndexOf('.') + 1)}`, fields);
  }
  return out;
}

// ---- table ----

interface OutField {
  name: string;
  type: string;
  repeated?: boolean;
  map?: { key: string; value: string };
  inline?: boolean;
  omitZero?: boolean;
}

function build(bin: Buffer): { messages: Map<string, Map<number, OutField>>; wrappers: Set<string> } {
  const protos = descriptors(bin);
  const gos = goStructs(bin);
  const messages = new Map<string, Map<number, OutField>>();
  const wrappers = new Set<string>();
  const queue = ROOTS.map((r) => r[2]);
  const want = (type: string): void => {
    if (!SCALARS_SET.has(type) && !messages.has(type) && !queue.includes(type)) queue.push(type);
  };
  while (queue.length) {
    const name = queue.shift()!;
    if (messages.has(name) || wrappers.has(name)) continue;
    const proto = protos.get(name);
    if (!proto) throw new Error(`message ${name} not found in the binary's descriptors`);
    const go = gos.get(name);
    const table = new Map<number, OutField>();
    messages.set(name, table);
    if (SPECIAL[name]) {
      for (const f of proto.fields) table.set(f.number, { name: f.name, type: f.type, ...(f.repeated ? { repeated: true } : {}) });
      continue;
    }
    if (!go) {
      // A named Go slice type (ExtraValue []string, Verbs []string) is wrapped as { repeated items = 1 }.
      const only = proto.fields[0];
      if (proto.fields.length === 1 && only?.name === 'items' && only.repeated) {
        wrappers.add(name);
        table.set(1, { name: 'items', type: only.type, repeated: true });
        want(only.type);
        continue;
      }
      throw new Error(`no Go struct for ${name}`);
    }
    for (const f of proto.fields) {
      const gf = go.find((g) => new RegExp(`protobuf:"[a-z0-9]+,${f.number},`).test(g.tag));
      if (!gf) throw new Error(`${name}.${f.name}: no Go field with that protobuf tag`);
      const json = /json:"([^"]*)"/.exec(gf.tag)?.[1];
      if (json === undefined || json === '-') throw new Error(`${name}.${f.name}: Go field ${gf.name} has no JSON name`);
      const [jsonName, ...opts] = json.split(',');
      const out: OutField = { name: jsonName || f.name, type: f.type };
      if (opts.includes('inline')) {
        if (!gf.embedded || jsonName) throw new Error(`${name}.${f.name}: unexpected inline tag`);
        out.inline = true;
      }
      const entry = protos.get(f.type);
      if (entry?.mapEntry) {
        const [k, v] = [entry.fields.find((x) => x.number === 1)!, entry.fields.find((x) => x.number === 2)!];
        if (k.type !== 'string') throw new Error(`${name}.${f.name}: map key ${k.type}`);
        out.type = v.type;
        out.map = { key: 'string', value: v.type };
        want(v.type);
      } else {
        if (f.repeated) out.repeated = true;
        want(f.type);
      }
      // A non-pointer scalar with omitempty: Go writes its zero value on the wire, encoding/json drops it.
      const scalarKind = gf.kind === K.bool || gf.kind === K.string || (gf.kind >= K.int && gf.kind <= K.float64);
      const byteSlice = f.type === 'bytes' && gf.kind === K.slice;
      if (!f.repeated && !out.map && (scalarKind || byteSlice) && opts.includes('omitempty')) out.omitZero = true;
      table.set(f.number, out);
    }
  }
  return { messages, wrappers };
}
const SCALARS_SET = new Set(Object.values(SCALARS));

function render(bin: Buffer, source: string): string {
  const { messages, wrappers } = build(bin);
  const q = (s: string): string => `'${s}'`;
  const lines: string[] = [];
  lines.push(`// Code generated by scripts/gen-protobuf-messages.ts from ${source}. DO NOT EDIT.`);
  lines.push('// Regenerate rather than edit by hand; see the script for where each fact comes from.');
  lines.push('');
  lines.push("export type ScalarType = 'string' | 'bytes' | 'int32' | 'int64' | 'bool' | 'double' | 'float';");
  lines.push('');
  lines.push('export interface FieldSpec {');
  lines.push('  /** JSON field name (the Go json tag; equal to the proto name except for inlined embeddings). */');
  lines.push('  name: string;');
  lines.push('  /** A scalar, or the full name of a message; for maps, the value type. */');
  lines.push('  type: string;');
  lines.push('  repeated?: boolean;');
  lines.push("  map?: { key: 'string'; value: string };");
  lines.push('  /** Go embeds this struct with `json:",inline"`: its fields belong to the parent object. */');
  lines.push('  inline?: boolean;');
  lines.push('  /** A non-pointer Go scalar tagged omitempty: its zero value is on the wire but not in JSON. */');
  lines.push('  omitZero?: boolean;');
  lines.push('}');
  lines.push('');
  lines.push('export type MessageSpec = Readonly<Record<number, FieldSpec>>;');
  lines.push('');
  lines.push('/** Messages that stand for a Go slice type ({ repeated items = 1 }); their JSON is the items array. */');
  lines.push(`export const ARRAY_WRAPPERS: ReadonlySet<string> = new Set([${[...wrappers].sort().map(q).join(', ')}]);`);
  lines.push('');
  lines.push('/** Top-level kinds, by apiVersion and kind. DeleteOptions is also accepted under any apiVersion. */');
  lines.push('export const KINDS: Readonly<Record<string, string>> = {');
  for (const [v, k, m] of ROOTS) lines.push(`  ${q(`${v}/${k}`)}: ${q(m)},`);
  lines.push('};');
  lines.push('');
  lines.push('export const MESSAGES: Readonly<Record<string, MessageSpec>> = {');
  for (const name of [...messages.keys()].sort()) {
    lines.push(`  ${q(name)}: {`);
    for (const [no, f] of [...messages.get(name)!.entries()].sort((a, b) => a[0] - b[0])) {
      const parts = [`name: ${q(f.name)}`, `type: ${q(f.type)}`];
      if (f.repeated) parts.push('repeated: true');
      if (f.map) parts.push(`map: { key: 'string', value: ${q(f.map.value)} }`);
      if (f.inline) parts.push('inline: true');
      if (f.omitZero) parts.push('omitZero: true');
      lines.push(`    ${no}: { ${parts.join(', ')} },`);
    }
    lines.push('  },');
  }
  lines.push('};');
  lines.push('');
  return lines.join('\n');
}

const args = process.argv.slice(2).filter((a) => a !== '--');
const binPath = args[0];
if (!binPath) {
  console.error('usage: gen-protobuf-messages.ts /path/to/kubectl [out.ts]');
  process.exit(2);
}
const outPath = args[1] ?? path.join(import.meta.dirname ?? '.', '../src/apiserver/protobuf/messages.ts');
const bin = fs.readFileSync(binPath);
fs.writeFileSync(outPath, render(bin, path.basename(binPath)));
console.error(`wrote ${outPath}`);
