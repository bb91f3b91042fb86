/**
 * Reaching a webhook: its clientConfig resolved to an HTTPS address, an AdmissionReview POSTed
 * there with the webhook's caBundle as the only trust (system roots when empty) and its timeout,
 * and the JSON answer read back. Failures are WebhookCallErrors whose messages read like
 * client-go's (`Post "https://...?timeout=10s": dial tcp 127.0.0.1:9: connect: connection refused`).
 *
 * A `service` reference is resolved as kube-apiserver does with endpoint routing (its
 * ResolveEndpoint): the Service's port with that number, then an address of the Service's
 * Endpoints for the port of the same name; an ExternalName Service resolves to its external
 * name. Simulated clusters have no service data plane, so a ClusterIP is never dialled. The
 * server certificate must be valid for `<service>.<namespace>.svc`, as upstream requires.
 */
import { request as httpsRequest } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { isPlainObject, type KObject } from '../../apis/object.js';
import type { ObjectLookup } from '../registry/types.js';

export class WebhookCallError extends Error {}

export interface WebhookClientConfig {
  url?: string;
  service?: { namespace?: string; name?: string; path?: string; port?: number };
  /** base64 of PEM certificates. */
  caBundle?: string;
}

export interface ResolvedEndpoint {
  /** What the request is sent to. */
  url: URL;
  /** The URL as reported in errors (the service's DNS name for service references). */
  displayUrl: string;
  /** The name the server certificate must be valid for, when it is not the URL's host. */
  serverName?: string;
}

/**
 * Where a clientConfig points now; throws a WebhookCallError when it cannot be resolved (`query`
 * is added to the URL the error shows, as the request would have carried it).
 */
export function resolveEndpoint(cc: WebhookClientConfig, lookup: ObjectLookup, query = ''): ResolvedEndpoint {
  if (cc.url) return { url: new URL(cc.url), displayUrl: cc.url };
  const svc = cc.service ?? {};
  const ns = svc.namespace ?? '';
  const name = svc.name ?? '';
  const port = svc.port ?? 443;
  const path = svc.path ?? '';
  const serverName = `${name}.${ns}.svc`;
  const displayUrl = `https://${serverName}:${port}${path}`;
  const fail = (why: string): never => {
    throw new WebhookCallError(`Post "${displayUrl}${query}": ${why}`);
  };
  const serviceType = lookup.type('', 'services');
  const endpointsType = lookup.type('', 'endpoints');
  const service = serviceType ? lookup.get(serviceType, ns, name) : undefined;
  if (!service) return fail(`service "${name}" not found`);
  const spec = service.spec ?? {};
  if (spec.type === 'ExternalName') {
    return { url: new URL(`https://${hostPort(String(spec.externalName ?? ''), port)}${path}`), displayUrl, serverName };
  }
  const servicePort = (spec.ports ?? []).find((p: KObject) => p.port === port);
  if (!servicePort) return fail(`no service port ${port} found for service "${name}"`);
  const portName = servicePort.name ?? '';
  const endpoints = endpointsType ? lookup.get(endpointsType, ns, name) : undefined;
  if (!endpoints) return fail(`endpoints "${name}" not found`);
  for (const subset of endpoints.subsets ?? []) {
    const epPort = (subset.ports ?? []).find((p: KObject) => (p.name ?? '') === portName);
    const addresses: KObject[] = subset.addresses ?? [];
    if (!epPort || addresses.length === 0) continue;
    const ip = String(addresses[Math.floor(Math.random() * addresses.length)]!.ip);
    return { url: new URL(`https://${hostPort(ip, epPort.port)}${path}`), displayUrl, serverName };
  }
  return fail(`no endpoints available for service "${name}"`);
}

const hostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

function caFrom(bundle: string | undefined): string | undefined {
  if (!bundle) return undefined;
  const pem = Buffer.from(bundle, 'base64').toString('utf8');
  return pem.includes('-----BEGIN') ? pem : undefined;
}

/** Go's wording for what Node reports, where the difference matters to a reader. */
function describe(err: NodeJS.ErrnoException, url: URL): string {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addr = hostPort(host, Number(url.port || 443));
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host}: no such host`;
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: ${err.message}`;
    default:
      return err.message;
  }
}

/** Largest webhook answer read (kube-apiserver's response size limit is in the same range). */
const MAX_RESPONSE_BYTES = 3 * 1024 * 1024;

/**
 * POSTs `body` as JSON and returns the decoded JSON answer. The URL gets `?timeout=<n>s` as
 * client-go adds it; the whole exchange is bounded by `timeoutMs`.
 */
export function postAdmissionReview(cc: WebhookClientConfig, lookup: ObjectLookup, body: unknown, timeoutMs: number): Promise<unknown> {
  const seconds = Math.ceil(timeoutMs / 1000);
  const ep = resolveEndpoint(cc, lookup, `?timeout=${seconds}s`);
  const url = new URL(ep.url);
  url.searchParams.set('timeout', `${seconds}s`);
  const shown = `${ep.displayUrl}?timeout=${seconds}s`;
  const payload = Buffer.from(JSON.stringify(body));
  const ca = caFrom(cc.caBundle);
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const done = (err: Error | undefined, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    };
    const req = httpsRequest(
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': payload.length, 'User-Agent': 'kube-apiserver-admission' },
        ...(ca ? { ca } : {}),
        ...(ep.serverName
          ? { servername: ep.serverName, checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(ep.serverName!, cert) }
          : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy();
            done(new WebhookCallError(`Post "${shown}": the response is larger than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => done(new WebhookCallError(`Post "${shown}": ${describe(e, url)}`)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = text.trim() === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (code < 200 || code > 299) {
            // client-go turns a Status body into that error, anything else into a generic one.
            if (isPlainObject(parsed) && parsed.kind === 'Status' && typeof parsed.message === 'string') {
              done(new WebhookCallError(parsed.message));
            } else {
              const snippet = text.length > 200 ? `${text.slice(0, 200)}...` : text;
              done(new WebhookCallError(`an error on the server (${JSON.stringify(snippet)}) has prevented the request from succeeding`));
            }
            return;
          }
          if (parsed === undefined) {
            done(new WebhookCallError(text.trim() === '' ? 'the webhook returned an empty body' : `couldn't decode the webhook response as JSON: ${text.slice(0, 100)}`));
            return;
          }
          done(undefined, parsed);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done(new WebhookCallError(`Post "${shown}": context deadline exceeded`));
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => done(new WebhookCallError(`Post "${shown}": ${describe(e, url)}`)));
    req.end(payload);
  });
}
