/**
 * The other side of admission webhooks: an HTTPS server answering AdmissionReviews (v1 and
 * v1beta1), so checks written as an in-process AdmissionPlugin (mutateCreate and validate, the
 * interface src/apiserver/rest/context.ts calls) can run in front of any kube-apiserver, ours
 * included. `pluginHandlers` adapts plugins to a validating and a mutating handler;
 * `webhookConfigurations` produces the ValidatingWebhookConfiguration and
 * MutatingWebhookConfiguration that register them; `webhookServingCertificate` makes a CA and a
 * serving certificate for the hosts the server is reached at.
 *
 *   const cert = await webhookServingCertificate(['127.0.0.1']);
 *   const server = await AdmissionWebhookServer.start({ tls: cert, handlers: pluginHandlers([federationAdmission()]) });
 *   const { validating, mutating } = webhookConfigurations({ name: 'federation.kubefed.io', url: server.url, caPem: cert.caPem });
 *   // create both objects in the target API server
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deepClone, deepEqual, isPlainObject, type KObject } from '../../apis/object.js';
import { SchemaSet } from '../../apis/schema/resolve.js';
import { invalidError } from '../../apis/validation/field.js';
import { createCA, issueCertificate, splitHosts } from '../../pki/ca.js';
import type { ResourceType } from '../registry/types.js';
import type { AdmissionPlugin } from '../rest/context.js';
import { formatJsonPointer } from '../patch/json-patch.js';
import type { GroupVersionKind, GroupVersionResource, Operation, Rule } from './rules.js';

/** The AdmissionRequest a webhook receives. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  object?: KObject | null;
  oldObject?: KObject | null;
  dryRun?: boolean;
  options?: KObject | null;
}

/** What a handler answers; the server adds uid, encodes the patch and sets patchType. */
export interface AdmissionVerdict {
  allowed: boolean;
  /** A metav1.Status (code, reason, message, details) explaining a refusal. */
  status?: { code?: number; reason?: string; message?: string; details?: unknown; status?: string };
  /** RFC 6902 operations against the request's object (mutating webhooks). */
  patch?: unknown[];
  warnings?: string[];
}

export type AdmissionHandler = (req: AdmissionRequest) => AdmissionVerdict | Promise<AdmissionVerdict>;

export interface AdmissionWebhookServerOptions {
  /** Handlers by request path, e.g. { '/validate': ..., '/mutate': ... }. */
  handlers: Record<string, AdmissionHandler>;
  tls: { certPem: string; keyPem: string };
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

const MAX_REVIEW_BYTES = 8 * 1024 * 1024;

export class AdmissionWebhookServer {
  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(opts: AdmissionWebhookServerOptions): Promise<AdmissionWebhookServer> {
    const server = createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, (req, res) => void serve(opts.handlers, req, res));
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new AdmissionWebhookServer(server, host, (server.address() as AddressInfo).port);
  }

  /** Serves a renewed certificate from now on (connections already open keep theirs). */
  setCertificate(tls: { certPem: string; keyPem: string }): void {
    this.server.setSecureContext({ cert: tls.certPem, key: tls.keyPem });
  }

  /** https://host:port, the base of the handlers' URLs. */
  get url(): string {
    return `https://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function serve(handlers: Record<string, AdmissionHandler>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = (code: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  const path = new URL(req.url ?? '/', 'https://localhost').pathname;
  const handler = handlers[path];
  if (!handler) return reply(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: `no admission handler at ${path}` });
  if (req.method !== 'POST') return reply(405, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 405, reason: 'MethodNotAllowed', message: 'admission reviews are POSTed' });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_REVIEW_BYTES) return reply(413, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 413, reason: 'RequestEntityTooLarge', message: 'the review is too large' });
    chunks.push(c);
  }
  let review: Record<string, any>;
  try {
    review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
  } catch (e) {
    return reply(400, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 400, reason: 'BadRequest', message: `couldn't decode the AdmissionReview: ${(e as Error).message}` });
  }
  const apiVersion = review.apiVersion === 'admission.k8s.io/v1beta1' ? 'admission.k8s.io/v1beta1' : 'admission.k8s.io/v1';
  if (review.kind !== 'AdmissionReview' || !isPlainObject(review.request)) {
    return reply(400, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 400, reason: 'BadRequest', message: 'expected an AdmissionReview with a request' });
  }
  const request = review.request as AdmissionRequest;
  let verdict: AdmissionVerdict;
  try {
    verdict = await handler(request);
  } catch (e) {
    // As webhook frameworks answer an error of their own: a refusal with code 500.
    verdict = { allowed: false, status: { code: 500, reason: 'InternalError', message: e instanceof Error ? e.message : String(e) } };
  }
  const response: Record<string, unknown> = { uid: request.uid, allowed: verdict.allowed };
  if (verdict.status) response.status = { status: verdict.allowed ? 'Success' : 'Failure', ...verdict.status };
  if (verdict.patch && verdict.patch.length > 0) {
    response.patch = Buffer.from(JSON.stringify(verdict.patch)).toString('base64');
    response.patchType = 'JSONPatch';
  }
  if (verdict.warnings?.length) response.warnings = verdict.warnings;
  reply(200, { apiVersion, kind: 'AdmissionReview', response });
}

/** RFC 6902 operations turning `from` into `to` (objects key by key, other values replaced whole). */
export function jsonPatchFor(from: unknown, to: unknown, path: (string | number)[] = [], ops: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (deepEqual(from, to)) return ops;
  if (isPlainObject(from) && isPlainObject(to)) {
    for (const k of Object.keys(from)) if (!(k in to)) ops.push({ op: 'remove', path: formatJsonPointer([...path, k]) });
    for (const [k, v] of Object.entries(to)) {
      if (!(k in from)) ops.push({ op: 'add', path: formatJsonPointer([...path, k]), value: v });
      else jsonPatchFor(from[k], v, [...path, k], ops);
    }
    return ops;
  }
  ops.push({ op: 'replace', path: formatJsonPointer(path), value: to });
  return ops;
}

/** A ResourceType standing for the request's kind, enough for plugins that look at group, kind and resource. */
function requestType(req: AdmissionRequest): ResourceType {
  const { group, version, kind } = req.kind;
  return {
    group,
    resource: req.resource.resource,
    kind,
    listKind: `${kind}List`,
    singular: kind.toLowerCase(),
    namespaced: !!req.namespace,
    shortNames: [],
    categories: [],
    verbs: [],
    versions: [],
    storagePrefix: '',
    storageApiVersion: group ? `${group}/${version}` : version,
    strategy: { generation: 'none', statusSubresource: false, nameRule: 'none' },
    subresources: {},
    builtin: false,
    schemas: new SchemaSet(new Map()),
  };
}

export interface PluginHandlerOptions {
  /** The ResourceType a request is about (e.g. from a registry); a stand-in built from the request otherwise. */
  typeFor?(req: AdmissionRequest): ResourceType | undefined;
}

/**
 * A validating handler running every plugin's validate on CREATE and UPDATE (field errors become
 * the 422 Invalid Status the in-process hook would produce), and a mutating handler running
 * their mutateCreate on CREATE and answering with the JSON patch of what they changed.
 */
export function pluginHandlers(plugins: AdmissionPlugin[], opts: PluginHandlerOptions = {}): { validate: AdmissionHandler; mutate: AdmissionHandler } {
  const typeOf = (req: AdmissionRequest) => opts.typeFor?.(req) ?? requestType(req);
  return {
    validate(req) {
      if ((req.operation !== 'CREATE' && req.operation !== 'UPDATE') || !isPlainObject(req.object)) return { allowed: true };
      const type = typeOf(req);
      const operation = req.operation === 'CREATE' ? 'create' : 'update';
      const old = isPlainObject(req.oldObject) ? req.oldObject : undefined;
      const sub = req.subResource;
      const errs = plugins.flatMap((p) => p.validate({ type, obj: req.object!, ...(old ? { old } : {}), operation, ...(sub ? { subresource: sub } : {}) }));
      if (errs.length === 0) return { allowed: true };
      const name = req.object?.metadata?.name ?? req.name ?? '';
      return { allowed: false, status: invalidError(type.kind, type.group, name, errs).toStatus() };
    },
    mutate(req) {
      if (req.operation !== 'CREATE' || !isPlainObject(req.object)) return { allowed: true };
      const type = typeOf(req);
      const obj = deepClone(req.object);
      for (const p of plugins) p.mutateCreate?.({ type, obj });
      const patch = jsonPatchFor(req.object, obj);
      return patch.length ? { allowed: true, patch } : { allowed: true };
    },
  };
}

/** A CA and a serving certificate for `hosts` (names and IP addresses), for a webhook server. */
export async function webhookServingCertificate(hosts: string[], commonName = 'kubefed-admission-webhook'): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const ca = await createCA(`${commonName}-ca`);
  const cert = await issueCertificate(ca, { commonName, ...splitHosts(hosts), usage: 'server' });
  return { caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem };
}

export interface WebhookConfigurationOptions {
  /** Configuration name; the webhooks are validate.<name> and mutate.<name> (name needs two dots then: e.g. federation.kubefed.io). */
  name: string;
  /** The server's base URL (https://host:port); exclusive with service. */
  url?: string;
  /** A Service in front of the server; exclusive with url. */
  service?: { namespace: string; name: string; port?: number };
  /** The CA that signed the server's certificate. */
  caPem: string;
  validatePath?: string;
  mutatePath?: string;
  /** Rules of the validating webhook; default: CREATE and UPDATE of every resource. */
  validateRules?: Rule[];
  /** Rules of the mutating webhook; default: CREATE of every resource. */
  mutateRules?: Rule[];
  failurePolicy?: 'Fail' | 'Ignore';
  timeoutSeconds?: number;
  namespaceSelector?: KObject;
  objectSelector?: KObject;
  labels?: Record<string, string>;
}

const allResources = (operations: string[]): Rule[] => [{ operations, apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], scope: '*' }];

/** The ValidatingWebhookConfiguration and MutatingWebhookConfiguration registering a webhook server. */
export function webhookConfigurations(o: WebhookConfigurationOptions): { validating: KObject; mutating: KObject } {
  if (!o.url === !o.service) throw new Error('webhookConfigurations: exactly one of url and service is needed');
  const clientConfig = (path: string) => ({
    ...(o.url ? { url: `${o.url.replace(/\/$/, '')}${path}` } : { service: { ...o.service!, path } }),
    caBundle: Buffer.from(o.caPem).toString('base64'),
  });
  const common = {
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: o.failurePolicy ?? 'Fail',
    matchPolicy: 'Equivalent',
    timeoutSeconds: o.timeoutSeconds ?? 10,
    namespaceSelector: o.namespaceSelector ?? {},
    objectSelector: o.objectSelector ?? {},
  };
  const metadata = { name: o.name, ...(o.labels ? { labels: o.labels } : {}) };
  return {
    validating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata,
      webhooks: [{ name: `validate.${o.name}`, clientConfig: clientConfig(o.validatePath ?? '/validate'), rules: o.validateRules ?? allResources(['CREATE', 'UPDATE']), ...common }],
    },
    mutating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: deepClone(metadata),
      webhooks: [
        {
          name: `mutate.${o.name}`,
          clientConfig: clientConfig(o.mutatePath ?? '/mutate'),
          rules: o.mutateRules ?? allResources(['CREATE']),
          reinvocationPolicy: 'Never',
          ...common,
        },
      ],
    },
  };
}

/** Starts a server answering the plugins at /validate and /mutate. */
export async function serveAdmissionPlugins(
  plugins: AdmissionPlugin[],
  opts: { tls: { certPem: string; keyPem: string }; host?: string; port?: number } & PluginHandlerOptions,
): Promise<AdmissionWebhookServer> {
  const h = pluginHandlers(plugins, opts);
  return AdmissionWebhookServer.start({ tls: opts.tls, ...(opts.host ? { host: opts.host } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}), handlers: { '/validate': h.validate, '/mutate': h.mutate } });
}
