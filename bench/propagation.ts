/**
 * Propagation benchmark. For each world (1,000 objects over 9 clusters, 200 objects over 50):
 * a playground of simulated clusters (its own process), the federation control plane started by
 * `kubefed init` (its own process, durable storage) with every cluster joined, and this process
 * as the user: it creates ConfigMaps at the federation and watches every member for them.
 *
 * - latency: objects created at a steady rate; time from the create call at the federation to
 *   the object present in every member (p50/p90/p99);
 * - throughput: the same number of objects created at once; member writes per second until the
 *   last copy is present;
 * - raw: in the same run, this process writes the same objects straight to the member API
 *   servers (same per-member concurrency as the control plane's member clients), and the ratio
 *   federation throughput / raw rate. Throughput and raw alternate over --rounds rounds (3), each
 *   with fresh objects; the figures shown are the median round's, every round is listed.
 *
 * --ha: the control plane highly available (docs/high-availability.md): a 3-member etcd on
 * loopback and `kubefed init --storage etcd --replicas 2` (two processes, controllers
 * leader-elected); the benchmark's creates alternate between the two API servers, as behind a
 * load balancer; the control plane's CPU is both replicas', and etcd's is shown on its own.
 *
 * Usage: npm run bench:propagation [-- --ha --only 9|50 --rate9 50 --rate50 10 --objects9 1000 --objects50 200 --rounds 3 --first-octet 10 --json out.json --profile DIR]
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient, type Informer } from '../src/federation/client/kube-client.js';
import { joinCluster } from '../src/federation/clusters/join.js';
import { readKubeconfig } from '../src/kubeconfig.js';
import { EtcdBackend } from '../src/storage/etcd.js';
import type { EtcdCluster } from '../test/helpers/etcd.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : def);
const only = args.includes('--only') ? Number(args[args.indexOf('--only') + 1]) : undefined;
const firstOctet = opt('first-octet', 10);
/** Writes CPU profiles of the control plane process there, and of the playground in DIR/playground (for finding where time goes). */
const profileDir = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : undefined;
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
/** etcd (3 members) and two control-plane replicas. */
const ha = args.includes('--ha');
const HA_REPLICAS = 2;
const CLI = join(fileURLToPath(import.meta.url), '../../../bin/kubefed.js');
const NS = 'bench';
/** The member clients' request cap (KubeClient's default, used by the control plane too). */
const MEMBER_IN_FLIGHT = 16;

function kubefed(cliArgs: string[], nodeArgs: string[] = []): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [...nodeArgs, CLI, ...cliArgs], { timeout: 300_000, env: { ...process.env, KUBEFED_LOG_LEVEL: 'warn' } }, (err, stdout, stderr) =>
      err ? reject(new Error(`kubefed ${cliArgs.join(' ')}: ${stderr || err.message}`)) : resolve(String(stdout)),
    ),
  );
}

/** `kubefed init --foreground` under --cpu-prof (stopped by `kubefed stop`, which writes the profile). */
function startProfiled(initArgs: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, CLI, ...initArgs, '--foreground'], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.unref();
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => String(d).includes('serving at') && resolve());
    child.once('exit', (code) => reject(new Error(`control plane exited (${code})`)));
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The processes whose CPU a phase measures (the control plane's replicas, etcd's members). */
interface Pids {
  playground: number;
  controlPlane: number[];
  etcd: number[];
}

interface CpuShare {
  playground: number;
  controlPlane: number;
  etcd: number;
  bench: number;
}

const cpuOf = (pids: number[]) => pids.reduce((n, p) => n + cpuSeconds(p), 0);

/** Cores each process used over a phase (CPU seconds / wall seconds). */
function cpuMeter(pids: Pids): () => CpuShare {
  const t0 = performance.now();
  const start = { playground: cpuSeconds(pids.playground), controlPlane: cpuOf(pids.controlPlane), etcd: cpuOf(pids.etcd), bench: process.cpuUsage() };
  return () => {
    const wall = (performance.now() - t0) / 1000;
    const b = process.cpuUsage(start.bench);
    return {
      playground: (cpuSeconds(pids.playground) - start.playground) / wall,
      controlPlane: (cpuOf(pids.controlPlane) - start.controlPlane) / wall,
      etcd: (cpuOf(pids.etcd) - start.etcd) / wall,
      bench: (b.user + b.system) / 1e6 / wall,
    };
  };
}

/** The etcd member processes serving from data directories under `root` (found in /proc). */
function etcdPids(root: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
        const i = argv.indexOf('--data-dir');
        return i >= 0 && argv[i + 1]!.startsWith(root);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The control plane's replicas as the user reaches them: creates alternate between their API servers. */
class Federation {
  private next = 0;
  constructor(readonly clients: KubeClient[]) {}
  get first(): KubeClient {
    return this.clients[0]!;
  }
  create(obj: ReturnType<typeof configMap>): Promise<unknown> {
    return this.clients[this.next++ % this.clients.length]!.create(obj);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function pool<T>(items: T[], inFlight: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

const configMap = (name: string, run: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS, labels: { 'bench-run': run } },
  data: { 'app.properties': `name=${name}\nreplicas=3\nfeature.flags=a,b,c\n`, owner: 'bench' },
});

/** Watches every member for ConfigMaps in the bench namespace and records when each copy arrived. */
class Arrivals {
  private readonly seen = new Map<string, Map<string, number>>();
  private readonly informers: Informer[] = [];
  private waiters: (() => void)[] = [];
  constructor(private readonly members: Map<string, KubeClient>) {}
  async start(): Promise<void> {
    await Promise.all(
      [...this.members].map(async ([cluster, client]) => {
        const inf = await client.informer('v1', 'ConfigMap', { namespace: NS });
        inf.on('add', (o) => this.arrived(o.metadata?.name ?? '', cluster));
        await inf.start();
        this.informers.push(inf);
      }),
    );
  }
  private arrived(name: string, cluster: string): void {
    let m = this.seen.get(name);
    if (!m) this.seen.set(name, (m = new Map()));
    if (!m.has(cluster)) m.set(cluster, performance.now());
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
  /** When the last member got `name` (undefined while some member lacks it). */
  complete(name: string): number | undefined {
    const m = this.seen.get(name);
    if (!m || m.size < this.members.size) return undefined;
    return Math.max(...m.values());
  }
  async waitAll(names: string[], timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (names.some((n) => this.complete(n) === undefined)) {
      if (performance.now() > deadline) {
        const missing = names.filter((n) => this.complete(n) === undefined);
        throw new Error(`${missing.length} objects not in every member after ${timeoutMs} ms (e.g. ${missing[0]}: in ${this.seen.get(missing[0]!)?.size ?? 0}/${this.members.size})`);
      }
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}

interface WorldResult {
  clusters: number;
  objects: number;
  ratePerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; maxByTenth: number[] };
  throughput: { objectsPerSecond: number; memberWritesPerSecond: number; seconds: number; cores: CpuShare };
  raw: { memberWritesPerSecond: number; seconds: number; cores: CpuShare };
  ratio: number;
  /** Every round's federated rate, raw rate and ratio; the figures above are the median round's. */
  rounds: { objectsPerSecond: number; rawWritesPerSecond: number; ratio: number }[];
  /** --ha: etcd writes per object propagated (revisions over the throughput rounds) and etcd's own write rate here. */
  etcd?: { writesPerObject: number; rawWritesPerSecond: number; rawP50Ms: number };
}

/** etcd's current revision (a linearizable range through the JSON gateway). */
async function etcdRevision(endpoint: string): Promise<number> {
  const r = await fetch(`${endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('health').toString('base64') }) });
  return Number(((await r.json()) as { header: { revision: string } }).header.revision);
}

/** etcd's write rate on this machine: the storage backend's create transactions, 32 at once (the sync workers' concurrency). */
async function etcdRawRate(endpoints: string[], writes = 2000, inFlight = 32): Promise<{ writesPerSecond: number; p50Ms: number }> {
  const b = await EtcdBackend.open({ endpoints, prefix: '/kubefed-bench-raw', compactionIntervalMs: 0 });
  try {
    const lat: number[] = [];
    const keys = Array.from({ length: writes }, (_, i) => `/registry/configmaps/bench/raw-${i}`);
    const value = JSON.stringify(configMap('raw', 'etcd'));
    const t0 = performance.now();
    await pool(keys, inFlight, async (key) => {
      const s = performance.now();
      await b.write({ type: 'create', key, value });
      lat.push(performance.now() - s);
    });
    return { writesPerSecond: writes / ((performance.now() - t0) / 1000), p50Ms: pct(lat.sort((x, y) => x - y), 50) };
  } finally {
    await b.close();
  }
}

interface PhaseResult {
  seconds: number;
  cores: CpuShare;
}

interface Round {
  tp: PhaseResult;
  raw: PhaseResult;
  ratio: number;
}

/** Rounds of (federated throughput, raw writes); the reported ratio is the median round's. */
const ROUNDS = opt('rounds', 3);

/** Every object created at the federation at once; seconds until the last copy is in every member. */
async function federatedPhase(fed: Federation, arrivals: Arrivals, pids: Pids, objects: number, prefix: string): Promise<PhaseResult> {
  const names = Array.from({ length: objects }, (_, i) => `${prefix}-${i}`);
  const t0 = performance.now();
  const cpu = cpuMeter(pids);
  await pool(names, 64, async (n) => void (await fed.create(configMap(n, 'throughput'))));
  await arrivals.waitAll(names, 600_000);
  const seconds = (Math.max(...names.map((n) => arrivals.complete(n)!)) - t0) / 1000;
  return { seconds, cores: cpu() };
}

/** The same writes straight to the members, every member at once. */
async function rawPhase(members: KubeClient[], pids: Pids, objects: number, prefix: string): Promise<PhaseResult> {
  const names = Array.from({ length: objects }, (_, i) => `${prefix}-${i}`);
  const t0 = performance.now();
  const cpu = cpuMeter(pids);
  await Promise.all(members.map((m) => pool(names, MEMBER_IN_FLIGHT, async (n) => void (await m.create(configMap(n, 'raw'))))));
  return { seconds: (performance.now() - t0) / 1000, cores: cpu() };
}

async function clusterReady(fed: KubeClient, names: string[]): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const list = await fed.list('core.kubefed.io/v1beta1', 'KubeFedCluster', { namespace: 'kube-federation-system' });
    const ready = list.items.filter((c: any) => c.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True')).length;
    if (ready === names.length) return;
    await sleep(200);
  }
  throw new Error('members did not all turn Ready');
}

async function measureWorld(clusters: number, objects: number, rate: number): Promise<WorldResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-bench-prop-'));
  const pgDir = join(dir, 'playground');
  const fedDir = join(dir, 'federation');
  const kubeconfig = join(pgDir, 'kubeconfig');
  const clients: KubeClient[] = [];
  let etcd: EtcdCluster | undefined;
  try {
    // Loaded only here: the helper checks for an installed etcd when loaded.
    if (ha) etcd = await (await import('../test/helpers/etcd.js')).startEtcd({ members: 3 });
    await kubefed(['playground', 'up', '--detach', '--no-federation', '--clusters', String(clusters), '--nodes', '1', '--first-octet', String(firstOctet), '--state-dir', pgDir], profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/playground`] : []);
    const initArgs = ['init', 'bench', '--state-dir', fedDir, '--kubeconfig', kubeconfig, '--cluster-health-check-period-seconds', '5', '--sync-workers', String(opt('sync-workers', 32))];
    if (etcd) initArgs.push('--storage', 'etcd', '--etcd-servers', etcd.endpoints.join(','), '--replicas', String(HA_REPLICAS));
    if (profileDir) await startProfiled(initArgs);
    else await kubefed(initArgs);
    const replicaContexts = ha ? Array.from({ length: HA_REPLICAS }, (_, i) => (i === 0 ? 'bench' : `bench-replica-${i}`)) : ['bench'];
    const feds = new Federation(replicaContexts.map((c) => KubeClient.fromKubeconfig(kubeconfig, c, { maxInFlight: 64 })));
    const fed = feds.first;
    clients.push(...feds.clients);
    const names = readKubeconfig(kubeconfig).contexts.map((c) => c.name).filter((n) => !replicaContexts.includes(n));
    const members = new Map(names.map((n) => [n, KubeClient.fromKubeconfig(kubeconfig, n, { maxInFlight: MEMBER_IN_FLIGHT })]));
    clients.push(...members.values());
    await pool(names, 10, async (n) => void (await joinCluster({ federation: fed, member: members.get(n)!, name: n })));
    await clusterReady(fed, names);
    await fed.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const replicaPids = readdirSync(fedDir).filter((f) => /^controlplane(-\d+)?\.json$/.test(f)).map((f) => JSON.parse(readFileSync(join(fedDir, f), 'utf8')).pid as number);
    const pids: Pids = { playground: JSON.parse(readFileSync(join(pgDir, 'control.json'), 'utf8')).pid as number, controlPlane: replicaPids, etcd: etcd ? etcdPids(etcd.members[0]!.dataDir.replace(/\/[^/]+$/, '/')) : [] };
    const arrivals = new Arrivals(members);
    await arrivals.start();

    // Latency at a steady rate.
    const latNames = Array.from({ length: objects }, (_, i) => `lat-${i}`);
    const started = new Map<string, number>();
    const t0 = performance.now();
    await pool(latNames, 64, async (n) => {
      const due = t0 + (Number(n.slice(4)) * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      started.set(n, performance.now());
      await feds.create(configMap(n, 'latency'));
    });
    await arrivals.waitAll(latNames, 300_000);
    const byOrder = latNames.map((n) => arrivals.complete(n)! - started.get(n)!);
    const lat = [...byOrder].sort((a, b) => a - b);
    const tenth = Math.ceil(objects / 10);
    const maxByTenth = Array.from({ length: 10 }, (_, i) => Math.max(...byOrder.slice(i * tenth, (i + 1) * tenth)));

    // Throughput against the raw rate, in alternating rounds (the machine's pace drifts: a phase of
    // a few seconds can land on a slow patch), each round with fresh objects.
    const rounds: Round[] = [];
    let etcdWrites = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const runTp = async () => {
        const before = etcd ? await etcdRevision(etcd.endpoints[0]!) : 0;
        const r = await federatedPhase(feds, arrivals, pids, objects, `tp${round}`);
        if (etcd) etcdWrites += (await etcdRevision(etcd.endpoints[0]!)) - before;
        return r;
      };
      const runRaw = () => rawPhase([...members.values()], pids, objects, `raw${round}`);
      let tp: PhaseResult;
      let raw: PhaseResult;
      if (round % 2 === 0) {
        tp = await runTp();
        await sleep(1_000);
        raw = await runRaw();
      } else {
        raw = await runRaw();
        await sleep(1_000);
        tp = await runTp();
      }
      await sleep(1_000);
      rounds.push({ tp, raw, ratio: raw.seconds / tp.seconds });
    }
    // The same observers in both phases: the watches on every member stay open during the raw writes.
    await arrivals.stop();
    const mid = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)]!;

    const writes = objects * clusters;
    const etcdRaw = etcd ? await etcdRawRate(etcd.endpoints) : undefined;
    const result: WorldResult = {
      clusters,
      objects,
      ratePerSecond: rate,
      latencyMs: { p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99), max: lat[lat.length - 1]!, maxByTenth },
      throughput: { objectsPerSecond: objects / mid.tp.seconds, memberWritesPerSecond: writes / mid.tp.seconds, seconds: mid.tp.seconds, cores: mid.tp.cores },
      raw: { memberWritesPerSecond: writes / mid.raw.seconds, seconds: mid.raw.seconds, cores: mid.raw.cores },
      ratio: mid.ratio,
      rounds: rounds.map((r) => ({ objectsPerSecond: objects / r.tp.seconds, rawWritesPerSecond: writes / r.raw.seconds, ratio: r.ratio })),
      ...(etcdRaw ? { etcd: { writesPerObject: etcdWrites / (objects * ROUNDS), rawWritesPerSecond: etcdRaw.writesPerSecond, rawP50Ms: etcdRaw.p50Ms } } : {}),
    };
    return result;
  } catch (e) {
    // The control plane's own account of what went wrong, before its state dir goes.
    for (const f of existsSync(fedDir) ? readdirSync(fedDir).filter((x) => x.endsWith('.log')) : []) process.stderr.write(`--- ${f} (last lines)\n${readFileSync(join(fedDir, f), 'utf8').split('\n').slice(-40).join('\n')}\n`);
    throw e;
  } finally {
    for (const c of clients) c.close();
    await kubefed(['stop', 'bench', '--state-dir', fedDir]).catch(() => undefined);
    await kubefed(['playground', 'down', '--state-dir', pgDir]).catch(() => undefined);
    await etcd?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const worlds: [number, number, number][] = [
    [9, opt('objects9', 1000), opt('rate9', 50)],
    [50, opt('objects50', 200), opt('rate50', 10)],
  ];
  const results: WorldResult[] = [];
  const f = (n: number, d = 0) => n.toFixed(d);
  if (ha && profileDir) throw new Error('--profile profiles the single control plane; it does not go with --ha');
  const cores = (c: CpuShare) => `cores used: members ${c.playground.toFixed(2)}, control plane ${c.controlPlane.toFixed(2)}${ha ? `, etcd ${c.etcd.toFixed(2)}` : ''}, this process ${c.bench.toFixed(2)}`;
  const lines = [`Kubefed propagation benchmark (ConfigMaps created at the federation, present in every member)${ha ? `; HA: etcd 3 members, ${HA_REPLICAS} control-plane replicas, creates alternating between them` : ''}`];
  for (const [clusters, objects, rate] of worlds) {
    if (only !== undefined && only !== clusters) continue;
    const r = await measureWorld(clusters, objects, rate);
    results.push(r);
    lines.push(
      `  ${r.objects} objects over ${r.clusters} clusters, created at ${r.ratePerSecond}/s: latency p50 ${f(r.latencyMs.p50)} ms  p90 ${f(r.latencyMs.p90)} ms  p99 ${f(r.latencyMs.p99)} ms  max ${f(r.latencyMs.max)} ms`,
      `    slowest per tenth of the run (creation order): ${r.latencyMs.maxByTenth.map((x) => f(x)).join(', ')} ms`,
      `    all at once: ${f(r.throughput.objectsPerSecond)} objects/s = ${f(r.throughput.memberWritesPerSecond)} member writes/s (${f(r.throughput.seconds, 1)} s; ${cores(r.throughput.cores)})`,
      `    raw member writes (same writes, straight to the members): ${f(r.raw.memberWritesPerSecond)} writes/s (${f(r.raw.seconds, 1)} s; ${cores(r.raw.cores)})`,
      `    federation / raw = ${r.ratio.toFixed(2)} (median of ${r.rounds.length} alternating rounds: ${r.rounds.map((x) => `${f(x.objectsPerSecond)} obj/s vs ${f(x.rawWritesPerSecond)} writes/s = ${x.ratio.toFixed(2)}`).join('; ')})   target >= 0.7: ${r.ratio >= 0.7 ? 'met' : 'MISSED'}`,
    );
    if (r.etcd) {
      const ceiling = r.etcd.rawWritesPerSecond / r.etcd.writesPerObject;
      lines.push(
        `    etcd: ${r.etcd.writesPerObject.toFixed(1)} writes per object propagated; its own rate here: ${f(r.etcd.rawWritesPerSecond)} writes/s at 32 in flight (p50 ${f(r.etcd.rawP50Ms, 1)} ms), a ceiling of ${f(ceiling)} objects/s; federation / that ceiling = ${(r.throughput.objectsPerSecond / ceiling).toFixed(2)}`,
      );
    }
    if (r.clusters === 50) lines.push(`    p99 ${f(r.latencyMs.p99)} ms at 50 clusters; target < 1000 ms: ${r.latencyMs.p99 < 1000 ? 'met' : 'MISSED'} (ratio ${(r.latencyMs.p99 / 1000).toFixed(2)})`);
    process.stdout.write(lines.splice(0).join('\n') + '\n');
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
}

main().catch((e) => {
  process.stderr.write(`benchmark failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
