/**
 * API discovery as kubectl expects it: the legacy documents (/api, /apis, /apis/<g>,
 * /apis/<g>/<v>) and aggregated discovery (apidiscovery.k8s.io v2 and v2beta1) served from
 * /api and /apis when the client asks for them. Documents are rebuilt when resources change.
 */
import { createHash } from 'node:crypto';
import type { Registry } from '../registry/registry.js';
import type { ResourceType } from '../registry/types.js';
import type { AcceptedType } from '../http/respond.js';

interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

const SUBRESOURCE_VERBS = ['get', 'patch', 'update'];

function storageVersionHash(t: ResourceType): string {
  return createHash('sha256').update(`${t.storageApiVersion}/${t.kind}`).digest('base64').slice(0, 11);
}

function resourcesFor(t: ResourceType): APIResource[] {
  const out: APIResource[] = [
    {
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: [...t.verbs].sort(),
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
      storageVersionHash: storageVersionHash(t),
    },
  ];
  if (t.subresources.status) out.push({ name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: SUBRESOURCE_VERBS });
  if (t.subresources.scale) {
    out.push({ name: `${t.resource}/scale`, singularName: '', namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: SUBRESOURCE_VERBS });
  }
  for (const [name, s] of Object.entries(t.subresources.custom ?? {})) {
    out.push({
      name: `${t.resource}/${name}`,
      singularName: '',
      namespaced: t.namespaced,
      ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
      kind: s.kind,
      verbs: s.verbs,
    });
  }
  return out;
}

export class Discovery {
  private cache = new Map<string, string>();

  constructor(
    private readonly registry: Registry,
    private readonly serverAddress: () => string,
  ) {
    registry.onChange(() => this.cache.clear());
  }

  private memo(key: string, build: () => unknown): string {
    let v = this.cache.get(key);
    if (v === undefined) this.cache.set(key, (v = JSON.stringify(build())));
    return v;
  }

  apiVersions(): string {
    return this.memo('api', () => ({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.serverAddress() }],
    }));
  }

  private groupDoc(name: string, versions: string[]) {
    const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { name, versions: vs, preferredVersion: vs[0] };
  }

  apiGroupList(): string {
    return this.memo('apis', () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: this.registry
        .groups()
        .filter((g) => g.name !== '')
        .map((g) => this.groupDoc(g.name, g.versions)),
    }));
  }

  apiGroup(group: string): string | undefined {
    const g = this.registry.groups().find((x) => x.name === group && group !== '');
    if (!g) return undefined;
    return this.memo(`group:${group}`, () => ({ kind: 'APIGroup', apiVersion: 'v1', ...this.groupDoc(g.name, g.versions) }));
  }

  resourceList(group: string, version: string): string | undefined {
    const types = this.registry.inGroupVersion(group, version);
    if (types.length === 0) return undefined;
    return this.memo(`rl:${group}/${version}`, () => ({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: types.flatMap(resourcesFor).sort((a, b) => (a.name < b.name ? -1 : 1)),
    }));
  }

  /** Aggregated discovery for /api (legacy group) or /apis (all named groups). */
  aggregated(legacy: boolean, apiVersion: 'v2' | 'v2beta1'): string {
    return this.memo(`agg:${legacy}:${apiVersion}`, () => ({
      kind: 'APIGroupDiscoveryList',
      apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
      metadata: {},
      items: this.registry
        .groups()
        .filter((g) => (legacy ? g.name === '' : g.name !== ''))
        .map((g) => ({
          metadata: g.name ? { name: g.name } : {},
          versions: g.versions.map((v) => ({
            version: v,
            resources: this.registry
              .inGroupVersion(g.name, v)
              .sort((a, b) => (a.resource < b.resource ? -1 : 1))
              .map((t) => ({
                resource: t.resource,
                responseKind: { group: t.group, version: v, kind: t.kind },
                scope: t.namespaced ? 'Namespaced' : 'Cluster',
                singularResource: t.singular,
                verbs: [...t.verbs].sort(),
                ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
                ...(t.categories.length ? { categories: t.categories } : {}),
                ...(aggregatedSubresources(t, v).length ? { subresources: aggregatedSubresources(t, v) } : {}),
              })),
            freshness: 'Current',
          })),
        })),
    }));
  }

  /** A hash identifying the current discovery documents (ETag). */
  etag(legacy: boolean, apiVersion: string): string {
    return '"' + createHash('sha256').update(this.aggregated(legacy, apiVersion as 'v2')).digest('hex').slice(0, 32) + '"';
  }
}

function aggregatedSubresources(t: ResourceType, version: string) {
  const subs: { subresource: string; responseKind: { group: string; version: string; kind: string }; verbs: string[] }[] = [];
  if (t.subresources.status) subs.push({ subresource: 'status', responseKind: { group: t.group, version, kind: t.kind }, verbs: SUBRESOURCE_VERBS });
  if (t.subresources.scale) subs.push({ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: SUBRESOURCE_VERBS });
  for (const [name, s] of Object.entries(t.subresources.custom ?? {})) {
    subs.push({ subresource: name, responseKind: { group: s.group ?? t.group, version: s.version ?? version, kind: s.kind }, verbs: s.verbs });
  }
  return subs;
}

/** Which aggregated discovery version the Accept header asks for, if any. */
export function aggregatedDiscoveryVersion(accept: AcceptedType[]): 'v2' | 'v2beta1' | undefined {
  for (const a of accept) {
    if (a.params.as === 'APIGroupDiscoveryList' && a.params.g === 'apidiscovery.k8s.io') {
      if (a.params.v === 'v2' || a.params.v === 'v2beta1') return a.params.v;
    }
    if (a.mediaType === 'application/json' && !a.params.as) return undefined;
  }
  return undefined;
}
