/**
 * Durability: the server process is killed with SIGKILL while clients stream creates and
 * updates. After a restart on the same data directory every acknowledged write is there, nothing
 * is half-written, and each writer's objects form a gap-free sequence.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readKubeconfig } from '../../src/kubeconfig.js';
import { eventually } from '../helpers/eventually.js';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'kubefed-crash-'));
const kubeconfig = join(dir, 'kubeconfig');
let child: ChildProcess | undefined;

interface Conn {
  url: string;
  ca: string;
  cert: string;
  key: string;
}

function startServer(): Promise<Conn> {
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, [join(ROOT, 'bin/kubefed.js'), 'apiserver', '--data-dir', join(dir, 'data'), '--port', '0', '--write-kubeconfig', kubeconfig, '--storage-sync', 'full'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBEFED_LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Kubernetes API at (\S+)/.exec(out);
      if (m) {
        const cfg = readKubeconfig(kubeconfig);
        const cluster = cfg.clusters.find((c) => c.name === 'federation')!.cluster as Record<string, string>;
        const user = cfg.users.find((u) => u.name === 'federation')!.user as Record<string, string>;
        const b = (s: string) => Buffer.from(s, 'base64').toString();
        resolve({ url: m[1]!, ca: b(cluster['certificate-authority-data']!), cert: b(user['client-certificate-data']!), key: b(user['client-key-data']!) });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited early (${code})`)));
  });
}

function call(c: Conn, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const u = new URL(path, c.url);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { method, hostname: u.hostname, port: u.port, path: u.pathname + u.search, ca: c.ca, cert: c.cert, key: c.key, agent: false, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} },
      (res) => {
        let s = '';
        res.on('data', (d: Buffer) => (s += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: s ? JSON.parse(s) : undefined }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('crash safety', () => {
  it('keeps every acknowledged write across kill -9', async () => {
    const c1 = await startServer();
    const WRITERS = 8;
    const acknowledgedCreates: number[][] = Array.from({ length: WRITERS }, () => []);
    const acknowledgedCounter: number[] = Array.from({ length: WRITERS }, () => -1);
    let stop = false;
    const base = '/api/v1/namespaces/default/configmaps';
    for (let w = 0; w < WRITERS; w++) {
      const r = await call(c1, 'POST', base, { kind: 'ConfigMap', metadata: { name: `counter-${w}` }, data: { n: '0' } });
      expect(r.status).toBe(201);
      acknowledgedCounter[w] = 0;
    }
    const writer = async (w: number) => {
      let n = 0;
      for (let i = 0; !stop; i++) {
        try {
          const r = await call(c1, 'POST', base, { kind: 'ConfigMap', metadata: { name: `w-${w}-${i}` }, data: { writer: String(w), seq: String(i), payload: 'x'.repeat(200) } });
          if (r.status !== 201) throw new Error(`create answered ${r.status}`);
          acknowledgedCreates[w]!.push(i);
          if (i % 3 === 0) {
            n++;
            const cur = await call(c1, 'GET', `${base}/counter-${w}`);
            const u = await call(c1, 'PUT', `${base}/counter-${w}`, { ...cur.json, data: { n: String(n) } });
            if (u.status !== 200) throw new Error(`update answered ${u.status}`);
            acknowledgedCounter[w] = n;
          }
        } catch {
          return; // the server is gone
        }
      }
    };
    const running = Array.from({ length: WRITERS }, (_, w) => writer(w));
    // Kill mid-stream once a good number of writes were acknowledged (however loaded the machine is).
    const acked = () => acknowledgedCreates.reduce((a, l) => a + l.length, 0);
    await eventually(() => acked() >= 200, '200 acknowledged creates', 30_000, 10);
    child!.kill('SIGKILL');
    await new Promise<void>((r) => child!.once('exit', () => r()));
    stop = true;
    await Promise.all(running);
    const totalAcked = acknowledgedCreates.reduce((a, l) => a + l.length, 0);
    expect(totalAcked).toBeGreaterThan(50);

    const c2 = await startServer();
    const list = await call(c2, 'GET', base);
    expect(list.status).toBe(200);
    const items: any[] = list.json.items;
    const byName = new Map(items.map((i) => [i.metadata.name, i]));
    for (let w = 0; w < WRITERS; w++) {
      for (const i of acknowledgedCreates[w]!) {
        const o = byName.get(`w-${w}-${i}`);
        expect(o, `acknowledged create w-${w}-${i}`).toBeDefined();
        expect(o.data).toEqual({ writer: String(w), seq: String(i), payload: 'x'.repeat(200) });
      }
      // Each writer waited for one create before the next: what is stored has no gaps.
      const seqs = items.filter((o) => o.metadata.name.startsWith(`w-${w}-`)).map((o) => Number(o.data.seq)).sort((a, b) => a - b);
      expect(seqs).toEqual(seqs.map((_, i) => i));
      expect(seqs.length).toBeLessThanOrEqual(acknowledgedCreates[w]!.length + 1);
      const counter = byName.get(`counter-${w}`);
      expect(Number(counter.data.n)).toBeGreaterThanOrEqual(acknowledgedCounter[w]!);
      expect(Number(counter.data.n)).toBeLessThanOrEqual(acknowledgedCounter[w]! + 1);
    }
    // One revision per object, none beyond the list's own revision.
    const rvs = items.map((i) => Number(i.metadata.resourceVersion));
    expect(new Set(rvs).size).toBe(rvs.length);
    expect(Math.max(...rvs)).toBeLessThanOrEqual(Number(list.json.metadata.resourceVersion));
    // The restarted server accepts writes that continue the revision sequence.
    const after = await call(c2, 'POST', base, { kind: 'ConfigMap', metadata: { name: 'after-crash' } });
    expect(after.status).toBe(201);
    expect(Number(after.json.metadata.resourceVersion)).toBeGreaterThan(Math.max(...rvs));
    child!.kill('SIGTERM');
  });
});
