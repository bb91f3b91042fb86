/**
 * Request authentication as kube-apiserver does it: a verified TLS client certificate, or a bearer
 * token (static token file, ServiceAccount JWT). The first source that accepts wins; when none
 * does and some source rejected the credentials presented, the request is Unauthorized (401);
 * when no credentials were presented at all, the result is null and the caller decides about
 * anonymous access.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { PeerCertificate } from 'node:tls';
import { unauthorized } from '../errors.js';
import { type ServiceAccountTokens, serviceAccountUserInfo } from './serviceaccount-tokens.js';
import { readTokenFile, type StaticToken } from './token-file.js';
import { GROUP_AUTHENTICATED, GROUP_UNAUTHENTICATED, type UserInfo } from './types.js';

/** What authentication reads of a request; node:http's IncomingMessage and http2's compat request both fit. */
export interface AuthenticationRequest {
  headers: IncomingHttpHeaders;
  socket: unknown;
}

export interface AuthenticatorOptions {
  /** A Kubernetes --token-auth-file. */
  tokenFile?: string;
  staticTokens?: StaticToken[];
  serviceAccountTokens?: ServiceAccountTokens;
  /** Accept client certificates the TLS server verified against its CA. Default true. */
  clientCertificates?: boolean;
}

/** Credentials were presented but this source did not accept them. */
class Rejected {
  constructor(readonly why: string) {}
}

/** Union of the sources: a user, no credentials for this source (undefined), or rejected credentials. */
type SourceResult = UserInfo | undefined | Rejected;

interface TlsPeer {
  authorized?: boolean;
  authorizationError?: Error | string;
  getPeerCertificate(detailed?: boolean): PeerCertificate | Record<string, never> | null;
}

export class Authenticator {
  private readonly staticTokens = new Map<string, StaticToken>();

  constructor(private readonly options: AuthenticatorOptions = {}) {
    const tokens = [...(options.tokenFile ? readTokenFile(options.tokenFile) : []), ...(options.staticTokens ?? [])];
    for (const t of tokens) this.staticTokens.set(t.token, t); // later rows win, as in kube-apiserver
  }

  /**
   * The request's user, or null when it carries no credentials. Throws Unauthorized (401) for
   * credentials that no source accepts. A successfully used Authorization header is removed from
   * `req.headers` so it is never forwarded (kube-apiserver does the same).
   */
  async authenticate(req: AuthenticationRequest): Promise<UserInfo | null> {
    const rejections: Rejected[] = [];
    for (const source of [() => this.fromClientCertificate(req), () => this.fromBearerToken(req)]) {
      const result = await source();
      if (result instanceof Rejected) rejections.push(result);
      else if (result) return withAuthenticatedGroup(result);
    }
    if (rejections.length > 0) throw unauthorized();
    return null;
  }

  /** Authenticates a bearer token alone (TokenReview); null when no source accepts it. */
  async authenticateToken(token: string, audiences?: string[]): Promise<UserInfo | null> {
    const staticToken = this.staticTokens.get(token);
    // Static tokens are audience-agnostic: only good for the API server's own audiences.
    const apiAudiences = this.options.serviceAccountTokens?.apiAudiences;
    const staticAllowed = !audiences?.length || !apiAudiences || audiences.some((a) => apiAudiences.includes(a));
    if (staticToken && staticAllowed) {
      return withAuthenticatedGroup({
        username: staticToken.username,
        uid: staticToken.uid,
        groups: [...staticToken.groups],
      });
    }
    const sa = await this.options.serviceAccountTokens?.verify(token, audiences ? { audiences } : {});
    return sa ? withAuthenticatedGroup(serviceAccountUserInfo(sa)) : null;
  }

  /** The certificate of a TLS connection never changes: its verdict is kept per connection. */
  private readonly certResults = new WeakMap<object, SourceResult>();

  private fromClientCertificate(req: AuthenticationRequest): SourceResult {
    if (this.options.clientCertificates === false) return undefined;
    const socket = req.socket as Partial<TlsPeer> | null;
    if (!socket || typeof socket.getPeerCertificate !== 'function') return undefined;
    if (this.certResults.has(socket)) return this.certResults.get(socket);
    const result = this.checkCertificate(socket as TlsPeer);
    this.certResults.set(socket, result);
    return result;
  }

  private checkCertificate(socket: TlsPeer): SourceResult {
    const cert = socket.getPeerCertificate(false);
    if (!cert || !('subject' in cert) || !cert.subject) return undefined; // no certificate presented
    if (!socket.authorized) return new Rejected(`client certificate not verified: ${String(socket.authorizationError)}`);
    // Like Go's pkix.Name, the last CN counts and every O is a group.
    const commonName = lastOf(cert.subject.CN);
    if (!commonName) return undefined;
    return { username: commonName, groups: allOf(cert.subject.O) };
  }

  private async fromBearerToken(req: AuthenticationRequest): Promise<SourceResult> {
    const header = req.headers.authorization;
    const auth = (Array.isArray(header) ? header[0] : header)?.trim();
    if (!auth) return undefined;
    const parts = auth.split(' ');
    if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer' || !parts[1]) return undefined;
    const user = await this.authenticateToken(parts[1]);
    if (!user) return new Rejected('invalid bearer token');
    delete req.headers.authorization;
    return user;
  }
}

function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(GROUP_AUTHENTICATED) || user.groups.includes(GROUP_UNAUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, GROUP_AUTHENTICATED] };
}

const allOf = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? [...v] : [v]);

const lastOf = (v: string | string[] | undefined): string | undefined => allOf(v).at(-1);
