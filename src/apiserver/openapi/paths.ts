/**
 * OpenAPI path items for a resource: the operations kube-apiserver publishes, each tagged with
 * x-kubernetes-action and x-kubernetes-group-version-kind. kubectl reads the PATCH operation's
 * parameters to learn that the server supports fieldValidation (then it skips client-side
 * schema validation and lets the server validate).
 */
import { apiVersionOf } from '../../apis/object.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import type { OpenAPIFlavor } from './publish-schema.js';
import { refUri } from './publish-schema.js';

interface Param {
  name: string;
  in: 'query' | 'path';
  description: string;
  required?: boolean;
  type?: string;
  schema?: { type: string; uniqueItems?: boolean };
}

const QUERY_PARAMS: Record<string, string> = {
  pretty: "If 'true', then the output is pretty printed.",
  dryRun: 'When present, indicates that modifications should not be persisted. Valid values: All.',
  fieldManager: 'A name associated with the actor or entity that is making these changes.',
  fieldValidation: 'How the server handles unknown or duplicate fields in the request body: Ignore, Warn (default) or Strict.',
  force: 'Force is going to "force" Apply requests; it must be unset for non-apply patch requests.',
  labelSelector: 'A selector to restrict the list of returned objects by their labels.',
  fieldSelector: 'A selector to restrict the list of returned objects by their fields.',
  limit: 'Maximum number of responses to return for a list call; a continue token is returned when more remain.',
  continue: 'The continue token from a previous list call, to retrieve the next page.',
  resourceVersion: 'Constrains which resource versions the request may be served from.',
  resourceVersionMatch: 'How resourceVersion is applied to list calls: Exact or NotOlderThan.',
  watch: 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.',
  allowWatchBookmarks: 'Requests watch events with type "BOOKMARK".',
  timeoutSeconds: 'Timeout for the list/watch call.',
  sendInitialEvents: 'Sends synthetic events for the current state before the watch stream continues.',
  gracePeriodSeconds: 'The duration in seconds before the object should be deleted.',
  propagationPolicy: 'Whether and how garbage collection will be performed: Orphan, Background or Foreground.',
  orphanDependents: 'Deprecated: use propagationPolicy.',
};

function param(name: string, flavor: OpenAPIFlavor, where: 'query' | 'path' = 'query'): Param {
  const description = where === 'path' ? (name === 'namespace' ? 'object name and auth scope, such as for teams and projects' : `name of the ${name}`) : QUERY_PARAMS[name]!;
  const type = ['limit', 'timeoutSeconds', 'gracePeriodSeconds'].includes(name) ? 'integer' : ['watch', 'allowWatchBookmarks', 'force', 'sendInitialEvents', 'orphanDependents'].includes(name) ? 'boolean' : 'string';
  const p: Param = { name, in: where, description, ...(where === 'path' ? { required: true } : {}) };
  if (flavor === 'v2') p.type = type;
  else p.schema = { type, uniqueItems: true };
  return p;
}

export function pathItems(type: ResourceType, version: ServedVersion, kindDef: string, flavor: OpenAPIFlavor): Record<string, unknown> {
  const gv = apiVersionOf(type.group, version.name);
  const base = type.group ? `/apis/${type.group}/${version.name}` : `/api/${version.name}`;
  const gvk = { group: type.group, version: version.name, kind: type.kind };
  const collection = type.namespaced ? `${base}/namespaces/{namespace}/${type.resource}` : `${base}/${type.resource}`;
  const item = `${collection}/{name}`;
  const tag = `${(type.group || 'core').replace(/\.k8s\.io$/, '').replace(/\./g, '_')}_${version.name}`;
  const opId = (verb: string, suffix = '') => `${verb}${type.namespaced && verb !== 'listForAllNamespaces' ? 'Namespaced' : ''}${type.kind}${suffix}`;
  const schemaRef = (name: string) => ({ $ref: refUri(name, flavor) });
  const okResponse = (name: string, code = '200') =>
    flavor === 'v2'
      ? { [code]: { description: 'OK', schema: schemaRef(name) }, '401': { description: 'Unauthorized' } }
      : {
          [code]: { description: 'OK', content: { 'application/json': { schema: schemaRef(name) }, 'application/yaml': { schema: schemaRef(name) } } },
          '401': { description: 'Unauthorized' },
        };
  const body = (name: string, mediaTypes = ['application/json']) =>
    flavor === 'v2'
      ? { parameters: [{ name: 'body', in: 'body', required: true, schema: schemaRef(name) }] }
      : { requestBody: { content: Object.fromEntries(mediaTypes.map((m) => [m, { schema: schemaRef(name) }])), required: true } };
  const op = (action: string, id: string, params: string[], responseDef: string, extra: Record<string, unknown> = {}) => {
    const bodyParams = (extra.parameters as unknown[] | undefined) ?? [];
    const { parameters: _p, ...rest } = extra;
    return {
      tags: [tag],
      description: `${action} ${type.kind}`,
      operationId: id,
      parameters: [...bodyParams, ...params.map((p) => param(p, flavor))],
      responses: okResponse(responseDef),
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      ...rest,
    };
  };
  const listDef = `${kindDef}List`;
  const pathParams = (withName: boolean) => [...(withName ? [param('name', flavor, 'path')] : []), ...(type.namespaced ? [param('namespace', flavor, 'path')] : [])];
  const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
  const out: Record<string, unknown> = {
    [collection]: {
      get: op('list', opId('list'), ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'resourceVersionMatch', 'watch', 'allowWatchBookmarks', 'timeoutSeconds', 'sendInitialEvents'], listDef),
      post: op('post', opId('create'), ['dryRun', 'fieldManager', 'fieldValidation'], kindDef, body(kindDef)),
      delete: op('deletecollection', opId('deleteCollection'), ['dryRun', 'gracePeriodSeconds', 'propagationPolicy', 'labelSelector', 'fieldSelector'], 'io.k8s.apimachinery.pkg.apis.meta.v1.Status'),
      parameters: [...pathParams(false), param('pretty', flavor)],
    },
    [item]: {
      get: op('get', opId('read'), [], kindDef),
      put: op('put', opId('replace'), ['dryRun', 'fieldManager', 'fieldValidation'], kindDef, body(kindDef)),
      patch: op('patch', opId('patch'), ['dryRun', 'fieldManager', 'fieldValidation', 'force'], kindDef, {
        ...(flavor === 'v2'
          ? { consumes: patchTypes, parameters: [{ name: 'body', in: 'body', required: true, schema: { $ref: refUri('io.k8s.apimachinery.pkg.apis.meta.v1.Patch', flavor) } }] }
          : { requestBody: { content: Object.fromEntries(patchTypes.map((m) => [m, { schema: { $ref: refUri('io.k8s.apimachinery.pkg.apis.meta.v1.Patch', flavor) } }])), required: true } }),
      }),
      delete: op('delete', opId('delete'), ['dryRun', 'gracePeriodSeconds', 'propagationPolicy', 'orphanDependents'], 'io.k8s.apimachinery.pkg.apis.meta.v1.Status'),
      parameters: [...pathParams(true), param('pretty', flavor)],
    },
  };
  if (type.namespaced) {
    out[`${base}/${type.resource}`] = {
      get: op('list', opId('listForAllNamespaces'), ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'watch'], listDef),
      parameters: [param('pretty', flavor)],
    };
  }
  if (type.subresources.status) {
    out[`${item}/status`] = {
      get: op('get', opId('read', 'Status'), [], kindDef),
      put: op('put', opId('replace', 'Status'), ['dryRun', 'fieldManager', 'fieldValidation'], kindDef, body(kindDef)),
      patch: op('patch', opId('patch', 'Status'), ['dryRun', 'fieldManager', 'fieldValidation', 'force'], kindDef),
      parameters: [...pathParams(true), param('pretty', flavor)],
    };
  }
  if (type.subresources.scale) {
    const scale = 'io.k8s.api.autoscaling.v1.Scale';
    out[`${item}/scale`] = {
      get: op('get', opId('read', 'Scale'), [], scale, { 'x-kubernetes-group-version-kind': { group: 'autoscaling', version: 'v1', kind: 'Scale' } }),
      put: op('put', opId('replace', 'Scale'), ['dryRun', 'fieldManager', 'fieldValidation'], scale, { ...body(scale), 'x-kubernetes-group-version-kind': { group: 'autoscaling', version: 'v1', kind: 'Scale' } }),
      patch: op('patch', opId('patch', 'Scale'), ['dryRun', 'fieldManager', 'fieldValidation', 'force'], scale, { 'x-kubernetes-group-version-kind': { group: 'autoscaling', version: 'v1', kind: 'Scale' } }),
      parameters: [...pathParams(true), param('pretty', flavor)],
    };
  }
  void gv;
  return out;
}
