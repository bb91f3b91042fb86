/**
 * The playground's address plan. Linux routes all of 127.0.0.0/8 to the loopback interface,
 * so each simulated cluster owns a /16 of it, `127.<octet>.0.0/16`, and everything in the
 * cluster has a real address there:
 *
 *   127.O.0.1            the cluster's API server (port 6443)
 *   127.O.0.10           the cluster DNS (UDP and TCP port 53: cluster.local, clusterset.local,
 *                        the federation's names)
 *   127.O.<n+1>.1        node n's InternalIP (n = 0..99)
 *   127.O.<n+1>.2-254    pod IPs on node n
 *   127.O.200.1-254      LoadBalancer Service addresses
 *   127.O.201.1-254      Ingress addresses
 *   127.O.202.1-254      ClusterSetIPs of ServiceImports (allocated by the federation's MCS
 *                        controller, served by the cluster's MCS data plane)
 *   127.O.250.1-254      left free for clients posing as being in the cluster
 *
 * A client can pose as being "in" a cluster's network by binding its source address there.
 */

export const FIRST_CLUSTER_OCTET = 10;
export const MAX_NODES_PER_CLUSTER = 100;
export const API_SERVER_PORT = 6443;
export const CLUSTER_DNS_PORT = 53;

export class ClusterAddresses {
  constructor(readonly octet: number) {
    if (!Number.isInteger(octet) || octet < 1 || octet > 254) throw new Error(`cluster octet ${octet} is outside 1-254`);
  }

  get cidr(): string {
    return `127.${this.octet}.0.0/16`;
  }

  apiServer(): string {
    return `127.${this.octet}.0.1`;
  }

  /** The cluster DNS server (UDP and TCP, port 53), as kube-dns's 10.96.0.10 is in a real cluster. */
  dns(): string {
    return `127.${this.octet}.0.10`;
  }

  node(index: number): string {
    this.checkNode(index);
    return `127.${this.octet}.${index + 1}.1`;
  }

  /** The i-th pod address on node `index` (i = 0..252). */
  pod(nodeIndex: number, i: number): string {
    this.checkNode(nodeIndex);
    if (i < 0 || i > 252) throw new Error('a node has at most 253 pod addresses');
    return `127.${this.octet}.${nodeIndex + 1}.${i + 2}`;
  }

  /** The i-th LoadBalancer address (i = 0..253). */
  loadBalancer(i: number): string {
    return `127.${this.octet}.200.${i + 1}`;
  }

  /** The i-th Ingress address (i = 0..253). */
  ingress(i: number): string {
    return `127.${this.octet}.201.${i + 1}`;
  }

  /** Whether an address is one of this cluster's ClusterSetIPs (127.O.202.1-254). */
  isClusterSetIP(ip: string): boolean {
    const prefix = `127.${this.octet}.202.`;
    const last = ip.slice(prefix.length);
    return ip.startsWith(prefix) && /^[1-9]\d{0,2}$/.test(last) && Number(last) <= 254;
  }

  /** Whether an address belongs to this cluster. */
  contains(ip: string): boolean {
    return ip.startsWith(`127.${this.octet}.`);
  }

  private checkNode(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= MAX_NODES_PER_CLUSTER) throw new Error(`node index ${index} is outside 0-${MAX_NODES_PER_CLUSTER - 1}`);
  }
}
