/**
 * Which type a user means: TYPE as kubectl and kubefedctl take it (plural, singular, short name
 * or Kind, optionally qualified by group: `deployments.apps`, `Deployment.apps`), resolved
 * against what an API serves (its discovery).
 */
import type { KubeClient } from '../client/kube-client.js';
import { CORE_GROUP, SCHEDULING_GROUP, TYPES_GROUP, type TargetType } from '../crds/federation-crds.js';

/** The federation's own API groups: their types are never federated themselves. */
export const FEDERATION_GROUPS = new Set([CORE_GROUP, TYPES_GROUP, SCHEDULING_GROUP]);

export interface DiscoveredType extends TargetType {
  singular: string;
  shortNames: string[];
}

interface ResourceList {
  resources: { name: string; singularName?: string; kind: string; namespaced: boolean; shortNames?: string[] }[];
}

/** `plural.group`, or `plural` for the core group (kubectl's and FederatedTypeConfig names). */
export const qualifiedName = (plural: string, group: string) => (group ? `${plural}.${group}` : plural);

/** How kubectl names an object in its output: `kind.group/name` (`kind/name` in the core group). */
export const objectRef = (kind: string, group: string, name: string) => `${group ? `${kind.toLowerCase()}.${group}` : kind.toLowerCase()}/${name}`;

/** Every resource the API serves, at each group's preferred version (core first). */
export async function discoverTypes(client: KubeClient): Promise<DiscoveredType[]> {
  const core = await client.request<{ versions: string[] }>('GET', '/api');
  const groups = await client.request<{ groups: { name: string; preferredVersion?: { version: string }; versions: { version: string }[] }[] }>('GET', '/apis');
  const gvs: [string, string][] = [['', core.versions.includes('v1') ? 'v1' : core.versions[0]!]];
  for (const g of groups.groups) gvs.push([g.name, g.preferredVersion?.version ?? g.versions[0]!.version]);
  const lists = await Promise.all(
    gvs.map(async ([group, version]) => {
      const l = await client.request<ResourceList>('GET', group ? `/apis/${group}/${version}` : `/api/${version}`).catch(() => ({ resources: [] }) as ResourceList);
      return l.resources
        .filter((r) => !r.name.includes('/'))
        .map((r): DiscoveredType => ({ group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced, singular: r.singularName || r.kind.toLowerCase(), shortNames: r.shortNames ?? [] }));
    }),
  );
  return lists.flat();
}

function namesOf(t: { kind: string; plural: string; singular?: string; shortNames?: string[] }): string[] {
  return [t.plural, t.kind.toLowerCase(), ...(t.singular ? [t.singular] : []), ...(t.shortNames ?? [])];
}

/** Whether TYPE names the type: `plural`, `Kind`, singular or short name, each optionally `.group`. */
export function typeMatches(type: string, t: { group: string; kind: string; plural: string; singular?: string; shortNames?: string[] }): boolean {
  const want = type.toLowerCase();
  return namesOf(t).some((n) => want === n || (t.group !== '' && want === `${n}.${t.group}`));
}

/**
 * The type TYPE names; like kubectl, the first in discovery order (the core group, then groups
 * by priority) wins when several groups serve it (apps before extensions for deployments).
 */
export function pickType<T extends { group: string; kind: string; plural: string }>(type: string, candidates: T[], where: string): T {
  const found = candidates.find((c) => typeMatches(type, c));
  if (!found) throw new Error(`the server doesn't have a resource type "${type}" (${where})`);
  return found;
}

/** The served type TYPE names, refused if it is one of the federation's own. */
export async function resolveFederatableType(client: KubeClient, type: string): Promise<TargetType> {
  const t = pickType(type, await discoverTypes(client), 'the federation API serves no such type; for a custom resource, install its CRD in the federation first');
  if (FEDERATION_GROUPS.has(t.group)) throw new Error(`${t.plural}.${t.group} is a federation type itself and cannot be federated`);
  return { group: t.group, version: t.version, kind: t.kind, plural: t.plural, namespaced: t.namespaced };
}
