/**
 * The playground's traffic settings at the federation (ConfigMap `kubefed-traffic`): the global
 * edge's address, and where clients are. Every address of a cluster's 127.O.0.0/16 is located
 * in that cluster's zone (a node's /24 in the node's zone), so a client that binds one,
 * `curl --interface 127.O.250.1`, is a client in that zone; by convention 127.O.250.0/24 is
 * left free for such clients.
 */
import type { KObject } from '../apis/object.js';
import { isAlreadyExists, type KubeClient } from '../federation/client/kube-client.js';
import { KUBEFED_NAMESPACE } from '../federation/crds/federation-crds.js';
import { TRAFFIC_CONFIG_MAP } from '../traffic/config/compile.js';
import { stringify } from 'yaml';
import type { ClusterSpec } from './cluster/runtime.js';

/** The global edge's address in the playground (HTTP on 80, HTTPS on 443). */
export const PLAYGROUND_EDGE_ADDRESS = '127.0.100.1';
/** The third octet of a cluster's range kept free for clients posing as being in its zone. */
export const CLIENT_SUBNET = 250;

/** The client ranges of a playground world: each cluster's /16, each node's /24. */
export function playgroundLocations(clusters: ClusterSpec[]): { cidr: string; region: string; zone: string }[] {
  const out: { cidr: string; region: string; zone: string }[] = [];
  for (const c of clusters) {
    out.push({ cidr: `127.${c.octet}.0.0/16`, region: c.region, zone: c.zones[0] ?? c.region });
    for (const n of c.nodes) if (n.zone !== c.zones[0]) out.push({ cidr: `127.${c.octet}.${n.index + 1}.0/24`, region: n.region, zone: n.zone });
  }
  return out;
}

/** Writes the playground-owned keys of the settings (other keys a user set are kept). */
export async function applyPlaygroundTrafficSettings(federation: KubeClient, clusters: ClusterSpec[], edgeAddress = PLAYGROUND_EDGE_ADDRESS): Promise<void> {
  const data = { globalAddresses: edgeAddress, locations: stringify(playgroundLocations(clusters)) };
  const cm: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: TRAFFIC_CONFIG_MAP, namespace: KUBEFED_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'kubefed-playground' } }, data };
  try {
    await federation.create(cm);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    await federation.patch('v1', 'ConfigMap', KUBEFED_NAMESPACE, TRAFFIC_CONFIG_MAP, { data }, 'merge');
  }
}
