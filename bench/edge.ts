/**
 * Global edge benchmark, in one run:
 *
 * (a) proxy: the edge against nginx (Debian's) as the same reverse proxy, requests/s and p50/p99
 *     (bench/edge-proxy.ts's compareProxies: one worker each pinned to the last core, the same
 *     nginx backend on the first core, keep-alive upstream, the same wrk command); goal >= 0.5 of
 *     nginx's requests/s.
 * (b) failover: a playground of 6 clusters (1 node each; two zones in each of 3 regions) with its
 *     federation and its global edge, each its own process (`kubefed playground up --detach`), a
 *     Deployment of 12 replicas created at the federation (2 per cluster) behind a Service and an
 *     Ingress. This process sends GETs at a constant rate (open loop: bench/open-loop.ts) from a
 *     client address in the first cluster's zone (HOME), recording per request its due time,
 *     outcome and serving cluster (x-kubefed-cluster). Repeated --reps times each, alternately:
 *     HOME is stopped, or blackholed (accepts, never answers), for --hold seconds, then started
 *     again. Per run: failed requests; the time from the fault until 99% of the requests go
 *     straight (their first try, from the edge's access log: each request has its own path) to
 *     the next closest cluster (HOME's region's other zone); the time from the start command
 *     until 99% are answered by HOME again; how often the traffic left HOME again after it had
 *     returned (flaps). "99% from t" means every one-second window of due times from t on
 *     (open-loop.ts, settleTime). Goals: no failure; switch under 0.5 s (stop) and 1.5 s
 *     (blackhole); return under 3 s; no flap. The edge runs as the playground runs it (`kubefed
 *     edge`, its own process, the federation's read-only identity), with its access log on.
 *     The Deployment tolerates unreachable and not-ready clusters for 30 s (kubefed init's
 *     default; the playground's is 3 s), so the federation leaves its replicas where they are
 *     and what is measured is the edge.
 * (c) capacity: a second Service over the same pods, `kubefed.io/max-rate-per-endpoint: R`; the
 *     same client offers --overload (2) times HOME's declared capacity (R x its healthy endpoints)
 *     at a constant rate for --capacity-seconds; per second, the rate HOME served against its
 *     capacity (goal within 10%), and where the rest went; cross-checked with the edge's /split.
 *
 * Figures are printed with their ratio to the goal; nothing is asserted. Needs wrk, nginx and
 * taskset for (a), root (or unprivileged port 80) for the playground's edge. Takes ~3 minutes.
 *
 * Usage: npm run bench:edge [-- --only proxy,failover,capacity --proxy-duration 5 --proxy-rounds 3
 *          --rate 400 --reps 3 --hold 4 --observe 6 --max-rate 100 --overload 2 --capacity-seconds 12
 *          --first-octet 240 --edge-address 127.0.101.1 --verbose --json out.json]
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KObject } from '../src/apis/object.js';
import { KubeClient } from '../src/federation/client/kube-client.js';
import { controlRequest } from '../src/playground/control.js';
import { PLAYGROUND_EDGE_ADMIN_PORT } from '../src/playground/federate.js';
import { Playground } from '../src/playground/world.js';
import { compareProxies, cpuSeconds, formatRun, type ProxyComparison } from './edge-proxy.js';
import { flaps, ok, OpenLoop, quantile, settleTime, slices, type Sample } from './open-loop.js';

const args = process.argv.slice(2);
const has = (name: string) => args.includes(`--${name}`);
const opt = (name: string, def: string) => (has(name) ? args[args.indexOf(`--${name}`) + 1]! : def);
const num = (name: string, def: number) => Number(opt(name, String(def)));
const parts = new Set(opt('only', 'proxy,failover,capacity').split(','));
const CLI = join(fileURLToPath(import.meta.url), '../../../bin/kubefed.js');
const EDGE = opt('edge-address', '127.0.101.1');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REPLICAS = 12;
/** Timelines of every fault run, not only of those that miss a goal. */
const verbose = has('verbose');

const f0 = (n: number) => n.toFixed(0);
const f2 = (n: number) => n.toFixed(2);
const ms = (n: number | undefined) => (n === undefined ? 'never' : `${f0(n)} ms`);
/** "goal < 500 ms: met (ratio 0.12)" */
const goal = (value: number | undefined, limit: number, what: string, lowerIsBetter = true) =>
  value === undefined ? `${what}: MISSED (never)` : `${what}: ${(lowerIsBetter ? value <= limit : value >= limit) ? 'met' : 'MISSED'} (ratio ${f2(value / limit)})`;

function kubefed(cliArgs: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [CLI, ...cliArgs], { timeout: 180_000, env: { ...process.env, KUBEFED_LOG_LEVEL: 'warn' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`kubefed ${cliArgs.join(' ')}: ${stderr || err.message}`)) : resolve(String(stdout)),
    ),
  );
}

/** GET on the edge's admin address, as JSON. */
function admin<T>(path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    get({ host: EDGE, port: PLAYGROUND_EDGE_ADMIN_PORT, path, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as T);
        } catch (e) {
          reject(e as Error);
        }
      });
    }).on('error', reject);
  });
}

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
}

interface EndpointStatus {
  id: string;
  cluster: string;
  state: string;
}

interface SplitJson {
  seconds: number;
  total: number;
  rate: number;
  rows: { cluster: string; tier: string; requests: number; share: number }[];
}

// ---- the playground ----

interface World {
  dir: string;
  home: string;
  next: string;
  client: string;
  edge: ChildProcess;
  accessLog: string;
  fed: KubeClient;
}

function objects(maxRate: number): KObject[] {
  const labels = { app: 'web' };
  const tolerations = ['cluster.kubefed.io/unreachable', 'cluster.kubefed.io/not-ready'].map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }));
  const svc = (name: string, annotations?: Record<string, string>): KObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }] },
  });
  const path = (p: string, service: string) => ({ path: p, pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } });
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels, annotations: { 'federation.kubernetes.io/deployment-preferences': JSON.stringify({ rebalance: true, tolerations }) } },
      spec: { replicas: REPLICAS, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } } },
    },
    svc('web'),
    svc('capped', { 'kubefed.io/max-rate-per-endpoint': String(maxRate) }),
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec: { rules: [{ http: { paths: [path('/capped', 'capped'), path('/', 'web')] } }] } },
  ];
}

/**
 * The playground (clusters and federation, `kubefed playground up --detach --no-edge`) and the
 * edge as the playground runs it (`kubefed edge` with the federation's read-only identity, its
 * own process), plus an access log: it says how many tries each request took.
 */
async function startWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-bench-edge-pg-'));
  const t0 = performance.now();
  const kubeconfig = join(dir, 'kubeconfig');
  await kubefed(['playground', 'up', '--detach', '--no-edge', '--clusters', '6', '--nodes', '1', '--first-octet', opt('first-octet', '240'), '--edge-address', EDGE, '--state-dir', dir]);
  let edge: ChildProcess | undefined;
  try {
    return await startEdge(dir, kubeconfig, t0, (e) => (edge = e));
  } catch (e) {
    edge?.kill('SIGKILL');
    await kubefed(['playground', 'down', '--state-dir', dir]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function startEdge(dir: string, kubeconfig: string, t0: number, started: (edge: ChildProcess) => void): Promise<World> {
  await kubefed(['edge', 'credentials', '-o', join(dir, 'edge.kubeconfig'), '--kubeconfig', kubeconfig, '--context', 'federation']);
  const accessLog = join(dir, 'access.log');
  const edge = spawn(process.execPath, [CLI, 'edge', '--kubeconfig', join(dir, 'edge.kubeconfig'), '--context', 'kubefed-edge', '--http-address', `${EDGE}:80`, '--no-https', '--admin-address', `${EDGE}:${PLAYGROUND_EDGE_ADMIN_PORT}`, '--access-log', accessLog], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, KUBEFED_LOG_LEVEL: 'warn' },
  });
  started(edge);
  await new Promise<void>((resolve, reject) => {
    edge.stdout!.on('data', (d: Buffer) => String(d).includes('edge serving') && resolve());
    edge.once('exit', (code) => reject(new Error(`the edge exited (${code})`)));
  });
  const topology = Playground.storedTopology(dir)!;
  const home = topology.clusters[0]!;
  const next = topology.clusters.find((c) => c !== home && c.region === home.region)!;
  const fed = KubeClient.fromKubeconfig(kubeconfig, 'federation');
  const w: World = { dir, home: home.name, next: next.name, client: `127.${home.octet}.250.1`, edge, accessLog, fed };
  try {
    for (const o of objects(num('max-rate', 100))) await fed.create(o);
    await allHealthy();
  } catch (e) {
    fed.close();
    throw e;
  }
  console.log(`playground: ${topology.clusters.length} clusters, 1 node each, ${REPLICAS} replicas; edge ${EDGE} (pid ${edge.pid}); client in ${home.zones[0]} (${w.client}); ready in ${f0((performance.now() - t0) / 1000)} s`);
  return w;
}

const allHealthy = () => waitFor(async () => (await admin<EndpointStatus[]>('/endpoints')).filter((e) => e.state === 'healthy').length >= REPLICAS, `${REPLICAS} healthy endpoints at the edge`, 120_000, 250);

/** Stops everything; returns the access log's tries per request path. */
async function stopWorld(w: World): Promise<Map<string, number>> {
  w.fed.close();
  if (w.edge.exitCode === null) {
    const exited = new Promise((r) => w.edge.once('exit', r));
    w.edge.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
  }
  const tries = new Map<string, number>();
  try {
    for (const line of readFileSync(w.accessLog, 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { path: string; tries: number };
      tries.set(r.path, r.tries);
    }
  } catch (e) {
    console.error(`access log: ${String(e)}`);
  }
  await kubefed(['playground', 'down', '--state-dir', w.dir]).catch((e: unknown) => console.error(String(e)));
  rmSync(w.dir, { recursive: true, force: true });
  return tries;
}

/** Until the last `ms` of the stream's answers all came from `cluster`. */
async function steady(stream: OpenLoop, cluster: string, ms = 1000): Promise<void> {
  await waitFor(() => {
    const now = performance.now();
    const recent = stream.between(now - ms - 200, now - 200);
    return recent.length > 0 && recent.every((s) => s.end > 0 && ok(s) && s.cluster === cluster);
  }, `answers from ${cluster}`, 60_000);
}

/**
 * What the edge says of HOME's endpoints (/endpoints, every 100 ms): each change of their states,
 * e.g. "healthy healthy" -> "failing ejected" -> "not_ready not_ready" -> "" (none configured).
 */
class EndpointWatch {
  readonly changes: { at: number; states: string }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly cluster: string) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      const at = performance.now();
      admin<EndpointStatus[]>('/endpoints')
        .then((eps) => {
          const states = eps
            .filter((e) => e.cluster === this.cluster)
            .sort((a, b) => (a.id < b.id ? -1 : 1))
            .map((e) => e.state)
            .join(' ');
          if (this.changes.at(-1)?.states !== states) this.changes.push({ at, states });
        })
        .catch(() => undefined)
        .finally(() => (this.busy = false));
    }, 100);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** "+0.05 s failing ejected, +4.00 s [start], +4.61 s healthy healthy": changes in [from, to), times after `zero`. */
  timeline(from: number, to: number, zero: number, marks: [number, string][]): string {
    const items: [number, string][] = [...this.changes.filter((c) => c.at >= from && c.at < to).map((c): [number, string] => [c.at, c.states || '(none)']), ...marks.map(([t, m]): [number, string] => [t, `[${m}]`])];
    return items
      .sort((a, b) => a[0] - b[0])
      .map(([t, s]) => `${t >= zero ? '+' : ''}${((t - zero) / 1000).toFixed(2)} s ${s}`)
      .join(', ');
  }
}

// ---- (b) failover ----

type FaultKind = 'stop' | 'blackhole';

interface FaultRun {
  kind: FaultKind;
  fault: number;
  /** The fault command returned. */
  faultDone: number;
  recover: number;
  recoverDone: number;
  end: number;
  /** The edge's view of HOME's endpoints through the run. */
  timeline: string;
}

interface FailoverRaw {
  samples: Sample[];
  runs: FaultRun[];
  rate: number;
  holdMs: number;
  observeMs: number;
  maxLagMs: number;
}

interface FaultResult {
  kind: FaultKind;
  timeline: string;
  /** Share of requests answered by HOME per 250 ms after the start command. */
  homeShareAfter: number[];
  /** After the start command, the requests not answered by HOME: "+5.80 s gce-us-central1-b x40 (2 tries)". */
  awayAfter: string;
  requests: number;
  failed: number;
  errors: string[];
  /** From the fault to 99% of requests sent straight (first try) to the next closest; undefined: never. */
  switchMs: number | undefined;
  /** Requests of the fault whose first try went to HOME (refused, or held until it was found dead), and the longest answer. */
  retried: number;
  maxLatencyMs: number;
  /** Answers from clusters other than HOME and the next closest during the fault. */
  elsewhere: number;
  /** From the start command to 99% answered by HOME again. */
  returnMs: number | undefined;
  flaps: number;
  faultCommandMs: number;
  recoverCommandMs: number;
}

/** Runs of requests (by due time, 250 ms apart at most) with the same answer: "+5.80 s gce-us-central1-b x40 (tries 2)". */
function away(samples: readonly Sample[], zero: number): string {
  const out: { at: number; lastAt: number; what: string; n: number }[] = [];
  for (const s of samples) {
    const what = `${s.cluster || s.error || s.status}${s.tries !== 1 ? ` (tries ${s.tries ?? '?'})` : ''}`;
    const last = out.at(-1);
    if (last && last.what === what && s.at - last.lastAt < 250) {
      last.n++;
      last.lastAt = s.at;
    } else out.push({ at: s.at, lastAt: s.at, what, n: 1 });
  }
  return out.map((x) => `+${((x.at - zero) / 1000).toFixed(2)} s ${x.what} x${x.n}`).join(', ');
}

/** Requests due during the run, or in flight when its fault began. */
const inRun = (s: Sample, r: FaultRun) => s.at < r.end && (s.at >= r.fault || s.end > r.fault);

function analyse(samples: readonly Sample[], r: FaultRun, home: string, next: string): FaultResult {
  const all = samples.filter((s) => inRun(s, r));
  const failed = all.filter((s) => !ok(s));
  const during = all.filter((s) => s.at < r.recover);
  const atHome = (s: Sample) => ok(s) && s.cluster === home;
  return {
    kind: r.kind,
    timeline: r.timeline,
    homeShareAfter: slices(samples, r.recover, r.end, 250, atHome).map((x) => (x.n ? x.pass / x.n : NaN)),
    awayAfter: away(samples.filter((s) => s.at >= r.recover && s.at < r.end && !atHome(s)), r.recover),
    requests: all.length,
    failed: failed.length,
    errors: [...new Set(failed.map((s) => s.error ?? `HTTP ${s.status}`))],
    switchMs: settleTime(samples, r.fault, r.recover, (s) => ok(s) && s.cluster === next && s.tries === 1),
    retried: during.filter((s) => s.tries !== 1).length,
    maxLatencyMs: Math.max(0, ...during.map((s) => s.end - s.sent)),
    elsewhere: during.filter((s) => ok(s) && s.cluster !== home && s.cluster !== next).length,
    returnMs: settleTime(samples, r.recover, r.end, atHome),
    flaps: flaps(samples, r.recover, r.end, atHome),
    faultCommandMs: r.faultDone - r.fault,
    recoverCommandMs: r.recoverDone - r.recover,
  };
}

async function failover(w: World): Promise<FailoverRaw> {
  const rate = num('rate', 400);
  const reps = num('reps', 3);
  const holdMs = num('hold', 4) * 1000;
  const observeMs = num('observe', 6) * 1000;
  console.log(`\n(b) failover: ${rate} GET/s open loop from ${w.client} (zone of ${w.home}); next closest ${w.next}; each fault held ${holdMs / 1000} s, then ${observeMs / 1000} s observed after recovery; ${reps} runs of each`);
  const stream = new OpenLoop({ host: EDGE, port: 80, path: (i) => `/failover/${i}`, localAddress: w.client, rate });
  const runs: FaultRun[] = [];
  const watch = new EndpointWatch(w.home);
  stream.start();
  watch.start();
  try {
    for (let i = 0; i < reps * 2; i++) {
      const kind: FaultKind = i % 2 === 0 ? 'stop' : 'blackhole';
      await steady(stream, w.home);
      const fault = performance.now();
      await controlRequest(w.dir, 'POST', `/clusters/${w.home}/${kind}`);
      const faultDone = performance.now();
      await sleep(fault + holdMs - performance.now());
      const recover = performance.now();
      await controlRequest(w.dir, 'POST', `/clusters/${w.home}/start`);
      const recoverDone = performance.now();
      await sleep(recover + observeMs - performance.now());
      const end = performance.now();
      runs.push({ kind, fault, faultDone, recover, recoverDone, end, timeline: watch.timeline(fault - 150, end, fault, [[recover, 'start']]) });
      process.stdout.write(`  ${kind} ${Math.floor(i / 2) + 1} done\n`);
    }
  } finally {
    watch.stop();
    await stream.stop();
  }
  return { samples: stream.samples, runs, rate, holdMs, observeMs, maxLagMs: stream.maxLagMs };
}

function printFailover(raw: FailoverRaw, w: World): FaultResult[] {
  const results = raw.runs.map((r) => analyse(raw.samples, r, w.home, w.next));
  for (const r of results) {
    console.log(
      `  ${r.kind.padEnd(9)} failed ${r.failed}/${r.requests}${r.errors.length ? ` (${r.errors.join(', ')})` : ''}  switch ${ms(r.switchMs)}  first try at HOME ${r.retried} (longest answer ${f0(r.maxLatencyMs)} ms)  elsewhere ${r.elsewhere}` +
        `  return ${ms(r.returnMs)}  flaps ${r.flaps}  [fault command ${f0(r.faultCommandMs)} ms, start command ${f0(r.recoverCommandMs)} ms]`,
    );
    if (verbose || r.failed > 0 || r.flaps > 0 || r.returnMs === undefined || r.switchMs === undefined || r.switchMs > (r.kind === 'blackhole' ? 1500 : 500) || r.returnMs > 3000) {
      console.log(`      the edge's view of HOME's endpoints: ${r.timeline}`);
      console.log(`      share answered by HOME per 250 ms after the start command: ${r.homeShareAfter.map((x) => (Number.isNaN(x) ? '-' : x.toFixed(2))).join(' ')}`);
      console.log(`      answered elsewhere after the start command: ${r.awayAfter.length > 600 ? `${r.awayAfter.slice(0, 600)}...` : r.awayAfter}`);
    }
  }
  const baseline = raw.samples.filter((s) => !raw.runs.some((r) => inRun(s, r)));
  const lat = baseline.map((s) => s.end - s.sent);
  const unjoined = raw.samples.filter((s) => s.tries === undefined).length;
  console.log(
    `  outside the faults: ${baseline.filter((s) => !ok(s)).length} failed, latency p50 ${f2(quantile(lat, 0.5))} ms, p99 ${f2(quantile(lat, 0.99))} ms, max ${f0(Math.max(...lat))} ms; generator lag at most ${f0(raw.maxLagMs)} ms${unjoined ? `; ${unjoined} requests not in the access log` : ''}`,
  );
  const med = (xs: number[]) => quantile(xs, 0.5);
  const max = (xs: number[]) => Math.max(...xs);
  for (const [kind, limit] of [
    ['stop', 500],
    ['blackhole', 1500],
  ] as const) {
    const rs = results.filter((r) => r.kind === kind);
    if (rs.length === 0) continue;
    const failed = rs.reduce((a, r) => a + r.failed, 0);
    const sw = rs.map((r) => r.switchMs ?? Infinity);
    const ret = rs.map((r) => r.returnMs ?? Infinity);
    const fl = rs.reduce((a, r) => a + r.flaps, 0);
    console.log(`  cluster ${kind} (${rs.length} runs):`);
    console.log(`    failed requests: ${failed} of ${rs.reduce((a, r) => a + r.requests, 0)}   goal 0: ${failed === 0 ? 'met' : 'MISSED'}`);
    console.log(`    fault to 99% sent to the next closest: median ${ms(med(sw))}, max ${ms(max(sw))}   ${goal(max(sw), limit, `goal < ${limit} ms (max)`)}`);
    console.log(`    recovery to 99% back home: median ${ms(med(ret))}, max ${ms(max(ret))}   ${goal(max(ret), 3000, 'goal < 3000 ms (max)')}`);
    console.log(`    flaps after the return: ${fl}   goal 0: ${fl === 0 ? 'met' : 'MISSED'}`);
  }
  return results;
}

// ---- (c) capacity ----

interface CapacityRaw {
  samples: Sample[];
  maxRatePerEndpoint: number;
  endpoints: number;
  capacity: number;
  offered: number;
  seconds: number;
  split?: SplitJson;
  edgeCpuUsPerRequest?: number;
}

async function capacity(w: World): Promise<CapacityRaw> {
  const maxRate = num('max-rate', 100);
  const seconds = num('capacity-seconds', 12);
  await allHealthy();
  const eps = await admin<EndpointStatus[]>('/endpoints');
  const endpoints = eps.filter((e) => e.cluster === w.home && e.state === 'healthy').length;
  const cap = maxRate * endpoints;
  const offered = num('overload', 2) * cap;
  console.log(`\n(c) capacity: Service "capped" declares ${maxRate} requests/s per endpoint; ${w.home} has ${endpoints} healthy endpoints = ${cap} requests/s; ${offered} GET/s offered from ${w.client} for ${seconds} s`);
  const stream = new OpenLoop({ host: EDGE, port: 80, path: (i) => `/capped/${i}`, localAddress: w.client, rate: offered });
  const cpu0 = cpuSeconds(w.edge.pid!);
  stream.start();
  await sleep(seconds * 1000);
  const split = await admin<SplitJson>(`/split?seconds=${seconds - 2}`).catch(() => undefined);
  await stream.stop();
  const cpu = cpuSeconds(w.edge.pid!) - cpu0;
  return { samples: stream.samples, maxRatePerEndpoint: maxRate, endpoints, capacity: cap, offered, seconds, ...(split ? { split } : {}), edgeCpuUsPerRequest: (cpu / stream.samples.length) * 1e6 };
}

interface CapacityResult {
  perSecond: { home: number; next: number; other: number; failed: number }[];
  ratios: number[];
}

function printCapacity(c: CapacityRaw, w: World): CapacityResult {
  const t0 = c.samples[0]!.at;
  // Per second of due times, the first one left out (buckets start full, the rate window fills).
  const per = (test: (s: Sample) => boolean) => slices(c.samples, t0 + 1000, t0 + c.seconds * 1000, 1000, test).map((x) => x.pass);
  const home = per((s) => ok(s) && s.cluster === w.home);
  const next = per((s) => ok(s) && s.cluster === w.next);
  const other = per((s) => ok(s) && s.cluster !== w.home && s.cluster !== w.next);
  const failed = per((s) => !ok(s));
  const perSecond = home.map((h, i) => ({ home: h, next: next[i]!, other: other[i]!, failed: failed[i]! }));
  const ratios = home.map((h) => h / c.capacity);
  console.log(`  per second (${w.home} / ${w.next} / others / failed): ${perSecond.map((s) => `${s.home}/${s.next}/${s.other}/${s.failed}`).join('  ')}`);
  const worst = ratios.reduce((a, r) => (Math.abs(r - 1) > Math.abs(a - 1) ? r : a), 1);
  const sum = (k: 'home' | 'next' | 'other' | 'failed') => perSecond.reduce((a, s) => a + s[k], 0);
  const total = sum('home') + sum('next') + sum('other') + sum('failed');
  console.log(`  ${w.home} served / declared capacity, per second: median ${f2(quantile(ratios, 0.5))}, range ${f2(Math.min(...ratios))}-${f2(Math.max(...ratios))}   goal within 10% (worst second ${f2(worst)}): ${Math.abs(worst - 1) <= 0.1 ? 'met' : 'MISSED'}`);
  console.log(`  the rest: ${w.next} ${f0((100 * sum('next')) / total)}%, other clusters ${f0((100 * sum('other')) / total)}%, failed ${sum('failed')}; ${w.home} ${f0((100 * sum('home')) / total)}% (declared ${f0((100 * c.capacity) / c.offered)}%)`);
  if (c.split) console.log(`  the edge's /split over its last ${c.split.seconds} s: ${c.split.rows.map((r) => `${r.cluster} (${r.tier}) ${f0(100 * r.share)}%`).join(', ')}`);
  if (c.edgeCpuUsPerRequest !== undefined) console.log(`  edge CPU: ${f0(c.edgeCpuUsPerRequest)} us per request at ${c.offered} requests/s (access log, health checks and config included)`);
  return { perSecond, ratios };
}

// ---- main ----

async function main(): Promise<void> {
  const started = performance.now();
  const out: Record<string, unknown> = {};
  const load = () => `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;
  console.log(`Kubefed global edge benchmark (${load()})`);
  if (parts.has('proxy')) {
    console.log('\n(a) proxy: the edge against nginx as the same reverse proxy');
    const c: ProxyComparison = await compareProxies({ duration: num('proxy-duration', 5), connections: num('connections', 64), rounds: num('proxy-rounds', 3), warmup: num('proxy-warmup', 1) });
    out.proxy = c;
    console.log(`  median round: edge  ${formatRun(c.median.edge)}`);
    console.log(`                nginx ${formatRun(c.median.nginx)}`);
    console.log(`  edge/nginx: ${f2(c.ratio)} of the requests/s (${f2(c.cpuRatio)} of the requests per CPU-second)   ${goal(c.ratio, 0.5, 'goal >= 0.5', false)}`);
  }
  if (parts.has('failover') || parts.has('capacity')) {
    const w = await startWorld();
    // The load generator is the measuring instrument: ahead of other work on the machine (the
    // playground, its federation and the edge were started before, at normal priority).
    try {
      setPriority(-10);
    } catch {
      console.log('(could not raise this process priority: the generator competes with everything else)');
    }
    let fo: FailoverRaw | undefined;
    let ca: CapacityRaw | undefined;
    let tries = new Map<string, number>();
    try {
      if (parts.has('failover')) fo = await failover(w);
      if (parts.has('capacity')) ca = await capacity(w);
    } finally {
      tries = await stopWorld(w);
    }
    for (const s of [...(fo?.samples ?? []), ...(ca?.samples ?? [])]) {
      const t = tries.get(s.path);
      if (t !== undefined) s.tries = t;
    }
    if (fo) {
      console.log(`\n(b) failover results (${load()})`);
      out.failover = { rate: fo.rate, holdMs: fo.holdMs, observeMs: fo.observeMs, results: printFailover(fo, w) };
    }
    if (ca) {
      console.log(`\n(c) capacity results`);
      const { samples: _, ...rest } = ca;
      out.capacity = { ...rest, ...printCapacity(ca, w) };
    }
  }
  console.log(`\ntotal ${f0((performance.now() - started) / 1000)} s (${load()})`);
  if (has('json')) writeFileSync(opt('json', 'edge.json'), JSON.stringify(out, null, 2));
}

main().catch((e) => {
  console.error(`benchmark failed: ${e instanceof Error ? e.stack : String(e)}`);
  process.exitCode = 1;
});
