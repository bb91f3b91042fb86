/**
 * API server benchmark: throughput and latency of create/update/get/list with concurrent
 * clients, paced writes at 200/s, listing 10,000 objects, watch fan-out to 100 watchers,
 * memory per 10,000 objects, and, in the same run, the raw storage doing the same writes with the
 * same durability (fsync per commit), with the ratio against it.
 *
 * `--storage etcd`: the API server stores in etcd (Debian's etcd-server, started here on loopback
 * in a temporary directory, one member), and the raw figure is etcd itself: puts of the same
 * values with the same concurrency through the etcd3 client.
 *
 * The server runs as its own process (as in production), the load generator in this one.
 * Usage: npm run bench:apiserver [-- --storage sqlite|etcd --objects 10000 --concurrency 32 --json out.json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { Agent, Pool, request } from 'undici';
import { readKubeconfig } from '../src/kubeconfig.js';
import { SqliteBackend } from '../src/storage/sqlite.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const OBJECTS = opt('objects', 10_000);
const CONCURRENCY = opt('concurrency', 32);
const WATCHERS = opt('watchers', 100);
const PACED_RATE = opt('rate', 200);
const PACED_SECONDS = opt('seconds', 10);
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const STORAGE = args.includes('--storage') ? args[args.indexOf('--storage') + 1] : 'sqlite';
if (STORAGE !== 'sqlite' && STORAGE !== 'etcd') throw new Error(`--storage must be sqlite or etcd, not "${STORAGE}"`);

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'kubefed-bench-'));
const kubeconfig = join(dir, 'kubeconfig');
let server: ChildProcess;
/** The etcd the server stores in (--storage etcd). */
let etcd: { endpoints: string[]; destroy(): Promise<void> } | undefined;

interface Conn {
  url: string;
  tls: { ca: string; cert: string; key: string };
}

function startServer(): Promise<Conn> {
  const storage = etcd ? ['--storage', 'etcd', '--etcd-servers', etcd.endpoints.join(',')] : ['--storage-sync', 'full'];
  return new Promise((resolve, reject) => {
    server = spawn(process.execPath, [join(ROOT, 'bin/kubefed.js'), 'apiserver', '--data-dir', join(dir, 'data'), '--port', '0', '--write-kubeconfig', kubeconfig, ...storage], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, KUBEFED_LOG_LEVEL: 'warn' },
    });
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Kubernetes API at (\S+)/.exec(out);
      if (!m) return;
      const cfg = readKubeconfig(kubeconfig);
      const c = cfg.clusters[0]!.cluster as Record<string, string>;
      const u = cfg.users[0]!.user as Record<string, string>;
      const b = (s: string) => Buffer.from(s, 'base64').toString();
      resolve({ url: m[1]!, tls: { ca: b(c['certificate-authority-data']!), cert: b(u['client-certificate-data']!), key: b(u['client-key-data']!) } });
    });
    server.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const fmt = (n: number, d = 1) => n.toFixed(d);

interface PhaseResult {
  ops: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

/** Runs `count` operations with `concurrency` in flight; `op(i)` returns false on failure. */
async function phase(count: number, concurrency: number, op: (i: number) => Promise<boolean>): Promise<PhaseResult> {
  const lat: number[] = [];
  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const s = performance.now();
        if (!(await op(i))) failures++;
        lat.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (failures) throw new Error(`${failures} operations failed`);
  lat.sort((a, b) => a - b);
  return { ops: count, seconds, perSecond: count / seconds, p50ms: pct(lat, 50), p99ms: pct(lat, 99) };
}

const payload = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, labels: { app: 'bench', shard: String(i % 10) } }, data: { index: String(i), blob: 'x'.repeat(512) } });

async function main(): Promise<void> {
  if (STORAGE === 'etcd') {
    // The tests' etcd starter (Debian's etcd from PATH, /usr/bin/etcd; loopback ports, a temporary data dir).
    const { startEtcd, etcdVersion } = await import('../test/helpers/etcd.js');
    etcd = await startEtcd();
    process.stdout.write(`etcd ${etcdVersion} at ${etcd.endpoints.join(',')}\n`);
  }
  const conn = await startServer();
  const pool = new Pool(conn.url, { connections: CONCURRENCY, connect: { ...conn.tls } });
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: () => Promise<any>; text: () => Promise<string> }> => {
    const r = await pool.request({ method: method as 'GET', path, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: r.statusCode, json: () => r.body.json(), text: () => r.body.text() };
  };
  const NS = '/api/v1/namespaces/default/configmaps';
  const results: Record<string, unknown> = { objects: OBJECTS, concurrency: CONCURRENCY };
  const rssStart = rssMiB(server.pid!);

  // Create
  const create = await phase(OBJECTS, CONCURRENCY, async (i) => {
    const r = await call('POST', NS, payload(i));
    await r.text();
    return r.status === 201;
  });
  const rssAfter = rssMiB(server.pid!);
  results.create = create;
  results.memoryMiBPer10k = ((rssAfter - rssStart) * 10_000) / OBJECTS;

  // Update (each object once, with its resourceVersion)
  const rvs = new Map<number, string>();
  const listed = await (await call('GET', NS)).json();
  for (const it of listed.items) rvs.set(Number(it.data.index), it.metadata.resourceVersion);
  const update = await phase(OBJECTS, CONCURRENCY, async (i) => {
    const body = payload(i);
    (body.metadata as Record<string, unknown>).resourceVersion = rvs.get(i);
    body.data.index = String(i);
    body.data.blob = 'y'.repeat(512);
    const r = await call('PUT', `${NS}/cm-${i}`, body);
    await r.text();
    return r.status === 200;
  });
  results.update = update;

  // Get
  const get = await phase(OBJECTS, CONCURRENCY, async (i) => {
    const r = await call('GET', `${NS}/cm-${(i * 7919) % OBJECTS}`);
    await r.text();
    return r.status === 200;
  });
  results.get = get;

  // List of all objects (JSON and as kubectl's Table)
  const listTimes: number[] = [];
  const tableTimes: number[] = [];
  for (let k = 0; k < 5; k++) {
    let s = performance.now();
    const r = await call('GET', NS);
    const j = await r.json();
    listTimes.push(performance.now() - s);
    if (j.items.length < OBJECTS) throw new Error('list is missing objects');
    s = performance.now();
    const tr = await pool.request({ method: 'GET', path: NS, headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    await tr.body.json();
    tableTimes.push(performance.now() - s);
  }
  listTimes.sort((a, b) => a - b);
  tableTimes.sort((a, b) => a - b);
  results.list = { objects: OBJECTS, medianMs: pct(listTimes, 50), tableMedianMs: pct(tableTimes, 50) };

  // Paced writes: PACED_RATE merge patches per second, latency of each.
  const pacedLat: number[] = [];
  {
    const total = PACED_RATE * PACED_SECONDS;
    const interval = 1000 / PACED_RATE;
    const start = performance.now();
    const inflight: Promise<void>[] = [];
    let failures = 0;
    for (let i = 0; i < total; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(
        (async () => {
          const s = performance.now();
          const r = await pool.request({ method: 'PATCH', path: `${NS}/cm-${i % OBJECTS}`, body: JSON.stringify({ data: { paced: String(i) } }), headers: { 'content-type': 'application/merge-patch+json' } });
          await r.body.text();
          if (r.statusCode !== 200) failures++;
          pacedLat.push(performance.now() - s);
        })(),
      );
    }
    await Promise.all(inflight);
    if (failures) throw new Error(`${failures} paced writes failed`);
  }
  pacedLat.sort((a, b) => a - b);
  results.paced = { ratePerSecond: PACED_RATE, seconds: PACED_SECONDS, p50ms: pct(pacedLat, 50), p99ms: pct(pacedLat, 99), maxMs: pacedLat[pacedLat.length - 1] };

  // Watch fan-out: WATCHERS watches, then a burst of updates.
  const watchAgent = new Agent({ connect: { ...conn.tls }, connections: WATCHERS + 4, bodyTimeout: 0 });
  const rv = (await (await call('GET', `${NS}?limit=1`)).json()).metadata.resourceVersion;
  let delivered = 0;
  const EVENTS = opt('events', 2000);
  let lastEventAt = 0;
  const watches = await Promise.all(
    Array.from({ length: WATCHERS }, async () => {
      const res = await request(`${conn.url}${NS}?watch=true&resourceVersion=${rv}&labelSelector=app%3Dbench`, { dispatcher: watchAgent });
      res.body.on('data', (chunk: Buffer) => {
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) delivered++;
        lastEventAt = performance.now();
      });
      return res;
    }),
  );
  const fanStart = performance.now();
  await phase(EVENTS, CONCURRENCY, async (i) => {
    const r = await pool.request({ method: 'PATCH', path: `${NS}/cm-${i % OBJECTS}`, body: JSON.stringify({ data: { fan: String(i) } }), headers: { 'content-type': 'application/merge-patch+json' } });
    await r.body.text();
    return r.statusCode === 200;
  });
  const expected = EVENTS * WATCHERS;
  const deadline = performance.now() + 60_000;
  while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const fanSeconds = (lastEventAt - fanStart) / 1000;
  results.watch = { watchers: WATCHERS, writes: EVENTS, delivered, expected, seconds: fanSeconds, eventsPerSecond: delivered / fanSeconds };
  for (const w of watches) w.body.destroy();
  await watchAgent.close();
  results.serverRssMiB = rssMiB(server.pid!);

  await pool.close();
  server.kill('SIGTERM');

  // Raw storage: the same writes, same durability (fsync per commit), same concurrency.
  const value = (i: number) => JSON.stringify({ ...payload(i), metadata: { ...payload(i).metadata, namespace: 'default', uid: '00000000-0000-0000-0000-000000000000', creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'bench', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:blob': {}, 'f:index': {} } } }] } });
  let rawCreate: PhaseResult;
  let rawSerial: PhaseResult;
  if (etcd) {
    // etcd itself, through its client: plain puts of the same values (keys apart from the server's).
    const client = new Etcd3({ hosts: etcd.endpoints });
    rawCreate = await phase(OBJECTS, CONCURRENCY, async (i) => {
      await client.put(`/bench-raw/configmaps/default/cm-${i}`).value(value(i));
      return true;
    });
    rawSerial = await phase(Math.min(OBJECTS, 2000), 1, async (i) => {
      await client.put(`/bench-raw/configmaps/serial/cm-${i}`).value(value(i));
      return true;
    });
    client.close();
  } else {
    const rawDir = mkdtempSync(join(tmpdir(), 'kubefed-bench-raw-'));
    const backend = new SqliteBackend(join(rawDir, 'raw.db'), { sync: 'full' });
    rawCreate = await phase(OBJECTS, CONCURRENCY, async (i) => (await backend.write({ type: 'create', key: `/registry/core/configmaps/default/cm-${i}`, value: value(i) })).ok);
    rawSerial = await phase(Math.min(OBJECTS, 2000), 1, async (i) => (await backend.write({ type: 'create', key: `/registry/core/configmaps/serial/cm-${i}`, value: value(i) })).ok);
    await backend.close();
    rmSync(rawDir, { recursive: true, force: true });
  }
  results.storage = STORAGE;
  results.rawStorage = { create: rawCreate, serialCreate: rawSerial };
  results.ratioCreateVsRaw = create.perSecond / rawCreate.perSecond;
  results.ratioCreateVsRawSerial = create.perSecond / rawSerial.perSecond;

  const r = results as any;
  const lines = [
    `Kubefed API server benchmark (${OBJECTS} ConfigMaps of ~0.8 KB, ${CONCURRENCY} concurrent clients, fsync per commit, storage ${etcd ? 'etcd (one member, loopback)' : 'SQLite'})`,
    `  create   ${fmt(create.perSecond, 0).padStart(7)} ops/s   p50 ${fmt(create.p50ms)} ms   p99 ${fmt(create.p99ms)} ms`,
    `  update   ${fmt(update.perSecond, 0).padStart(7)} ops/s   p50 ${fmt(update.p50ms)} ms   p99 ${fmt(update.p99ms)} ms`,
    `  get      ${fmt(get.perSecond, 0).padStart(7)} ops/s   p50 ${fmt(get.p50ms)} ms   p99 ${fmt(get.p99ms)} ms`,
    `  list of ${OBJECTS}: ${fmt(r.list.medianMs)} ms (JSON), ${fmt(r.list.tableMedianMs)} ms (Table)   target < 250 ms: ${r.list.medianMs < 250 ? 'met' : 'MISSED'} (ratio ${fmt(r.list.medianMs / 250, 2)})`,
    `  paced writes at ${PACED_RATE}/s for ${PACED_SECONDS} s: p50 ${fmt(r.paced.p50ms)} ms   p99 ${fmt(r.paced.p99ms)} ms   target p99 < 25 ms: ${r.paced.p99ms < 25 ? 'met' : 'MISSED'} (ratio ${fmt(r.paced.p99ms / 25, 2)})`,
    `  watch fan-out: ${r.watch.delivered}/${r.watch.expected} events to ${WATCHERS} watchers in ${fmt(r.watch.seconds, 2)} s = ${fmt(r.watch.eventsPerSecond, 0)} events/s`,
    `  memory: ${fmt(r.memoryMiBPer10k)} MiB RSS per 10,000 objects (server RSS at end ${fmt(r.serverRssMiB, 0)} MiB)`,
    `  raw ${etcd ? 'etcd (etcd3 client puts, same values' : 'storage (same writes, same fsync'}, ${CONCURRENCY} in flight): ${fmt(rawCreate.perSecond, 0)} writes/s; one at a time: ${fmt(rawSerial.perSecond, 0)} writes/s`,
    `  API create / raw ${etcd ? 'etcd' : 'storage'}, ${CONCURRENCY} in flight (${etcd ? 'etcd batches its fsyncs' : 'group commit'}) = ${fmt(r.ratioCreateVsRaw, 2)}   target >= 0.5: ${r.ratioCreateVsRaw >= 0.5 ? 'met' : 'MISSED'}`,
    `  API create / raw ${etcd ? 'etcd' : 'storage'}, one durable commit per write = ${fmt(r.ratioCreateVsRawSerial, 2)}   target >= 0.5: ${r.ratioCreateVsRawSerial >= 0.5 ? 'met' : 'MISSED'}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
}

main()
  .catch((e) => {
    process.stderr.write(`benchmark failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    server?.kill('SIGKILL');
    await etcd?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
