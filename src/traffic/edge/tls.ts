/**
 * Server certificates by SNI name: the certificate naming the exact host, else one naming
 * `*.<parent domain>` (a wildcard covers exactly one more label), else the default certificate
 * (one with no hosts in the configuration, else a self-signed one the edge made at start).
 * Secure contexts are kept across configuration snapshots while their certificate stays.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { createCA, issueCertificate, type CertificateAndKey } from '../../pki/ca.js';
import type { TlsCertificate } from '../model.js';

/** A self-signed serving certificate (a throw-away CA and a certificate it issued, chained). */
export async function selfSignedCertificate(commonName = 'kubefed-edge'): Promise<CertificateAndKey> {
  const ca = await createCA(`${commonName}-self-signed-ca`);
  const leaf = await issueCertificate(ca, { commonName, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'], usage: 'server' });
  return { certPem: `${leaf.certPem.trimEnd()}\n${ca.certPem}`, keyPem: leaf.keyPem };
}

export class CertificateStore {
  private readonly exact = new Map<string, SecureContext>();
  private readonly wildcard = new Map<string, SecureContext>();
  readonly fallback: SecureContext;
  /** Certificates that could not be loaded ("Secret ns/name: reason"). */
  readonly errors: string[] = [];
  /** Contexts by certificate and key, for the next store. */
  readonly contexts = new Map<string, SecureContext>();

  /** `selfSigned`: the context of the edge's own certificate, the default when the configuration has none. */
  constructor(certs: readonly TlsCertificate[], selfSigned: SecureContext, previous?: CertificateStore) {
    let def: SecureContext | undefined;
    for (const c of certs) {
      const key = `${c.certPem}\0${c.keyPem}`;
      let ctx = this.contexts.get(key) ?? previous?.contexts.get(key);
      if (ctx === undefined) {
        try {
          ctx = createSecureContext({ cert: c.certPem, key: c.keyPem });
        } catch (e) {
          this.errors.push(`${c.source}: ${(e as Error).message}`);
          continue;
        }
      }
      this.contexts.set(key, ctx);
      if (c.hosts.length === 0) def ??= ctx;
      for (const raw of c.hosts) {
        const h = raw.toLowerCase().replace(/\.$/, '');
        if (h.startsWith('*.')) {
          if (!this.wildcard.has(h.slice(2))) this.wildcard.set(h.slice(2), ctx);
        } else if (!this.exact.has(h)) this.exact.set(h, ctx);
      }
    }
    this.fallback = def ?? selfSigned;
  }

  /** The context for an SNI name (undefined or '' when the client sent none). */
  select(servername: string | undefined): SecureContext {
    if (!servername) return this.fallback;
    const h = servername.toLowerCase().replace(/\.$/, '');
    const e = this.exact.get(h);
    if (e !== undefined) return e;
    const dot = h.indexOf('.');
    if (dot > 0) {
      const w = this.wildcard.get(h.slice(dot + 1));
      if (w !== undefined) return w;
    }
    return this.fallback;
  }
}
