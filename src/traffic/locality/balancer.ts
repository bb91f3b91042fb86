/**
 * The locality-aware balancer behind the global edge (the `Balancer` of balancer-api.ts).
 *
 * For each try: the client's tiers (tiers.ts: its zone, the other zones of its region, then the
 * other regions nearest first), the health of every endpoint (the edge's `healthy` callback),
 * then a tier, then an endpoint of that tier by least outstanding requests among two chosen at
 * random (power of two choices).
 *
 * Choosing the tier:
 * - Without declared capacity (`Backend.maxRatePerEndpoint` undefined): Envoy's priority load.
 *   A tier's health is min(100, 140 * healthy / total) percent; the first tier takes its health
 *   in percent of the traffic, the next tier up to its health of what is left, and so on; when
 *   the healths add up to less than 100 they are scaled up to 100. A locality so keeps all its
 *   traffic while at least 1/1.4 = ~71% of its endpoints are healthy. Panic: when less than
 *   `panicThreshold` (50%) of all endpoints are healthy, locality is ignored and the try goes to
 *   any healthy endpoint of the backend, evenly - see below for why not to unhealthy ones.
 * - With declared capacity R: each locality (zone) takes R x its healthy endpoints requests per
 *   second, from all clients of this edge together, enforced by a token bucket per (backend,
 *   locality) refilled at that rate. A try goes to the first tier with a locality that has a
 *   token left (the waterfall); when every locality is out of tokens, to the tier whose measured
 *   rate is the smallest multiple of its capacity (tier `overflow`), which spreads the excess in
 *   proportion to capacity. A try is charged to its locality's bucket by `started()`.
 *
 * Panic and unhealthy endpoints: Envoy sends panic traffic to every host, healthy or not, because
 * inside a cluster a mass health-check failure is often the checker's fault. Here health is the
 * edge's own view (member readiness, the edge's active checks over the same path requests take,
 * ejection after real failures), so an unhealthy endpoint almost always fails the request, and
 * non-idempotent requests are not retried: sending half the tries of a zone outage into dead
 * endpoints would turn a capacity problem into errors. So panic spreads over every healthy
 * endpoint, whatever its locality (no locality is flooded with the traffic of the failed ones),
 * and only when no endpoint at all is healthy does it try unhealthy ones (the edge's last resort
 * before a 503; the proxy's retries skip those that fail). `panicIncludesUnhealthy: true` gives
 * Envoy's behaviour. With declared capacity there is no panic threshold (capacity already follows
 * health); only "no endpoint healthy" is a panic.
 *
 * Retries (`avoid`): endpoints already tried, then clusters already tried, are taken out of the
 * backend as if absent - tiers and their health recomputed - while another healthy endpoint
 * remains; so a retry goes one tier further rather than back to the cluster that failed
 * (Envoy's previous_priorities at cluster granularity). When nothing else is healthy, the same
 * cluster, then the same endpoint, is tried again.
 *
 * Cost: per backend snapshot object and client location the tiers are computed once and cached
 * (so pass the snapshot's own `Backend` objects, not copies); a pick is one pass over the
 * backend's endpoints (the `healthy` calls) and one over its tiers, without allocation besides
 * the returned Pick. State that outlives snapshots (in-flight counts, rates, buckets) is keyed by
 * `Backend.key`, locality name and `Endpoint.id`. Not reentrant: `healthy` must not call `pick`.
 *
 * Several edge replicas behind one address each see only their own traffic: give each
 * `capacityShare: 1 / replicas` so that together they hold the declared capacity.
 */
import type { Backend, Endpoint, Location, RegionInfo } from '../model.js';
import type { Avoid, Balancer, Pick, Tier } from './balancer-api.js';
import { RateWindow, TokenBucket } from './rate.js';
import { RegionTable } from './regions.js';
import { clientTiers, endpointRegion, localityName, type LocalityTierKind } from './tiers.js';

export interface LocalityBalancerOptions {
  /** Uniform in [0, 1); injectable for deterministic tests. Default Math.random. */
  random?: () => number;
  /** Envoy's overprovisioning factor. Default 1.4. */
  overprovisioningFactor?: number;
  /** Fraction of healthy endpoints below which locality is ignored (no declared capacity). Default 0.5. */
  panicThreshold?: number;
  /** In panic, also send to unhealthy endpoints, as Envoy does. Default false (see the module comment). */
  panicIncludesUnhealthy?: boolean;
  /** Region coordinates over the built-in table (`EdgeConfig.regions`); also `setRegions`. */
  regions?: Record<string, RegionInfo>;
  /** Where clients of unknown location are taken to be (tiers.ts). Default: none, one tier of everything. */
  defaultRegion?: string;
  /** Token bucket depth in seconds of capacity (at least one request). Default 0.05. */
  burstSeconds?: number;
  /** This edge replica's fraction of the declared capacity. Default 1. */
  capacityShare?: number;
  /** Sliding window of the measured rates. Default 1000 ms. */
  rateWindowMs?: number;
  /** State of backends, localities and endpoints unused this long, and gone from the config, is dropped. Default 300,000 ms. */
  forgetAfterMs?: number;
  /** At most this many endpoint states; beyond it the least recently used that no backend holds are dropped. Default 100,000. */
  maxEndpointStates?: number;
}

export interface LocalityReport {
  /** Zone (or region, or cluster; see tiers.ts). */
  locality: string;
  region?: string;
  /** Healthy endpoints at the last pick for the backend. */
  healthy: number;
  total: number;
  /** Declared capacity in requests/s (R x healthy x capacityShare); undefined without one. */
  capacity?: number;
  /** Measured requests/s sent to it (tries started). */
  rate: number;
  /** Its fraction of the backend's measured rate (0 when the backend had none). */
  share: number;
  /** Tries in flight to its endpoints. */
  inflight: number;
}

export interface BackendReport {
  key: string;
  mode: 'capacity' | 'overprovisioning';
  maxRatePerEndpoint?: number;
  rate: number;
  localities: LocalityReport[];
}

/**
 * Envoy's priority load: the percent of traffic each tier gets from its healthy and total
 * endpoints (see the module comment). All to the first tier when nothing is healthy.
 */
export function priorityLoads(tiers: readonly { healthy: number; total: number }[], overprovisioningFactor = 1.4): number[] {
  const healthy = tiers.map((t) => t.healthy);
  const total = tiers.map((t) => t.total);
  const out = new Float64Array(tiers.length);
  priorityLoadsInto(healthy, total, tiers.length, overprovisioningFactor, out);
  return [...out];
}

function priorityLoadsInto(healthy: ArrayLike<number>, total: ArrayLike<number>, n: number, factor: number, out: Float64Array): void {
  let sum = 0;
  for (let t = 0; t < n; t++) {
    const h = total[t]! > 0 ? Math.min(100, (factor * 100 * healthy[t]!) / total[t]!) : 0;
    out[t] = h;
    sum += h;
  }
  const normalized = Math.min(100, sum);
  if (normalized === 0) {
    for (let t = 0; t < n; t++) out[t] = t === 0 ? 100 : 0;
    return;
  }
  let remaining = 100;
  for (let t = 0; t < n; t++) {
    const load = Math.min(remaining, (out[t]! * 100) / normalized);
    out[t] = load;
    remaining -= load;
  }
}

interface EndpointState {
  inflight: number;
  lastUsed: number;
  /** The locality of the last pick of it: what `started` counts. */
  charge: LocalityState | undefined;
  /** That pick came from a bucket with a token (not overflow or panic). */
  chargeTokens: boolean;
}

class LocalityState {
  readonly rate: RateWindow;
  bucket: TokenBucket | undefined;
  region: string | undefined;
  healthy = 0;
  capacity: number | undefined;
  lastUsed: number;

  constructor(
    readonly name: string,
    windowMs: number,
    now: number,
  ) {
    this.rate = new RateWindow(windowMs);
    this.lastUsed = now;
  }
}

class BackendState {
  readonly localities = new Map<string, LocalityState>();
  plan: Plan | undefined;
  dead = false;
  constructor(
    readonly key: string,
    public lastUsed: number,
  ) {}
}

interface TierPlan {
  kind: LocalityTierKind;
  /** Endpoint indices. */
  members: Int32Array;
  /** Locality indices. */
  locs: Int32Array;
}

/** The declared capacity per endpoint, when it is one the balancer can use. */
const declaredRate = (backend: Backend): number | undefined => {
  const r = backend.maxRatePerEndpoint;
  return r !== undefined && r > 0 && Number.isFinite(r) ? r : undefined;
};

/** A backend snapshot object, prepared: endpoint states, localities, tiers per client location. */
class Plan {
  readonly n: number;
  readonly epLoc: Int32Array;
  readonly locs: LocalityState[] = [];
  readonly clients = new Map<string | undefined, Map<string | undefined, TierPlan[]>>();
  clientPlans = 0;
  generation: number;
  // Scratch, per pick.
  readonly healthy: Uint8Array;
  /** 0: usable; 1: its cluster was tried; 2: it was tried. */
  readonly avoided: Uint8Array;
  readonly candidates: Int32Array;
  readonly locHealthy: Int32Array;
  /** Healthy endpoints still usable for this try, per locality. */
  readonly locUsable: Int32Array;
  /** Has a token left. */
  readonly locOpen: Uint8Array;
  tierHealthy = new Float64Array(4);
  tierTotal = new Float64Array(4);
  tierLoad = new Float64Array(4);

  constructor(
    readonly backend: Backend,
    readonly state: BackendState,
    readonly epStates: EndpointState[],
    generation: number,
  ) {
    this.n = backend.endpoints.length;
    this.epLoc = new Int32Array(this.n);
    this.healthy = new Uint8Array(this.n);
    this.avoided = new Uint8Array(this.n);
    this.candidates = new Int32Array(this.n);
    this.generation = generation;
    const index = new Map<string, number>();
    backend.endpoints.forEach((ep, i) => {
      const name = localityName(ep);
      let l = index.get(name);
      if (l === undefined) {
        l = this.locs.length;
        index.set(name, l);
        this.locs.push(state.localities.get(name)!);
      }
      this.epLoc[i] = l;
    });
    this.locHealthy = new Int32Array(this.locs.length);
    this.locUsable = new Int32Array(this.locs.length);
    this.locOpen = new Uint8Array(this.locs.length);
  }
}

const MAX_CLIENT_PLANS = 512;

export class LocalityBalancer implements Balancer {
  private readonly random: () => number;
  private readonly factor: number;
  private readonly panicThreshold: number;
  private readonly panicIncludesUnhealthy: boolean;
  private readonly defaultRegion: string | undefined;
  private readonly burstSeconds: number;
  private readonly capacityShare: number;
  private readonly windowMs: number;
  private readonly forgetAfterMs: number;
  private readonly maxEndpointStates: number;
  private regions: RegionTable;
  private generation = 0;
  private readonly plans = new WeakMap<Backend, Plan>();
  private readonly backends = new Map<string, BackendState>();
  private readonly endpoints = new Map<string, EndpointState>();
  private nextSweep = Number.NEGATIVE_INFINITY;

  constructor(opts: LocalityBalancerOptions = {}) {
    this.random = opts.random ?? Math.random;
    this.factor = opts.overprovisioningFactor ?? 1.4;
    this.panicThreshold = opts.panicThreshold ?? 0.5;
    this.panicIncludesUnhealthy = opts.panicIncludesUnhealthy ?? false;
    this.defaultRegion = opts.defaultRegion;
    this.burstSeconds = opts.burstSeconds ?? 0.05;
    this.capacityShare = opts.capacityShare ?? 1;
    this.windowMs = opts.rateWindowMs ?? 1000;
    this.forgetAfterMs = opts.forgetAfterMs ?? 300_000;
    this.maxEndpointStates = opts.maxEndpointStates ?? 100_000;
    this.regions = new RegionTable(opts.regions ?? {});
  }

  /** New region coordinates (a new EdgeConfig): tiers are recomputed on the next picks. */
  setRegions(regions: Record<string, RegionInfo>): void {
    this.regions = new RegionTable(regions);
    this.generation++;
  }

  pick(backend: Backend, client: Location, healthy: (ep: Endpoint) => boolean, avoid?: Avoid, now: number = Date.now()): Pick | undefined {
    const n = backend.endpoints.length;
    if (n === 0) return undefined;
    if (now >= this.nextSweep) this.sweep(now);
    const plan = this.plan(backend, now);
    const tiers = this.tiers(plan, client);
    const eps = backend.endpoints;
    const h = plan.healthy;
    const av = plan.avoided;

    // Health, and what earlier tries rule out.
    let healthyCount = 0;
    for (let i = 0; i < n; i++) healthyCount += h[i] = healthy(eps[i]!) ? 1 : 0;
    let usable = 0; // highest `avoided` value still in play
    if (avoid && (avoid.endpoints.size > 0 || avoid.clusters.size > 0)) {
      // Per level (0: untried cluster, 1: untried endpoint): endpoints, and healthy ones.
      let fresh = 0;
      let freshHealthy = 0;
      let untried = 0;
      let untriedHealthy = 0;
      for (let i = 0; i < n; i++) {
        const ep = eps[i]!;
        const a = avoid.endpoints.has(ep.id) ? 2 : avoid.clusters.has(ep.cluster) ? 1 : 0;
        av[i] = a;
        if (a === 0) {
          fresh++;
          freshHealthy += h[i]!;
        }
        if (a <= 1) {
          untried++;
          untriedHealthy += h[i]!;
        }
      }
      if (healthyCount > 0) usable = freshHealthy > 0 ? 0 : untriedHealthy > 0 ? 1 : 2;
      else usable = fresh > 0 ? 0 : untried > 0 ? 1 : 2;
    } else av.fill(0);

    // Localities: health now, and (declared capacity) tokens.
    const rate = declaredRate(backend);
    const locs = plan.locs;
    const lh = plan.locHealthy;
    const lu = plan.locUsable;
    lh.fill(0);
    lu.fill(0);
    for (let i = 0; i < n; i++) {
      const l = plan.epLoc[i]!;
      lh[l]! += h[i]!;
      if (av[i]! <= usable) lu[l]! += h[i]!;
    }
    for (let l = 0; l < locs.length; l++) {
      const loc = locs[l]!;
      loc.healthy = lh[l]!;
      if (rate !== undefined) {
        const cap = rate * this.capacityShare * lh[l]!;
        loc.capacity = cap;
        if (loc.bucket) loc.bucket.refill(now, cap);
        else loc.bucket = new TokenBucket(this.burstSeconds, now, cap);
        plan.locOpen[l] = cap > 0 && loc.bucket.available() ? 1 : 0;
      } else loc.capacity = undefined;
    }

    if (healthyCount === 0) return this.choose(plan, this.collectAll(plan, usable, true), 'panic', false, now);
    return rate !== undefined ? this.waterfall(plan, tiers, usable, now) : this.overprovisioned(plan, tiers, usable, now);
  }

  started(ep: Endpoint, now: number = Date.now()): void {
    let st = this.endpoints.get(ep.id);
    if (!st) {
      st = { inflight: 0, lastUsed: now, charge: undefined, chargeTokens: false };
      this.endpoints.set(ep.id, st);
    }
    st.inflight++;
    st.lastUsed = now;
    const loc = st.charge;
    if (loc) {
      loc.rate.add(now);
      loc.lastUsed = now;
      if (st.chargeTokens) loc.bucket?.take();
    }
  }

  finished(ep: Endpoint): void {
    const st = this.endpoints.get(ep.id);
    if (st && st.inflight > 0) st.inflight--;
  }

  /** How much state is kept (for metrics, and to see that it stays bounded). */
  get size(): { backends: number; localities: number; endpoints: number } {
    let localities = 0;
    for (const b of this.backends.values()) localities += b.localities.size;
    return { backends: this.backends.size, localities, endpoints: this.endpoints.size };
  }

  /** Per backend, per locality: health, declared capacity, measured rate and share. Sorted by key and name. */
  report(now: number = Date.now()): BackendReport[] {
    const out: BackendReport[] = [];
    for (const state of this.backends.values()) {
      const plan = state.plan;
      if (!plan) continue;
      const inflight = new Float64Array(plan.locs.length);
      const total = new Int32Array(plan.locs.length);
      for (let i = 0; i < plan.n; i++) {
        inflight[plan.epLoc[i]!]! += plan.epStates[i]!.inflight;
        total[plan.epLoc[i]!]!++;
      }
      const rates = plan.locs.map((l) => l.rate.rate(now));
      const sum = rates.reduce((a, b) => a + b, 0);
      const localities = plan.locs.map((l, i): LocalityReport => {
        const r: LocalityReport = { locality: l.name, healthy: l.healthy, total: total[i]!, rate: rates[i]!, share: sum > 0 ? rates[i]! / sum : 0, inflight: inflight[i]! };
        if (l.region !== undefined) r.region = l.region;
        if (l.capacity !== undefined) r.capacity = l.capacity;
        return r;
      });
      localities.sort((a, b) => (a.locality < b.locality ? -1 : a.locality > b.locality ? 1 : 0));
      const b: BackendReport = { key: state.key, mode: declaredRate(plan.backend) !== undefined ? 'capacity' : 'overprovisioning', rate: sum, localities };
      if (plan.backend.maxRatePerEndpoint !== undefined) b.maxRatePerEndpoint = plan.backend.maxRatePerEndpoint;
      out.push(b);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Declared capacity: the first tier with a token left, else the least overloaded tier. */
  private waterfall(plan: Plan, tiers: TierPlan[], usable: number, now: number): Pick | undefined {
    const h = plan.healthy;
    const av = plan.avoided;
    const c = plan.candidates;
    const open = plan.locOpen;
    const lu = plan.locUsable;
    for (const tier of tiers) {
      let any = false;
      for (const l of tier.locs) if (open[l] && lu[l]) any = true;
      if (!any) continue;
      let k = 0;
      for (const i of tier.members) if (h[i] && av[i]! <= usable && open[plan.epLoc[i]!]) c[k++] = i;
      return this.choose(plan, k, tier.kind, true, now);
    }
    let best: TierPlan | undefined;
    let bestLoad = Infinity;
    for (const tier of tiers) {
      let rate = 0;
      let capacity = 0;
      for (const l of tier.locs) {
        if (!lu[l]) continue;
        const loc = plan.locs[l]!;
        rate += loc.rate.rate(now);
        capacity += loc.capacity ?? 0;
      }
      if (capacity <= 0) continue;
      const load = rate / capacity;
      if (load < bestLoad) {
        bestLoad = load;
        best = tier;
      }
    }
    if (!best) return undefined;
    let k = 0;
    for (const i of best.members) if (h[i] && av[i]! <= usable) c[k++] = i;
    return this.choose(plan, k, 'overflow', false, now);
  }

  /** No declared capacity: Envoy's priority load over the tiers, or panic. */
  private overprovisioned(plan: Plan, tiers: TierPlan[], usable: number, now: number): Pick | undefined {
    const h = plan.healthy;
    const av = plan.avoided;
    if (plan.tierLoad.length < tiers.length) {
      plan.tierHealthy = new Float64Array(tiers.length);
      plan.tierTotal = new Float64Array(tiers.length);
      plan.tierLoad = new Float64Array(tiers.length);
    }
    let sumHealthy = 0;
    let sumTotal = 0;
    for (let t = 0; t < tiers.length; t++) {
      let healthy = 0;
      let total = 0;
      for (const i of tiers[t]!.members) {
        if (av[i]! > usable) continue;
        total++;
        healthy += h[i]!;
      }
      plan.tierHealthy[t] = healthy;
      plan.tierTotal[t] = total;
      sumHealthy += healthy;
      sumTotal += total;
    }
    if (sumHealthy < this.panicThreshold * sumTotal) return this.choose(plan, this.collectAll(plan, usable, this.panicIncludesUnhealthy), 'panic', false, now);
    priorityLoadsInto(plan.tierHealthy, plan.tierTotal, tiers.length, this.factor, plan.tierLoad);
    const x = this.random() * 100;
    let chosen = -1;
    let acc = 0;
    for (let t = 0; t < tiers.length; t++) {
      if (plan.tierHealthy[t] === 0 || plan.tierLoad[t] === 0) continue;
      chosen = t; // the last tier with load takes what rounding leaves over
      acc += plan.tierLoad[t]!;
      if (x < acc) break;
    }
    const tier = tiers[chosen];
    if (!tier) return undefined;
    const c = plan.candidates;
    let k = 0;
    for (const i of tier.members) if (h[i] && av[i]! <= usable) c[k++] = i;
    return this.choose(plan, k, tier.kind, false, now);
  }

  /** Every usable endpoint (healthy ones only unless `unhealthyToo`) into the candidates. */
  private collectAll(plan: Plan, usable: number, unhealthyToo: boolean): number {
    const c = plan.candidates;
    let k = 0;
    for (let i = 0; i < plan.n; i++) if (plan.avoided[i]! <= usable && (unhealthyToo || plan.healthy[i])) c[k++] = i;
    return k;
  }

  /** Power of two choices by in-flight tries among the first `k` candidates. */
  private choose(plan: Plan, k: number, tier: Tier, chargeTokens: boolean, now: number): Pick | undefined {
    if (k === 0) return undefined;
    const c = plan.candidates;
    let i = c[0]!;
    if (k > 1) {
      const a = Math.floor(this.random() * k);
      let b = Math.floor(this.random() * (k - 1));
      if (b >= a) b++;
      i = plan.epStates[c[b]!]!.inflight < plan.epStates[c[a]!]!.inflight ? c[b]! : c[a]!;
    }
    const st = plan.epStates[i]!;
    const loc = plan.locs[plan.epLoc[i]!]!;
    st.charge = loc;
    st.chargeTokens = chargeTokens;
    st.lastUsed = loc.lastUsed = now;
    return { endpoint: plan.backend.endpoints[i]!, tier, locality: loc.name };
  }

  private plan(backend: Backend, now: number): Plan {
    let plan = this.plans.get(backend);
    if (plan && !plan.state.dead) {
      plan.state.lastUsed = now;
      return plan;
    }
    let state = this.backends.get(backend.key);
    if (!state) {
      state = new BackendState(backend.key, now);
      this.backends.set(backend.key, state);
    }
    state.lastUsed = now;
    for (const ep of backend.endpoints) {
      const name = localityName(ep);
      let loc = state.localities.get(name);
      if (!loc) {
        loc = new LocalityState(name, this.windowMs, now);
        state.localities.set(name, loc);
      }
      loc.region = endpointRegion(ep, this.regions);
    }
    const epStates = backend.endpoints.map((ep) => {
      let st = this.endpoints.get(ep.id);
      if (!st) {
        st = { inflight: 0, lastUsed: now, charge: undefined, chargeTokens: false };
        this.endpoints.set(ep.id, st);
      }
      return st;
    });
    plan = new Plan(backend, state, epStates, this.generation);
    state.plan = plan;
    this.plans.set(backend, plan);
    if (this.endpoints.size > this.maxEndpointStates) this.sweep(now);
    return plan;
  }

  private tiers(plan: Plan, client: Location): TierPlan[] {
    if (plan.generation !== this.generation) {
      plan.clients.clear();
      plan.clientPlans = 0;
      plan.generation = this.generation;
    }
    let byZone = plan.clients.get(client.region);
    let tiers = byZone?.get(client.zone);
    if (tiers) return tiers;
    if (plan.clientPlans >= MAX_CLIENT_PLANS) {
      plan.clients.clear();
      plan.clientPlans = 0;
      byZone = undefined;
    }
    const eps = plan.backend.endpoints;
    const index = new Map<Endpoint, number>();
    eps.forEach((ep, i) => index.set(ep, i));
    tiers = clientTiers(client, eps, { regions: this.regions, defaultRegion: this.defaultRegion }).map((t) => {
      const members = Int32Array.from(t.localities.flatMap((l) => l.endpoints.map((ep) => index.get(ep)!)));
      return { kind: t.kind, members, locs: Int32Array.from(new Set(Array.from(members, (i) => plan.epLoc[i]!))) };
    });
    if (!byZone) {
      byZone = new Map();
      plan.clients.set(client.region, byZone);
    }
    byZone.set(client.zone, tiers);
    plan.clientPlans++;
    return tiers;
  }

  /** Drops what has not been used for `forgetAfterMs` and is no longer in any backend's latest snapshot. */
  private sweep(now: number): void {
    this.nextSweep = now + Math.max(1000, this.forgetAfterMs / 10);
    const cutoff = now - this.forgetAfterMs;
    const held = new Set<EndpointState>();
    for (const [key, state] of this.backends) {
      if (state.lastUsed < cutoff) {
        state.dead = true;
        this.backends.delete(key);
        continue;
      }
      const plan = state.plan;
      if (!plan) continue;
      for (const st of plan.epStates) held.add(st);
      const current = new Set(plan.locs);
      for (const [name, loc] of state.localities) if (!current.has(loc) && loc.lastUsed < cutoff) state.localities.delete(name);
    }
    for (const [id, st] of this.endpoints) if (!held.has(st) && st.lastUsed < cutoff) this.endpoints.delete(id);
    // Over the bound: drop the oldest-inserted ones no backend holds, even if recently used.
    if (this.endpoints.size > this.maxEndpointStates) {
      for (const [id, st] of this.endpoints) {
        if (this.endpoints.size <= this.maxEndpointStates) break;
        if (!held.has(st)) this.endpoints.delete(id);
      }
    }
  }
}
