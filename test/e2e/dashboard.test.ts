/**
 * The web dashboard in a real browser (Debian's chromium, driven by playwright-core) against
 * the default nine-cluster world with the federation, the global edge and the playground's
 * control API: the views show real data, live updates arrive through watches without a reload,
 * actions act (and kubectl sees it), a read-only user sees no action and is refused by the API,
 * and a zone failed from the page moves replicas and traffic.
 *
 * Needs `npm run build` first (the app is served from dist/dashboard-app). With
 * KUBEFED_DASHBOARD_SCREENSHOTS=DIR it saves a screenshot of each view there (docs/dashboard/).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardServer, defaultAppDir } from '../../src/dashboard/server.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { ControlServer } from '../../src/playground/control.js';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const SHOTS = process.env.KUBEFED_DASHBOARD_SCREENSHOTS;
const WAIT = 60_000;
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

let fp: FederatedPlayground;
let control: ControlServer;
let admin: DashboardServer;
let viewer: DashboardServer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

async function shot(p: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Requests from a client in `cluster`'s zone through the global address, until `stop()`. */
function traffic(cluster: string): { stop(): void; done: Promise<void> } {
  let stopped = false;
  const localAddress = `127.${fp.pg.cluster(cluster).spec.octet}.250.1`;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: fp.edgeAddress, port: 80, path: '/', localAddress, timeout: 5_000, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', () => resolve());
      req.on('timeout', () => req.destroy());
      req.end();
    });
  const done = (async () => {
    for (let i = 0; i < 20_000 && !stopped; i++) {
      await one();
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { stop: () => (stopped = true), done };
}

/** The share of the split's rows for `cluster` as the Traffic view shows them. */
async function shareOf(p: Page, cluster: string): Promise<number> {
  const rows = await p.locator(`table[aria-label="traffic split"] tr[data-cluster="${cluster}"]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-share'))));
  return rows.reduce((a, b) => a + b, 0);
}

beforeAll(async () => {
  if (!existsSync(join(defaultAppDir(), 'index.html'))) throw new Error('the dashboard app is not built: run "npm run build" first');
  fp = await startFederatedPlayground({ clusters: 9, nodes: 1, firstOctet: reserveOctets(9), edge: true });
  control = new ControlServer(fp.pg, () => undefined);
  await control.start();
  const edgeAdmin = `${fp.edgeAddress}:${fp.edge!.proxy.adminPort}`;
  admin = await DashboardServer.start({ kubeconfig: fp.kubeconfig, context: 'federation', host: '127.0.0.1', port: 0, playgroundStateDir: fp.pg.stateDir, edgeAdmin });

  // A user RBAC lets only get and list (not even watch): a ServiceAccount token with such a role.
  await fp.ok(['--context=federation', 'create', 'serviceaccount', 'viewer', '-n', 'default']);
  await fp.ok(['--context=federation', 'create', 'clusterrole', 'read-only', '--verb=get,list', '--resource=*.*']);
  await fp.ok(['--context=federation', 'create', 'clusterrolebinding', 'viewer-read-only', '--clusterrole=read-only', '--serviceaccount=default:viewer']);
  const token = (await fp.ok(['--context=federation', 'create', 'token', 'viewer', '-n', 'default'])).trim();
  const entry = fp.cp.kubeconfigEntry('viewer');
  const viewerKubeconfig = join(fp.dir, 'viewer.kubeconfig');
  mergeKubeconfig(viewerKubeconfig, [{ name: 'viewer', server: entry.server, caPem: entry.caPem, token }], { makeCurrent: true });
  viewer = await DashboardServer.start({ kubeconfig: viewerKubeconfig, host: '127.0.0.1', port: 0, playgroundStateDir: fp.pg.stateDir, edgeAdmin });

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await viewer?.close();
  await admin?.close();
  await control?.stop();
  await fp?.stop();
});

describe('the dashboard', () => {
  it('shows nine Ready clusters in three regions on the world view, and the control plane', async () => {
    await page.goto(admin.url);
    await eventually(async () => (await page.getByTestId('ready-count').textContent()) === '9', 'nine Ready clusters on the world view', WAIT);
    const regions = await page.locator('.world > section h2').allTextContents();
    expect(regions).toEqual(['asia-east1', 'europe-west1', 'us-central1']);
    expect(await page.locator('article.cluster').count()).toBe(9);
    await page.locator('.controlplane').getByText('ready', { exact: true }).waitFor();
    await page.locator('article[data-cluster="gce-asia-east1-b"]').getByText(/1\/1 nodes/).waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'fail zone asia-east1-b' }).waitFor();
    await shot(page, 'world');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'world-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  }, WAIT * 2);

  it('shows the seed ReplicaSet created at the federation, 1 replica per cluster, without a reload; a scale with kubectl arrives live', async () => {
    await page.goto(`${admin.url}#/workloads`);
    await page.getByRole('table', { name: 'federated objects' }).waitFor();
    await fp.ok(['--context=federation', 'create', '-f', join(FIXTURES, 'reconstructed/nginx-service.yaml')]);
    await fp.ok(['--context=federation', 'create', '-f', join(FIXTURES, 'seeds/001-ingress.yaml')]);
    await fp.ok(['--context=federation', 'create', '-f', join(FIXTURES, 'seeds/001-nginx-rs.yaml')]);
    const row = page.locator('tr[data-object="ReplicaSet/default/nginx"]');
    await eventually(async () => (await row.locator('td.replicas').textContent()) === '9/9', 'nginx 9/9 in the workloads table', WAIT);
    const perCluster = await row.locator('.percluster li').allTextContents();
    expect(perCluster).toHaveLength(9);
    for (const c of perCluster) expect(c).toMatch(/^gce-\S+ 1\/1$/);
    await shot(page, 'workloads');

    await fp.ok(['--context=federation', 'scale', 'rs', 'nginx', '--replicas=18']);
    await eventually(async () => (await row.locator('td.replicas').textContent()) === '18/18', 'nginx 18/18 after kubectl scale, without a reload', WAIT);
  }, WAIT * 3);

  it('scales from the object page after confirmation; kubectl sees it', async () => {
    await page.goto(`${admin.url}#/objects/replicasets.apps/default/nginx`);
    const replicas = page.getByLabel('replicas', { exact: true });
    await replicas.fill('9');
    await page.getByRole('button', { name: 'Scale…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Scale' }).click();
    await eventually(async () => (await fp.ok(['--context=federation', 'get', 'rs', 'nginx', '-o', 'jsonpath={.spec.replicas}'])) === '9', 'spec.replicas 9 at the federation', WAIT);
    await eventually(async () => (await page.getByTestId('desired').textContent()) === '9', 'the page showing 9 desired', WAIT);
  }, WAIT * 2);

  it('traces a federated object to the override applied in one cluster', async () => {
    const fcm = {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
      spec: {
        template: { data: { color: 'blue' } },
        placement: { clusters: [{ name: 'gce-us-central1-a' }, { name: 'gce-europe-west1-b' }] },
        overrides: [{ clusterName: 'gce-europe-west1-b', clusterOverrides: [{ path: '/data/color', value: 'green' }] }],
      },
    };
    await fp.ok(['--context=federation', 'create', '-f', '-'], JSON.stringify(fcm));
    await page.goto(`${admin.url}#/objects/configmaps/default/settings`);
    const eu = page.locator('table[aria-label="member copies"] tr[data-cluster="gce-europe-west1-b"]');
    await eu.locator('[data-override="/data/color"]').getByText('applied').waitFor({ timeout: WAIT });
    expect(await page.locator('table[aria-label="member copies"] tr[data-cluster="gce-us-central1-a"] td.overrides').textContent()).toBe('-');
    await shot(page, 'trace');

    // The server's validation error shows at the field.
    await page.locator('textarea[data-field="spec.overrides"]').fill('[{"clusterName": "gce-europe-west1-b", "clusterOverrides": [{"path": "/metadata/name", "value": "x"}]}]');
    await page.getByRole('button', { name: 'Save placement…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.locator('.field-error').filter({ hasText: 'spec.overrides' }).waitFor({ timeout: WAIT });
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  }, WAIT * 2);

  it('cordons, uncordons and taints a cluster from its page; the taints are on the Cluster object, a malformed one is refused at the field', async () => {
    await page.goto(`${admin.url}#/clusters/gce-us-central1-c`);
    await page.getByRole('button', { name: 'cordon gce-us-central1-c' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cordon' }).click();
    await eventually(async () => (await fp.ok(['--context=federation', 'get', 'clusters', 'gce-us-central1-c', '-o', 'jsonpath={.spec.taints[*].key}'])).includes('cluster.kubefed.io/unschedulable'), 'the cordon taint', WAIT);
    await page.getByRole('button', { name: 'uncordon gce-us-central1-c' }).waitFor({ timeout: WAIT });
    await shot(page, 'cluster');
    await page.getByRole('button', { name: 'uncordon gce-us-central1-c' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Uncordon' }).click();
    await eventually(async () => !(await fp.ok(['--context=federation', 'get', 'clusters', 'gce-us-central1-c', '-o', 'jsonpath={.spec.taints[*].key}'])).includes('cluster.kubefed.io/unschedulable'), 'the cordon taint gone', WAIT);

    // A taint in kubectl's syntax; a malformed one is refused at the field.
    const field = page.getByPlaceholder('key=value:NoSchedule or key-');
    await field.fill('nope');
    await page.getByRole('button', { name: 'Apply…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Taint' }).click();
    await page.locator('#taint-errors').getByText(/invalid taint "nope"/).waitFor({ timeout: WAIT });
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await field.fill('dedicated=gpu:PreferNoSchedule');
    await page.getByRole('button', { name: 'Apply…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Taint' }).click();
    await eventually(async () => (await fp.ok(['--context=federation', 'get', 'clusters', 'gce-us-central1-c', '-o', 'jsonpath={.spec.taints[*].value}'])).includes('gpu'), 'the dedicated=gpu taint', WAIT);
    await page.getByRole('button', { name: 'remove taint dedicated=gpu:PreferNoSchedule' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await eventually(async () => !(await fp.ok(['--context=federation', 'get', 'clusters', 'gce-us-central1-c', '-o', 'jsonpath={.spec.taints[*].key}'])).includes('dedicated'), 'the dedicated taint removed', WAIT);
    await page.goto(`${admin.url}#/clusters`);
    await page.locator('table[aria-label="clusters"] tr[data-cluster="gce-asia-east1-b"]').waitFor();
    await shot(page, 'clusters');
    await page.goto(`${admin.url}#/events`);
    await page.getByRole('table', { name: 'events' }).waitFor({ timeout: WAIT });
    await shot(page, 'events');
  }, WAIT * 2);

  it('fails zone asia-east1-b from the world view: its replicas move elsewhere and the traffic split moves', async () => {
    const client = traffic('gce-asia-east1-b');
    try {
      await page.goto(`${admin.url}#/traffic`);
      await eventually(async () => (await shareOf(page, 'gce-asia-east1-b')) > 0.9 && Number(await page.locator('[data-total]').getAttribute('data-total')) >= 20, 'traffic from asia-east1-b served in its own zone', WAIT);
      await shot(page, 'traffic');

      await page.goto(`${admin.url}#/world`);
      await page.getByRole('button', { name: 'fail zone asia-east1-b' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Fail zone asia-east1-b' }).click();
      await page.locator('[data-zone="asia-east1-b"]').getByText('powered off').waitFor({ timeout: WAIT });
      await eventually(async () => (await page.getByTestId('ready-count').textContent()) === '8', 'gce-asia-east1-b not Ready on the world view', WAIT);
      await shot(page, 'world-zone-failed');

      await page.goto(`${admin.url}#/workloads`);
      const row = page.locator('tr[data-object="ReplicaSet/default/nginx"]');
      await eventually(
        async () => {
          const cells = await row.locator('.percluster li').allTextContents();
          const asiaB = cells.find((c) => c.startsWith('gce-asia-east1-b'));
          return (await row.locator('td.replicas').textContent()) === '9/9' && !/ 1\/1$/.test(asiaB ?? '') && cells.some((c) => / 2\/2$/.test(c));
        },
        'nginx 9/9 with nothing in gce-asia-east1-b and a second replica elsewhere',
        WAIT,
      );
      await page.goto(`${admin.url}#/traffic`);
      await eventually(async () => (await shareOf(page, 'gce-asia-east1-a')) + (await shareOf(page, 'gce-asia-east1-c')) > 0.5, 'asia-east1-b\'s clients served by the other asia-east1 clusters', WAIT);
      await shot(page, 'traffic-zone-failed');
    } finally {
      client.stop();
      await client.done;
      await fp.pg.setZone('asia-east1-b', true);
    }
  }, WAIT * 3);

  it('shows an unreachable member\'s error in its own row of the trace page; the other members\' copies still show', async () => {
    await fp.pg.isolateCluster('gce-europe-west1-d');
    try {
      await page.goto(`${admin.url}#/objects/services/default/nginx`);
      const rows = page.locator('table[aria-label="member copies"] tbody tr');
      await eventually(async () => (await rows.count()) === 9, 'nine member rows', WAIT);
      await page.locator('tr[data-cluster="gce-europe-west1-d"]').getByText(/cannot be reached|did not answer/).waitFor({ timeout: WAIT });
      await eventually(async () => (await page.locator('tr[data-cluster] td').getByText(/^rv \d+$/).count()) === 8, 'the eight reachable members\' copies', WAIT);
    } finally {
      await fp.pg.startCluster('gce-europe-west1-d');
    }
  }, WAIT * 2);

  it('has no console errors on the pages of a user who may act', () => {
    // The browser logs every failed request: the 422s are the validation errors the trace test
    // and the malformed taint provoked, the 503/504 the isolated member's copy.
    expect(consoleErrors.filter((e) => !/status of (422|503|504)/.test(e))).toEqual([]);
  });

  it('shows a read-only user no action, and the API refuses a hand-made one with "not allowed"', async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await p.goto(viewer.url);
      await eventually(async () => (await p.getByTestId('ready-count').textContent()) === '9', 'nine Ready clusters for the viewer', WAIT);
      // Each page marks the actions RBAC refused (the SelfSubjectAccessReviews answered no).
      for (const [view, denied] of [
        ['#/world', ['faults']],
        ['#/objects/replicasets.apps/default/nginx', ['scale', 'placement']],
        ['#/clusters/gce-us-central1-a', ['taints']],
      ] as const) {
        await p.goto(`${viewer.url}${view}`);
        for (const d of denied) await p.locator(`[data-denied="${d}"]`).waitFor({ state: 'attached', timeout: WAIT });
        expect(await p.locator('main button').count(), `buttons on ${view}`).toBe(0);
      }
      const r = await p.evaluate(async () => {
        const res = await fetch('/k8s/apis/apps/v1/namespaces/default/replicasets/nginx/scale', { method: 'PATCH', headers: { 'x-kubefed-dashboard': '1', 'content-type': 'application/merge-patch+json' }, body: '{"spec":{"replicas":1}}' });
        return { status: res.status, body: await res.json() };
      });
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
      const f = await p.evaluate(async () => {
        const res = await fetch('/dashboard/api/playground/zones/asia-east1-a/fail', { method: 'POST', headers: { 'x-kubefed-dashboard': '1' } });
        return { status: res.status, body: (await res.json()) as { message: string } };
      });
      expect(f.status).toBe(403);
      expect(f.body.message).toMatch(/^not allowed/);
      expect(await fp.ok(['--context=federation', 'get', 'rs', 'nginx', '-o', 'jsonpath={.spec.replicas}'])).toBe('9');
    } finally {
      await p.close();
    }
  }, WAIT * 2);

  it('refuses requests from other sites and other host names', async () => {
    const url = new URL(admin.url);
    const send = (headers: Record<string, string>, method = 'POST') =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, method, path: '/k8s/api/v1/namespaces/default/configmaps', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('{"metadata":{"name":"x"}}');
      });
    expect(await send({})).toBe(403); // no X-Kubefed-Dashboard header
    expect(await send({ 'x-kubefed-dashboard': '1', origin: 'http://evil.example' })).toBe(403);
    expect(await send({ host: 'evil.example', 'x-kubefed-dashboard': '1' }, 'GET')).toBe(403);
  });
});
