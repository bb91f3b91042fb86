/**
 * The MCS data plane of a simulated cluster (what kube-proxy with a derived Service, Submariner
 * Lighthouse or Cilium ClusterMesh do in a real one): every ServiceImport of type ClusterSetIP
 * whose `spec.ips` lie in this cluster's ClusterSetIP range (127.O.202.1-254, allocated by the
 * federation's MCS controller) listens on each address and TCP import port, and forwards every
 * connection to a ready endpoint of the import's EndpointSlices (labelled
 * `multicluster.kubernetes.io/service-name`), whichever cluster exported it, on the endpoint port
 * of the same name. MCS itself has no locality; this data plane adds it, in tiers:
 *   1. endpoints of this cluster (slice label `multicluster.kubernetes.io/source-cluster`),
 *   2. of other clusters in this cluster's zone (the endpoint's `zone`),
 *   3. in its region,
 *   4. then every other region, nearest first (great-circle distance, src/traffic/locality/regions.ts;
 *      regions without coordinates last, by name).
 * A connection goes to the first tier with a ready endpoint (round robin within it; ClientIP
 * session affinity as the import says). An endpoint refusing the connection is skipped and the
 * next is tried at once (this tier's others, then the next tiers), and is avoided by new
 * connections for a second while others are left; an endpoint leaving the slices (not ready,
 * its cluster's endpoints dropped) is no longer picked. Established connections carry on.
 *
 * The TCP forwarding is the load balancers' (tcp-proxy.ts), so a blackholed cluster holds
 * these connections too. Only TCP ports are served; addresses outside the cluster's range
 * (a ClusterSetIP range given to a real cluster's data plane) are not listened on.
 */
import { isIP } from 'node:net';
import type { KObject } from '../../../apis/object.js';
import { RegionTable } from '../../../traffic/locality/regions.js';
import { ENDPOINT_SLICES, SERVICE_IMPORTS } from '../client.js';
import { Controller, keyOf, splitKey } from '../controller.js';
import type { ClusterRuntime } from '../runtime.js';
import { ClientAffinity, pickForService, RoundRobin, sameBackend, type Backend } from './backends.js';
import { listenFailure, startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const MCS_SERVICE_NAME_LABEL = 'multicluster.kubernetes.io/service-name';
const MCS_SOURCE_CLUSTER_LABEL = 'multicluster.kubernetes.io/source-cluster';
/** How long an endpoint that refused a connection is passed over while others are left. */
const AVOID_MS = 1_000;
/** Further endpoints tried for one connection after refusals. */
const MAX_RETRIES = 32;

export interface ImportEndpoint extends Backend {
  /** The exporting cluster (undefined when the slice does not say). */
  cluster?: string;
  zone?: string;
}

/** Where this cluster is, for ordering the endpoints. */
export interface Locality {
  cluster: string;
  zones: readonly string[];
  region: string;
  /** The region of another cluster, when known (the playground's topology). */
  regionOf?: (cluster: string) => string | undefined;
  table?: RegionTable;
}

/** An import's port as served: its number, name and protocol. */
const importPort = (si: KObject, port: number): KObject | undefined => ((si.spec?.ports ?? []) as KObject[]).find((p) => p?.port === port && (p.protocol ?? 'TCP') === 'TCP');

/** The ready endpoints of an import port, from the import's slices (port matched by name and protocol). */
export function importEndpoints(slices: readonly KObject[], port: KObject, importPorts: number): ImportEndpoint[] {
  const out: ImportEndpoint[] = [];
  for (const s of slices) {
    if (s.metadata?.deletionTimestamp) continue;
    const ports = (s.ports ?? []) as KObject[];
    const protocol = port.protocol ?? 'TCP';
    // A single-port import's endpoints may carry an unnamed port.
    const p = ports.find((x) => (x?.name ?? '') === (port.name ?? '') && (x?.protocol ?? 'TCP') === protocol) ?? (importPorts === 1 && ports.length === 1 && (ports[0]?.protocol ?? 'TCP') === protocol ? ports[0] : undefined);
    if (typeof p?.port !== 'number') continue;
    const cluster: string | undefined = s.metadata?.labels?.[MCS_SOURCE_CLUSTER_LABEL];
    for (const e of (s.endpoints ?? []) as KObject[]) {
      if (e?.conditions?.ready === false) continue;
      for (const host of (e.addresses ?? []) as string[]) {
        if (!isIP(host)) continue;
        out.push({ host, port: p.port, ...(cluster ? { cluster } : {}), ...(e.zone ? { zone: e.zone } : {}) });
      }
    }
  }
  return out.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.port - b.port));
}

/**
 * Endpoints in locality tiers, nearest first: this cluster, this zone, this region, then each
 * other region by distance (unknown regions last). Empty tiers are left out.
 */
export function localityTiers(here: Locality, endpoints: readonly ImportEndpoint[]): ImportEndpoint[][] {
  const table = here.table ?? new RegionTable();
  const regionOf = (e: ImportEndpoint) => (e.cluster !== undefined ? here.regionOf?.(e.cluster) : undefined) ?? table.regionOfZone(e.zone);
  const local: ImportEndpoint[] = [];
  const zone: ImportEndpoint[] = [];
  const region: ImportEndpoint[] = [];
  const remote = new Map<string, ImportEndpoint[]>();
  const unknown: ImportEndpoint[] = [];
  for (const e of endpoints) {
    if (e.cluster === here.cluster) local.push(e);
    else if (e.zone !== undefined && here.zones.includes(e.zone)) zone.push(e);
    else {
      const r = regionOf(e);
      if (r === here.region) region.push(e);
      else if (r === undefined) unknown.push(e);
      else {
        let list = remote.get(r);
        if (!list) remote.set(r, (list = []));
        list.push(e);
      }
    }
  }
  const ordered = table.order(here.region, remote.keys()).map((r) => remote.get(r)!);
  return [local, zone, region, ...ordered, unknown].filter((t) => t.length > 0);
}

interface Listener {
  proxy?: TcpProxy;
  error?: string;
}

interface Served {
  /** `ip:port` -> its listener. */
  listeners: Map<string, Listener>;
  rr: RoundRobin;
  affinity: ClientAffinity;
}

export class ClusterSetIpController extends Controller {
  private readonly served = new Map<string, Served>();
  /** `host:port` of endpoints that refused lately -> until when they are avoided. */
  private readonly avoid = new Map<string, number>();
  private readonly warned = new Map<string, string>();
  private readonly locality: Locality;

  constructor(
    private readonly runtime: ClusterRuntime,
    regionOf?: (cluster: string) => string | undefined,
  ) {
    super(runtime.client('clusterset-ip'), 'clusterset-ip', { concurrency: 2 });
    this.locality = { cluster: runtime.spec.name, zones: runtime.spec.zones, region: runtime.spec.region, table: new RegionTable(), ...(regionOf ? { regionOf } : {}) };
  }

  /** The `ip:port`s served for an import (for tests and tools). */
  listening(namespace: string, name: string): string[] {
    return [...(this.served.get(`${namespace}/${name}`)?.listeners ?? [])].filter(([, l]) => l.proxy).map(([k]) => k).sort();
  }

  start(): void {
    this.watchPrefix(SERVICE_IMPORTS.storagePrefix, (e) => this.queue.add(keyOf(e.obj)));
    for (const si of this.client.listStored(SERVICE_IMPORTS)) this.queue.add(keyOf(si));
  }

  override async stop(): Promise<void> {
    super.stop();
    await this.idle();
    const all = [...this.served.values()];
    this.served.clear();
    await Promise.all(all.flatMap((s) => [...s.listeners.values()].map((l) => l.proxy?.close())));
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const si = this.client.getStored(SERVICE_IMPORTS, namespace, name);
    const want = new Set<string>();
    if (si && !si.metadata?.deletionTimestamp && si.spec?.type === 'ClusterSetIP') {
      const foreign: string[] = [];
      for (const ip of (si.spec?.ips ?? []) as string[]) {
        if (!this.runtime.addresses.isClusterSetIP(ip)) {
          foreign.push(ip);
          continue;
        }
        for (const p of (si.spec?.ports ?? []) as KObject[]) if ((p?.protocol ?? 'TCP') === 'TCP' && typeof p.port === 'number') want.add(`${ip}:${p.port}`);
      }
      const note = foreign.length ? `ClusterSetIP ${foreign.join(', ')} is outside this cluster's range 127.${this.runtime.addresses.octet}.202.1-254: not served` : '';
      if (note && this.warned.get(key) !== note) this.runtime.log.warn({ serviceImport: key }, note);
      this.warned.set(key, note);
    }
    let s = this.served.get(key);
    if (!want.size && !s) return;
    if (!s) this.served.set(key, (s = { listeners: new Map(), rr: new RoundRobin(), affinity: new ClientAffinity() }));
    for (const [at, l] of [...s.listeners]) {
      if (want.has(at)) continue;
      s.listeners.delete(at);
      await l.proxy?.close();
    }
    let retry = false;
    for (const at of want) {
      let l = s.listeners.get(at);
      if (l?.proxy) continue;
      if (!l) s.listeners.set(at, (l = {}));
      const [ip, port] = [at.slice(0, at.lastIndexOf(':')), Number(at.slice(at.lastIndexOf(':') + 1))];
      try {
        const proxy = await this.listen(namespace, name, s, ip, port);
        if (this.stopped || this.served.get(key) !== s || s.listeners.get(at) !== l) {
          await proxy.close();
          return;
        }
        l.proxy = proxy;
        delete l.error;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const why = listenFailure(err, at);
        if (l.error !== why) {
          l.error = why;
          this.runtime.log.error({ serviceImport: key, address: at, code: err.code }, why);
          if (si) await this.client.event(si, 'Warning', 'ClusterSetIPFailed', why);
        }
        if (err.code === 'EADDRINUSE') retry = true;
      }
    }
    if (!s.listeners.size) this.served.delete(key);
    if (retry) this.queue.addAfter(key, 2_000);
  }

  private listen(namespace: string, name: string, s: Served, ip: string, port: number): Promise<TcpProxy> {
    return startTcpProxy({
      ip,
      port,
      retries: MAX_RETRIES,
      ...(this.runtime.network ? { network: this.runtime.network } : {}),
      pickBackend: ({ remoteAddress, tried }) => {
        const si = this.client.getStored(SERVICE_IMPORTS, namespace, name);
        const p = si && si.spec?.type === 'ClusterSetIP' ? importPort(si, port) : undefined;
        if (!si || !p) return undefined;
        const now = Date.now();
        // This is asked again only after a connection failed: whatever was tried refused.
        for (const b of tried) this.avoid.set(`${b.host}:${b.port}`, now + AVOID_MS);
        const slices = this.client.list(ENDPOINT_SLICES, namespace, { matchLabels: { [MCS_SERVICE_NAME_LABEL]: name } });
        const tiers = localityTiers(this.locality, importEndpoints(slices, p, (si.spec?.ports ?? []).length)).map((t) => t.filter((b) => !tried.some((x) => sameBackend(x, b))));
        const fresh = (b: Backend) => (this.avoid.get(`${b.host}:${b.port}`) ?? 0) <= now;
        const tier = tiers.map((t) => t.filter(fresh)).find((t) => t.length) ?? tiers.find((t) => t.length);
        if (this.avoid.size > 1_000) for (const [k, until] of this.avoid) if (until <= now) this.avoid.delete(k);
        if (!tier) return undefined;
        const b = pickForService(si, tier, s.rr, s.affinity, remoteAddress, tried);
        return b && { host: b.host, port: b.port };
      },
    });
  }
}
