/**
 * The set of served resources: built-ins registered at start, CRD-defined ones added and
 * removed at run time. Lookups by URL (group, version, resource), by kind, and by group for
 * discovery. Listeners hear about changes so discovery and OpenAPI caches can be rebuilt.
 */
import { apiVersionOf } from '../../apis/object.js';
import type { ResourceType, ServedVersion } from './types.js';

export interface Resolved {
  type: ResourceType;
  version: ServedVersion;
}

export interface GroupInfo {
  name: string;
  /** Served versions, preferred first. */
  versions: string[];
}

/** Kubernetes' version ordering: GA before beta before alpha, higher numbers first. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { kube: false, major: 0, stability: 0, minor: 0 };
    return { kube: true, major: Number(m[1]), stability: m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3, minor: Number(m[3] ?? 0) };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa.kube !== pb.kube) return pa.kube ? -1 : 1;
  if (!pa.kube) return a < b ? -1 : a > b ? 1 : 0;
  if (pa.stability !== pb.stability) return pb.stability - pa.stability;
  if (pa.major !== pb.major) return pb.major - pa.major;
  return pb.minor - pa.minor;
}

export class Registry {
  private readonly types: ResourceType[] = [];
  private readonly builtinGroupOrder: string[] = [];
  private readonly listeners = new Set<() => void>();

  add(type: ResourceType): void {
    this.types.push(type);
    if (type.builtin && !this.builtinGroupOrder.includes(type.group)) this.builtinGroupOrder.push(type.group);
    this.changed();
  }

  remove(type: ResourceType): void {
    const i = this.types.indexOf(type);
    if (i >= 0) this.types.splice(i, 1);
    this.changed();
  }

  /** Replaces the type serving the same group/resource (CRD updates). */
  replace(type: ResourceType): void {
    const i = this.types.findIndex((t) => t.group === type.group && t.resource === type.resource);
    if (i >= 0) this.types[i] = type;
    else this.types.push(type);
    this.changed();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  all(): readonly ResourceType[] {
    return this.types;
  }

  find(group: string, version: string, resource: string): Resolved | undefined {
    for (const type of this.types) {
      if (type.group !== group || type.resource !== resource) continue;
      const v = type.versions.find((x) => x.name === version && x.served);
      if (v) return { type, version: v };
    }
    return undefined;
  }

  byGroupResource(group: string, resource: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.resource === resource);
  }

  /** The type for an apiVersion + kind (as in an object's own apiVersion/kind, or an ownerReference). */
  byKind(apiVersion: string, kind: string): Resolved | undefined {
    const i = apiVersion.indexOf('/');
    const group = i < 0 ? '' : apiVersion.slice(0, i);
    const version = i < 0 ? apiVersion : apiVersion.slice(i + 1);
    for (const type of this.types) {
      if (type.group !== group || type.kind !== kind) continue;
      const v = type.versions.find((x) => x.name === version && x.served);
      if (v) return { type, version: v };
    }
    return undefined;
  }

  /** Types sharing storage with `type` (e.g. apps/v1 and extensions/v1beta1 replicasets). */
  sharingStorage(type: ResourceType): ResourceType[] {
    return this.types.filter((t) => t.storagePrefix === type.storagePrefix);
  }

  /** The type that owns storage for a prefix (the one serving its storage version). */
  storageOwner(storagePrefix: string): ResourceType | undefined {
    return this.types.find((t) => t.storagePrefix === storagePrefix && t.versions.some((v) => v.storage));
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.types.filter((t) => t.group === group && t.versions.some((v) => v.name === version && v.served));
  }

  /** API groups in discovery order: built-ins in registration order, then custom groups by name. */
  groups(): GroupInfo[] {
    const versionsOf = new Map<string, Set<string>>();
    for (const t of this.types) {
      let s = versionsOf.get(t.group);
      if (!s) versionsOf.set(t.group, (s = new Set()));
      for (const v of t.versions) if (v.served) s.add(v.name);
    }
    const custom = [...versionsOf.keys()].filter((g) => !this.builtinGroupOrder.includes(g)).sort();
    return [...this.builtinGroupOrder, ...custom]
      .filter((g) => versionsOf.has(g) && versionsOf.get(g)!.size > 0)
      .map((name) => ({ name, versions: [...versionsOf.get(name)!].sort(compareKubeVersions) }));
  }
}

export const gvString = (group: string, version: string): string => apiVersionOf(group, version);
