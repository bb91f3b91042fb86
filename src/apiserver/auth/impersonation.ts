/**
 * Impersonation (`kubectl --as`, `--as-group`): the Impersonate-User, Impersonate-Group,
 * Impersonate-Uid and Impersonate-Extra-* headers, each allowed only if the real user may
 * `impersonate` the corresponding users, groups, serviceaccounts, uids or userextras.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { forbidden } from '../errors.js';
import type { RbacAuthorizer } from './rbac.js';
import { GROUP_AUTHENTICATED, GROUP_SERVICE_ACCOUNTS, parseServiceAccountUsername, type UserInfo } from './types.js';

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function impersonatedUser(headers: IncomingHttpHeaders, real: UserInfo, authorizer: RbacAuthorizer): UserInfo {
  const username = headers['impersonate-user'];
  const groups = list(headers['impersonate-group']);
  const uid = headers['impersonate-uid'];
  const extraHeaders = Object.keys(headers).filter((h) => h.startsWith('impersonate-extra-'));
  if (username === undefined && groups.length === 0 && uid === undefined && extraHeaders.length === 0) return real;
  if (typeof username !== 'string' || username === '') {
    throw forbidden('requested impersonation of groups, uid or extras without impersonating a user');
  }
  const check = (resource: string, name: string, namespace = '', apiGroup = '') => {
    const d = authorizer.authorize({ user: real, verb: 'impersonate', isResourceRequest: true, apiGroup, resource, subresource: '', namespace, name, path: '' });
    if (!d.allowed) {
      const kind = resource === 'serviceaccounts' ? 'serviceaccounts' : resource;
      throw forbidden(`${kind} "${name}" is forbidden: User "${real.username}" cannot impersonate resource "${kind}" in API group "${apiGroup}"${namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope'}`);
    }
  };
  const sa = parseServiceAccountUsername(username);
  if (sa) check('serviceaccounts', sa.name, sa.namespace);
  else check('users', username);
  for (const g of groups) check('groups', g);
  if (typeof uid === 'string') check('uids', uid, '', 'authentication.k8s.io');
  const extra: Record<string, string[]> = {};
  for (const h of extraHeaders) {
    const key = decodeURIComponent(h.slice('impersonate-extra-'.length));
    extra[key] = list(headers[h]);
    for (const v of extra[key]!) check('userextras', v, '', 'authentication.k8s.io');
  }
  const allGroups = new Set(groups);
  if (username !== 'system:anonymous') allGroups.add(GROUP_AUTHENTICATED);
  if (sa) {
    allGroups.add(GROUP_SERVICE_ACCOUNTS);
    allGroups.add(`${GROUP_SERVICE_ACCOUNTS}:${sa.namespace}`);
  }
  return { username, groups: [...allGroups], ...(typeof uid === 'string' ? { uid } : {}), ...(extraHeaders.length ? { extra } : {}) };
}
