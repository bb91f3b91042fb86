/**
 * Edge proxy benchmark: our edge against nginx (Debian's package) as the same reverse proxy,
 * in the same run, one core each.
 *
 * - backend: nginx serving a small static body (one worker), pinned to the first core;
 * - proxies, each pinned (taskset) to the last core: our edge (a child process running
 *   EdgeProxy with one route to the backend, the LocalityBalancer, no access log unless
 *   --access-log) and nginx (one worker, HTTP/1.1 keep-alive upstream, X-Forwarded-* set);
 * - load: wrk (same threads, connections and duration for both), on the first core when the
 *   machine has two cores, else its own core. Rounds alternate edge and nginx; the median round
 *   of each is shown, every round listed, and the CPU seconds each proxy used per request (from
 *   /proc), which is the per-core comparison even when wrk and the backend cannot saturate the
 *   proxy's core.
 *
 * Needs wrk, nginx and taskset installed (apt-get install -y wrk nginx); downloads nothing.
 *
 * Usage: npm run bench:edge-proxy [-- --duration 10 --connections 64 --rounds 3 --warmup 2
 *          --access-log --balancer locality|first --profile DIR --json out.json]
 *
 * `npm run bench:edge` runs the same comparison (compareProxies) as its first part.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

const args = process.argv.slice(2);
const has = (name: string) => args.includes(`--${name}`);
const opt = (name: string, def: string) => (has(name) ? args[args.indexOf(`--${name}`) + 1]! : def);
const num = (name: string, def: number) => Number(opt(name, String(def)));
const BODY = 'hello from the backend\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the edge child: `node edge-proxy.js --serve-edge PORT BACKEND_PORT` ----

async function serveEdge(): Promise<void> {
  const port = Number(args[args.indexOf('--serve-edge') + 1]);
  const backendPort = Number(args[args.indexOf('--serve-edge') + 2]);
  const { EdgeProxy } = await import('../src/traffic/edge/proxy.js');
  const { LocalityBalancer } = await import('../src/traffic/locality/balancer.js');
  const ep = { id: `bench/127.0.0.1:${backendPort}`, cluster: 'bench', region: 'r', zone: 'z', address: '127.0.0.1', port: backendPort, ready: true };
  const backend = { key: 'default/backend:80', namespace: 'default', service: 'backend', port: 80, endpoints: [ep] };
  const balancer =
    opt('balancer', 'locality') === 'first'
      ? { pick: () => ({ endpoint: ep, tier: 'zone' as const, locality: 'z' }), started: () => {}, finished: () => {} }
      : new LocalityBalancer();
  const edge = await EdgeProxy.start({
    httpAddress: { host: '127.0.0.1', port },
    balancer,
    locate: () => ({ region: 'r', zone: 'z' }),
    accessLog: has('access-log') ? '/dev/null' : undefined,
    config: { routes: [{ hosts: [], path: { type: 'Prefix', value: '/' }, backends: [{ backend, weight: 1 }], source: 'bench' }], certificates: [], locations: [], regions: {}, trustedProxies: [] },
  });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void edge.close().then(() => process.exit(0)));
}

// ---- the driver ----

function need(cmd: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`]).toString().trim();
  } catch {
    throw new Error(`${cmd} is not installed (apt-get install -y wrk nginx util-linux)`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function nginxConf(dir: string, name: string, listen: number, location: string): string {
  const file = join(dir, `${name}.conf`);
  writeFileSync(
    file,
    `worker_processes 1;
daemon off;
pid ${join(dir, `${name}.pid`)};
error_log ${join(dir, `${name}-error.log`)} warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_body_temp_path ${dir}/${name}-body;
  proxy_temp_path ${dir}/${name}-proxy;
  fastcgi_temp_path ${dir}/${name}-fastcgi;
  uwsgi_temp_path ${dir}/${name}-uwsgi;
  scgi_temp_path ${dir}/${name}-scgi;
  ${location.includes('proxy_pass') ? `upstream backend { server 127.0.0.1:${location.match(/:(\d+)/)![1]}; keepalive 256; }` : ''}
  server {
    listen 127.0.0.1:${listen} backlog=4096;
    ${location}
  }
}
`,
  );
  return file;
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (ok) return;
    await sleep(25);
  }
  throw new Error(`nothing listens on ${port}`);
}

export interface Run {
  rps: number;
  p50ms: number;
  p99ms: number;
  /** CPU seconds the proxy used per request, in microseconds. */
  cpuUsPerRequest: number;
  /** Share of its core the proxy used. */
  cpuShare: number;
  errors: number;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

function wrk(core: string, port: number, duration: number, connections: number, proxyPids: () => number[]): Run {
  const before = proxyPids().reduce((s, p) => s + cpuSeconds(p), 0);
  const t0 = performance.now();
  const out = execFileSync('taskset', ['-c', core, 'wrk', '-t1', `-c${connections}`, `-d${duration}s`, '--latency', `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  const cpu = proxyPids().reduce((s, p) => s + cpuSeconds(p), 0) - before;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const total = Number(/(\d+) requests in/.exec(out)?.[1]);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? '';
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '';
  const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = (errs ? Number(errs[1]) : 0) + (sockErr ? sockErr.slice(1).reduce((s, x) => s + Number(x), 0) : 0);
  return { rps, p50ms: toMs(p50), p99ms: toMs(p99), cpuUsPerRequest: (cpu / total) * 1e6, cpuShare: cpu / wall, errors };
}

const median = (runs: Run[]): Run => [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
export const formatRun = (r: Run) =>
  `${r.rps.toFixed(0).padStart(8)} req/s  p50 ${r.p50ms.toFixed(2).padStart(6)} ms  p99 ${r.p99ms.toFixed(2).padStart(6)} ms  ` +
  `cpu ${(r.cpuShare * 100).toFixed(0).padStart(3)}% of a core, ${r.cpuUsPerRequest.toFixed(1)} us/request${r.errors ? `  errors ${r.errors}` : ''}`;

export interface ProxyBenchOptions {
  /** Seconds per wrk run. */
  duration: number;
  connections: number;
  /** Alternating rounds (edge, then nginx). */
  rounds: number;
  /** Seconds of wrk against each proxy before the rounds. */
  warmup: number;
  accessLog?: boolean;
  balancer?: 'locality' | 'first';
  /** CPU profile of the edge written there. */
  profileDir?: string;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
}

export interface ProxyComparison {
  cores: number;
  options: Omit<ProxyBenchOptions, 'log'>;
  edge: Run[];
  nginx: Run[];
  /** The median round of each (by requests/s). */
  median: { edge: Run; nginx: Run };
  /** edge / nginx requests/s of the median rounds. */
  ratio: number;
  /** nginx / edge CPU per request: the per-core ratio. */
  cpuRatio: number;
}

/**
 * The edge and nginx as the same reverse proxy in front of the same nginx backend, each pinned
 * to the last core, driven alternately by the same wrk command (see the module comment).
 */
export async function compareProxies(o: ProxyBenchOptions): Promise<ProxyComparison> {
  for (const c of ['wrk', 'nginx', 'taskset']) need(c);
  const log = o.log ?? ((l: string) => console.log(l));
  const { duration, connections, rounds, warmup } = o;
  const balancerName = o.balancer ?? 'locality';
  const cores = availableParallelism();
  const proxyCore = String(cores - 1);
  const backendCore = '0';
  const wrkCore = cores >= 3 ? '1' : '0';
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-bench-edge-'));
  const children: ChildProcess[] = [];
  const nginx = need('nginx');
  try {
    const [backendPort, nginxPort, edgePort] = [await freePort(), await freePort(), await freePort()];
    const backendConf = nginxConf(dir, 'backend', backendPort, `location / { default_type text/plain; return 200 "${BODY.replace('\n', '\\n')}"; }`);
    const proxyConf = nginxConf(
      dir,
      'proxy',
      nginxPort,
      `location / {
      proxy_pass http://backend; # 127.0.0.1:${backendPort}
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      add_header x-kubefed-cluster bench;
    }`,
    );
    const start = (core: string, cmd: string, cmdArgs: string[]) => {
      const c = spawn('taskset', ['-c', core, cmd, ...cmdArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(c);
      return c;
    };
    start(backendCore, nginx, ['-c', backendConf, '-p', dir, '-e', join(dir, 'backend-error.log')]);
    const nginxProxy = start(proxyCore, nginx, ['-c', proxyConf, '-p', dir, '-e', join(dir, 'proxy-error.log')]);
    const nodeArgs = o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : [];
    const edge = start(proxyCore, process.execPath, [...nodeArgs, SELF, '--serve-edge', String(edgePort), String(backendPort), ...(o.accessLog ? ['--access-log'] : []), '--balancer', balancerName]);
    await new Promise<void>((resolve, reject) => {
      edge.stdout!.on('data', (d: Buffer) => String(d).includes('ready') && resolve());
      edge.once('exit', (code) => reject(new Error(`edge exited (${code})`)));
    });
    await Promise.all([waitPort(backendPort), waitPort(nginxPort)]);
    // nginx's work happens in its worker (the master's child).
    const nginxPids = () => [nginxProxy.pid!, ...childPids(nginxProxy.pid!)];
    const edgePids = () => [edge.pid!];

    log(`proxies on core ${proxyCore}, backend (nginx, ${BODY.length}-byte body) on core ${backendCore}, wrk -t1 -c${connections} -d${duration}s on core ${wrkCore} (${cores} cores)`);
    log(`edge: ${balancerName} balancer, access log ${o.accessLog ? 'on' : 'off'}`);
    if (warmup > 0) for (const port of [edgePort, nginxPort]) wrk(wrkCore, port, warmup, connections, () => []);
    const edgeRuns: Run[] = [];
    const nginxRuns: Run[] = [];
    for (let r = 0; r < rounds; r++) {
      const e = wrk(wrkCore, edgePort, duration, connections, edgePids);
      edgeRuns.push(e);
      log(`  round ${r + 1} edge  ${formatRun(e)}`);
      const n = wrk(wrkCore, nginxPort, duration, connections, nginxPids);
      nginxRuns.push(n);
      log(`  round ${r + 1} nginx ${formatRun(n)}`);
    }
    const e = median(edgeRuns);
    const n = median(nginxRuns);
    const { log: _, ...options } = o;
    return { cores, options, edge: edgeRuns, nginx: nginxRuns, median: { edge: e, nginx: n }, ratio: e.rps / n.rps, cpuRatio: n.cpuUsPerRequest / e.cpuUsPerRequest };
  } finally {
    for (const c of children) {
      if (c.exitCode === null) c.kill('SIGTERM');
    }
    await sleep(300);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const SELF = fileURLToPath(import.meta.url);

async function main(): Promise<void> {
  if (has('serve-edge')) return serveEdge();
  const jsonOut = has('json') ? opt('json', '') : undefined;
  const c = await compareProxies({
    duration: num('duration', 10),
    connections: num('connections', 64),
    rounds: num('rounds', 3),
    warmup: num('warmup', 2),
    accessLog: has('access-log'),
    balancer: opt('balancer', 'locality') === 'first' ? 'first' : 'locality',
    ...(has('profile') ? { profileDir: opt('profile', '') } : {}),
    log: (l) => console.log(l.startsWith('  ') ? l : `edge-proxy bench: ${l}`),
  });
  console.log('median round:');
  console.log(`  edge  ${formatRun(c.median.edge)}`);
  console.log(`  nginx ${formatRun(c.median.nginx)}`);
  console.log(`  ratio edge/nginx: ${c.ratio.toFixed(2)} of the requests/s; ${c.cpuRatio.toFixed(2)} of the requests per CPU-second`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ cores: c.cores, ...c.options, edge: c.edge, nginx: c.nginx, median: c.median }, null, 2));
}

// Run as a script (not when bench/edge.ts imports compareProxies).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === SELF) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
