/**
 * Which clusters an object goes to, for both API styles, compiled to one answer:
 * - KubeFed v2 `spec.placement`: a `clusters` list (even an empty one) wins over
 *   `clusterSelector`; `clusterSelector: {}` selects every cluster; neither selects none.
 * - Federation v1 plain objects: every cluster, or those matching the cluster-selector annotation.
 * Namespaced objects are further limited to the clusters their namespace is placed in.
 */
import type { KObject } from '../../apis/object.js';
import { labelSelectorMatcher } from '../../apis/meta/labels.js';
import { CLUSTER_SELECTOR_ANNOTATION, clusterMatches, parseClusterSelector } from './cluster-selector.js';

export interface ClusterInfo {
  name: string;
  labels: Record<string, string>;
}

export interface Placement {
  clusters?: { name: string }[];
  clusterSelector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | null;
}

/** Clusters selected by a v2 placement (names in input order). */
export function placedClusters(placement: Placement | undefined, clusters: ClusterInfo[]): string[] {
  if (!placement) return [];
  if (placement.clusters) {
    const wanted = new Set(placement.clusters.map((c) => c.name));
    return clusters.filter((c) => wanted.has(c.name)).map((c) => c.name);
  }
  if (placement.clusterSelector) {
    const matches = labelSelectorMatcher(placement.clusterSelector);
    return clusters.filter((c) => matches(c.labels)).map((c) => c.name);
  }
  return [];
}

/** Clusters selected by a v1 plain object (all, or the annotation's selection). Throws on a bad annotation. */
export function v1Clusters(obj: KObject, clusters: ClusterInfo[]): string[] {
  const ann = obj.metadata?.annotations?.[CLUSTER_SELECTOR_ANNOTATION];
  if (ann === undefined) return clusters.map((c) => c.name);
  const reqs = parseClusterSelector(ann);
  return clusters.filter((c) => clusterMatches(reqs, c.labels)).map((c) => c.name);
}

/** Restricts an object's clusters to its namespace's (undefined: the namespace places everywhere). */
export function withinNamespace(selected: string[], namespaceClusters: string[] | undefined): string[] {
  if (!namespaceClusters) return selected;
  const ns = new Set(namespaceClusters);
  return selected.filter((c) => ns.has(c));
}
