/**
 * DNS benchmark: our authoritative server against Knot DNS and BIND (Debian's packages) serving
 * the same records, under dnsperf, in the same run.
 *
 * - records: a federation zone in Federation v1's scheme (per Service: a global name with the
 *   healthy shards' addresses, a name per region and per zone holding A records or a CNAME to
 *   the next level up) and a clusterset.local zone (A, SRV, the dns-version TXT), built from
 *   one seeded generator; Knot and BIND load them as master files written by renderZoneFile;
 * - queries: one file for everyone, sampled from those names (A through CNAME chains, AAAA
 *   NODATA, SRV with additional, NXDOMAIN, SOA, NS, TXT);
 * - each server pinned to the last core (taskset), one worker thread for Knot and BIND, our
 *   server a child process; dnsperf pinned to the first core (the machine needs two);
 * - per server: a warm-up, a throughput run (dnsperf, 100 queries in flight), then a latency run
 *   at the same fixed rate for all (dnsperf -v, half the slowest server's throughput) for
 *   p50/p99; the CPU each server used per query (from /proc). Rounds alternate the servers;
 *   the median round of each is shown.
 *
 * Needs dnsperf, knot, bind9 and taskset (apt-get install -y dnsperf knot bind9 bind9-dnsutils);
 * downloads nothing.
 *
 * Part (b), bench/dns-answer-change.ts: on a 3-cluster playground, the time from a shard's failure
 * (and recovery) to the federation's changed answer (goal under 1 s).
 *
 * Usage: npm run bench:dns [-- --only servers,answer-change --duration 10 --rounds 1 --services 1000
 *          --against knot,bind --clients 4 --outstanding 100 --nice -10 --json out.json
 *          --reps 2 --first-octet 230 --dns-address 127.0.55.1]
 *        (--nice: run the servers and dnsperf at that nice level, for a machine busy with other work)
 *        node dist/bench/dns.js --write-queries FILE   (the query file alone)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import { renderZoneFile } from '../src/dns/zonefile.js';
import { buildZone, type DnsRecord, type Zone, type ZoneSet } from '../src/dns/zone.js';
import { measureAnswerChange, summarizeAnswerChange } from './dns-answer-change.js';

const args = process.argv.slice(2);
const has = (name: string) => args.includes(`--${name}`);
const opt = (name: string, def: string) => (has(name) ? args[args.indexOf(`--${name}`) + 1]! : def);
const num = (name: string, def: number) => Number(opt(name, String(def)));

// ---- the records ----

const DOMAIN = 'kubefed.bench';
const FEDERATION = 'fed';
const REGIONS: Record<string, string[]> = {
  'us-central1': ['us-central1-a', 'us-central1-b', 'us-central1-c'],
  'europe-west1': ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'],
  'asia-east1': ['asia-east1-a', 'asia-east1-b', 'asia-east1-c'],
};
const NAMESPACES = 10;

/** A seeded generator in [0, 1) (a 31-bit LCG is plenty for picking names). */
function prng(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff) / 0x80000000;
}

interface BenchData {
  zones: ZoneSet;
  /** Names by kind, for the query file. */
  names: { zoneNames: string[]; regionNames: string[]; globalNames: string[]; mcsNames: string[]; srvNames: string[] };
}

export function benchZones(services: number, seed = 1): BenchData {
  const rand = prng(seed);
  const soa = (o: string) => ({ mname: `ns1.${o}`, rname: `hostmaster.${o}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 5 });
  const fed: DnsRecord[] = [{ name: `ns1.${DOMAIN}`, type: 'A', ttl: 300, data: '127.0.53.1' }];
  const mcs: DnsRecord[] = [
    { name: 'ns1.clusterset.local', type: 'A', ttl: 300, data: '127.0.53.1' },
    { name: 'dns-version.clusterset.local', type: 'TXT', ttl: 5, data: ['1.0.0'] },
  ];
  const names: BenchData['names'] = { zoneNames: [], regionNames: [], globalNames: [], mcsNames: [], srvNames: [] };
  for (let i = 0; i < services; i++) {
    const svc = `svc-${i}`;
    const ns = `ns-${i % NAMESPACES}`;
    const base = `${svc}.${ns}.${FEDERATION}.svc`;
    const global = `${base}.${DOMAIN}`;
    const all: string[] = [];
    const regionHasShards = new Map<string, string[]>();
    let r = 0;
    for (const [region, zones] of Object.entries(REGIONS)) {
      const shards: string[] = [];
      for (const [z, zone] of zones.entries()) {
        // The shard of the cluster in this zone: healthy 85% of the time.
        const address = `127.${10 + r * 3 + z}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
        const healthy = rand() < 0.85;
        const zoneName = `${base}.${zone}.${region}.${DOMAIN}`;
        names.zoneNames.push(zoneName);
        if (healthy) {
          shards.push(address);
          fed.push({ name: zoneName, type: 'A', ttl: 5, data: address });
        } else fed.push({ name: zoneName, type: 'CNAME', ttl: 5, data: `${base}.${region}.${DOMAIN}` });
      }
      regionHasShards.set(region, shards);
      all.push(...shards);
      r++;
    }
    for (const [region, shards] of regionHasShards) {
      const regionName = `${base}.${region}.${DOMAIN}`;
      names.regionNames.push(regionName);
      if (shards.length > 0) for (const a of shards) fed.push({ name: regionName, type: 'A', ttl: 5, data: a });
      else fed.push({ name: regionName, type: 'CNAME', ttl: 5, data: global });
    }
    for (const a of all) fed.push({ name: global, type: 'A', ttl: 5, data: a });
    names.globalNames.push(global);
    const mcsName = `${svc}.${ns}.svc.clusterset.local`;
    mcs.push({ name: mcsName, type: 'A', ttl: 5, data: `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}` });
    mcs.push({ name: `_http._tcp.${mcsName}`, type: 'SRV', ttl: 5, data: { priority: 0, weight: 100, port: 80, target: mcsName } });
    names.mcsNames.push(mcsName);
    names.srvNames.push(`_http._tcp.${mcsName}`);
  }
  const zones: Zone[] = [
    buildZone({ origin: DOMAIN, soa: soa(DOMAIN), ttl: 300, nameServers: [`ns1.${DOMAIN}`] }, fed),
    buildZone({ origin: 'clusterset.local', soa: soa('clusterset.local'), ttl: 300, nameServers: ['ns1.clusterset.local'] }, mcs),
  ];
  return { zones: { zones }, names };
}

/** dnsperf's query file: "name type" lines, the same mix for every server. */
function queryFile(data: BenchData, count: number): string {
  const rand = prng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const n = data.names;
  const mix: [number, () => string][] = [
    [40, () => `${pick(n.zoneNames)} A`],
    [12, () => `${pick(n.regionNames)} A`],
    [8, () => `${pick(n.globalNames)} A`],
    [8, () => `${pick(n.zoneNames)} AAAA`],
    [10, () => `${pick(n.mcsNames)} A`],
    [6, () => `${pick(n.srvNames)} SRV`],
    [12, () => `svc-missing-${Math.floor(rand() * 2000)}.ns-1.${FEDERATION}.svc.${DOMAIN} A`],
    [2, () => `${DOMAIN} SOA`],
    [1, () => `${DOMAIN} NS`],
    [1, () => 'dns-version.clusterset.local TXT'],
  ];
  const total = mix.reduce((s, [w]) => s + w, 0);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    let x = rand() * total;
    for (const [w, f] of mix) {
      if ((x -= w) < 0) {
        lines.push(f());
        break;
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---- our server as a child: `node dns.js --serve-dns PORT SERVICES` ----

async function serveDns(): Promise<void> {
  const at = args.indexOf('--serve-dns');
  const port = Number(args[at + 1]);
  const services = Number(args[at + 2]);
  const { DnsServer } = await import('../src/dns/server.js');
  const data = benchZones(services);
  const t0 = performance.now();
  const server = await DnsServer.start({ udp: { host: '127.0.0.1', port }, tcp: { host: '127.0.0.1', port }, zones: data.zones });
  // What a snapshot swap costs with these zones (indexing; the cache starts empty).
  const t1 = performance.now();
  server.setZones(benchZones(services, 2).zones);
  server.setZones(data.zones);
  const swapMs = (performance.now() - t1) / 2;
  process.stdout.write(`ready ${JSON.stringify({ startMs: t1 - t0, swapMs, problems: server.problems.length })}\n`);
  process.on('SIGTERM', () => {
    void (async () => {
      const text = await server.registry.metrics();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      process.stdout.write(`stats ${JSON.stringify({ cacheHits: value('kubefed_dns_answer_cache_hits_total'), cacheMisses: value('kubefed_dns_answer_cache_misses_total') })}\n`);
      await server.close();
      process.exit(0);
    })();
  });
}

// ---- the driver ----

function need(cmd: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${cmd} is not installed (apt-get install -y dnsperf knot bind9 bind9-dnsutils util-linux)`);
  }
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Asks a server one question over UDP until it answers (it is up), or fails after a while. */
async function ask(port: number, name: string, type: string, timeoutMs = 20_000): Promise<dnsPacket.DecodedPacket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await new Promise<dnsPacket.DecodedPacket | undefined>((resolve) => {
      const s = createSocket('udp4');
      const t = setTimeout(() => {
        s.close();
        resolve(undefined);
      }, 200);
      s.on('message', (m) => {
        clearTimeout(t);
        s.close();
        resolve(dnsPacket.decode(m));
      });
      s.send(dnsPacket.encode({ type: 'query', id: 1, questions: [{ name, type: type as dnsPacket.RecordType }] }), port, '127.0.0.1');
    });
    if (answer) return answer;
    if (Date.now() > deadline) throw new Error(`no answer on port ${port}`);
  }
}

/** A command pinned to a core (taskset), at the --nice level when given (both exec, the PID stays). */
function pinned(core: string, cmd: string, cmdArgs: string[]): [string, string[]] {
  const nice = opt('nice', '');
  const task = ['taskset', '-c', core, cmd, ...cmdArgs];
  return nice ? ['nice', ['-n', nice, ...task]] : [task[0]!, task.slice(1)];
}

interface Server {
  name: string;
  port: number;
  proc: ChildProcess;
  info?: Record<string, unknown>;
}

function knotConf(dir: string, port: number, zones: Zone[]): string {
  return [
    'server:',
    `    listen: 127.0.0.1@${port}`,
    `    rundir: "${dir}"`,
    '    udp-workers: 1',
    '    tcp-workers: 1',
    '    background-workers: 1',
    'database:',
    `    storage: "${dir}/knotdb"`,
    'log:',
    '  - target: stderr',
    '    any: warning',
    'zone:',
    ...zones.flatMap((z) => [`  - domain: ${z.origin}`, `    file: "${dir}/${z.origin}.zone"`, '    zonefile-sync: -1', '    journal-content: none']),
    '',
  ].join('\n');
}

function bindConf(dir: string, port: number, zones: Zone[]): string {
  return [
    'options {',
    `  directory "${dir}";`,
    `  listen-on port ${port} { 127.0.0.1; };`,
    '  listen-on-v6 { none; };',
    '  recursion no;',
    '  minimal-responses yes;',
    '  dnssec-validation no;',
    `  pid-file "${dir}/named.pid";`,
    `  session-keyfile "${dir}/session.key";`,
    '};',
    'controls { };',
    ...zones.map((z) => `zone "${z.origin}" { type primary; file "${dir}/${z.origin}.zone"; };`),
    '',
  ].join('\n');
}

async function startServer(name: string, dir: string, core: string, data: BenchData, services: number): Promise<Server> {
  const port = await freeUdpPort();
  const zones = data.zones.zones as Zone[];
  let proc: ChildProcess;
  let info: Record<string, unknown> | undefined;
  if (name === 'kubefed') {
    proc = spawn(...pinned(core, process.execPath, [fileURLToPath(import.meta.url), '--serve-dns', String(port), String(services)]), { stdio: ['ignore', 'pipe', 'inherit'] });
    info = await new Promise((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d) => {
        out += d;
        const m = /ready (\{.*\})\n/.exec(out);
        if (m) resolve(JSON.parse(m[1]!));
      });
      proc.on('exit', (code) => reject(new Error(`our server exited (${code})`)));
    });
  } else if (name === 'knot') {
    const conf = join(dir, 'knot.conf');
    writeFileSync(conf, knotConf(dir, port, zones));
    proc = spawn(...pinned(core, 'knotd', ['-c', conf]), { stdio: ['ignore', 'ignore', 'inherit'] });
  } else {
    const conf = join(dir, 'named.conf');
    writeFileSync(conf, bindConf(dir, port, zones));
    proc = spawn(...pinned(core, 'named', ['-g', '-c', conf, '-n', '1']), { stdio: ['ignore', 'ignore', 'ignore'] });
  }
  await ask(port, `ns1.${DOMAIN}`, 'A');
  return { name, port, proc, ...(info ? { info } : {}) };
}

/** Stops a server; ours says how its answer cache did on the way out. */
async function stopServer(s: Server): Promise<Record<string, number> | undefined> {
  if (s.proc.exitCode !== null) return undefined;
  let out = '';
  s.proc.stdout?.on('data', (d) => (out += d));
  const exited = new Promise((r) => s.proc.on('exit', r));
  s.proc.kill('SIGTERM');
  await exited;
  const m = /stats (\{.*\})/.exec(out);
  return m ? JSON.parse(m[1]!) : undefined;
}

interface Run {
  qps: number;
  avgMs: number;
  lost: number;
  completed: number;
  cpuUsPerQuery: number;
}

interface LatencyRun {
  rate: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  rcodes: Record<string, number>;
}

/** The server's PID under taskset (taskset execs, so it is the same process). */
const serverPid = (s: Server) => s.proc.pid!;

function dnsperf(core: string, port: number, file: string, duration: number, extra: string[] = [], maxBuffer = 16 << 20): string {
  return execFileSync(...pinned(core, 'dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(duration), '-T', '1', ...extra]), {
    encoding: 'utf8',
    maxBuffer,
  });
}

function throughput(s: Server, core: string, file: string, duration: number, clients: number, outstanding: number): Run {
  const pid = serverPid(s);
  const cpu0 = cpuSeconds(pid);
  const out = dnsperf(core, s.port, file, duration, ['-c', String(clients), '-q', String(outstanding)]);
  const cpu = cpuSeconds(pid) - cpu0;
  const field = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const completed = field(/Queries completed:\s+(\d+)/);
  return {
    qps: field(/Queries per second:\s+([\d.]+)/),
    avgMs: field(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    lost: field(/Queries lost:\s+(\d+)/),
    completed,
    cpuUsPerQuery: (cpu / completed) * 1e6,
  };
}

function latency(s: Server, core: string, file: string, duration: number, rate: number): LatencyRun {
  const out = dnsperf(core, s.port, file, duration, ['-c', '1', '-q', '1000', '-Q', String(rate), '-v'], 1 << 30);
  const lat: number[] = [];
  const rcodes: Record<string, number> = {};
  // "> NOERROR name type 0.000123"; "> T name type" for queries still unanswered at the end.
  for (const line of out.split('\n')) {
    if (!line.startsWith('> ')) continue;
    const parts = line.split(' ');
    rcodes[parts[1]!] = (rcodes[parts[1]!] ?? 0) + 1;
    const seconds = Number(parts[4]);
    if (parts.length === 5 && Number.isFinite(seconds)) lat.push(seconds * 1000);
  }
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { rate, qps: Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? NaN), p50Ms: q(0.5), p99Ms: q(0.99), maxMs: lat[lat.length - 1] ?? NaN, rcodes };
}

/** The same answers from every server for a sample of the queries (sets compared, order aside). */
async function sameAnswers(servers: Server[], file: string, sample: number): Promise<{ checked: number; differ: string[] }> {
  const lines = readFileSync(file, 'utf8').trim().split('\n').slice(0, sample);
  const differ: string[] = [];
  for (const line of lines) {
    const [name, type] = line.split(' ');
    const seen = await Promise.all(
      servers.map(async (s) => {
        const p = await ask(s.port, name!, type!, 5000);
        const rr = (a: dnsPacket.Answer) => `${a.name.toLowerCase()} ${a.type} ${JSON.stringify((a as { data?: unknown }).data)}`;
        return `${(p.flags ?? 0) & 0xf} ${[...(p.answers ?? [])].map(rr).sort().join(',')}`;
      }),
    );
    if (new Set(seen).size > 1) differ.push(`${line}: ${servers.map((s, i) => `${s.name}=${seen[i]}`).join(' | ')}`);
  }
  return { checked: lines.length, differ };
}

/** Part (b): the federation's answers following a shard's health (bench/dns-answer-change.ts). */
async function answerChange(): Promise<void> {
  console.log(`\n(b) answer change: a shard fails and recovers, ${num('reps', 2)} times on each of 3 clusters`);
  const runs = await measureAnswerChange({ reps: num('reps', 2), firstOctet: num('first-octet', 230), dnsAddress: opt('dns-address', '127.0.55.1') }, (l) => console.log(l));
  for (const l of summarizeAnswerChange(runs)) console.log(l);
}

async function main(): Promise<void> {
  const only = opt('only', 'servers,answer-change').split(',');
  if (only.includes('servers')) await servers();
  if (only.includes('answer-change')) await answerChange();
}

/** Part (a): our server against Knot and BIND under dnsperf. */
async function servers(): Promise<void> {
  for (const c of ['dnsperf', 'taskset']) need(c);
  const against = opt('against', 'knot,bind').split(',').filter(Boolean);
  if (against.includes('knot')) need('knotd');
  if (against.includes('bind')) need('named');
  const duration = num('duration', 10);
  const rounds = num('rounds', 1);
  const services = num('services', 1000);
  const clients = num('clients', 4);
  const outstanding = num('outstanding', 100);
  const cores = availableParallelism();
  if (cores < 2) throw new Error('needs two cores: dnsperf on one, the server on the other');
  const loadCore = '0';
  const serverCore = String(cores - 1);
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-bench-dns-'));
  const data = benchZones(services);
  for (const z of data.zones.zones) writeFileSync(join(dir, `${z.origin}.zone`), renderZoneFile(z));
  const records = data.zones.zones.reduce((n, z) => n + [...z.records.values()].reduce((m, l) => m + l.length, 0), 0);
  const file = join(dir, 'queries.txt');
  writeFileSync(file, queryFile(data, 200_000));
  const names = ['kubefed', ...against];
  console.log(`DNS benchmark: ${services} services, ${records} records in ${data.zones.zones.length} zones; ${names.join(', ')} on core ${serverCore}, dnsperf on core ${loadCore}`);
  console.log(`dnsperf: ${duration} s per run, ${clients} clients, ${outstanding} queries in flight, 200,000-line query file; rounds: ${rounds}${has('nice') ? `; nice ${opt('nice', '')}` : ''}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const results: Record<string, { runs: Run[]; latency: LatencyRun[]; info?: Record<string, unknown> }> = Object.fromEntries(names.map((n) => [n, { runs: [], latency: [] }]));
  const servers: Server[] = [];
  try {
    // Same answers from everyone first.
    for (const n of names) servers.push(await startServer(n, dir, serverCore, data, services));
    const check = await sameAnswers(servers, file, 300);
    console.log(`same answers: ${check.checked - check.differ.length}/${check.checked} sampled queries`);
    for (const d of check.differ.slice(0, 5)) console.log(`  differs: ${d}`);
    for (const s of servers) results[s.name]!.info = s.info;
    for (let round = 0; round < rounds; round++) {
      for (const s of servers) {
        dnsperf(loadCore, s.port, file, 2, ['-c', String(clients), '-q', String(outstanding)]); // warm-up
        results[s.name]!.runs.push(throughput(s, loadCore, file, duration, clients, outstanding));
      }
    }
    const med = (runs: Run[]) => [...runs].sort((a, b) => a.qps - b.qps)[Math.floor(runs.length / 2)]!;
    const slowest = Math.min(...names.map((n) => med(results[n]!.runs).qps));
    const rate = Math.max(1000, Math.floor(slowest / 2 / 1000) * 1000);
    for (const s of servers) results[s.name]!.latency.push(latency(s, loadCore, file, Math.min(duration, 5), rate));
    const fmt = (n: string) => {
      const r = med(results[n]!.runs);
      const l = results[n]!.latency[0]!;
      return `${n.padEnd(8)} ${r.qps.toFixed(0).padStart(7)} q/s   avg ${r.avgMs.toFixed(3)} ms   CPU ${r.cpuUsPerQuery.toFixed(1)} us/query   lost ${r.lost}   | at ${l.rate} q/s: p50 ${l.p50Ms.toFixed(3)} ms   p99 ${l.p99Ms.toFixed(3)} ms`;
    };
    console.log('median round (throughput), and latency at one fixed rate for all:');
    for (const n of names) console.log(`  ${fmt(n)}`);
    if (rounds > 1) for (const n of names) console.log(`  ${n} rounds: ${results[n]!.runs.map((r) => r.qps.toFixed(0)).join(', ')} q/s`);
    const ours = med(results.kubefed!.runs);
    for (const n of against) {
      const theirs = med(results[n]!.runs);
      const ratio = ours.qps / theirs.qps;
      console.log(
        `kubefed / ${n}: ${ratio.toFixed(2)} of its queries/s (goal >= 0.25: ${ratio >= 0.25 ? 'met' : 'MISSED'}); CPU per query ${(theirs.cpuUsPerQuery / ours.cpuUsPerQuery).toFixed(2)} of its efficiency; p99 at ${rate} q/s ${results.kubefed!.latency[0]!.p99Ms.toFixed(3)} vs ${results[n]!.latency[0]!.p99Ms.toFixed(3)} ms`,
      );
    }
    const info = results.kubefed!.info as { swapMs: number } | undefined;
    if (info) console.log(`kubefed setZones with these ${records} records: ${info.swapMs.toFixed(1)} ms (check and index; the answer cache starts empty)`);
    const stats = await stopServer(servers[0]!);
    if (stats) console.log(`kubefed answer cache: ${stats.cacheHits} hits, ${stats.cacheMisses} misses (${((100 * stats.cacheHits!) / (stats.cacheHits! + stats.cacheMisses!)).toFixed(2)}% hits)`);
    const jsonOut = opt('json', '');
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ services, records, duration, clients, outstanding, rate, results, sameAnswers: check }, null, 2));
  } finally {
    for (const s of servers) await stopServer(s);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (has('serve-dns')) await serveDns();
else if (has('write-queries')) writeFileSync(opt('write-queries', 'queries.txt'), queryFile(benchZones(num('services', 1000)), 200_000));
else await main();
