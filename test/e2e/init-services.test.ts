/**
 * `kubefed init` starting the global edge and the DNS server beside the control plane
 * (--edge-address, --dns-address): both serve with the federation's read-only identity, the edge's
 * admin answers /readyz once it has the federation's configuration, the DNS server answers the
 * zone's SOA from --dns-zone-name, and `kubefed stop` stops them with the control plane.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { runKubefed } from '../helpers/kubefed-cli.js';
import { dnsAddress, edgeAddress } from '../helpers/octets.js';

const ZONE = 'fed.example';
let dir: string;
let kubeconfig: string;
let stateDir: string;
let out = '';

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

function dig(server: string, name: string, type: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('dig', [`@${server}`, '+time=2', '+tries=1', '+noall', '+answer', '+comments', name, type], (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubefed-init-services-'));
  kubeconfig = join(dir, 'kubeconfig');
  stateDir = join(dir, 'fed');
  const r = await runKubefed(['init', 'fed', '--state-dir', stateDir, '--kubeconfig', kubeconfig, '--dns-zone-name', ZONE, '--edge-address', `${edgeAddress()}:8080`, '--edge-admin-address', `${edgeAddress()}:9181`, '--dns-address', `${dnsAddress()}:53`]);
  expect(r.code, r.stderr).toBe(0);
  out = r.stdout;
}, 120_000);

afterAll(async () => {
  await runKubefed(['stop', 'fed', '--state-dir', stateDir]);
  rmSync(dir, { recursive: true, force: true });
});

describe('kubefed init --edge-address --dns-address', () => {
  it('says where the edge and the DNS server serve', () => {
    expect(out).toContain(`Global edge: http://${edgeAddress()}:8080`);
    expect(out).toContain(`DNS server: ${dnsAddress()}:53 (UDP and TCP), zone ${ZONE}`);
  });

  it("serves the edge, ready once it has the federation's configuration", async () => {
    await eventually(async () => (await status(`http://${edgeAddress()}:9181/readyz`)) === 200, 'the edge ready');
    // No Ingress yet: the edge answers for the federation, with no route.
    expect(await status(`http://${edgeAddress()}:8080/`)).toBe(404);
  });

  it("answers the federation's zone", async () => {
    const soa = await eventually(async () => {
      const a = await dig(dnsAddress(), ZONE, 'SOA');
      return /status: NOERROR/.test(a) && a.includes(`${ZONE}.`) && /\sSOA\s/.test(a) ? a : undefined;
    }, 'the SOA of the zone');
    expect(soa).toMatch(/flags: qr aa/);
  });

  it('refuses them beside several replicas', async () => {
    const r = await runKubefed(['init', 'other', '--state-dir', join(dir, 'other'), '--kubeconfig', kubeconfig, '--storage', 'etcd', '--etcd-servers', 'http://127.0.0.1:2379', '--replicas', '2', '--edge-address', `${edgeAddress()}:8081`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--edge-address and --dns-address start one edge and one DNS server beside a single control plane/);
  });

  it('stops them with the control plane', async () => {
    const r = await runKubefed(['stop', 'fed', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(0);
    await expect(status(`http://${edgeAddress()}:9181/healthz`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
