/** TLS Secrets as the edge serves them: a certificate and its key, matching and not expired. */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { KObject } from '../../apis/object.js';

/** The PEM certificate and key of a `kubernetes.io/tls` Secret, or what is wrong with it. */
export function checkCertificate(secret: KObject): { certPem: string; keyPem: string } | string {
  const data = secret.data ?? {};
  if (!data['tls.crt'] || !data['tls.key']) return 'has no tls.crt and tls.key';
  const certPem = Buffer.from(data['tls.crt'], 'base64').toString('utf8');
  const keyPem = Buffer.from(data['tls.key'], 'base64').toString('utf8');
  try {
    const cert = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key)) return 'tls.key does not match the certificate in tls.crt';
    if (Date.parse(cert.validTo) < Date.now()) return `the certificate expired on ${cert.validTo}`;
  } catch (e) {
    return `tls.crt/tls.key is not a valid PEM certificate and key: ${(e as Error).message}`;
  }
  return { certPem, keyPem };
}
