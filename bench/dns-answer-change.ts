/**
 * How fast the federation's DNS answers follow a shard's health (bench:dns, part b).
 *
 * A playground of 3 clusters (1 node each) with its federation and DNS server, each its own
 * process (`kubefed playground up --detach --no-edge`); a Deployment of 3 replicas created at the
 * federation (1 per cluster) behind a LoadBalancer Service. Then, `--reps` times, on each cluster
 * in turn: the cluster's shard fails (the federation's placement gives it 0 replicas: its pod
 * terminates and its endpoint leaves), and recovers (1 replica again).
 *
 * Measured per fault, all as this process sees it:
 * - the shard's failure: the first moment the member's EndpointSlices for the Service hold no
 *   ready endpoint (a watch on the member's API, as the federation's shard controller sees it);
 * - the changed answer: the first moment the zone name of that cluster is answered with a CNAME
 *   to its region (queried over UDP every 5 ms from the fault on);
 * and the same for the recovery (first ready endpoint -> the zone name's A record again).
 * Goal: under 1 s from the shard's failure to the changed answer.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import type { KObject } from '../src/apis/object.js';
import { serviceNames } from '../src/dns/federation-records.js';
import { KubeClient, type Informer } from '../src/federation/client/kube-client.js';
import { Playground } from '../src/playground/world.js';
import { now, percentile, runKubefed, sleep } from './failover-observe.js';

const CLI = join(fileURLToPath(import.meta.url), '../../../bin/kubefed.js');
const NS = 'bench-dns';
const SERVICE = 'web';
const CONTEXT = 'federation';
const PREFERENCES = 'federation.kubernetes.io/deployment-preferences';
/** The playground's federation name and zone (src/playground/federate.ts). */
const DNS_SETTINGS = { federation: 'federation', domain: 'kubefed.example', ttl: 5 };
export const ANSWER_CHANGE_GOAL_MS = 1_000;

export interface AnswerChangeOptions {
  reps: number;
  firstOctet: number;
  dnsAddress: string;
}

export interface AnswerChangeRun {
  cluster: string;
  kind: 'fail' | 'recover';
  /** From the placement change being acknowledged to the member's endpoints changing. */
  endpointsMs: number;
  /** From the member's endpoints changing to the changed DNS answer. */
  answerMs: number;
}

/** One A query over UDP: 'CNAME <target>', 'A <addresses>', or the rcode. */
function query(server: string, name: string, id: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no answer from ${server} for ${name}`));
    }, 1_000);
    sock.once('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      const p = dnsPacket.decode(msg);
      const answers = (p.answers ?? []).filter((a) => a.type === 'CNAME' || a.type === 'A') as { type: string; data: unknown }[];
      if (answers[0]?.type === 'CNAME') resolve(`CNAME ${String(answers[0].data)}`);
      else if (answers[0]?.type === 'A') resolve(`A ${answers.map((a) => String(a.data)).sort().join(',')}`);
      else resolve(`no answer (flags ${p.flags ?? 0})`);
    });
    sock.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] }), 53, server);
  });
}

/** Polls `name` every 5 ms until `want` holds; the moment it first did. */
async function answerWhen(server: string, name: string, want: (answer: string) => boolean, timeoutMs = 30_000): Promise<number> {
  const deadline = now() + timeoutMs;
  let id = 1;
  for (;;) {
    const sent = now();
    const a = await query(server, name, id++ & 0xffff).catch(() => '');
    if (want(a)) return sent;
    if (now() > deadline) throw new Error(`${name} still answers "${a}" after ${timeoutMs} ms`);
    await sleep(5);
  }
}

const readyEndpoints = (slices: Informer) =>
  slices
    .list(NS)
    .filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === SERVICE)
    .flatMap((s) => (s.endpoints ?? []) as KObject[])
    .filter((e) => e.conditions?.ready !== false).length;

/** The moment the member's slices first satisfied `test` (watched; resolves at once if they already do). */
function endpointsWhen(slices: Informer, test: (ready: number) => boolean, timeoutMs = 60_000): Promise<number> {
  return new Promise((resolve, reject) => {
    if (test(readyEndpoints(slices))) return resolve(now());
    const timer = setTimeout(() => reject(new Error('the member endpoints did not change')), timeoutMs);
    const check = () => {
      if (!test(readyEndpoints(slices))) return;
      clearTimeout(timer);
      resolve(now());
    };
    slices.on('add', check);
    slices.on('update', check);
    slices.on('delete', check);
  });
}

const deployment = (): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: SERVICE, namespace: NS },
  spec: { replicas: 3, selector: { matchLabels: { app: SERVICE } }, template: { metadata: { labels: { app: SERVICE } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } } },
});

const service = (): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: SERVICE, namespace: NS },
  spec: { type: 'LoadBalancer', selector: { app: SERVICE }, ports: [{ port: 80, targetPort: 80 }] },
});

/** Runs the fault/recovery rounds; returns the runs (figures printed by the caller). */
export async function measureAnswerChange(o: AnswerChangeOptions, log: (line: string) => void): Promise<AnswerChangeRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-bench-dns-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const clients: KubeClient[] = [];
  const informers: Informer[] = [];
  try {
    await runKubefed(CLI, ['playground', 'up', '--detach', '--no-edge', '--clusters', '3', '--nodes', '1', '--first-octet', String(o.firstOctet), '--dns-address', o.dnsAddress, '--state-dir', dir]);
    const topology = Playground.storedTopology(dir)!;
    const fed = KubeClient.fromKubeconfig(kubeconfig, CONTEXT);
    clients.push(fed);
    await fed.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await fed.create(deployment());
    await fed.create(service());
    const names = serviceNames(DNS_SETTINGS, NS, SERVICE);
    const slices = new Map<string, Informer>();
    for (const c of topology.clusters) {
      const member = KubeClient.fromKubeconfig(kubeconfig, c.name);
      clients.push(member);
      const inf = await member.informer('discovery.k8s.io/v1', 'EndpointSlice', { namespace: NS });
      await inf.start();
      informers.push(inf);
      slices.set(c.name, inf);
    }
    for (const c of topology.clusters) {
      await endpointsWhen(slices.get(c.name)!, (n) => n > 0, 120_000);
      await answerWhen(o.dnsAddress, names.zone(c.zones[0]!, c.region), (a) => a.startsWith('A '), 60_000);
    }
    log(`playground: ${topology.clusters.length} clusters, DNS ${o.dnsAddress}, zone ${DNS_SETTINGS.domain}; every zone name answers A`);
    const runs: AnswerChangeRun[] = [];
    const place = (zeroed?: string) =>
      fed.patch('apps/v1', 'Deployment', NS, SERVICE, { metadata: { annotations: { [PREFERENCES]: JSON.stringify({ rebalance: true, clusters: { '*': { weight: 1 }, ...(zeroed ? { [zeroed]: { weight: 1, maxReplicas: 0 } } : {}) } }) } } }, 'merge');
    for (let rep = 0; rep < o.reps; rep++) {
      for (const c of topology.clusters) {
        const name = names.zone(c.zones[0]!, c.region);
        const inf = slices.get(c.name)!;
        for (const kind of ['fail', 'recover'] as const) {
          const t0 = now();
          await place(kind === 'fail' ? c.name : undefined);
          const changed = endpointsWhen(inf, kind === 'fail' ? (n) => n === 0 : (n) => n > 0);
          const answered = answerWhen(o.dnsAddress, name, kind === 'fail' ? (a) => a.startsWith('CNAME ') : (a) => a.startsWith('A '));
          const [te, ta] = await Promise.all([changed, answered]);
          runs.push({ cluster: c.name, kind, endpointsMs: te - t0, answerMs: ta - te });
          log(`  ${kind === 'fail' ? 'shard failed   ' : 'shard recovered'} ${c.name}: endpoints changed ${(te - t0).toFixed(0)} ms after the placement change, answer changed ${(ta - te).toFixed(0)} ms after that`);
        }
      }
    }
    return runs;
  } finally {
    for (const i of informers) await i.stop().catch(() => undefined);
    for (const c of clients) c.close();
    await runKubefed(CLI, ['playground', 'down', '--state-dir', dir]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** p50/p95/max of the answer delays, per kind, with the ratio to the goal. */
export function summarizeAnswerChange(runs: readonly AnswerChangeRun[]): string[] {
  const out: string[] = [];
  for (const kind of ['fail', 'recover'] as const) {
    const ms = runs.filter((r) => r.kind === kind).map((r) => r.answerMs).sort((a, b) => a - b);
    if (!ms.length) continue;
    const max = ms.at(-1)!;
    out.push(
      `${kind === 'fail' ? 'shard failure -> CNAME' : 'shard recovery -> A   '}: p50 ${percentile(ms, 50).toFixed(0)} ms  p95 ${percentile(ms, 95).toFixed(0)} ms  max ${max.toFixed(0)} ms over ${ms.length}` +
        `   max/goal ${(max / ANSWER_CHANGE_GOAL_MS).toFixed(2)} (goal < ${ANSWER_CHANGE_GOAL_MS} ms)`,
    );
  }
  return out;
}
