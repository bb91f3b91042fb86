/**
 * The server's PKI on disk: a CA, the serving certificate, the admin client certificate and the
 * ServiceAccount token signing key pair. Everything created once is reused on later starts, so
 * kubeconfigs and tokens handed out earlier stay valid; only what is missing, expiring, not
 * issued by the CA or (for the serving certificate) not covering the requested hosts is re-issued.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CertificateAndKey,
  createCA,
  describeCertificate,
  isSignedBy,
  issueCertificate,
  splitHosts,
} from './ca.js';

export const CA_COMMON_NAME = 'kubefed-ca';
export const APISERVER_COMMON_NAME = 'kube-apiserver';
export const ADMIN_USER = 'kubefed-admin';
export const ADMIN_GROUP = 'system:masters';

/** Names the serving certificate always covers: loopback and the in-cluster "kubernetes" Service. */
export const DEFAULT_SERVING_HOSTS = [
  'localhost',
  '127.0.0.1',
  '::1',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];

/** Certificates this close to expiry are renewed at load. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  servingCert: 'apiserver.crt',
  servingKey: 'apiserver.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
  serviceAccountKey: 'sa.key',
  serviceAccountPublicKey: 'sa.pub',
} as const;

export interface KeyPairPem {
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** SPKI PEM. */
  publicKeyPem: string;
}

export interface Pki {
  dir: string;
  ca: CertificateAndKey;
  /** apiserver.crt / apiserver.key. */
  serving: CertificateAndKey;
  /** admin.crt / admin.key: CN kubefed-admin, O system:masters. */
  admin: CertificateAndKey;
  /** sa.key / sa.pub: signs ServiceAccount tokens. */
  serviceAccountKey: KeyPairPem;
}

export interface PkiOptions {
  /** Host names and IP addresses clients use to reach the server; added to DEFAULT_SERVING_HOSTS. */
  hosts: string[];
}

export async function loadOrCreatePki(dir: string, options: PkiOptions): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = (name: string): string => join(dir, name);

  let ca = await readPair(file(PKI_FILES.caCert), file(PKI_FILES.caKey));
  const newCA = !ca;
  if (!ca) {
    ca = await createCA(CA_COMMON_NAME);
    await writePair(ca, file(PKI_FILES.caCert), file(PKI_FILES.caKey));
  }

  const wantedHosts = splitHosts([...DEFAULT_SERVING_HOSTS, ...options.hosts]);
  let serving = newCA ? undefined : await readPair(file(PKI_FILES.servingCert), file(PKI_FILES.servingKey));
  if (!serving || !(await isUsable(serving, ca)) || !coversHosts(serving.certPem, wantedHosts)) {
    // Keep the names an earlier certificate covered, so alternating host lists do not flip-flop.
    const previous = serving ? describeCertificate(serving.certPem) : { dnsNames: [], ipAddresses: [] };
    serving = await issueCertificate(ca, {
      commonName: APISERVER_COMMON_NAME,
      dnsNames: union(wantedHosts.dnsNames, previous.dnsNames),
      ipAddresses: union(wantedHosts.ipAddresses, previous.ipAddresses),
      usage: 'server',
    });
    await writePair(serving, file(PKI_FILES.servingCert), file(PKI_FILES.servingKey));
  }

  let admin = newCA ? undefined : await readPair(file(PKI_FILES.adminCert), file(PKI_FILES.adminKey));
  if (!admin || !(await isUsable(admin, ca))) {
    admin = await issueCertificate(ca, { commonName: ADMIN_USER, organizations: [ADMIN_GROUP], usage: 'client' });
    await writePair(admin, file(PKI_FILES.adminCert), file(PKI_FILES.adminKey));
  }

  // The token signing key does not depend on the CA: keep it even when the CA was re-created.
  let serviceAccountKey = await readServiceAccountKey(file(PKI_FILES.serviceAccountKey), file(PKI_FILES.serviceAccountPublicKey));
  if (!serviceAccountKey) {
    serviceAccountKey = generateServiceAccountKey();
    await writeFileAtomic(file(PKI_FILES.serviceAccountPublicKey), serviceAccountKey.publicKeyPem, 0o644);
    await writeFileAtomic(file(PKI_FILES.serviceAccountKey), serviceAccountKey.privateKeyPem, 0o600);
  }

  return { dir, ca, serving, admin, serviceAccountKey };
}

/** An EC P-256 key pair (ES256 tokens). */
export function generateServiceAccountKey(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

async function isUsable(pair: CertificateAndKey, ca: CertificateAndKey): Promise<boolean> {
  try {
    const info = describeCertificate(pair.certPem);
    return info.notAfter.getTime() - Date.now() > RENEW_BEFORE_MS && (await isSignedBy(pair.certPem, ca.certPem));
  } catch {
    return false;
  }
}

function coversHosts(certPem: string, wanted: { dnsNames: string[]; ipAddresses: string[] }): boolean {
  const info = describeCertificate(certPem);
  return (
    wanted.dnsNames.every((n) => info.dnsNames.includes(n)) && wanted.ipAddresses.every((ip) => info.ipAddresses.includes(ip))
  );
}

async function readPair(certPath: string, keyPath: string): Promise<CertificateAndKey | undefined> {
  const [certPem, keyPem] = await Promise.all([readOptional(certPath), readOptional(keyPath)]);
  return certPem && keyPem ? { certPem, keyPem } : undefined;
}

async function readServiceAccountKey(keyPath: string, pubPath: string): Promise<KeyPairPem | undefined> {
  const [privateKeyPem, publicKeyPem] = await Promise.all([readOptional(keyPath), readOptional(pubPath)]);
  return privateKeyPem && publicKeyPem ? { privateKeyPem, publicKeyPem } : undefined;
}

async function writePair(pair: CertificateAndKey, certPath: string, keyPath: string): Promise<void> {
  await writeFileAtomic(keyPath, pair.keyPem, 0o600);
  await writeFileAtomic(certPath, pair.certPem, 0o644);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Write-then-rename, so a crash never leaves a truncated key or certificate behind. */
async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode); // the umask may have narrowed or the file may have existed
  await rename(tmp, path);
}

const union = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])];
