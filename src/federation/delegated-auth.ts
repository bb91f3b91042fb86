/**
 * Delegated authentication and authorization, as Kubernetes components protect their /metrics
 * (kube-controller-manager's secure serving, controller-runtime's metrics filter): a bearer token
 * is checked with a TokenReview, the user it names with a SubjectAccessReview for the
 * non-resource URL and verb; both answers are cached for ten seconds. No token: 401; a token the
 * API server does not accept: 401; a user without the permission: 403.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { KubeClient } from './client/kube-client.js';

export type AuthDecision = { code: 200 } | { code: 401 | 403 | 500; message: string };

const TTL_MS = 10_000;

export class DelegatedAuth {
  private readonly cache = new Map<string, { decision: AuthDecision; until: number }>();

  constructor(private readonly client: KubeClient) {}

  async check(req: IncomingMessage, path: string, verb = 'get'): Promise<AuthDecision> {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return { code: 401, message: 'Unauthorized: a bearer token is required' };
    const key = `${createHash('sha256').update(m[1]!).digest('hex')} ${verb} ${path}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.decision;
    const decision = await this.review(m[1]!, path, verb);
    if (decision.code !== 500) {
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(key, { decision, until: now + TTL_MS });
    }
    return decision;
  }

  private async review(token: string, path: string, verb: string): Promise<AuthDecision> {
    try {
      const tr = await this.client.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
      const user = tr?.status?.user as { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } | undefined;
      if (!tr?.status?.authenticated || !user?.username) return { code: 401, message: 'Unauthorized' };
      const sar = await this.client.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user: user.username, groups: user.groups ?? [], ...(user.uid ? { uid: user.uid } : {}), ...(user.extra ? { extra: user.extra } : {}), nonResourceAttributes: { path, verb } },
      });
      if (sar?.status?.allowed) return { code: 200 };
      return { code: 403, message: `Forbidden: user "${user.username}" cannot ${verb} path "${path}"` };
    } catch (e) {
      return { code: 500, message: `cannot check the request's credentials: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}
