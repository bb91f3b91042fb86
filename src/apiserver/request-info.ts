/**
 * Parses a request path and method into what it addresses, as Kubernetes' RequestInfoFactory
 * does: /api/v1/namespaces/{ns}/pods/{name}/log -> verb get, resource pods, subresource log.
 */
import { queryBool } from './http/query.js';

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection (or the HTTP verb lowercased). */
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  const segs = path.split('/').filter((s) => s !== '');
  if (segs.length === 0) return info;
  const prefix = segs[0]!;
  if (prefix !== 'api' && prefix !== 'apis') return info;
  let cur = segs.slice(1);
  info.apiPrefix = prefix;
  if (prefix === 'apis') {
    if (cur.length === 0) return info;
    info.apiGroup = cur[0]!;
    cur = cur.slice(1);
  }
  if (cur.length === 0) return info;
  info.apiVersion = cur[0]!;
  cur = cur.slice(1);
  if (cur.length === 0) return info;
  info.isResourceRequest = true;

  switch (method) {
    case 'POST':
      info.verb = 'create';
      break;
    case 'GET':
    case 'HEAD':
      info.verb = 'get';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = 'delete';
      break;
    default:
      info.verb = method.toLowerCase();
  }
  // Deprecated path form /api/v1/watch/namespaces/ns/pods
  if (SPECIAL_VERBS.has(cur[0]!)) {
    if (cur.length < 2) {
      info.isResourceRequest = false;
      return info;
    }
    info.verb = cur[0]!;
    cur = cur.slice(1);
  }
  if (cur[0] === 'namespaces') {
    if (cur.length > 1) {
      info.namespace = cur[1]!;
      // /namespaces/{name}/status and /finalize address the namespace object itself.
      if (cur.length > 2 && !NAMESPACE_SUBRESOURCES.has(cur[2]!)) cur = cur.slice(2);
    }
  }
  info.parts = cur;
  if (cur.length >= 3) info.subresource = cur[2]!;
  if (cur.length >= 2) info.name = cur[1]!;
  if (cur.length >= 1) info.resource = cur[0]!;

  // Collection requests: list/watch/deletecollection. `watch` is read as every boolean parameter is.
  if (info.name === '' && info.verb === 'get') info.verb = queryBool(query, 'watch') ? 'watch' : 'list';
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

/** For namespace objects the request namespace is the object's name; other cluster-scoped requests have none. */
export function objectNamespace(info: RequestInfo, namespaced: boolean): string {
  if (!namespaced) return '';
  return info.namespace;
}
