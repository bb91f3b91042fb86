/**
 * ServiceAccount tokens: JWTs signed with the server's ServiceAccount key, shaped like the ones
 * kube-apiserver issues — bound tokens from the TokenRequest API and, optionally, legacy
 * Secret-based tokens. Verification checks signature, issuer, time, audience, and that the
 * ServiceAccount (and the object the token is bound to) still exists with the same uid, so
 * deleting either revokes the token.
 */
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { nowTimestamp } from '../../apis/object.js';
import { GROUP_SERVICE_ACCOUNTS, serviceAccountUsername, type UserInfo } from './types.js';

export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

/** How many distinct tokens with checked signatures are remembered (oldest forgotten first). */
const VERIFIED_SIGNATURES_KEPT = 1024;

/** go-jose's default leeway, which kube-apiserver uses for exp/nbf/iat. */
const LEEWAY_SECONDS = 60;

type JwtAlgorithm = 'ES256' | 'RS256';

export interface ObjectIdentity {
  uid: string;
  /** Set when the object is being deleted; tokens bound to it are rejected. */
  deletionTimestamp?: string;
}

export interface BoundObjectRef {
  kind: 'Pod' | 'Secret' | 'Node' | string;
  apiVersion?: string;
  name: string;
  uid: string;
}

export interface ServiceAccountTokensOptions {
  /** PKCS#8 (or SEC1/PKCS#1) PEM of an EC P-256 or RSA key. */
  privateKeyPem: string;
  /** Extra public keys (PEM) whose tokens are still accepted, e.g. after a key rotation. */
  additionalPublicKeyPems?: string[];
  issuer?: string;
  /** Audiences the API server itself answers to; the default audience of issued tokens. Default: [issuer]. */
  apiAudiences?: string[];
  lookupServiceAccount(namespace: string, name: string): ObjectIdentity | undefined;
  /** Checks the Pod/Secret/Node a bound token names; without it, bound objects are not checked. */
  lookupBoundObject?(kind: string, namespace: string, name: string): ObjectIdentity | undefined;
  /** For legacy tokens: the Secret and its decoded data.token. Without it, legacy tokens are rejected. */
  lookupSecret?(namespace: string, name: string): { uid: string; token?: string } | undefined;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

export interface IssueRequest {
  namespace: string;
  serviceAccountName: string;
  serviceAccountUid: string;
  /** Default: the API audiences. */
  audiences?: string[];
  expirationSeconds: number;
  boundObject?: BoundObjectRef;
}

export interface IssuedToken {
  token: string;
  /** RFC 3339, as TokenRequest.status.expirationTimestamp. */
  expirationTimestamp: string;
}

export interface LegacyIssueRequest {
  namespace: string;
  serviceAccountName: string;
  serviceAccountUid: string;
  secretName: string;
}

/** What a valid token says about its bearer. */
export interface ServiceAccountTokenInfo {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  legacy: boolean;
  expiresAt?: Date;
  /** The token's jti. */
  tokenId?: string;
  podName?: string;
  podUid?: string;
  secretName?: string;
  secretUid?: string;
  nodeName?: string;
  nodeUid?: string;
}

interface NamedRef {
  name: string;
  uid: string;
}

interface BoundClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: NamedRef;
    pod?: NamedRef;
    secret?: NamedRef;
    node?: NamedRef;
  };
}

interface VerificationKey {
  kid: string;
  key: KeyObject;
  alg: JwtAlgorithm;
}

export class ServiceAccountTokens {
  readonly issuer: string;
  readonly apiAudiences: string[];
  private readonly signingKey: KeyObject;
  private readonly signingAlg: JwtAlgorithm;
  private readonly signingKid: string;
  private readonly verificationKeys: VerificationKey[];
  private readonly now: () => number;
  /**
   * Tokens whose signature already checked out, with their claims. A signature stays valid for
   * the life of this object (its keys never change), while expiry, audience and the existence of
   * the ServiceAccount are still checked on every request — so this only spares the public-key
   * operation, which otherwise dominates the cost of a request (kube-apiserver caches whole
   * token authentications for 10 s; this is narrower).
   */
  private readonly verifiedSignatures = new Map<string, Record<string, unknown>>();

  constructor(private readonly options: ServiceAccountTokensOptions) {
    this.issuer = options.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
    this.apiAudiences = options.apiAudiences ?? [this.issuer];
    this.now = options.now ?? Date.now;
    this.signingKey = createPrivateKey(options.privateKeyPem);
    this.signingAlg = jwtAlgorithmOf(this.signingKey);
    const publicKey = createPublicKey(this.signingKey);
    this.signingKid = keyIdOf(publicKey);
    this.verificationKeys = [publicKey, ...(options.additionalPublicKeyPems ?? []).map((pem) => createPublicKey(pem))].map(
      (key) => ({ key, kid: keyIdOf(key), alg: jwtAlgorithmOf(key) }),
    );
  }

  async issue(request: IssueRequest): Promise<IssuedToken> {
    const now = Math.floor(this.now() / 1000);
    const exp = now + request.expirationSeconds;
    const kubernetes: BoundClaims['kubernetes.io'] = {
      namespace: request.namespace,
      serviceaccount: { name: request.serviceAccountName, uid: request.serviceAccountUid },
    };
    const bound = request.boundObject;
    if (bound?.kind === 'Pod') kubernetes.pod = { name: bound.name, uid: bound.uid };
    else if (bound?.kind === 'Secret') kubernetes.secret = { name: bound.name, uid: bound.uid };
    else if (bound?.kind === 'Node') kubernetes.node = { name: bound.name, uid: bound.uid };
    else if (bound) throw new Error(`cannot bind a token to a ${bound.kind}`);

    const claims: BoundClaims = {
      aud: request.audiences?.length ? request.audiences : this.apiAudiences,
      exp,
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': kubernetes,
      nbf: now,
      sub: serviceAccountUsername(request.namespace, request.serviceAccountName),
    };
    return { token: this.sign(claims), expirationTimestamp: nowTimestamp(new Date(exp * 1000)) };
  }

  /** A non-expiring token of the kind kube-controller-manager used to store in ServiceAccount Secrets. */
  async issueLegacy(request: LegacyIssueRequest): Promise<string> {
    return this.sign({
      iss: LEGACY_ISSUER,
      'kubernetes.io/serviceaccount/namespace': request.namespace,
      'kubernetes.io/serviceaccount/secret.name': request.secretName,
      'kubernetes.io/serviceaccount/service-account.name': request.serviceAccountName,
      'kubernetes.io/serviceaccount/service-account.uid': request.serviceAccountUid,
      sub: serviceAccountUsername(request.namespace, request.serviceAccountName),
    });
  }

  /**
   * The token's bearer, or null when the token is not a valid ServiceAccount token of this server
   * for one of `audiences` (default: the API audiences).
   */
  async verify(token: string, options: { audiences?: string[] } = {}): Promise<ServiceAccountTokenInfo | null> {
    const jwt = this.decodeAndCheckSignature(token);
    if (!jwt) return null;
    const audiences = options.audiences?.length ? options.audiences : this.apiAudiences;
    const claims = jwt.claims;
    if (claims.iss === this.issuer) return this.verifyBound(claims, audiences);
    if (claims.iss === LEGACY_ISSUER) return this.verifyLegacy(claims, token, audiences);
    return null;
  }

  /** The public keys as a JSON Web Key Set, as served at /openid/v1/jwks. */
  jwks(): { keys: Record<string, unknown>[] } {
    return {
      keys: this.verificationKeys.map(({ key, kid, alg }) => ({ ...key.export({ format: 'jwk' }), use: 'sig', kid, alg })),
    };
  }

  private verifyBound(raw: Record<string, unknown>, audiences: string[]): ServiceAccountTokenInfo | null {
    const claims = raw as unknown as BoundClaims;
    const k8s = claims['kubernetes.io'];
    if (!isObject(k8s) || typeof k8s.namespace !== 'string' || !isNamedRef(k8s.serviceaccount)) return null;
    if (typeof claims.exp !== 'number' || !this.timesValid(claims)) return null;
    const tokenAudiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
    if (!Array.isArray(tokenAudiences) || !tokenAudiences.some((a) => audiences.includes(a))) return null;

    const namespace = k8s.namespace;
    const sa = k8s.serviceaccount;
    if (claims.sub !== serviceAccountUsername(namespace, sa.name)) return null;
    if (!this.stillExists(this.options.lookupServiceAccount(namespace, sa.name), sa.uid)) return null;

    const info: ServiceAccountTokenInfo = {
      namespace,
      name: sa.name,
      uid: sa.uid,
      audiences: tokenAudiences.filter((a) => audiences.includes(a)),
      legacy: false,
      expiresAt: new Date(claims.exp * 1000),
      ...(typeof claims.jti === 'string' ? { tokenId: claims.jti } : {}),
    };
    const lookup = this.options.lookupBoundObject;
    for (const [kind, ref] of [
      ['Pod', k8s.pod],
      ['Secret', k8s.secret],
    ] as const) {
      if (ref === undefined) continue;
      if (!isNamedRef(ref)) return null;
      if (lookup && !this.stillExists(lookup(kind, namespace, ref.name), ref.uid)) return null;
    }
    if (k8s.node !== undefined) {
      if (!isNamedRef(k8s.node)) return null;
      if (lookup && !this.stillExists(lookup('Node', '', k8s.node.name), k8s.node.uid)) return null;
    }
    if (k8s.pod) Object.assign(info, { podName: k8s.pod.name, podUid: k8s.pod.uid });
    if (k8s.secret) Object.assign(info, { secretName: k8s.secret.name, secretUid: k8s.secret.uid });
    if (k8s.node) Object.assign(info, { nodeName: k8s.node.name, nodeUid: k8s.node.uid });
    return info;
  }

  private verifyLegacy(claims: Record<string, unknown>, token: string, audiences: string[]): ServiceAccountTokenInfo | null {
    const namespace = claims['kubernetes.io/serviceaccount/namespace'];
    const secretName = claims['kubernetes.io/serviceaccount/secret.name'];
    const name = claims['kubernetes.io/serviceaccount/service-account.name'];
    const uid = claims['kubernetes.io/serviceaccount/service-account.uid'];
    if (typeof namespace !== 'string' || typeof secretName !== 'string' || typeof name !== 'string' || typeof uid !== 'string') {
      return null;
    }
    // Legacy tokens carry no audience: they are only good for the API server itself.
    if (!audiences.some((a) => this.apiAudiences.includes(a))) return null;
    if (claims.sub !== serviceAccountUsername(namespace, name)) return null;
    const secret = this.options.lookupSecret?.(namespace, secretName);
    if (!secret || secret.token !== token) return null;
    if (!this.stillExists(this.options.lookupServiceAccount(namespace, name), uid)) return null;
    return { namespace, name, uid, audiences: this.apiAudiences, legacy: true, secretName, secretUid: secret.uid };
  }

  private stillExists(found: ObjectIdentity | undefined, uid: string): boolean {
    if (!found || found.uid !== uid) return false;
    return !found.deletionTimestamp || Date.parse(found.deletionTimestamp) > this.now();
  }

  private timesValid(claims: { exp?: unknown; nbf?: unknown; iat?: unknown }): boolean {
    const now = this.now() / 1000;
    if (typeof claims.exp === 'number' && now - LEEWAY_SECONDS >= claims.exp) return false;
    if (typeof claims.nbf === 'number' && now + LEEWAY_SECONDS < claims.nbf) return false;
    if (typeof claims.iat === 'number' && now + LEEWAY_SECONDS < claims.iat) return false;
    return true;
  }

  private sign(claims: object): string {
    const header = { alg: this.signingAlg, kid: this.signingKid };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    return `${input}.${signJws(this.signingAlg, this.signingKey, input).toString('base64url')}`;
  }

  private decodeAndCheckSignature(token: string): { claims: Record<string, unknown> } | null {
    const known = this.verifiedSignatures.get(token);
    if (known) return { claims: known };
    const checked = this.checkSignature(token);
    if (checked) {
      if (this.verifiedSignatures.size >= VERIFIED_SIGNATURES_KEPT) this.verifiedSignatures.delete(this.verifiedSignatures.keys().next().value!);
      this.verifiedSignatures.set(token, checked.claims);
    }
    return checked;
  }

  private checkSignature(token: string): { claims: Record<string, unknown> } | null {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) return null;
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = parseJson(headerPart);
    const claims = parseJson(payloadPart);
    if (!header || !claims || typeof header.alg !== 'string') return null;
    // The key decides the algorithm; a token may only name the one its key uses.
    const candidates = this.verificationKeys.filter(
      (k) => k.alg === header.alg && (typeof header.kid !== 'string' || header.kid === k.kid),
    );
    const input = Buffer.from(`${headerPart}.${payloadPart}`);
    const signature = Buffer.from(signaturePart, 'base64url');
    const valid = candidates.some((k) => verifyJws(k.alg, k.key, input, signature));
    return valid ? { claims } : null;
  }
}

/** The UserInfo of a verified ServiceAccount token, with the extra fields kube-apiserver sets. */
export function serviceAccountUserInfo(info: ServiceAccountTokenInfo): UserInfo {
  const extra: Record<string, string[]> = {};
  if (info.podName) extra['authentication.kubernetes.io/pod-name'] = [info.podName];
  if (info.podUid) extra['authentication.kubernetes.io/pod-uid'] = [info.podUid];
  if (info.nodeName) extra['authentication.kubernetes.io/node-name'] = [info.nodeName];
  if (info.nodeUid) extra['authentication.kubernetes.io/node-uid'] = [info.nodeUid];
  if (info.tokenId) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${info.tokenId}`];
  return {
    username: serviceAccountUsername(info.namespace, info.name),
    uid: info.uid,
    groups: [GROUP_SERVICE_ACCOUNTS, `${GROUP_SERVICE_ACCOUNTS}:${info.namespace}`],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

function jwtAlgorithmOf(key: KeyObject): JwtAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`unsupported ServiceAccount key type: ${key.asymmetricKeyType}`);
}

/** kube-apiserver's key id: base64url(SHA-256(DER SubjectPublicKeyInfo)). */
function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

function signJws(alg: JwtAlgorithm, key: KeyObject, input: string): Buffer {
  // JWS ES256 signatures are r||s (IEEE P1363), not DER.
  const data = Buffer.from(input);
  return alg === 'ES256' ? sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }) : sign('sha256', data, key);
}

function verifyJws(alg: JwtAlgorithm, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  try {
    return alg === 'ES256'
      ? verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)
      : verify('sha256', input, key, signature);
  } catch {
    return false;
  }
}

const base64url = (text: string): string => Buffer.from(text).toString('base64url');

function parseJson(part: string): Record<string, any> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isNamedRef = (v: unknown): v is NamedRef => isObject(v) && typeof v.name === 'string' && typeof v.uid === 'string';
