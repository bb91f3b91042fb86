/**
 * Failover benchmark. The default playground (9 clusters of 3 nodes) with its federation, started
 * as a user would (`kubefed playground up --detach`, its own processes), and 100 Deployments of 9
 * replicas created at the federation (1 per cluster). Then, one fault at a time, on a different
 * cluster each time, `--repeat` rounds of: cluster stop, zone fail (the cluster's API stays up)
 * and cluster isolate, each followed by its recovery (cluster start, zone restore, cluster start).
 *
 * Per fault:
 * - replicas Ready again: for each Deployment, the time from the fault until the federation's
 *   readyReplicas (which counts only reachable, Ready clusters) is back at 9 after it dropped;
 * - detection: from the fault until the federation's Cluster object leaves Ready, and until the
 *   first Replanned event naming the cluster (and the first one evicting it, "-> 0");
 * - for isolation: the write requests that reached the isolated member while it was isolated,
 *   from its API server's apiserver_request_total (read just before the fault and again the
 *   moment it is reachable again, before the federation has seen it back), and its Deployments'
 *   generations and kubefed-controller-manager managedFields entries, compared the same way;
 * - after recovery: the time until every Deployment is back at its planned division (1 Ready
 *   replica in each of the 9 clusters, seen in the members) and the lowest summed readyReplicas
 *   at the federation over the return (every change seen through a watch).
 *
 * The fault's moment is when the playground answered the fault command (the fault is in effect);
 * the command's own start (a `kubefed` process) is earlier by its start-up time, also printed.
 * Figures are printed with their ratio to the goal; nothing is asserted.
 *
 * Usage: npm run bench:failover [-- --repeat 4 --workloads 100 --first-octet 200 --json out.json --keep]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { KObject } from '../src/apis/object.js';
import { KubeClient } from '../src/federation/client/kube-client.js';
import { readKubeconfig } from '../src/kubeconfig.js';
import { Playground } from '../src/playground/world.js';
import { cpuSeconds, federationMark, memberWrites, now, Observer, percentile, runKubefed, sleep, writesBetween, type CommandTiming } from './failover-observe.js';

const { values: flags } = parseArgs({
  options: {
    repeat: { type: 'string', default: '4' },
    workloads: { type: 'string', default: '100' },
    'first-octet': { type: 'string', default: '200' },
    json: { type: 'string' },
    /** Leave the playground running and its state in place (for looking around afterwards). */
    keep: { type: 'boolean', default: false },
  },
});
const REPEAT = Number(flags.repeat);
const WORKLOADS = Number(flags.workloads);
const FIRST_OCTET = Number(flags['first-octet']);
const jsonOut = flags.json;
const KEEP = flags.keep;
const CLI = join(fileURLToPath(import.meta.url), '../../../bin/kubefed.js');
const NS = 'failover-bench';
const CONTEXT = 'federation';
const FIELD_MANAGER = 'kubefed-controller-manager';
/** Replicas per Deployment: one per cluster of the default playground. */
const REPLICAS = 9;
/** How long each phase is waited for before the benchmark moves on (and says so). */
const WAIT_MS = 60_000;
/** A cluster back from a fault gets no new replicas for the playground's settle time (5 s): faults start only after every cluster has been Ready this long. */
const QUIET_MS = 6_000;

const GOALS = { readyAgainP95S: 15, detectionP95S: 5, divisionS: 20 };

type FaultKind = 'stop' | 'zone' | 'isolate';
const FAULTS: Record<FaultKind, { label: string; fail: (c: string, z: string) => string[]; restore: (c: string, z: string) => string[]; readyGoal: boolean }> = {
  stop: { label: 'cluster stop', fail: (c) => ['cluster', 'stop', c], restore: (c) => ['cluster', 'start', c], readyGoal: true },
  zone: { label: 'zone fail', fail: (_c, z) => ['zone', 'fail', z], restore: (_c, z) => ['zone', 'restore', z], readyGoal: true },
  isolate: { label: 'cluster isolate', fail: (c) => ['cluster', 'isolate', c], restore: (c) => ['cluster', 'start', c], readyGoal: false },
};

interface IsolationWrites {
  /** Write requests (any resource) the member answered between the fault and its reconnection. */
  writes: number;
  /** The same by "verb resource code". */
  writesBy: Record<string, number>;
  /** Copies whose generation or federation managedFields entry changed meanwhile. */
  changedCopies: number;
  /** How long after the reconnection those were read, and after it the federation saw the cluster Ready. */
  readAfterMs: number;
  federationReadyAfterMs: number;
  /** Writes of the federation in the member from the reconnection until the end of the return, by "verb resource code". */
  writesAfterReturn: Record<string, number>;
}

interface FaultRun {
  kind: FaultKind;
  cluster: string;
  zone: string;
  /** From starting the fault command to the playground's answer. */
  commandMs: number;
  /** When the fault and the recovery were answered (performance.now(), as the logs in --json). */
  at: { fault: number; recovery: number; end: number };
  /** Deployments not at 9/9, 1 per cluster, when the fault was started (the wait for them ran out). */
  unsteadyBefore: string[];
  /** Times other clusters were seen leaving Ready from the fault to the end of the return (no fault of theirs). */
  otherFlaps: number;
  /** Per Deployment: fault to readyReplicas back at 9 (NaN: not within the wait). */
  readyAgainMs: number[];
  detection: { notReadyMs: number; phase: string; firstReplanMs: number; evictionMs: number };
  timeline: string;
  isolation?: IsolationWrites;
  back: { divisionMs: number[]; minTotal: number; dipped: number; clusterReadyMs: number; zeroed: number; timeline: string };
}

const finite = (xs: number[]) => xs.filter(Number.isFinite);
const earliest = (xs: number[]) => Math.min(...finite(xs));
const latest = (xs: number[]) => Math.max(...finite(xs));
const s = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : 'n/a');

function deployment(i: number): KObject {
  const labels = { app: `web-${i}` };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `web-${i}`, namespace: NS, labels },
    spec: { replicas: REPLICAS, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
  };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = WAIT_MS): Promise<boolean> {
  const deadline = now() + timeoutMs;
  while (!cond()) {
    if (now() > deadline) {
      process.stderr.write(`  (${what}: not within ${timeoutMs / 1000} s)\n`);
      return false;
    }
    await sleep(50);
  }
  return true;
}

class Bench {
  readonly names = Array.from({ length: WORKLOADS }, (_, i) => `web-${i}`);
  constructor(
    readonly pgDir: string,
    readonly fed: KubeClient,
    readonly members: Map<string, KubeClient>,
    readonly clusters: string[],
    readonly obs: Observer,
  ) {}

  kubefed(sub: string[]): Promise<CommandTiming> {
    return runKubefed(CLI, ['playground', ...sub, '--state-dir', this.pgDir]);
  }

  /** Deployments not 9/9 at the federation or not 1/1 in every member. */
  unsteady(): string[] {
    return this.names.filter((n) => this.obs.readyOf(n) !== REPLICAS || !this.obs.atDivision(n, this.clusters, 1));
  }

  /** Every Deployment at its division, every cluster Ready for QUIET_MS (past its settle time). */
  steady(): boolean {
    const t = now();
    return this.clusters.every((c) => {
      const seen = this.obs.clusterNow(c);
      return seen?.ready && t - seen.t >= QUIET_MS;
    }) && !this.unsteady().length;
  }

  /** When a Deployment's readyReplicas came back to 9 after dropping below it, after `from`. */
  readyAgainAt(name: string, from: number): number | undefined {
    const log = (this.obs.fedReady.get(name) ?? []).filter((x) => x.t >= from);
    const drop = log.findIndex((x) => x.ready < REPLICAS);
    if (drop < 0) return undefined;
    return log.slice(drop).find((x) => x.ready >= REPLICAS)?.t;
  }

  /** When the last of a Deployment's copies reached 1/1, if all are there now. */
  divisionAt(name: string, from: number): number | undefined {
    if (!this.obs.atDivision(name, this.clusters, 1) || this.obs.readyOf(name) !== REPLICAS) return undefined;
    let t = from;
    for (const x of this.obs.copies) if (x.name === name && x.t > t) t = x.t;
    for (const x of this.obs.fedReady.get(name) ?? []) if (x.t > t) t = x.t;
    return t;
  }

  firstEvent(from: number, test: (message: string) => boolean): number {
    return this.obs.events.find((e) => e.t >= from && e.reason === 'Replanned' && test(e.message))?.t ?? NaN;
  }

  async copiesMarks(client: KubeClient): Promise<Map<string, string>> {
    const list = await client.list('apps/v1', 'Deployment', { namespace: NS });
    return new Map((list.items as KObject[]).map((d) => [d.metadata!.name!, federationMark(d, FIELD_MANAGER)]));
  }

  async run(kind: FaultKind, cluster: string, zone: string): Promise<FaultRun> {
    const f = FAULTS[kind];
    const obs = this.obs;
    await waitFor('steady before the fault', () => this.steady());
    const unsteadyBefore = this.unsteady();
    const member = this.members.get(cluster)!;
    const before = kind === 'isolate' ? { writes: await memberWrites(member), marks: await this.copiesMarks(member) } : undefined;

    // The fault, and the failover.
    const fault = await this.kubefed(f.fail(cluster, zone));
    const t0 = fault.answered;
    await waitFor(`${f.label} ${cluster}: every Deployment Ready again`, () => this.names.every((n) => this.readyAgainAt(n, fault.issued) !== undefined));
    const readyAgain = this.names.map((n) => (this.readyAgainAt(n, fault.issued) ?? NaN) - t0);
    const leave = obs.clusters.find((x) => x.t >= fault.issued && x.cluster === cluster && !x.ready);
    const taint = obs.clusters.find((x) => x.t >= fault.issued && x.cluster === cluster && x.taints.some((k) => k.endsWith(':NoExecute')));
    const firstReplan = this.firstEvent(fault.issued, (m) => m.includes(`${cluster}: `));
    const evictions = this.names.map((n) => obs.events.find((e) => e.t >= fault.issued && e.object === n && e.reason === 'Replanned' && e.message.includes(`${cluster}: 1 -> 0`))?.t ?? NaN);
    const eviction = earliest(evictions);
    const drops = this.names.map((n) => (this.obs.fedReady.get(n) ?? []).find((x) => x.t >= fault.issued && x.ready < REPLICAS)?.t ?? NaN);
    const nodesDown = obs.nodes.filter((x) => x.t >= fault.issued && x.cluster === cluster && !x.ready).map((x) => x.t);
    const rel = (t: number | undefined) => s((t ?? NaN) - t0);
    const sorted = [...readyAgain].filter(Number.isFinite).sort((a, b) => a - b);
    const timeline = [
      ...(nodesDown.length ? [`member's nodes NotReady ${nodesDown.map(rel).join('/')}`] : []),
      `Cluster ${leave?.phase ?? '?'} ${rel(leave?.t)}`,
      `NoExecute taint ${rel(taint?.t)}`,
      `first Replanned ${rel(firstReplan)}`,
      `evictions (-> 0): first ${rel(eviction)}, last ${rel(latest(evictions))}`,
      `first Deployment below 9 Ready ${rel(earliest(drops))}`,
      `back at 9: first ${s(sorted[0] ?? NaN)}, last ${s(sorted[sorted.length - 1] ?? NaN)}`,
    ].join(', ');

    await sleep(2_000);

    // The recovery: for an isolated cluster, read its counters the moment it answers again.
    const reconnect = before
      ? (async () => {
          for (;;) {
            try {
              const writes = await memberWrites(member);
              const t = now();
              return { t, writes, marks: await this.copiesMarks(member) };
            } catch {
              await sleep(10);
            }
          }
        })()
      : undefined;
    const restore = await this.kubefed(f.restore(cluster, zone));
    const t1 = restore.answered;
    const back = await reconnect;
    await waitFor(`${f.label} ${cluster}: every Deployment back at 1 per cluster`, () => this.names.every((n) => this.divisionAt(n, t1) !== undefined));
    const division = this.names.map((n) => (this.divisionAt(n, t1) ?? NaN) - t1);
    const end = now();
    await sleep(1_000);
    // The lowest summed readyReplicas from the recovery command to a second after the last Deployment is back.
    const startTotal = [...obs.total].reverse().find((x) => x.t < restore.issued)?.ready ?? NaN;
    const minTotal = Math.min(startTotal, ...obs.total.filter((x) => x.t >= restore.issued && x.t <= end + 1_000).map((x) => x.ready));
    const dipped = this.names.filter((n) => (obs.fedReady.get(n) ?? []).some((x) => x.t >= restore.issued && x.t <= end + 1_000 && x.ready < REPLICAS)).length;
    const ready = obs.clusters.find((x) => x.t >= restore.issued && x.cluster === cluster && x.ready);
    const trims = obs.copies.filter((x) => x.t >= restore.issued && x.cluster !== cluster && x.replicas === 1 && x.ready >= 1).map((x) => x.t);
    const zeroed = new Set(obs.copies.filter((x) => x.t >= restore.issued && x.t <= end && x.cluster === cluster && x.replicas === 0).map((x) => x.name)).size;
    const ownCopies = obs.copies.filter((x) => x.t >= restore.issued && x.cluster === cluster && x.ready === 1 && x.replicas === 1).map((x) => x.t);
    const nodesUp = obs.nodes.filter((x) => x.t >= restore.issued && x.cluster === cluster && x.ready).map((x) => x.t);
    const rel1 = (t: number | undefined) => s((t ?? NaN) - t1);
    const divSorted = [...division].filter(Number.isFinite).sort((a, b) => a - b);
    const backTimeline = [
      ...(nodesUp.length ? [`member's nodes Ready ${nodesUp.map(rel1).join('/')}`] : []),
      `Cluster Ready ${rel1(ready?.t)}`,
      `first Replanned ${rel1(this.firstEvent(restore.issued, (m) => m.includes(`${cluster}: `)))}`,
      `its copies scaled to 0 on the way: ${zeroed}`,
      `its copies 1/1: first ${rel1(earliest(ownCopies))}, last ${rel1(latest(ownCopies))}`,
      `surplus trimmed: first ${rel1(earliest(trims))}, last ${rel1(latest(trims))}`,
      `all at 1 per cluster: first ${s(divSorted[0] ?? NaN)}, last ${s(divSorted[divSorted.length - 1] ?? NaN)}`,
    ].join(', ');

    let isolation: IsolationWrites | undefined;
    if (before && back) {
      const changed = [...before.marks].filter(([n, m]) => back.marks.get(n) !== m).length;
      const after = await memberWrites(member);
      isolation = {
        writes: back.writes.all - before.writes.all,
        writesBy: writesBetween(before.writes, back.writes),
        changedCopies: changed,
        readAfterMs: back.t - t1,
        federationReadyAfterMs: (ready?.t ?? NaN) - t1,
        writesAfterReturn: writesBetween(back.writes, after),
      };
    }
    return {
      kind,
      cluster,
      zone,
      commandMs: fault.answered - fault.issued,
      at: { fault: t0, recovery: t1, end },
      unsteadyBefore,
      otherFlaps: obs.clusters.filter((x) => x.t >= fault.issued && x.t <= end && x.cluster !== cluster && !x.ready).length,
      readyAgainMs: readyAgain,
      detection: { notReadyMs: (leave?.t ?? NaN) - t0, phase: leave?.phase ?? '?', firstReplanMs: firstReplan - t0, evictionMs: eviction - t0 },
      timeline,
      ...(isolation ? { isolation } : {}),
      back: { divisionMs: division, minTotal, dipped, clusterReadyMs: (ready?.t ?? NaN) - t1, zeroed, timeline: backTimeline },
    };
  }
}

const stats = (xs: number[]) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return { p50: percentile(v, 50), p95: percentile(v, 95), max: v.length ? v[v.length - 1]! : NaN, missing: xs.length - v.length };
};
const goal = (value: number, target: number, met: boolean) => `${met ? 'met' : 'MISSED'} (ratio ${(value / target).toFixed(2)})`;

function report(runs: FaultRun[], notes: string[]): string {
  const out: string[] = [`Kubefed failover benchmark: ${WORKLOADS} Deployments x ${REPLICAS} replicas (1 per cluster) over ${9} clusters, ${REPEAT} fault(s) of each kind, one at a time`];
  const desired = WORKLOADS * REPLICAS;
  const detections: number[] = [];
  for (const kind of Object.keys(FAULTS) as FaultKind[]) {
    const rs = runs.filter((r) => r.kind === kind);
    if (!rs.length) continue;
    const f = FAULTS[kind];
    out.push('', `${f.label} (${rs.map((r) => (kind === 'zone' ? `${r.zone} = ${r.cluster}` : r.cluster)).join(', ')}; the command answered ${rs.map((r) => s(r.commandMs)).join('/')} s after it started):`);
    const ra = stats(rs.flatMap((r) => r.readyAgainMs));
    out.push(
      `  replicas Ready again (fault to readyReplicas back at 9, over ${rs.length * WORKLOADS} workloads): p50 ${s(ra.p50)} s  p95 ${s(ra.p95)} s  max ${s(ra.max)} s${ra.missing ? `  (${ra.missing} not within ${WAIT_MS / 1000} s)` : ''}` +
        (f.readyGoal ? `   goal p95 < ${GOALS.readyAgainP95S} s: ${goal(ra.p95 / 1000, GOALS.readyAgainP95S, ra.p95 < GOALS.readyAgainP95S * 1000 && !ra.missing)}` : '   (no goal)'),
    );
    const det = rs.map((r) => r.detection.notReadyMs);
    detections.push(...det);
    const d = stats(det);
    out.push(
      `  detection, Cluster leaves Ready (${[...new Set(rs.map((r) => r.detection.phase))].join('/')}): ${rs.map((r) => s(r.detection.notReadyMs)).join(', ')} s; p95 ${s(d.p95)} s   goal p95 < ${GOALS.detectionP95S} s: ${goal(d.p95 / 1000, GOALS.detectionP95S, d.p95 < GOALS.detectionP95S * 1000 && !d.missing)}`,
      `  first Replanned event naming the cluster: ${rs.map((r) => s(r.detection.firstReplanMs)).join(', ')} s; first eviction ("-> 0"): ${rs.map((r) => s(r.detection.evictionMs)).join(', ')} s`,
    );
    for (const r of rs) out.push(`    ${r.cluster} (s after the fault): ${r.timeline}`);
    for (const r of rs) {
      if (r.otherFlaps || r.unsteadyBefore.length) out.push(`    caveat, ${r.cluster}: ${r.otherFlaps} time(s) another cluster left Ready meanwhile${r.unsteadyBefore.length ? `; not at 9/9, 1 per cluster when the fault started: ${r.unsteadyBefore.join(', ')}` : ''}`);
    }
    for (const r of rs) {
      if (!r.isolation) continue;
      const i = r.isolation;
      const zero = i.writes === 0 && i.changedCopies === 0;
      out.push(
        `  writes reaching ${r.cluster} while isolated: ${i.writes} requests${i.writes ? ` (${JSON.stringify(i.writesBy)})` : ''}, ${i.changedCopies}/${WORKLOADS} copies with a new generation or ${FIELD_MANAGER} entry   goal 0: ${zero ? 'met' : 'MISSED'}`,
        `    (read ${s(i.readAfterMs)} s after the reconnection, the federation saw it Ready ${s(i.federationReadyAfterMs)} s after; its writes there from then to the end of the return: ${JSON.stringify(i.writesAfterReturn)})`,
      );
    }
    const div = stats(rs.flatMap((r) => r.back.divisionMs));
    const worst = Math.max(...rs.map((r) => (r.back.divisionMs.some((x) => !Number.isFinite(x)) ? Infinity : Math.max(...r.back.divisionMs))));
    const minTotal = Math.min(...rs.map((r) => r.back.minTotal));
    out.push(
      `  return (${FAULTS[kind].restore('NAME', 'ZONE').join(' ')}): back at 1 per cluster p50 ${s(div.p50)} s  p95 ${s(div.p95)} s; every Deployment: ${rs.map((r) => s(Math.max(...r.back.divisionMs))).join(', ')} s   goal < ${GOALS.divisionS} s: ${goal(worst / 1000, GOALS.divisionS, worst < GOALS.divisionS * 1000)}`,
      `  lowest summed readyReplicas during the return: ${rs.map((r) => r.back.minTotal).join(', ')} of ${desired} (Deployments that dipped below 9: ${rs.map((r) => r.back.dipped).join(', ')})   goal >= ${desired}: ${goal(minTotal, desired, minTotal >= desired)}`,
      `  the returning cluster's copies scaled to 0 on the way back (its replica removed, then created again): ${rs.map((r) => r.back.zeroed).join(', ')} of ${WORKLOADS}`,
    );
    for (const r of rs) out.push(`    ${r.cluster} (s after the recovery): ${r.back.timeline}`);
  }
  const all = stats(detections);
  out.push('', `detection over all ${detections.length} faults: p50 ${s(all.p50)} s  p95 ${s(all.p95)} s  max ${s(all.max)} s   goal p95 < ${GOALS.detectionP95S} s: ${goal(all.p95 / 1000, GOALS.detectionP95S, all.p95 < GOALS.detectionP95S * 1000 && !all.missing)}`, ...notes);
  return out.join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-bench-failover-'));
  const pgDir = join(dir, 'playground');
  const kubeconfig = join(pgDir, 'kubeconfig');
  const clients: KubeClient[] = [];
  let obs: Observer | undefined;
  try {
    const started = now();
    await runKubefed(CLI, ['playground', 'up', '--detach', '--no-edge', '--first-octet', String(FIRST_OCTET), '--state-dir', pgDir]);
    const fed = KubeClient.fromKubeconfig(kubeconfig, CONTEXT, { maxInFlight: 32 });
    clients.push(fed);
    const names = readKubeconfig(kubeconfig).contexts.map((c) => c.name).filter((n) => n !== CONTEXT);
    const members = new Map(names.map((n) => [n, KubeClient.fromKubeconfig(kubeconfig, n, { timeoutMs: 5_000 })]));
    clients.push(...members.values());
    obs = new Observer(fed, NS);
    await fed.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await obs.start(members);
    const bench = new Bench(pgDir, fed, members, names, obs);
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < WORKLOADS) await fed.create(deployment(next++));
    }));
    await waitFor('every Deployment 9/9, 1 per cluster', () => bench.steady(), 300_000);
    process.stdout.write(`playground and ${WORKLOADS} Deployments ready in ${s(now() - started)} s (state in ${dir})\n`);

    const topology = Playground.storedTopology(pgDir)!;
    const zones = new Map(topology.clusters.map((c) => [c.name, c.zones[0]!]));
    const pids = { playground: (JSON.parse(readFileSync(join(pgDir, 'control.json'), 'utf8')) as { pid: number }).pid, federation: (JSON.parse(readFileSync(join(pgDir, 'federation', 'controlplane.json'), 'utf8')) as { pid: number }).pid };
    const loads: number[] = [loadavg()[0]!];
    const loadTimer = setInterval(() => loads.push(loadavg()[0]!), 5_000);
    loadTimer.unref();
    const cpu0 = { pg: cpuSeconds(pids.playground), fed: cpuSeconds(pids.federation), me: process.cpuUsage(), t: now() };
    const runs: FaultRun[] = [];
    const kinds = Object.keys(FAULTS) as FaultKind[];
    for (let round = 0; round < REPEAT; round++) {
      for (const [k, kind] of kinds.entries()) {
        // Round r: every kind on its own cluster; after all clusters had a fault, the kinds move on by one cluster.
        const cluster = names[(round * kinds.length + k + Math.floor((round * kinds.length) / names.length)) % names.length]!;
        const r = await bench.run(kind, cluster, zones.get(cluster)!);
        runs.push(r);
        const ra = stats(r.readyAgainMs);
        process.stdout.write(`  ${FAULTS[kind].label} ${cluster}: detection ${s(r.detection.notReadyMs)} s, Ready again p95 ${s(ra.p95)} s, back at 1 per cluster ${s(Math.max(...r.back.divisionMs))} s, lowest total Ready ${r.back.minTotal}${r.isolation ? `, writes while isolated ${r.isolation.writes}` : ''}\n`);
      }
    }
    const wall = (now() - cpu0.t) / 1000;
    const me = process.cpuUsage(cpu0.me);
    clearInterval(loadTimer);
    const firstFault = runs[0]?.at.fault ?? now();
    const flaps = (from: number, to: number) => {
      const seen = obs!.clusters.filter((x) => x.t >= from && x.t < to && !x.ready && !runs.some((r) => r.cluster === x.cluster && x.t >= r.at.fault - 3_000 && x.t <= r.at.end));
      return `${seen.length}${seen.length ? ` (at ${[...new Set(seen.map((x) => s(x.t - started)))].join(', ')} s into the run)` : ''}`;
    };
    const notes = [
      `clusters seen leaving Ready with no fault of theirs: ${flaps(0, firstFault)} while the Deployments were created, ${flaps(firstFault, Infinity)} during the faults`,
      `cores used over the faults (${wall.toFixed(0)} s): playground ${((cpuSeconds(pids.playground) - cpu0.pg) / wall).toFixed(2)}, federation ${((cpuSeconds(pids.federation) - cpu0.fed) / wall).toFixed(2)}, this process ${((me.user + me.system) / 1e6 / wall).toFixed(2)}; machine load average (1 min) during the faults: mean ${(loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)).toFixed(1)}, max ${Math.max(...loads).toFixed(1)} on ${cpus().length} cores; whole run ${s(now() - started)} s`,
    ];
    process.stdout.write('\n' + report(runs, notes) + '\n');
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ runs, events: obs.events, clusters: obs.clusters, nodes: obs.nodes, copies: obs.copies, total: obs.total, ready: Object.fromEntries(obs.fedReady) }));
  } finally {
    await obs?.stop().catch(() => undefined);
    for (const c of clients) c.close();
    if (!KEEP) {
      await runKubefed(CLI, ['playground', 'down', '--state-dir', pgDir]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`benchmark failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
