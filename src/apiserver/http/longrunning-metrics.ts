/**
 * The gauge of open long-running requests (watches), as kube-apiserver's STABLE
 * `apiserver_longrunning_requests{verb,group,version,resource,subresource,scope,component}`,
 * which replaced `apiserver_registered_watchers{group,version,kind}` (deprecated in 1.23,
 * removed in 1.25). Labels follow metrics.RecordLongRunning: the verb is WATCH when the watch
 * parameter says so (a /watch/ path without it counts as LIST, or GET for one object, as
 * upstream), the scope is resource, namespace or cluster.
 */
import type { ServerResponse } from 'node:http';
import client from 'prom-client';
import type { RequestInfo } from '../request-info.js';
import { queryBool } from './query.js';

const LABELS = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

export class LongRunningRequests {
  private readonly gauge: client.Gauge<(typeof LABELS)[number]>;

  constructor(registry: client.Registry) {
    this.gauge = new client.Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
      labelNames: LABELS,
      registers: [registry],
    });
  }

  /** Counts a watch whose stream is open on `res` until the response closes. */
  trackWatch(info: RequestInfo, query: URLSearchParams, res: ServerResponse): void {
    if (!res.headersSent || res.writableEnded || res.destroyed) return;
    const scope = info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster';
    const verb = queryBool(query, 'watch') ? 'WATCH' : scope === 'resource' ? 'GET' : 'LIST';
    const labels = { verb, group: info.apiGroup, version: info.apiVersion, resource: info.resource, subresource: info.subresource, scope, component: 'apiserver' };
    this.gauge.inc(labels);
    res.once('close', () => this.gauge.dec(labels));
  }
}
