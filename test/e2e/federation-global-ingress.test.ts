/**
 * The control plane's side of the global edge, with real kubectl on three joined playground
 * clusters: member copies of a global Ingress carry the kubefed-global class and the global
 * address, so `kubectl get ingress` shows one address in every context (as the seeds show);
 * `kubectl describe ingress` at the federation lists each backend's clusters; bad input gets a
 * Warning event naming the problem while the rest keeps working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const NAMES = ['east', 'west', 'north'] as const;
const NS = 'global';
const WAIT = 30_000;
let fp: FederatedPlayground;

/** The ADDRESS column of `kubectl get ingress NAME` in a context. */
async function address(context: string, name: string): Promise<string | undefined> {
  const r = await fp.k([`--context=${context}`, 'get', 'ingress', name, '-n', NS, '--no-headers']);
  if (r.code !== 0) return undefined;
  return r.stdout.trim().split(/\s+/)[3];
}

async function warnings(kind: string, name: string): Promise<string[]> {
  const out = await fp.ok(['--context=federation', 'get', 'events', '-n', NS, '--field-selector', `involvedObject.kind=${kind},involvedObject.name=${name},type=Warning`, '-o', 'json']);
  return JSON.parse(out).items.map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`);
}

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: 3, nodes: 1, firstOctet: reserveOctets(3), names: [...NAMES] });
  await fp.ok(['--context=federation', 'create', 'namespace', NS]);
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('global Ingress at the control plane', () => {
  it('shows the global address in every context, and the members leave the copies to the edge', async () => {
    await fp.ok(['--context=federation', 'create', 'deployment', 'web', '-n', NS, '--image=nginx', '--replicas=3']);
    await fp.ok(['--context=federation', 'expose', 'deployment', 'web', '-n', NS, '--port=80']);
    await fp.ok(['--context=federation', 'create', 'ingress', 'web', '-n', NS, '--rule=shop.example.com/*=web:80']);
    for (const ctx of ['federation', ...NAMES]) await eventually(async () => (await address(ctx, 'web')) === fp.edgeAddress, `ingress web at ${fp.edgeAddress} in ${ctx}`, WAIT);
    for (const c of NAMES) {
      const copy = JSON.parse(await fp.ok([`--context=${c}`, 'get', 'ingress', 'web', '-n', NS, '-o', 'json']));
      expect(copy.spec.ingressClassName).toBe('kubefed-global');
      expect(copy.status.loadBalancer.ingress).toEqual([{ ip: fp.edgeAddress }]);
      const cls = JSON.parse(await fp.ok([`--context=${c}`, 'get', 'ingressclass', 'kubefed-global', '-o', 'json']));
      expect(cls.spec.controller).toBe('kubefed.io/global-edge');
    }
    const fedClass = JSON.parse(await fp.ok(['--context=federation', 'get', 'ingressclass', 'kubefed-global', '-o', 'json']));
    expect(fedClass.metadata.annotations['ingressclass.kubernetes.io/is-default-class']).toBe('true');
  });

  it('describes each backend per cluster at the federation', async () => {
    const text = await eventually(async () => {
      const d = await fp.ok(['--context=federation', 'describe', 'ingress', 'web', '-n', NS]);
      return NAMES.every((c) => d.includes(`${c} 1/1`)) ? d : undefined;
    }, 'describe listing each cluster with 1/1 ready', WAIT);
    expect(text).toContain('kubefed.io/global-backends');
    expect(text).toMatch(/web:80 -> east 1\/1, north 1\/1, west 1\/1/);
  });

  it('reports a missing backend Service and a host/path another Ingress holds, and keeps serving the rest', async () => {
    await fp.ok(['--context=federation', 'create', 'ingress', 'ghost', '-n', NS, '--rule=ghost.example.com/*=nothing-here:80']);
    await fp.ok(['--context=federation', 'create', 'ingress', 'copycat', '-n', NS, '--rule=shop.example.com/*=web:80']);
    const ghost = await eventually(async () => (await warnings('Ingress', 'ghost')).find((w) => w.startsWith('BackendNotFound')), 'a BackendNotFound event on ghost', WAIT);
    expect(ghost).toContain('Service "global/nothing-here" does not exist at the federation');
    const copycat = await eventually(async () => (await warnings('Ingress', 'copycat')).find((w) => w.startsWith('HostPathConflict')), 'a HostPathConflict event on copycat', WAIT);
    expect(copycat).toContain('is already routed by the older Ingress global/web');
    expect(await warnings('Ingress', 'web')).toEqual([]);
    expect(await address('federation', 'web')).toBe(fp.edgeAddress);
  });

  it('reports a TLS Secret that does not hold a valid certificate', async () => {
    await fp.ok(['--context=federation', 'create', 'secret', 'generic', 'broken-tls', '-n', NS, '--type=kubernetes.io/tls', '--from-literal=tls.crt=not a certificate', '--from-literal=tls.key=not a key']);
    await fp.ok(['--context=federation', 'create', 'ingress', 'secure', '-n', NS, '--rule=secure.example.com/*=web:80,tls=broken-tls']);
    const w = await eventually(async () => (await warnings('Ingress', 'secure')).find((x) => x.startsWith('InvalidCertificate')), 'an InvalidCertificate event', WAIT);
    expect(w).toContain('Secret "global/broken-tls" tls.crt/tls.key is not a valid PEM certificate and key');
    expect((await warnings('Secret', 'broken-tls')).some((x) => x.startsWith('InvalidCertificate'))).toBe(true);
  });

  it('reports a malformed entry of the traffic settings and keeps the others', async () => {
    const cm = JSON.parse(await fp.ok(['--context=federation', 'get', 'configmap', 'kubefed-traffic', '-n', 'kube-federation-system', '-o', 'json']));
    const locations = `${cm.data.locations}- cidr: 10.0.0.0/33\n  region: nowhere\n`;
    await fp.ok(['--context=federation', 'patch', 'configmap', 'kubefed-traffic', '-n', 'kube-federation-system', '--type=merge', '-p', JSON.stringify({ data: { locations } })]);
    const ev = await eventually(async () => {
      const out = await fp.ok(['--context=federation', 'get', 'events', '-n', 'kube-federation-system', '--field-selector', 'involvedObject.name=kubefed-traffic,type=Warning', '-o', 'json']);
      return JSON.parse(out).items.find((e: { reason: string }) => e.reason === 'InvalidTrafficSettings');
    }, 'an InvalidTrafficSettings event', WAIT);
    expect(ev.message).toMatch(/^data\.locations\[\d+\]\.cidr: invalid CIDR "10\.0\.0\.0\/33": IPv4 prefix length must be 0 to 32$/);
    expect(await address('federation', 'web')).toBe(fp.edgeAddress);
  });
});
