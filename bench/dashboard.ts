/**
 * Dashboard page-load benchmark: `kubefed playground up` with 50 clusters (its own process, the
 * federation its child, the dashboard it starts), 1,000 federated objects created at the
 * federation and propagated to every cluster, then the world view loaded in Debian's chromium
 * (playwright-core) several times, each in a fresh browser context (cold cache), and timed with
 * the browser's own clock:
 *
 * - DOMContentLoaded (navigation timing);
 * - ready: the world view's `kubefed:world-ready` mark (the clusters listed through the watch
 *   stream and rendered); for the Workloads view, the frame in which its first page of rows (200)
 *   is in the page (the records and every federated type listed, all joined, 200 rendered);
 * - interactive: the later of ready and the end of the last long task (>50 ms, the browser's
 *   Long Tasks API) within 3 s after it: the main thread is free to answer input.
 *
 * The world view does not load the objects (clusters, leases, health); the Workloads view does,
 * so it is timed too.
 *
 * Usage: npm run bench:dashboard [-- --clusters 50 --objects 1000 --runs 5 --first-octet 10]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { KObject } from '../src/apis/object.js';
import { isAlreadyExists, KubeApiError, KubeClient } from '../src/federation/client/kube-client.js';
import { KUBEFED_NAMESPACE, CORE_API_VERSION } from '../src/federation/crds/federation-crds.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : def);
const CLUSTERS = opt('clusters', 50);
const OBJECTS = opt('objects', 1000);
const RUNS = opt('runs', 5);
const FIRST_OCTET = opt('first-octet', 10);
const CLI = join(fileURLToPath(import.meta.url), '../../../bin/kubefed.js');
const NS = 'bench-dashboard';
/** The Workloads view's first page (src/dashboard/app/workloads.tsx). */
const FIRST_PAGE = Math.min(OBJECTS, 200);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

/** Runs in the page before the app: collects long tasks (the Long Tasks API). */
const IN_PAGE_OBSERVER = `window.__longTasks = [];
new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push({ start: e.startTime, end: e.startTime + e.duration }))).observe({ type: 'longtask', buffered: true });`;

/** Evaluated in the page with the time the view was ready: navigation timing, long tasks up to 3 s after it, bytes transferred. */
const inPageTimings = (ready: number) => `(() => {
  const ready = ${ready};
  const nav = performance.getEntriesByType('navigation')[0];
  const lt = window.__longTasks.filter((x) => x.start <= ready + 3000);
  const bytes = performance.getEntriesByType('resource').reduce((a, r) => a + (r.transferSize || 0), nav.transferSize || 0);
  return { dcl: nav.domContentLoadedEventEnd, ready, interactive: Math.max(ready, ...lt.map((x) => x.end)), longTasks: lt.length, bytes };
})()`;

interface Timing {
  dcl: number;
  ready: number;
  interactive: number;
  longTasks: number;
  bytes: number;
}

/** One cold load of a view (a fresh context); `ready` is a page expression: the time the view was ready, or false. */
async function load(browser: Browser, url: string, ready: string): Promise<Timing> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.addInitScript({ content: IN_PAGE_OBSERVER });
    await page.goto(url);
    const readyAt = (await (await page.waitForFunction(ready, undefined, { timeout: 120_000, polling: 'raf' })).jsonValue()) as number;
    // Long tasks that follow the view (member summaries arriving, etc.) count until 3 s after it.
    await page.waitForTimeout(3_000);
    return (await page.evaluate(inPageTimings(readyAt))) as Timing;
  } finally {
    await context.close();
  }
}

const line = (t: Timing) => `DOMContentLoaded ${ms(t.dcl)}, ready ${ms(t.ready)}, interactive ${ms(t.interactive)} (${t.longTasks} long tasks), ${(t.bytes / 1024).toFixed(0)} KiB transferred`;

function summary(what: string, rows: Timing[]): string {
  const m = (k: keyof Timing) => ms(median(rows.map((r) => r[k])));
  return `${what}, median of ${rows.length} cold loads: DOMContentLoaded ${m('dcl')}, ready ${m('ready')}, interactive ${m('interactive')}`;
}

const kubefed = (cliArgs: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [CLI, ...cliArgs], { timeout: 600_000, env: { ...process.env, KUBEFED_LOG_LEVEL: 'warn' } }, (err, stdout, stderr) => (err ? reject(new Error(`kubefed ${cliArgs.join(' ')}: ${stderr || err.message}`)) : resolve(String(stdout)))),
  );

/** A create that survives a busy machine (a connect timeout, a 5xx): retried; AlreadyExists counts as done. */
async function createRetrying(client: KubeClient, obj: KObject): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.create(obj);
      return;
    } catch (e) {
      if (isAlreadyExists(e)) return;
      if (attempt >= 5 || (e instanceof KubeApiError && e.status < 500)) throw e;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${Math.round(x)} ms`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-bench-dashboard-'));
  const stateDir = join(dir, 'playground');
  let client: KubeClient | undefined;
  try {
    const t0 = Date.now();
    const out = await kubefed(['playground', 'up', '--detach', '--state-dir', stateDir, '--clusters', String(CLUSTERS), '--nodes', '1', '--first-octet', String(FIRST_OCTET), '--no-edge', '--no-dns', '--dashboard-address', '127.0.0.1:0']);
    const url = /Dashboard: (\S+)/.exec(out)?.[1];
    if (!url) throw new Error(`playground up printed no dashboard URL:\n${out}`);
    console.log(`playground of ${CLUSTERS} clusters up in ${((Date.now() - t0) / 1000).toFixed(1)} s; dashboard at ${url}`);

    client = KubeClient.fromKubeconfig(join(stateDir, 'kubeconfig'), 'federation', { maxInFlight: 32 });
    await createRetrying(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const t1 = Date.now();
    for (let i = 0; i < OBJECTS; i += 32) {
      await Promise.all(Array.from({ length: Math.min(32, OBJECTS - i) }, (_, j) => createRetrying(client!, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i + j}`, namespace: NS }, data: { n: String(i + j) } })));
    }
    // Propagated: a record per object with every cluster Ok.
    for (;;) {
      const list = await client.list(CORE_API_VERSION, 'PropagationRecord', { namespace: KUBEFED_NAMESPACE }).catch(() => undefined);
      const recs = (list?.items ?? []).filter((r: any) => r.target?.namespace === NS);
      const done = recs.filter((r: any) => (r.clusters ?? []).filter((c: any) => c.status === 'Ok').length === CLUSTERS).length;
      if (done >= OBJECTS) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    console.log(`${OBJECTS} ConfigMaps created at the federation and propagated to every cluster in ${((Date.now() - t1) / 1000).toFixed(1)} s (${OBJECTS * CLUSTERS} member copies)`);

    // What the Workloads view has to load, for reading its figure: the records as the API lists them.
    const tl = performance.now();
    const raw = await client.stream({ method: 'GET', path: `/apis/${CORE_API_VERSION}/namespaces/${KUBEFED_NAMESPACE}/propagationrecords` });
    const size = (await raw.body.text()).length;
    console.log(`the API lists the PropagationRecords (${(size / 1048576).toFixed(1)} MiB of JSON) in ${ms(performance.now() - tl)}`);

    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const world: Timing[] = [];
    const workloads: Timing[] = [];
    try {
      for (let run = 0; run < RUNS; run++) {
        const w = await load(browser, `${url}#/world`, `(performance.getEntriesByName('kubefed:world-ready').length > 0 && document.querySelectorAll('article.cluster').length === ${CLUSTERS}) ? performance.getEntriesByName('kubefed:world-ready')[0].startTime : false`);
        world.push(w);
        console.log(`run ${run + 1}: world view: ${line(w)}`);
        const o = await load(browser, `${url}#/workloads`, `document.querySelectorAll('tr[data-object^="ConfigMap/${NS}/"]').length >= ${FIRST_PAGE} ? performance.now() : false`);
        workloads.push(o);
        console.log(`run ${run + 1}: workloads view (first ${FIRST_PAGE} rows): ${line(o)}`);
      }
    } finally {
      await browser.close();
    }
    const interactive = median(world.map((r) => r.interactive));
    console.log(`\n${summary(`world view, ${CLUSTERS} clusters and ${OBJECTS} federated objects`, world)} (target: interactive under 2,000 ms: ${interactive < 2000 ? 'met' : 'NOT met'})`);
    console.log(summary(`workloads view, ${OBJECTS} objects with ${CLUSTERS} clusters each loaded, the first ${FIRST_PAGE} rows shown`, workloads));
  } finally {
    client?.close();
    await kubefed(['playground', 'down', '--state-dir', stateDir]).catch((e: Error) => console.error(e.message));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
