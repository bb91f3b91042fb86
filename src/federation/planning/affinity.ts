/**
 * Ordered cluster-affinity groups (Karmada's clusterAffinities): the workload uses the first
 * group, in the order given, whose eligible clusters can hold all its replicas; clusters outside
 * that group get nothing. When an earlier group can hold the workload again, it is chosen again
 * (and make-before-break moves the replicas back).
 */
import { labelSelectorMatches } from '../../apis/meta/labels.js';
import type { ClusterAffinityTerm, ClusterCandidate } from './scheduling-types.js';

/** A term matches a cluster when its clusterNames (if any) name it and its labelSelector (if any) matches its labels. */
export function affinityTermMatches(term: ClusterAffinityTerm, cluster: Pick<ClusterCandidate, 'name' | 'labels'>): boolean {
  if (term.clusterNames && term.clusterNames.length > 0 && !term.clusterNames.includes(cluster.name)) return false;
  if (term.labelSelector && !labelSelectorMatches(term.labelSelector, cluster.labels)) return false;
  return true;
}

export interface AffinityChoice {
  /** Index of the chosen term (-1: no terms, every cluster may be used). */
  index: number;
  /** The chosen term's name. */
  name?: string;
  /** Clusters the chosen term admits. */
  members: Set<string>;
  /** Whether the chosen group holds every replica (false: none could; the roomiest was taken). */
  holds: boolean;
}

/**
 * Chooses the affinity group. `room(c)` is how many replicas cluster c could take now (0 when it
 * cannot take any; Infinity when unbounded). The first term whose members' room adds up to
 * `total` wins; when none does, the term with the most room (the earlier on ties).
 */
export function chooseAffinityGroup(terms: readonly ClusterAffinityTerm[] | undefined, clusters: readonly Pick<ClusterCandidate, 'name' | 'labels'>[], room: (cluster: string) => number, total: number): AffinityChoice {
  if (!terms || terms.length === 0) return { index: -1, members: new Set(clusters.map((c) => c.name)), holds: true };
  let best: AffinityChoice | undefined;
  let bestRoom = -1;
  for (const [index, term] of terms.entries()) {
    const members = new Set(clusters.filter((c) => affinityTermMatches(term, c)).map((c) => c.name));
    const sum = [...members].reduce((a, c) => a + room(c), 0);
    if (sum >= total && sum > 0) return { index, name: term.affinityName, members, holds: true };
    if (sum > bestRoom) {
      bestRoom = sum;
      best = { index, name: term.affinityName, members, holds: false };
    }
  }
  return best!;
}
