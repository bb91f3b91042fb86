/**
 * The cluster DNS of a simulated cluster (its CoreDNS): a DnsServer on `127.O.0.10`, UDP and TCP
 * port 53, answering from the cluster's own API objects (Services, EndpointSlices and
 * ServiceImports, followed in-process through the watch cache):
 * - `cluster.local`: the Services' names, SRV records and headless per-endpoint names;
 * - `clusterset.local`: the ServiceImports the federation's MCS controller writes, as the MCS
 *   DNS specification requires (ClusterSetIP, headless per-endpoint names, SRV, `dns-version`);
 * - the federation's names with Federation v1's in-cluster rule (the local shard when it has a
 *   ready endpoint, otherwise a CNAME to the zone name the federation's DNS server answers).
 * The record rules are in src/dns/cluster-records.ts. Changes arriving together are compiled
 * once, a few milliseconds after the first; the answer cache goes with each snapshot.
 *
 * It is authoritative only (no recursion, no forwarding): a CNAME to the federation's zone name
 * is followed by the client's resolver at the federation's DNS server. Like the load balancers it
 * is cluster infrastructure outside the simulated nodes: it keeps answering while nodes or zones
 * are down, and stops with the cluster.
 */
import type { KObject } from '../../../apis/object.js';
import { clusterDnsZones } from '../../../dns/cluster-records.js';
import { DnsServer } from '../../../dns/server.js';
import type { ZoneSet } from '../../../dns/zone.js';
import { CLUSTER_DNS_PORT } from '../../addresses.js';
import { ENDPOINT_SLICES, SERVICE_IMPORTS, SERVICES, type InternalClient } from '../client.js';
import type { ClusterComponent, ClusterRuntime } from '../runtime.js';

export interface ClusterDnsOptions {
  /** Port on the cluster's DNS address (default 53; 0: any free port, the same for UDP and TCP). */
  port?: number;
  /** The federation whose names are answered with v1's in-cluster rule. */
  federation?: { name: string; domain: string };
}

/** Changes arriving within this many milliseconds are compiled into one snapshot. */
const COALESCE_MS = 10;
const RETRY_MS = 2_000;

export class ClusterDns implements ClusterComponent {
  private server: DnsServer | undefined;
  private readonly client: InternalClient;
  private stopWatch: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastError: string | undefined;

  constructor(
    private readonly runtime: ClusterRuntime,
    private readonly o: ClusterDnsOptions = {},
  ) {
    this.client = runtime.client('cluster-dns');
  }

  /** Where it answers (undefined until it listens). */
  get address(): { host: string; port: number } | undefined {
    return this.server?.udpAddress;
  }

  /** The current snapshot (for tests and tools). */
  get zones(): ZoneSet | undefined {
    return this.server?.zones;
  }

  async start(): Promise<void> {
    const prefixes = [this.client.type(SERVICES).storagePrefix, this.client.type(ENDPOINT_SLICES).storagePrefix, SERVICE_IMPORTS.storagePrefix];
    this.stopWatch = this.client.api.store.cache.watchAll((events) => {
      if (events.some((e) => prefixes.some((p) => e.key.startsWith(p)))) this.changed();
    });
    await this.listen();
  }

  /** Listens; a port held by someone else is tried again every 2 s, a refused one (no privilege) is not. */
  private async listen(): Promise<void> {
    if (this.stopped || this.server) return;
    const at = { host: this.runtime.addresses.dns(), port: this.o.port ?? CLUSTER_DNS_PORT };
    try {
      const server = await DnsServer.start({ udp: at, tcp: at, zones: this.compile(), logger: this.runtime.log.child({ component: 'cluster-dns' }), cacheEntries: 2_000, udpReceiveBufferSize: 1 << 20 });
      if (this.stopped) return void (await server.close());
      this.server = server;
      this.lastError = undefined;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why =
        err.code === 'EACCES'
          ? `cannot listen on ${at.host}:${at.port}: permission denied (port 53 needs root, CAP_NET_BIND_SERVICE or net.ipv4.ip_unprivileged_port_start=0); the cluster runs without its DNS`
          : `cannot listen on ${at.host}:${at.port}: ${err.code ?? err.message}`;
      if (why !== this.lastError) this.runtime.log.error({ address: `${at.host}:${at.port}`, code: err.code }, why);
      this.lastError = why;
      if (err.code !== 'EACCES' && !this.stopped) {
        this.retry = setTimeout(() => void this.listen(), RETRY_MS);
        this.retry.unref();
      }
    }
  }

  private changed(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => this.refresh(), COALESCE_MS);
    this.timer.unref();
  }

  private refresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || !this.server) return;
    try {
      this.server.setZones(this.compile());
    } catch (e) {
      this.runtime.log.error({ err: e }, 'compiling the cluster DNS zones failed');
    }
  }

  /** The zones from what the cluster holds now. */
  compile(): ZoneSet {
    const spec = this.runtime.spec;
    const list = (gr: typeof SERVICES): KObject[] => this.client.list(gr);
    return clusterDnsZones({
      cluster: spec.name,
      ...(spec.zones[0] ? { zone: spec.zones[0] } : {}),
      region: spec.region,
      services: list(SERVICES),
      endpointSlices: list(ENDPOINT_SLICES),
      serviceImports: this.client.listStored(SERVICE_IMPORTS),
      ...(this.o.federation ? { federation: this.o.federation } : {}),
      serverAddresses: [this.runtime.addresses.dns()],
    });
  }

  /** Resolves once a pending change is served. */
  async idle(): Promise<void> {
    if (this.timer) this.refresh();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    if (this.timer) clearTimeout(this.timer);
    if (this.retry) clearTimeout(this.retry);
    this.timer = this.retry = undefined;
    const s = this.server;
    this.server = undefined;
    await s?.close();
  }
}
