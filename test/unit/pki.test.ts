import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { createCA, describeCertificate, isSignedBy, issueCertificate } from '../../src/pki/ca.js';
import { loadOrCreatePki, PKI_FILES, type Pki } from '../../src/pki/store.js';

describe('ca', () => {
  it('issues server certificates with SANs and serverAuth', async () => {
    const ca = await createCA('test-ca');
    const server = await issueCertificate(ca, {
      commonName: 'server',
      dnsNames: ['example.test'],
      ipAddresses: ['10.0.0.1', '::1'],
      usage: 'server',
    });
    const cert = new X509Certificate(server.certPem);
    expect(cert.subjectAltName).toContain('DNS:example.test');
    expect(cert.subjectAltName).toContain('IP Address:10.0.0.1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.ca).toBe(false);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(new X509Certificate(ca.certPem).ca).toBe(true);
    expect(describeCertificate(server.certPem).ipAddresses).toEqual(['10.0.0.1', '::1']);
  });

  it('issues client certificates with CN and one O per group', async () => {
    const ca = await createCA('test-ca');
    const client = await issueCertificate(ca, { commonName: 'jane', organizations: ['dev', 'ops'], usage: 'client' });
    const info = describeCertificate(client.certPem);
    expect(info.commonName).toBe('jane');
    expect(info.organizations).toEqual(['dev', 'ops']);
    expect(new X509Certificate(client.certPem).keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(await isSignedBy(client.certPem, ca.certPem)).toBe(true);
    expect(await isSignedBy(client.certPem, (await createCA('other')).certPem)).toBe(false);
  });
});

describe('loadOrCreatePki', () => {
  let dir: string;
  let pki: Pki;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubefed-pki-'));
    pki = await loadOrCreatePki(dir, { hosts: ['127.0.0.1', 'api.example.test'] });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes every file, keys private', async () => {
    for (const name of Object.values(PKI_FILES)) {
      const mode = (await stat(join(dir, name))).mode & 0o777;
      if (name.endsWith('.key')) expect(mode).toBe(0o600);
    }
    expect(await readFile(join(dir, 'ca.crt'), 'utf8')).toBe(pki.ca.certPem);
    expect(pki.serviceAccountKey.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    expect(pki.serviceAccountKey.publicKeyPem).toContain('BEGIN PUBLIC KEY');
  });

  it('returns the same material on reload', async () => {
    const again = await loadOrCreatePki(dir, { hosts: ['api.example.test'] });
    expect(again).toEqual(pki);
  });

  it('re-issues only the serving certificate for new hosts', async () => {
    const again = await loadOrCreatePki(dir, { hosts: ['new.example.test', '192.168.7.7'] });
    expect(again.ca).toEqual(pki.ca);
    expect(again.admin).toEqual(pki.admin);
    expect(again.serviceAccountKey).toEqual(pki.serviceAccountKey);
    expect(again.serving.certPem).not.toBe(pki.serving.certPem);
    const info = describeCertificate(again.serving.certPem);
    expect(info.dnsNames).toEqual(expect.arrayContaining(['new.example.test', 'api.example.test', 'localhost']));
    expect(info.ipAddresses).toEqual(expect.arrayContaining(['192.168.7.7', '127.0.0.1']));
    expect(await isSignedBy(again.serving.certPem, pki.ca.certPem)).toBe(true);
    pki = again;
  });

  it('serves TLS that accepts the admin client certificate', async () => {
    const server = https.createServer(
      { cert: pki.serving.certPem, key: pki.serving.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        res.end(JSON.stringify({ authorized: socket.authorized, cn: peer.subject?.CN, o: peer.subject?.O }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        const req = https.request(
          { host: '127.0.0.1', port, path: '/', ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem },
          (res) => {
            let data = '';
            res.on('data', (c) => (data += c));
            res.on('end', () => resolve(data));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toEqual({ authorized: true, cn: 'kubefed-admin', o: 'system:masters' });
    } finally {
      server.close();
    }
  });
});
