import { describe, expect, it } from 'vitest';
import { StatusError } from '../../src/apiserver/errors.js';
import {
  decodeKubernetesProtobuf,
  decodeProtobufMessage,
  goDuration,
  isProtobufContentType,
  messageForKind,
} from '../../src/apiserver/protobuf/decode.js';
import { KINDS, MESSAGES } from '../../src/apiserver/protobuf/messages.js';

// ---- a tiny test-only protobuf writer ----

function varint(v: number | bigint): Buffer {
  let n = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}
const tag = (no: number, wt: number): Buffer => varint(no * 8 + wt);
/** varint field */
const vi = (no: number, v: number | bigint | boolean): Buffer =>
  Buffer.concat([tag(no, 0), varint(typeof v === 'boolean' ? (v ? 1 : 0) : v)]);
/** length-delimited field (string, bytes or message) */
const ld = (no: number, b: Buffer | string): Buffer => {
  const bb = typeof b === 'string' ? Buffer.from(b) : b;
  return Buffer.concat([tag(no, 2), varint(bb.length), bb]);
};
const m = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
const entry = (no: number, k: string, v: Buffer | string): Buffer => ld(no, m(ld(1, k), ld(2, v)));
const MAGIC = Buffer.from('k8s\0', 'latin1');
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  m(MAGIC, ld(1, m(ld(1, apiVersion), ld(2, kind))), ld(2, raw), ld(3, ''), ld(4, ''));

/** ObjectMeta the way Go writes it: every non-pointer field, zero or not; creationTimestamp as an empty Time. */
function meta(name: string, labels: Record<string, string> = {}, extra: Buffer[] = []): Buffer {
  return m(
    ld(1, name),
    ld(2, ''),
    ld(3, ''),
    ld(4, ''),
    ld(5, ''),
    ld(6, ''),
    vi(7, 0),
    ld(8, Buffer.alloc(0)),
    ...Object.entries(labels).map(([k, v]) => entry(11, k, v)),
    ...extra,
  );
}

function statusError(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StatusError);
    return e as StatusError;
  }
  throw new Error('expected a StatusError');
}

describe('isProtobufContentType', () => {
  it('matches the Kubernetes protobuf media type with or without parameters', () => {
    expect(isProtobufContentType('application/vnd.kubernetes.protobuf')).toBe(true);
    expect(isProtobufContentType('Application/VND.Kubernetes.Protobuf; charset=utf-8')).toBe(true);
    expect(isProtobufContentType('application/json')).toBe(false);
    expect(isProtobufContentType('application/vnd.kubernetes.protobuf;stream=watch')).toBe(true);
    expect(isProtobufContentType(undefined)).toBe(false);
    expect(isProtobufContentType('')).toBe(false);
  });
});

describe('decodeKubernetesProtobuf: hand-encoded objects', () => {
  it('decodes a Deployment as `kubectl create deployment web --image=nginx --replicas=0` sends it', () => {
    const podMeta = meta('', { app: 'web' });
    const container = m(
      ld(1, 'nginx'),
      ld(2, 'nginx'),
      ld(5, ''), // workingDir
      ld(8, Buffer.alloc(0)), // resources {}
      ld(13, ''),
      ld(14, ''),
      vi(16, false),
      vi(17, false),
      vi(18, false),
      ld(20, ''),
    );
    const podSpec = m(ld(2, container), ld(3, ''), ld(6, ''), ld(8, ''), ld(9, ''), ld(10, ''), vi(11, false), vi(12, false), vi(13, false));
    const spec = m(
      vi(1, 0), // replicas: 0 is a pointer and present
      ld(2, m(entry(1, 'app', 'web'))), // selector.matchLabels
      ld(3, m(ld(1, podMeta), ld(2, podSpec))),
      ld(4, m(ld(1, ''))), // strategy {type: ''}
      vi(5, 0), // minReadySeconds (non-pointer, omitempty)
      vi(7, false), // paused
    );
    const body = envelope('apps/v1', 'Deployment', m(ld(1, meta('web', { app: 'web' })), ld(2, spec), ld(3, Buffer.alloc(0))));
    const decoded = decodeKubernetesProtobuf(body);
    expect(decoded.apiVersion).toBe('apps/v1');
    expect(decoded.kind).toBe('Deployment');
    expect(decoded.object).toStrictEqual({
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it('decodes Secret data bytes as base64 and keeps a present pointer bool', () => {
    const raw = m(
      ld(1, meta('s1')),
      entry(2, 'bin', Buffer.from([0, 255, 1])),
      entry(2, 'empty', Buffer.alloc(0)),
      ld(3, 'Opaque'),
      entry(4, 'plain', 'text'),
      vi(5, false),
    );
    expect(decodeKubernetesProtobuf(envelope('v1', 'Secret', raw)).object).toStrictEqual({
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 's1' },
      data: { bin: 'AP8B', empty: '' },
      type: 'Opaque',
      stringData: { plain: 'text' },
      immutable: false,
    });
  });

  it('decodes ConfigMap binaryData', () => {
    const raw = m(ld(1, meta('c1')), entry(2, 'k', 'v'), entry(3, 'b', Buffer.from('hi')));
    expect(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', raw)).object).toStrictEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'c1' },
      data: { k: 'v' },
      binaryData: { b: 'aGk=' },
    });
  });

  it('decodes a Namespace', () => {
    const raw = m(ld(1, meta('team-a', { env: 'dev' })), ld(2, Buffer.alloc(0)), ld(3, ld(1, '')));
    expect(decodeKubernetesProtobuf(envelope('v1', 'Namespace', raw)).object).toStrictEqual({
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'team-a', labels: { env: 'dev' } },
      spec: {},
      status: {},
    });
  });

  it('decodes a SelfSubjectAccessReview with resourceAttributes', () => {
    const attrs = m(ld(1, 'default'), ld(2, 'get'), ld(3, ''), ld(4, ''), ld(5, 'pods'), ld(6, ''), ld(7, ''));
    const raw = m(ld(1, meta('')), ld(2, ld(1, attrs)), ld(3, m(vi(1, false), ld(2, ''), ld(3, ''), vi(4, false))));
    expect(decodeKubernetesProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', raw)).object).toStrictEqual({
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } },
      status: { allowed: false },
    });
  });

  it('decodes a SubjectAccessReview extra map of string lists', () => {
    const spec = m(ld(3, 'alice'), ld(4, 'devs'), ld(4, 'ops'), entry(5, 'scopes', m(ld(1, 'a'), ld(1, 'b'))), ld(6, ''));
    const raw = m(ld(1, meta('')), ld(2, spec));
    expect(decodeKubernetesProtobuf(envelope('authorization.k8s.io/v1', 'SubjectAccessReview', raw)).object).toStrictEqual({
      kind: 'SubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec: { user: 'alice', groups: ['devs', 'ops'], extra: { scopes: ['a', 'b'] } },
    });
  });

  it('decodes a TokenRequest with expirationSeconds and audiences', () => {
    const raw = m(ld(1, meta('')), ld(2, m(ld(1, 'api'), ld(1, 'vault'), vi(4, 3600))), ld(3, m(ld(1, ''), ld(2, Buffer.alloc(0)))));
    expect(decodeKubernetesProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', raw)).object).toStrictEqual({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: {},
      spec: { audiences: ['api', 'vault'], expirationSeconds: 3600 },
      status: { token: '' },
    });
  });

  it('decodes DeleteOptions under any apiVersion, keeping gracePeriodSeconds: 0', () => {
    const raw = m(vi(1, 0), ld(4, 'Foreground'), ld(5, 'All'));
    for (const apiVersion of ['v1', 'meta.k8s.io/v1', 'apps/v1', 'policy/v1']) {
      expect(decodeKubernetesProtobuf(envelope(apiVersion, 'DeleteOptions', raw)).object).toStrictEqual({
        kind: 'DeleteOptions',
        apiVersion,
        gracePeriodSeconds: 0,
        propagationPolicy: 'Foreground',
        dryRun: ['All'],
      });
    }
    expect(messageForKind('v1', 'DeleteOptions')).toBe('k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions');
  });

  it('decodes a policy/v1 Eviction with inline DeleteOptions', () => {
    const raw = m(ld(1, meta('pod-1', {}, [])), ld(2, m(vi(1, 30), ld(2, m(ld(1, 'uid-1'))))));
    expect(decodeKubernetesProtobuf(envelope('policy/v1', 'Eviction', raw)).object).toStrictEqual({
      kind: 'Eviction',
      apiVersion: 'policy/v1',
      metadata: { name: 'pod-1' },
      deleteOptions: { gracePeriodSeconds: 30, preconditions: { uid: 'uid-1' } },
    });
  });

  it('decodes IntOrString targetPort as a number or a string', () => {
    const port = (name: string, p: number, target: Buffer): Buffer =>
      ld(1, m(ld(1, name), ld(2, 'TCP'), vi(3, p), ld(4, target), vi(5, 0)));
    const spec = m(
      port('web', 80, m(vi(1, 0), vi(2, 8080), ld(3, ''))),
      port('named', 443, m(vi(1, 1), vi(2, 0), ld(3, 'https'))),
      port('zero', 90, m(vi(1, 0), vi(2, 0), ld(3, ''))),
      entry(2, 'app', 'web'),
      ld(3, ''),
      ld(4, 'ClusterIP'),
    );
    const raw = m(ld(1, meta('svc')), ld(2, spec), ld(3, ld(1, Buffer.alloc(0))));
    expect(decodeKubernetesProtobuf(envelope('v1', 'Service', raw)).object).toStrictEqual({
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'svc' },
      spec: {
        ports: [
          { name: 'web', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: 'named', protocol: 'TCP', port: 443, targetPort: 'https' },
          { name: 'zero', protocol: 'TCP', port: 90, targetPort: 0 },
        ],
        selector: { app: 'web' },
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    });
  });

  it('decodes Time and MicroTime, dropping zero times', () => {
    const t = (s: number | bigint, ns?: number): Buffer => m(vi(1, s), ...(ns === undefined ? [] : [vi(2, ns)]));
    const objMeta = m(
      ld(1, 'e1'),
      ld(3, 'default'),
      ld(8, t(1700000000, 0)),
      ld(9, t(-62135596800, 0)), // Go's zero time
    );
    const raw = m(
      ld(1, objMeta),
      ld(2, m(ld(1, 'Pod'), ld(3, 'p1'))),
      ld(3, 'Started'),
      ld(6, t(1700000001)),
      ld(7, Buffer.alloc(0)),
      vi(8, 1),
      ld(10, t(1700000002, 123456789)),
      ld(14, ''),
    );
    expect(decodeKubernetesProtobuf(envelope('v1', 'Event', raw)).object).toStrictEqual({
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: 'e1', namespace: 'default', creationTimestamp: '2023-11-14T22:13:20Z' },
      involvedObject: { kind: 'Pod', name: 'p1' },
      reason: 'Started',
      firstTimestamp: '2023-11-14T22:13:21Z',
      count: 1,
      eventTime: '2023-11-14T22:13:22.123456Z',
      reportingComponent: '',
    });
  });

  it('merges inline embeddings (Volume source, LocalObjectReference, Probe handler)', () => {
    const volume = m(ld(1, 'cfg'), ld(2, ld(19, m(ld(1, ld(1, 'app-config')), vi(3, 420)))));
    const probe = m(ld(1, ld(2, m(ld(1, '/healthz'), ld(2, m(vi(1, 1), ld(3, 'http'))), ld(3, ''), ld(4, 'HTTP')))), vi(2, 0), vi(4, 10));
    const container = m(ld(1, 'app'), ld(2, 'img'), ld(10, probe));
    const raw = m(ld(1, meta('p')), ld(2, m(ld(1, volume), ld(2, container))));
    expect(decodeKubernetesProtobuf(envelope('v1', 'Pod', raw)).object).toStrictEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'p' },
      spec: {
        volumes: [{ name: 'cfg', configMap: { name: 'app-config', defaultMode: 420 } }],
        containers: [
          {
            name: 'app',
            image: 'img',
            livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, periodSeconds: 10 },
          },
        ],
      },
    });
  });

  it('reads repeated scalars packed and unpacked, and negative integers', () => {
    const packed = m(varint(1000), varint(2000));
    const sc = m(vi(2, -1), ld(4, packed), vi(4, 3000));
    const raw = m(ld(1, meta('p')), ld(2, ld(14, sc)));
    expect(decodeKubernetesProtobuf(envelope('v1', 'Pod', raw)).object).toStrictEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'p' },
      spec: { securityContext: { runAsUser: -1, supplementalGroups: [1000, 2000, 3000] } },
    });
  });

  it('decodes Quantity maps and keeps a present empty pointer string', () => {
    const q = (s: string): Buffer => ld(1, s);
    const pvcSpec = m(ld(1, 'ReadWriteOnce'), ld(2, entry(2, 'storage', q('1Gi'))), ld(3, ''), ld(5, ''));
    const raw = m(ld(1, meta('data')), ld(2, pvcSpec));
    expect(decodeKubernetesProtobuf(envelope('v1', 'PersistentVolumeClaim', raw)).object).toStrictEqual({
      kind: 'PersistentVolumeClaim',
      apiVersion: 'v1',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' },
    });
  });

  it('parses RawExtension and FieldsV1 as embedded JSON', () => {
    const mf = m(ld(1, 'kubectl'), ld(2, 'Update'), ld(3, 'apps/v1'), ld(4, m(vi(1, 1700000000), vi(2, 0))), ld(6, 'FieldsV1'), ld(7, ld(1, '{"f:data":{}}')));
    const raw = m(ld(1, meta('rev', {}, [ld(17, mf)])), ld(2, ld(1, '{"spec":{"x":1}}')), vi(3, 2));
    expect(decodeKubernetesProtobuf(envelope('apps/v1', 'ControllerRevision', raw)).object).toStrictEqual({
      kind: 'ControllerRevision',
      apiVersion: 'apps/v1',
      metadata: {
        name: 'rev',
        managedFields: [
          { manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', time: '2023-11-14T22:13:20Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } },
        ],
      },
      data: { spec: { x: 1 } },
      revision: 2,
    });
  });

  it('skips unknown fields of every wire type', () => {
    const unknown = m(vi(99, 7), ld(98, 'zz'), tag(97, 1), Buffer.alloc(8), tag(96, 5), Buffer.alloc(4));
    const raw = m(unknown, ld(1, m(ld(1, 'n1'), unknown)));
    expect(decodeKubernetesProtobuf(envelope('v1', 'Namespace', raw)).object).toStrictEqual({
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'n1' },
    });
  });

  it('accepts a Uint8Array body', () => {
    const body = envelope('v1', 'Namespace', ld(1, ld(1, 'x')));
    const u8 = new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    expect(decodeKubernetesProtobuf(u8).object).toStrictEqual({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'x' } });
  });
});

describe('decodeKubernetesProtobuf: malformed input', () => {
  it('rejects a missing or wrong magic', () => {
    expect(statusError(() => decodeKubernetesProtobuf(Buffer.alloc(0))).code).toBe(400);
    const e = statusError(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Pod"}')));
    expect(e.code).toBe(400);
    expect(e.reason).toBe('BadRequest');
    expect(e.message).toMatch(/^invalid protobuf body: /);
  });

  it('rejects a truncated varint', () => {
    const e = statusError(() => decodeKubernetesProtobuf(m(MAGIC, Buffer.from([0x0a, 0x80]))));
    expect(e.code).toBe(400);
    expect(e.message).toContain('truncated varint');
    const inner = envelope('v1', 'Namespace', Buffer.from([0x0a, 0x02, 0x38, 0xff]));
    expect(statusError(() => decodeKubernetesProtobuf(inner)).code).toBe(400);
  });

  it('rejects a length that runs past the end', () => {
    const e = statusError(() => decodeKubernetesProtobuf(m(MAGIC, Buffer.from([0x12, 0x10, 0x01]))));
    expect(e.code).toBe(400);
  });

  it('rejects an unknown kind, naming it', () => {
    const e = statusError(() => decodeKubernetesProtobuf(envelope('example.com/v1', 'Widget', Buffer.alloc(0))));
    expect(e.code).toBe(400);
    expect(e.message).toContain('"Widget"');
    expect(e.message).toContain('example.com/v1');
  });

  it('rejects a body without a kind', () => {
    expect(statusError(() => decodeKubernetesProtobuf(m(MAGIC, ld(2, Buffer.alloc(0))))).code).toBe(400);
  });

  it('rejects a wrong wire type for a known field', () => {
    const raw = ld(1, vi(1, 5)); // ObjectMeta.name as a varint
    expect(statusError(() => decodeKubernetesProtobuf(envelope('v1', 'Namespace', raw))).code).toBe(400);
  });

  it('rejects int64 values outside the safe integer range', () => {
    const raw = m(ld(1, meta('x')), ld(2, m(vi(4, 2n ** 60n))));
    const e = statusError(() => decodeKubernetesProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', raw)));
    expect(e.code).toBe(400);
    expect(e.message).toContain('range');
  });

  it('rejects a content encoding it does not know', () => {
    const body = m(MAGIC, ld(1, m(ld(1, 'v1'), ld(2, 'Namespace'))), ld(2, Buffer.alloc(0)), ld(3, 'gzip'));
    expect(statusError(() => decodeKubernetesProtobuf(body)).code).toBe(400);
  });

  it('rejects invalid embedded JSON', () => {
    const raw = m(ld(1, meta('rev')), ld(2, ld(1, '{not json')));
    expect(statusError(() => decodeKubernetesProtobuf(envelope('apps/v1', 'ControllerRevision', raw))).code).toBe(400);
  });
});

describe('bodies captured from kubectl', () => {
  // Bytes that kubectl 1.33 / 1.32 sent; the expected JSON is what `--dry-run=client -o json` prints for the
  // same command, less the `creationTimestamp: null` of a zero time.
  const cases: [string, string, Record<string, unknown>][] = [
    [
      'kubectl 1.33 create deployment web --image=nginx --replicas=0',
      'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EqsBCh8KA3dlYhIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViEnoIABIMCgoKA2FwcBIDd2ViGmAKHAoAEgAaACIAKgAyADgAQgBaCgoDYXBwEgN3ZWISQBIiCgVuZ2lueBIFbmdpbngqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==',
      {
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] } },
          strategy: {},
        },
        status: {},
      },
    ],
    [
      'kubectl 1.32 create deployment web132 --image=nginx:1.27 --replicas=3 --port=8080',
      'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EsoBCiUKBndlYjEzMhIAGgAiACoAMgA4AEIAWg0KA2FwcBIGd2ViMTMyEpIBCAMSDwoNCgNhcHASBndlYjEzMhp1Ch8KABIAGgAiACoAMgA4AEIAWg0KA2FwcBIGd2ViMTMyElISNAoFbmdpbngSCm5naW54OjEuMjcqADILCgAQABiQPyIAKgBCAGoAcgCAAQCIAQCQAQCiAQAaADIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAIgIKACgAOAAaDAgAEAAYACAAKAA4ABoAIgA=',
      {
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        metadata: { name: 'web132', labels: { app: 'web132' } },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web132' } },
          template: {
            metadata: { labels: { app: 'web132' } },
            spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 8080 }], resources: {} }] },
          },
          strategy: {},
        },
        status: {},
      },
    ],
    [
      'kubectl 1.33 create namespace pbns',
      'azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhwKFAoEcGJucxIAGgAiACoAMgA4AEIAEgAaAgoAGgAiAA==',
      { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'pbns' }, spec: {}, status: {} },
    ],
    [
      'kubectl 1.33 auth can-i create deployments.apps -n pbns --subresource=scale',
      'azhzAAoyChdhdXRob3JpemF0aW9uLms4cy5pby92MRIXU2VsZlN1YmplY3RBY2Nlc3NSZXZpZXcSTAoQCgASABoAIgAqADIAOABCABIuCiwKBHBibnMSBmNyZWF0ZRoEYXBwcyIAKgtkZXBsb3ltZW50czIFc2NhbGU6ABoICAASABoAIAAaACIA',
      {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: {},
        spec: { resourceAttributes: { namespace: 'pbns', verb: 'create', group: 'apps', resource: 'deployments', subresource: 'scale' } },
        status: { allowed: false },
      },
    ],
    [
      'kubectl 1.33 create token sa1 --duration=1h --audience=a1 --audience=a2',
      'azhzAAooChhhdXRoZW50aWNhdGlvbi5rOHMuaW8vdjESDFRva2VuUmVxdWVzdBIlChAKABIAGgAiACoAMgA4AEIAEgsKAmExCgJhMiCQHBoECgASABoAIgA=',
      {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: {},
        spec: { audiences: ['a1', 'a2'], expirationSeconds: 3600 },
        status: { token: '' },
      },
    ],
    [
      'kubectl 1.33 create secret generic s1 --from-literal=a=b --from-literal=empty=',
      'azhzAAoMCgJ2MRIGU2VjcmV0EikKEgoCczESABoAIgAqADIAOABCABIGCgFhEgFiEgkKBWVtcHR5EgAaABoAIgA=',
      { kind: 'Secret', apiVersion: 'v1', metadata: { name: 's1' }, data: { a: 'Yg==', empty: '' } },
    ],
    [
      'kubectl 1.33 create service nodeport np1 --tcp=80:http --node-port=30080',
      'azhzAAoNCgJ2MRIHU2VydmljZRJtCh8KA25wMRIAGgAiACoAMgA4AEIAWgoKA2FwcBIDbnAxEkYKIAoHODAtaHR0cBIDVENQGFAiCggBEAAaBGh0dHAogOsBEgoKA2FwcBIDbnAxGgAiCE5vZGVQb3J0OgBCAFIAWgBgAGgAGgIKABoAIgA=',
      {
        kind: 'Service',
        apiVersion: 'v1',
        metadata: { name: 'np1', labels: { app: 'np1' } },
        spec: {
          ports: [{ name: '80-http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }],
          selector: { app: 'np1' },
          type: 'NodePort',
        },
        status: { loadBalancer: {} },
      },
    ],
    [
      'kubectl 1.33 create pdb pdb1 --selector=app=web --min-available=50%',
      'azhzAAogCglwb2xpY3kvdjESE1BvZERpc3J1cHRpb25CdWRnZXQSPQoUCgRwZGIxEgAaACIAKgAyADgAQgASGQoJCAEQABoDNTAlEgwKCgoDYXBwEgN3ZWIaCggAGAAgACgAMAAaACIA',
      {
        kind: 'PodDisruptionBudget',
        apiVersion: 'policy/v1',
        metadata: { name: 'pdb1' },
        spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } },
        status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
      },
    ],
    [
      "kubectl 1.33 create cronjob cj1 --image=busybox --schedule='*/5 * * * *' -- date",
      'azhzAAoTCghiYXRjaC92MRIHQ3JvbkpvYhKnAQoTCgNjajESABoAIgAqADIAOABCABKNAQoLKi81ICogKiAqICoaACp8ChMKA2NqMRIAGgAiACoAMgA4AEIAEmUyYwoQCgASABoAIgAqADIAOABCABJPEigKA2NqMRIHYnVzeWJveBoEZGF0ZSoAQgBqAHIAgAEAiAEAkAEAogEAGglPbkZhaWx1cmUyAEIASgBSAFgAYABoAIIBAIoBAJoBAMIBABoAGgAiAA==',
      {
        kind: 'CronJob',
        apiVersion: 'batch/v1',
        metadata: { name: 'cj1' },
        spec: {
          schedule: '*/5 * * * *',
          jobTemplate: {
            metadata: { name: 'cj1' },
            spec: {
              template: {
                metadata: {},
                spec: { containers: [{ name: 'cj1', image: 'busybox', command: ['date'], resources: {} }], restartPolicy: 'OnFailure' },
              },
            },
          },
        },
        status: {},
      },
    ],
    [
      'kubectl 1.33 auth whoami',
      'azhzAAotChhhdXRoZW50aWNhdGlvbi5rOHMuaW8vdjESEVNlbGZTdWJqZWN0UmV2aWV3EhoKEAoAEgAaACIAKgAyADgAQgASBgoECgASABoAIgA=',
      { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: {}, status: { userInfo: {} } },
    ],
  ];
  for (const [what, b64, expected] of cases) {
    it(what, () => {
      const decoded = decodeKubernetesProtobuf(Buffer.from(b64, 'base64'));
      expect(decoded.kind).toBe(expected.kind);
      expect(decoded.apiVersion).toBe(expected.apiVersion);
      expect(decoded.object).toStrictEqual(expected);
    });
  }
});

describe('message table', () => {
  it('maps every listed kind to a message whose references all resolve', () => {
    for (const kind of [
      'v1/Pod', 'v1/PodTemplate', 'v1/Service', 'v1/Endpoints', 'v1/ConfigMap', 'v1/Secret', 'v1/ServiceAccount',
      'v1/Namespace', 'v1/Node', 'v1/Event', 'v1/Binding', 'v1/ResourceQuota', 'v1/LimitRange', 'v1/PersistentVolumeClaim',
      'v1/ReplicationController', 'apps/v1/Deployment', 'apps/v1/ReplicaSet', 'apps/v1/DaemonSet', 'apps/v1/StatefulSet',
      'apps/v1/ControllerRevision', 'batch/v1/Job', 'batch/v1/CronJob', 'networking.k8s.io/v1/Ingress',
      'networking.k8s.io/v1/IngressClass', 'networking.k8s.io/v1/NetworkPolicy', 'discovery.k8s.io/v1/EndpointSlice',
      'coordination.k8s.io/v1/Lease', 'events.k8s.io/v1/Event', 'rbac.authorization.k8s.io/v1/Role',
      'rbac.authorization.k8s.io/v1/ClusterRole', 'rbac.authorization.k8s.io/v1/RoleBinding',
      'rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'authorization.k8s.io/v1/SelfSubjectAccessReview',
      'authorization.k8s.io/v1/SubjectAccessReview', 'authorization.k8s.io/v1/LocalSubjectAccessReview',
      'authorization.k8s.io/v1/SelfSubjectRulesReview', 'authentication.k8s.io/v1/TokenRequest',
      'authentication.k8s.io/v1/TokenReview', 'authentication.k8s.io/v1/SelfSubjectReview', 'policy/v1/Eviction',
      'policy/v1/PodDisruptionBudget', 'autoscaling/v1/Scale', 'scheduling.k8s.io/v1/PriorityClass',
      'meta.k8s.io/v1/DeleteOptions',
    ]) {
      expect(MESSAGES[KINDS[kind] ?? ''], kind).toBeDefined();
    }
    const scalars = new Set(['string', 'bytes', 'int32', 'int64', 'bool', 'double', 'float']);
    for (const [name, spec] of Object.entries(MESSAGES)) {
      for (const f of Object.values(spec)) {
        expect(scalars.has(f.type) || MESSAGES[f.type] !== undefined, `${name}.${f.name} -> ${f.type}`).toBe(true);
      }
    }
  });

  it('decodes an empty message of every kind', () => {
    for (const message of Object.values(KINDS)) expect(decodeProtobufMessage(Buffer.alloc(0), message)).toStrictEqual({});
  });
});

describe('goDuration', () => {
  it('formats like Go time.Duration.String()', () => {
    expect(goDuration(0n)).toBe('0s');
    expect(goDuration(1n)).toBe('1ns');
    expect(goDuration(1500n)).toBe('1.5µs');
    expect(goDuration(100_000_000n)).toBe('100ms');
    expect(goDuration(1_500_000_000n)).toBe('1.5s');
    expect(goDuration(90_000_000_000n)).toBe('1m30s');
    expect(goDuration(3_600_000_000_000n)).toBe('1h0m0s');
    expect(goDuration(-5_000_000_000n)).toBe('-5s');
  });

  it('decodes a meta/v1 Duration message', () => {
    expect(decodeProtobufMessage(vi(1, 300_000_000_000), 'k8s.io.apimachinery.pkg.apis.meta.v1.Duration')).toBe('5m0s');
  });
});
