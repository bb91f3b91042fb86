/**
 * Playground benchmark: start-up time, memory and idle CPU of the default 9-cluster world and
 * of 50 clusters with 10 nodes each, and the time from creating a Deployment to all its pods
 * Ready (through each cluster's HTTPS API, as kubectl would).
 *
 * Usage: npm run bench:playground [-- --large-clusters 50 --large-nodes 10 --json out.json]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Pool } from 'undici';
import { defaultTopology } from '../src/playground/topology.js';
import { Playground } from '../src/playground/world.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : def);
const LARGE_CLUSTERS = opt('large-clusters', 50);
const LARGE_NODES = opt('large-nodes', 10);
const REPLICAS = opt('replicas', 3);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const logger = pino({ level: 'silent' });

const rssMiB = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 1048576;
};

/** CPU used by this process over `ms`, as a percentage of one core. */
async function idleCpu(ms: number): Promise<number> {
  const start = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const used = process.cpuUsage(start);
  return ((used.user + used.system) / 1000 / (performance.now() - t0)) * 100;
}

/** Creates a Deployment through a cluster's API and waits until every replica is Ready. */
async function deployToReady(pg: Playground, cluster: string, name: string): Promise<number> {
  const c = pg.cluster(cluster);
  const entry = c.kubeconfigEntry();
  const pool = new Pool(entry.server, { connect: { ca: entry.caPem, cert: entry.clientCertPem!, key: entry.clientKeyPem! } });
  const body = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
    },
  };
  const t0 = performance.now();
  const r = await pool.request({ method: 'POST', path: '/apis/apps/v1/namespaces/default/deployments', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  await r.body.text();
  if (r.statusCode !== 201) throw new Error(`create answered ${r.statusCode}`);
  for (;;) {
    const g = await pool.request({ method: 'GET', path: `/apis/apps/v1/namespaces/default/deployments/${name}` });
    const d = (await g.body.json()) as { status?: { readyReplicas?: number } };
    if ((d.status?.readyReplicas ?? 0) >= REPLICAS) break;
    if (performance.now() - t0 > 60_000) throw new Error('deployment did not become ready in 60 s');
    await new Promise((res) => setTimeout(res, 10));
  }
  const ms = performance.now() - t0;
  await pool.close();
  return ms;
}

interface WorldResult {
  clusters: number;
  nodes: number;
  startSeconds: number;
  rssMiB: number;
  rssMiBPerCluster: number;
  idleCpuPercent: number;
  deployToReadyMs?: { p50: number; max: number };
}

async function measureWorld(clusters: number, nodes: number, deployments: boolean): Promise<WorldResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-bench-pg-'));
  // Baseline: this process with every module loaded, before any cluster exists.
  const before = rssMiB();
  const topology = defaultTopology(clusters, nodes);
  const pg = await Playground.up({ stateDir: dir, topology, logger });
  try {
    // Let start-up work settle, then measure idle cost, then memory as it stands after running.
    await new Promise((r) => setTimeout(r, 3000));
    const cpu = await idleCpu(10_000);
    const rss = rssMiB();
    const result: WorldResult = {
      clusters,
      nodes: clusters * nodes,
      startSeconds: pg.startSeconds,
      rssMiB: rss,
      rssMiBPerCluster: (rss - before) / clusters,
      idleCpuPercent: cpu,
    };
    if (deployments) {
      const times: number[] = [];
      // One cluster at a time first (latency), then every cluster at once.
      for (const c of pg.topology.clusters.slice(0, 3)) times.push(await deployToReady(pg, c.name, 'bench-web'));
      times.push(...(await Promise.all(pg.topology.clusters.map((c) => deployToReady(pg, c.name, 'bench-all')))));
      times.sort((a, b) => a - b);
      result.deployToReadyMs = { p50: times[Math.floor(times.length / 2)]!, max: times[times.length - 1]! };
    }
    return result;
  } finally {
    await pg.down();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures one world in a fresh process, so memory figures are not skewed by an earlier world. */
function measureInChild(clusters: number, nodes: number, deployments: boolean): Promise<WorldResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--world', String(clusters), String(nodes), deployments ? 'deploy' : 'no-deploy'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as WorldResult) : reject(new Error(`world ${clusters}x${nodes} failed (${code})`))));
  });
}

async function main(): Promise<void> {
  const w = args.indexOf('--world');
  if (w >= 0) {
    const r = await measureWorld(Number(args[w + 1]), Number(args[w + 2]), args[w + 3] === 'deploy');
    process.stdout.write(JSON.stringify(r));
    return;
  }
  const small = await measureInChild(9, 3, true);
  const large = await measureInChild(LARGE_CLUSTERS, LARGE_NODES, false);
  const f = (n: number, d = 1) => n.toFixed(d);
  const line = (r: WorldResult) =>
    `  ${String(r.clusters).padStart(3)} clusters, ${String(r.nodes).padStart(4)} nodes: ready in ${f(r.startSeconds, 2)} s, RSS ${f(r.rssMiB, 0)} MiB (${f(r.rssMiBPerCluster)} MiB per cluster), idle CPU ${f(r.idleCpuPercent)}% of one core`;
  const out = [
    'Kubefed playground benchmark',
    line(small),
    line(large),
    `  9-cluster world ready in ${f(small.startSeconds, 2)} s; target < 10 s: ${small.startSeconds < 10 ? 'met' : 'MISSED'} (ratio ${f(small.startSeconds / 10, 2)})`,
    `  create deployment (${REPLICAS} replicas) to all pods Ready: p50 ${f(small.deployToReadyMs!.p50, 0)} ms, max ${f(small.deployToReadyMs!.max, 0)} ms (one cluster at a time, then all 9 at once)`,
  ];
  process.stdout.write(out.join('\n') + '\n');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ small, large }, null, 2));
}

main().catch((e) => {
  process.stderr.write(`benchmark failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
