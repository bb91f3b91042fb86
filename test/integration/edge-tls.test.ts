/**
 * HTTPS at the edge: the certificate served per SNI name (exact host, then a one-label wildcard,
 * then the configured default; a self-signed one when the configuration has none), a client
 * without SNI, certificates replaced by a new configuration, requests proxied with
 * X-Forwarded-Proto https.
 */
import { connect, type PeerCertificate } from 'node:tls';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, issueCertificate, type CertificateAndKey } from '../../src/pki/ca.js';
import { EdgeProxy } from '../../src/traffic/edge/proxy.js';
import type { EdgeConfig, TlsCertificate } from '../../src/traffic/model.js';
import { backendOf, configOf, RoundRobinBalancer, routeTo, startBackend, type TestBackend } from '../helpers/edge.js';

let ca: CertificateAndKey;
let certs: Record<'shop' | 'wild' | 'def' | 'shop2', CertificateAndKey>;
let backend: TestBackend;
let edge: EdgeProxy;

const tlsCert = (c: CertificateAndKey, hosts: string[], name: string): TlsCertificate => ({ hosts, certPem: c.certPem, keyPem: c.keyPem, source: `Secret default/${name}` });

function config(shop = certs.shop): EdgeConfig {
  return configOf([routeTo(backendOf('web', [backend.endpoint()]))], {
    certificates: [
      tlsCert(shop, ['shop.example.com'], 'shop'),
      tlsCert(certs.wild, ['*.example.org'], 'wild'),
      { hosts: ['broken.example.com'], certPem: 'not a certificate', keyPem: 'nor a key', source: 'Secret default/broken' },
      tlsCert(certs.def, [], 'default'),
    ],
  });
}

beforeAll(async () => {
  ca = await createCA('edge-test-ca');
  const issue = (cn: string, dnsNames: string[]) => issueCertificate(ca, { commonName: cn, dnsNames, usage: 'server' });
  certs = {
    shop: await issue('shop.example.com', ['shop.example.com']),
    shop2: await issue('shop-renewed', ['shop.example.com']),
    wild: await issue('wildcard.example.org', ['*.example.org']),
    def: await issue('default-certificate', ['default.test']),
  };
  backend = await startBackend('cluster-a');
  edge = await EdgeProxy.start({ httpsAddress: { host: '127.0.0.1', port: 0 }, balancer: new RoundRobinBalancer(), config: config(), activeChecks: { intervalMs: 0 } });
});

afterAll(async () => {
  await edge?.close();
  await backend?.close();
});

/** The subject CN of the certificate the edge serves for `servername` (undefined: no SNI). */
function servedCN(port: number, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cert: PeerCertificate = s.getPeerCertificate();
      s.destroy();
      resolve(String(cert.subject.CN));
    });
    s.on('error', reject);
  });
}

describe('edge TLS', () => {
  const cases: [string, string | undefined, string][] = [
    ['exact host', 'shop.example.com', 'shop.example.com'],
    ['exact host in upper case', 'SHOP.example.com', 'shop.example.com'],
    ['wildcard one label deep', 'a.example.org', 'wildcard.example.org'],
    ['wildcard does not cover two labels', 'a.b.example.org', 'default-certificate'],
    ['wildcard does not cover the bare domain', 'example.org', 'default-certificate'],
    ['unknown host', 'other.test', 'default-certificate'],
    ['a host whose certificate could not be loaded', 'broken.example.com', 'default-certificate'],
    ['no SNI', undefined, 'default-certificate'],
  ];
  for (const [what, sni, cn] of cases) it(`serves the right certificate: ${what}`, async () => expect(await servedCN(edge.httpsPort!, sni)).toBe(cn));

  it('proxies HTTPS requests with X-Forwarded-Proto https, verified against the CA', async () => {
    const agent = new Agent({ connect: { ca: ca.certPem, servername: 'shop.example.com' } });
    try {
      const r = await request(`https://127.0.0.1:${edge.httpsPort}/x`, { dispatcher: agent, headers: { host: 'shop.example.com' } });
      const seen = (await r.body.json()) as { headers: Record<string, string> };
      expect(r.statusCode).toBe(200);
      expect(r.headers['x-kubefed-cluster']).toBe('cluster-a');
      expect(seen.headers['x-forwarded-proto']).toBe('https');
    } finally {
      await agent.close();
    }
  });

  it('takes new certificates from a new configuration', async () => {
    edge.setConfig(config(certs.shop2));
    expect(await servedCN(edge.httpsPort!, 'shop.example.com')).toBe('shop-renewed');
    edge.setConfig(config());
    expect(await servedCN(edge.httpsPort!, 'shop.example.com')).toBe('shop.example.com');
  });

  it('serves a self-signed certificate when the configuration has none', async () => {
    const bare = await EdgeProxy.start({ httpsAddress: { host: '127.0.0.1', port: 0 }, balancer: new RoundRobinBalancer(), config: configOf([]), activeChecks: { intervalMs: 0 } });
    try {
      expect(await servedCN(bare.httpsPort!, 'shop.example.com')).toBe('kubefed-edge');
      expect(await servedCN(bare.httpsPort!)).toBe('kubefed-edge');
    } finally {
      await bare.close();
    }
  });
});
