/**
 * The edge's own state per endpoint (keyed by Endpoint.id, so it survives configuration
 * snapshots): its connection pool, its active-check and outlier-ejection status, and the
 * combined `healthy` flag the balancer is given.
 */
import type { Backend, EdgeConfig, Endpoint } from '../model.js';
import { UpstreamPool, type PoolOptions } from './upstream.js';

export type EndpointCondition = 'healthy' | 'not_ready' | 'failing' | 'ejected';

export class EndpointState {
  /** The latest snapshot's Endpoint object. */
  ep: Endpoint;
  /** Health-check path (the first backend naming the endpoint decides). */
  checkPath: string;
  readonly pool: UpstreamPool;
  /** Where outlier ejection counts its cap: the zone, else the region, else the cluster. */
  locality: string;
  /** ready in its cluster, not failing active checks, not ejected. */
  healthy: boolean;
  /** Active checks: failing (after `fall` failures, until `rise` successes). */
  activeDown = false;
  activeFailures = 0;
  activeSuccesses = 0;
  /** Passive outlier detection. */
  consecutiveFailures = 0;
  ejected = false;
  ejectedUntil = 0;
  /** Ejections so far (the next lasts base x this); forgotten after a healthy period. */
  ejections = 0;
  lastEjectionEnd = 0;
  /** When a byte last came from it (a response, or an answer to a check), performance.now() ms. */
  lastHeard = performance.now();

  constructor(ep: Endpoint, backend: Backend, pool: PoolOptions) {
    this.ep = ep;
    this.checkPath = backend.healthCheckPath || '/';
    this.pool = new UpstreamPool(ep.address, ep.port, backend.tls === true, pool);
    this.locality = localityOf(ep);
    this.healthy = ep.ready;
  }

  refresh(): void {
    this.healthy = this.ep.ready && !this.activeDown && !this.ejected;
  }

  get condition(): EndpointCondition {
    if (!this.ep.ready) return 'not_ready';
    if (this.ejected) return 'ejected';
    if (this.activeDown) return 'failing';
    return 'healthy';
  }
}

export const localityOf = (ep: Endpoint): string => (ep.zone ? `zone/${ep.zone}` : ep.region ? `region/${ep.region}` : `cluster/${ep.cluster}`);

/** Every backend a configuration can send requests to. */
export function backendsOf(cfg: EdgeConfig): Backend[] {
  const seen = new Set<Backend>();
  for (const r of cfg.routes) for (const b of r.backends) seen.add(b.backend);
  if (cfg.defaultBackend) seen.add(cfg.defaultBackend);
  return [...seen];
}

export class EndpointTable {
  private states = new Map<string, EndpointState>();
  /** Endpoints per locality (for the ejection cap). */
  private localities = new Map<string, number>();

  constructor(private readonly pool: PoolOptions) {}

  /** The combined health the balancer is given. */
  readonly healthy = (ep: Endpoint): boolean => {
    const st = this.states.get(ep.id);
    return st !== undefined ? st.healthy : ep.ready;
  };

  get(id: string): EndpointState | undefined {
    return this.states.get(id);
  }

  values(): IterableIterator<EndpointState> {
    return this.states.values();
  }

  get size(): number {
    return this.states.size;
  }

  localitySize(locality: string): number {
    return this.localities.get(locality) ?? 0;
  }

  /**
   * Follows a new snapshot: keeps the state of endpoints still present (with their new Endpoint
   * object), creates it for new ones, and returns the states of endpoints that are gone (their
   * pools closed once their requests end).
   */
  update(cfg: EdgeConfig): { added: EndpointState[]; removed: EndpointState[] } {
    const next = new Map<string, EndpointState>();
    const added: EndpointState[] = [];
    for (const b of backendsOf(cfg)) {
      for (const ep of b.endpoints) {
        if (next.has(ep.id)) continue;
        let st = this.states.get(ep.id);
        if (st === undefined) {
          st = new EndpointState(ep, b, this.pool);
          added.push(st);
        } else {
          st.ep = ep;
          st.checkPath = b.healthCheckPath || '/';
          st.locality = localityOf(ep);
          st.refresh();
        }
        next.set(ep.id, st);
      }
    }
    const removed: EndpointState[] = [];
    for (const [id, st] of this.states) {
      if (!next.has(id)) {
        removed.push(st);
        st.pool.close();
      }
    }
    this.states = next;
    this.localities = new Map();
    for (const st of next.values()) this.localities.set(st.locality, (this.localities.get(st.locality) ?? 0) + 1);
    return { added, removed };
  }

  /** Closes idle upstream connections past their timeout. */
  sweep(now: number): void {
    for (const st of this.states.values()) st.pool.sweep(now);
  }

  close(): void {
    for (const st of this.states.values()) st.pool.destroy();
    this.states.clear();
  }
}
