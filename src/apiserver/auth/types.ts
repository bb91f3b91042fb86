/** The authenticated identity of a request, as Kubernetes' user.Info carries it. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const GROUP_AUTHENTICATED = 'system:authenticated';
export const GROUP_UNAUTHENTICATED = 'system:unauthenticated';
export const GROUP_MASTERS = 'system:masters';
export const GROUP_SERVICE_ACCOUNTS = 'system:serviceaccounts';
export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';

/** What a request without credentials runs as (when anonymous requests are enabled). */
export const anonymousUser = (): UserInfo => ({ username: 'system:anonymous', groups: [GROUP_UNAUTHENTICATED] });

export const serviceAccountUsername = (namespace: string, name: string): string =>
  `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${name}`;

/** "system:serviceaccount:<ns>:<name>" -> {namespace, name}; undefined for other users. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USERNAME_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USERNAME_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}
