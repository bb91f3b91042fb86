/**
 * `kubefed dashboard` as a user runs it (the built command, a child process) against a real API
 * server: it prints its URL and serves the app, forwards the API with the kubeconfig's
 * credentials, carries list-and-watch of several collections on one stream (a change made with
 * kubectl arrives as a watch event), and answers bad requests with a Status naming the field.
 * The browser side is in dashboard.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { KUBEFED_BIN, runKubefed } from '../helpers/kubefed-cli.js';
import { reserveOctets } from '../helpers/octets.js';

let api: TestServer;
let child: ChildProcess;
let url: string;

beforeAll(async () => {
  api = await startTestServer();
  child = spawn(process.execPath, [KUBEFED_BIN, 'dashboard', '--kubeconfig', api.kubeconfig, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '' } });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /dashboard serving at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`kubefed dashboard exited (${code}): ${out}`)));
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await api?.stop();
});

const post = (path: string, body: unknown) => fetch(new URL(path, url), { method: 'POST', headers: { 'x-kubefed-dashboard': '1', 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('kubefed dashboard', () => {
  it('names its flags in help and errors', async () => {
    const help = await runKubefed(['dashboard', '--help']);
    expect(help.stdout).toContain('--address <ip>');
    expect(help.stdout).toContain('--port <port>');
    const bad = await runKubefed(['dashboard', '--port', 'eighty']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--port must be a port number');
  });

  it('serves the app and forwards the API with the kubeconfig\'s credentials', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await fetch(url);
    expect(index.status).toBe(200);
    expect(await index.text()).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js">/);
    const version = await fetch(new URL('/k8s/version', url));
    expect(version.status).toBe(200);
    expect(await version.json()).toHaveProperty('gitVersion');
    const ns = await fetch(new URL('/k8s/api/v1/namespaces/default', url));
    expect(((await ns.json()) as { metadata: { name: string } }).metadata.name).toBe('default');
    const exec = await fetch(new URL('/k8s/api/v1/namespaces/default/pods/x/exec', url));
    expect(exec.status).toBe(403);
  });

  it('follows several collections on one stream: the lists, then a change made with kubectl', async () => {
    const session = 'cli-test-session-1';
    const ac = new AbortController();
    const res = await fetch(new URL(`/dashboard/api/watch?session=${session}`, url), { signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const messages: any[] = [];
    const reading = (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim()) messages.push(JSON.parse(line));
        }
      }
    })().catch(() => undefined);
    try {
      const sub = await post(`/dashboard/api/watch/${session}`, { subscribe: ['/api/v1/namespaces', '/api/v1/configmaps'] });
      expect(sub.status).toBe(200);
      const nsSync = await eventually(() => messages.find((m) => m.path === '/api/v1/namespaces' && m.type === 'SYNC'), 'the namespaces listed');
      expect(nsSync.list.items.map((n: any) => n.metadata.name)).toContain('default');
      await eventually(() => messages.find((m) => m.path === '/api/v1/configmaps' && m.type === 'SYNC'), 'the configmaps listed');
      const made = await api.kubectl(['create', 'configmap', 'watched', '--from-literal=a=1']);
      expect(made.code, made.stderr).toBe(0);
      const added = await eventually(() => messages.find((m) => m.path === '/api/v1/configmaps' && m.type === 'ADDED' && m.object.metadata.name === 'watched'), 'the new configmap as a watch event');
      expect(added.object.data).toEqual({ a: '1' });

      const bad = await post(`/dashboard/api/watch/${session}`, { subscribe: ['/api/v1/namespaces/default/pods/x/exec'] });
      expect(bad.status).toBe(422);
      expect(((await bad.json()) as any).details.causes[0].field).toBe('subscribe');
    } finally {
      ac.abort();
      await reading;
    }
  });

  it('answers a bad taint with a Status naming the field', async () => {
    const r = await post('/dashboard/api/clusters/gce-us-central1-a/taints', { taints: ['no-effect'] });
    expect(r.status).toBe(422);
    const body = (await r.json()) as any;
    expect(body).toMatchObject({ kind: 'Status', code: 422, reason: 'Invalid' });
    expect(body.details.causes[0].field).toBe('taints');
    expect(body.message).toContain('invalid taint "no-effect"');
    const unsent = await fetch(new URL('/dashboard/api/clusters/gce-us-central1-a/taints', url), { method: 'POST', body: '{}' });
    expect(unsent.status).toBe(403);
  });

  it('is started by playground up, which prints its URL, and knows the playground (its faults become actions)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubefed-pgdash-'));
    const stateDir = join(dir, 'state');
    try {
      const up = await runKubefed(['playground', 'up', '--detach', '--state-dir', stateDir, '--clusters', '1', '--nodes', '1', '--first-octet', String(reserveOctets(1)), '--no-edge', '--no-dns', '--dashboard-address', '127.0.0.1:0'], { timeoutMs: 120_000 });
      expect(up.code, up.stderr).toBe(0);
      const dashboard = /^Dashboard: (http:\/\/127\.0\.0\.1:\d+\/) /m.exec(up.stdout)?.[1];
      expect(dashboard, up.stdout).toBeDefined();
      const info = (await (await fetch(new URL('/dashboard/api/info', dashboard))).json()) as { context: string; playground: boolean };
      expect(info).toMatchObject({ context: 'federation', playground: true });
      expect((await fetch(dashboard!)).status).toBe(200);
    } finally {
      await runKubefed(['playground', 'down', '--state-dir', stateDir], { timeoutMs: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
