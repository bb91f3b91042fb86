/**
 * The global edge as a service: it reads the federation (TrafficSource, read-only), locates
 * clients (the settings' CIDR table, optionally a MaxMind-format database as a fallback),
 * chooses endpoints (LocalityBalancer) and proxies (EdgeProxy). Stateless: several can run at
 * once, in several places, each with its own share of the declared capacities.
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../federation/client/kube-client.js';
import type { Compiled } from './config/compile.js';
import { TrafficSource } from './config/source.js';
import { EdgeProxy, type EdgeProxyOptions, type ListenAddress } from './edge/proxy.js';
import { LocalityBalancer } from './locality/balancer.js';
import { openMaxMindSource } from './locality/geo.js';
import { Locator, type LocationSource } from './locality/locate.js';
import { RegionTable } from './locality/regions.js';

export interface EdgeServiceOptions {
  /** A client of the federation API (the kubefed-edge identity needs only get/list/watch). */
  client: KubeClient;
  log: Logger;
  http?: ListenAddress;
  https?: ListenAddress;
  admin?: ListenAddress;
  /** A MaxMind-format database (GeoLite2-City or -Country) for clients no CIDR entry covers. */
  geoDatabase?: string;
  /** Region assumed for clients located nowhere (default: none; they see every region alike). */
  defaultRegion?: string;
  /** This replica's share of every declared capacity, when N edges run: 1/N. Default 1. */
  capacityShare?: number;
  /** One JSON line per request (stdout, or a file). */
  accessLog?: EdgeProxyOptions['accessLog'];
  /** Proxy tunables (timeouts, retries, checks, outlier detection). */
  proxy?: Pick<EdgeProxyOptions, 'timeouts' | 'retry' | 'outlier' | 'activeChecks'>;
}

export class EdgeService {
  private constructor(
    readonly proxy: EdgeProxy,
    private readonly source: TrafficSource,
  ) {}

  static async start(o: EdgeServiceOptions): Promise<EdgeService> {
    const balancer = new LocalityBalancer({ ...(o.defaultRegion ? { defaultRegion: o.defaultRegion } : {}), ...(o.capacityShare ? { capacityShare: o.capacityShare } : {}) });
    let fallback: LocationSource | undefined;
    let locator = new Locator([]);
    const proxy = await EdgeProxy.start({
      ...(o.http ? { httpAddress: o.http } : {}),
      ...(o.https ? { httpsAddress: o.https } : {}),
      ...(o.admin ? { adminAddress: o.admin } : {}),
      balancer,
      locate: (ip) => locator.locate(ip) ?? {},
      logger: o.log,
      ...(o.accessLog !== undefined ? { accessLog: o.accessLog } : {}),
      ...(o.proxy ?? {}),
    });
    const source = new TrafficSource({ client: o.client, log: o.log });
    const apply = (c: Compiled) => {
      locator = new Locator(c.config.locations, fallback);
      balancer.setRegions(c.config.regions);
      proxy.setConfig(c.config);
      o.log.debug({ routes: c.config.routes.length, problems: c.problems.length }, 'edge configuration applied');
    };
    try {
      await source.start();
      if (o.geoDatabase) {
        const regions = new RegionTable(source.current()?.config.regions ?? {});
        const known = [...new Set((source.current()?.config.routes ?? []).flatMap((r) => r.backends.flatMap((b) => b.backend.endpoints.map((e) => e.region ?? ''))))].filter(Boolean);
        fallback = await openMaxMindSource(o.geoDatabase, known, regions);
      }
      source.onCompiled(apply);
    } catch (e) {
      await source.stop();
      await proxy.close();
      throw e;
    }
    return new EdgeService(proxy, source);
  }

  async close(): Promise<void> {
    await this.source.stop();
    await this.proxy.close();
  }
}
