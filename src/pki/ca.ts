/**
 * A small certificate authority: self-signed CA certificates and the server/client certificates
 * it issues. Keys are ECDSA P-256 (accepted by kubectl, client-go and Node's TLS); everything is
 * exchanged as PEM (certificates as CERTIFICATE, private keys as PKCS#8 PRIVATE KEY).
 */
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as any);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const subtle = webcrypto.subtle;
const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const RSA_ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** Certificates are back-dated a little so that a peer with a slightly slow clock accepts them. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_CA_VALIDITY_DAYS = 10 * 365;
const DEFAULT_CERT_VALIDITY_DAYS = 365;

export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

export type CertificateUsage = 'server' | 'client' | 'both';

export interface CertificateRequest {
  commonName: string;
  /** Subject O values; for client certificates Kubernetes reads them as the user's groups. */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: CertificateUsage;
  validityDays?: number;
}

export async function createCA(commonName: string, validityDays = DEFAULT_CA_VALIDITY_DAYS): Promise<CertificateAndKey> {
  const keys = await generateEcKeyPair();
  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [commonName] }],
    notBefore,
    notAfter: new Date(notBefore.getTime() + validityDays * DAY_MS),
    keys,
    signingAlgorithm: EC_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

export async function issueCertificate(ca: CertificateAndKey, request: CertificateRequest): Promise<CertificateAndKey> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKeyPem(ca.keyPem);
  const keys = await generateEcKeyPair();
  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);

  const extendedUsages: string[] = [];
  if (request.usage !== 'client') extendedUsages.push(x509.ExtendedKeyUsage.serverAuth);
  if (request.usage !== 'server') extendedUsages.push(x509.ExtendedKeyUsage.clientAuth);

  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(extendedUsages),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  const altNames: x509.JsonGeneralName[] = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));

  // One RDN per organization, as Go's crypto/x509 writes them: each becomes an entry of Subject.Organization.
  const subject: x509.JsonName = [{ CN: [request.commonName] }, ...(request.organizations ?? []).map((o) => ({ O: [o] }))];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject,
    issuer: caCert.subjectName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (request.validityDays ?? DEFAULT_CERT_VALIDITY_DAYS) * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: signingAlgorithmFor(caKey),
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/** Splits host names and IP literals, as a serving certificate's SANs need them. */
export function splitHosts(hosts: string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const host of hosts) {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (isIP(bare)) ipAddresses.push(canonicalIp(bare));
    else dnsNames.push(bare.toLowerCase());
  }
  return { dnsNames: unique(dnsNames), ipAddresses: unique(ipAddresses) };
}

/** One spelling per address ("0:0::1" and "::1" are the same), so SAN lists can be compared. */
export function canonicalIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

export interface CertificateInfo {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
}

export function describeCertificate(certPem: string): CertificateInfo {
  const cert = new x509.X509Certificate(certPem);
  const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  return {
    commonName: cert.subjectName.getField('CN')[0] ?? '',
    organizations: cert.subjectName.getField('O'),
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value.toLowerCase()),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => canonicalIp(n.value)),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

/** True when `certPem` carries a valid signature by the CA certificate `caCertPem`. */
export async function isSignedBy(certPem: string, caCertPem: string): Promise<boolean> {
  const cert = new x509.X509Certificate(certPem);
  const caCert = new x509.X509Certificate(caCertPem);
  try {
    return await cert.verify({ publicKey: caCert, signatureOnly: true });
  } catch {
    return false;
  }
}

async function generateEcKeyPair(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey({ ...EC_ALGORITHM }, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

/** Imports a PEM private key of any encoding Node reads (PKCS#8, SEC1 EC, PKCS#1 RSA) for signing. */
async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const key = createPrivateKey(pem);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const algorithm = key.asymmetricKeyType === 'rsa' ? RSA_ALGORITHM : EC_ALGORITHM;
  if (algorithm === EC_ALGORITHM && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`unsupported CA key: ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`);
  }
  return subtle.importKey('pkcs8', der, { ...algorithm }, false, ['sign']);
}

function signingAlgorithmFor(key: CryptoKey): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return key.algorithm.name === 'ECDSA' ? EC_SIGNING : RSA_ALGORITHM;
}

/** 16 random bytes with the top bit cleared: a positive serial, as RFC 5280 requires. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

const unique = <T>(values: T[]): T[] => [...new Set(values)];
