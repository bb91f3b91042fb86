import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusError } from '../../src/apiserver/errors.js';
import { Authenticator, type AuthenticationRequest } from '../../src/apiserver/auth/authenticator.js';
import {
  ServiceAccountTokens,
  type ObjectIdentity,
  type ServiceAccountTokensOptions,
} from '../../src/apiserver/auth/serviceaccount-tokens.js';
import { parseTokenCsv } from '../../src/apiserver/auth/token-file.js';
import { createCA, issueCertificate, type CertificateAndKey } from '../../src/pki/ca.js';
import { generateServiceAccountKey } from '../../src/pki/store.js';

const saKey = generateServiceAccountKey();

/** A cluster with ServiceAccounts, Pods and a settable clock. */
function fixture(extra: Partial<ServiceAccountTokensOptions> = {}) {
  const serviceAccounts = new Map<string, ObjectIdentity>([['team-a/builder', { uid: 'sa-uid-1' }]]);
  const pods = new Map<string, ObjectIdentity>([['team-a/web-0', { uid: 'pod-uid-1' }]]);
  const secrets = new Map<string, { uid: string; token?: string }>();
  const clock = { now: Date.parse('2030-01-01T00:00:00Z') };
  const tokens = new ServiceAccountTokens({
    privateKeyPem: saKey.privateKeyPem,
    lookupServiceAccount: (ns, name) => serviceAccounts.get(`${ns}/${name}`),
    lookupBoundObject: (kind, ns, name) => (kind === 'Pod' ? pods.get(`${ns}/${name}`) : undefined),
    lookupSecret: (ns, name) => secrets.get(`${ns}/${name}`),
    now: () => clock.now,
    ...extra,
  });
  const issue = (over: Partial<Parameters<ServiceAccountTokens['issue']>[0]> = {}) =>
    tokens.issue({
      namespace: 'team-a',
      serviceAccountName: 'builder',
      serviceAccountUid: 'sa-uid-1',
      expirationSeconds: 3600,
      ...over,
    });
  return { tokens, serviceAccounts, pods, secrets, clock, issue };
}

const bearer = (token: string): AuthenticationRequest => ({ headers: { authorization: `Bearer ${token}` }, socket: {} });

async function expectUnauthorized(p: Promise<unknown>): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StatusError);
  expect((err as StatusError).code).toBe(401);
  expect((err as StatusError).toStatus()).toMatchObject({ reason: 'Unauthorized', message: 'Unauthorized' });
}

describe('token file', () => {
  it('parses kube-apiserver token CSV rows', () => {
    const rows = parseTokenCsv('t1,alice,uid-1,"dev,ops"\r\n\nt2,bob,uid-2\n,skipped,uid-3\nt3,"c""q",uid-4,solo');
    expect(rows).toEqual([
      { token: 't1', username: 'alice', uid: 'uid-1', groups: ['dev', 'ops'] },
      { token: 't2', username: 'bob', uid: 'uid-2', groups: [] },
      { token: 't3', username: 'c"q', uid: 'uid-4', groups: ['solo'] },
    ]);
    expect(() => parseTokenCsv('only,two')).toThrow(/at least 3 columns/);
  });
});

describe('ServiceAccountTokens', () => {
  it('issues Kubernetes-shaped bound tokens', async () => {
    const { issue, clock } = fixture();
    const { token, expirationTimestamp } = await issue({
      audiences: ['api', 'vault'],
      boundObject: { kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: 'pod-uid-1' },
    });
    expect(expirationTimestamp).toBe('2030-01-01T01:00:00Z');
    const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
    const now = clock.now / 1000;
    expect(payload).toEqual({
      aud: ['api', 'vault'],
      exp: now + 3600,
      iat: now,
      nbf: now,
      iss: 'https://kubernetes.default.svc.cluster.local',
      jti: expect.any(String),
      sub: 'system:serviceaccount:team-a:builder',
      'kubernetes.io': {
        namespace: 'team-a',
        serviceaccount: { name: 'builder', uid: 'sa-uid-1' },
        pod: { name: 'web-0', uid: 'pod-uid-1' },
      },
    });
  });

  it('verifies signature, time, audience and the bound objects', async () => {
    const { tokens, issue, clock, pods, serviceAccounts } = fixture();
    const { token } = await issue({ boundObject: { kind: 'Pod', name: 'web-0', uid: 'pod-uid-1' } });
    expect(await tokens.verify(token)).toMatchObject({
      namespace: 'team-a',
      name: 'builder',
      uid: 'sa-uid-1',
      podName: 'web-0',
      legacy: false,
    });
    expect(await tokens.verify(token, { audiences: ['someone-else'] })).toBeNull();

    const [h, p, s] = token.split('.');
    const forged = JSON.parse(Buffer.from(p!, 'base64url').toString());
    forged['kubernetes.io'].namespace = 'kube-system';
    expect(await tokens.verify(`${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}`)).toBeNull();

    const other = new ServiceAccountTokens({
      privateKeyPem: generateServiceAccountKey().privateKeyPem,
      lookupServiceAccount: (ns, name) => serviceAccounts.get(`${ns}/${name}`),
      now: () => clock.now,
    });
    expect(await other.verify(token)).toBeNull();

    pods.set('team-a/web-0', { uid: 'pod-uid-2' }); // the pod was replaced
    expect(await tokens.verify(token)).toBeNull();
    pods.set('team-a/web-0', { uid: 'pod-uid-1' });
    clock.now += 3600_000 + 61_000;
    expect(await tokens.verify(token)).toBeNull();
  });

  it('a token checked before is still re-checked for existence, time and signature bytes', async () => {
    const { tokens, issue, clock, serviceAccounts } = fixture();
    const { token } = await issue();
    for (let i = 0; i < 3; i++) expect(await tokens.verify(token)).toMatchObject({ name: 'builder' });
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await tokens.verify(flipped)).toBeNull();
    serviceAccounts.delete('team-a/builder');
    expect(await tokens.verify(token)).toBeNull();
    serviceAccounts.set('team-a/builder', { uid: 'sa-uid-1' });
    expect(await tokens.verify(token)).toMatchObject({ name: 'builder' });
    clock.now += 3600_000 + 61_000;
    expect(await tokens.verify(token)).toBeNull();
  });

  it('accepts keys rotated out but still listed, and RSA keys', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const rsa = fixture({ privateKeyPem: privateKey, additionalPublicKeyPems: [saKey.publicKeyPem] });
    const { token: rsaToken } = await rsa.issue();
    expect(JSON.parse(Buffer.from(rsaToken.split('.')[0]!, 'base64url').toString()).alg).toBe('RS256');
    expect(await rsa.tokens.verify(rsaToken)).not.toBeNull();
    const { token: ecToken } = await fixture().issue();
    expect(await rsa.tokens.verify(ecToken)).not.toBeNull();
    expect(rsa.tokens.jwks().keys.map((k) => k.kty)).toEqual(['RSA', 'EC']);
  });

  it('verifies legacy tokens against their Secret', async () => {
    const { tokens, secrets } = fixture();
    const token = await tokens.issueLegacy({
      namespace: 'team-a',
      serviceAccountName: 'builder',
      serviceAccountUid: 'sa-uid-1',
      secretName: 'builder-token',
    });
    expect(await tokens.verify(token)).toBeNull(); // no such Secret
    secrets.set('team-a/builder-token', { uid: 'secret-uid', token });
    expect(await tokens.verify(token)).toMatchObject({ name: 'builder', legacy: true, secretName: 'builder-token' });
    secrets.set('team-a/builder-token', { uid: 'secret-uid', token: 'rotated' });
    expect(await tokens.verify(token)).toBeNull();
  });
});

describe('Authenticator with bearer tokens', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubefed-auth-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('no credentials -> null', async () => {
    const auth = new Authenticator({ serviceAccountTokens: fixture().tokens });
    expect(await auth.authenticate({ headers: {}, socket: {} })).toBeNull();
    expect(await auth.authenticate({ headers: { authorization: 'Basic Zm9vOmJhcg==' }, socket: {} })).toBeNull();
  });

  it('static token from a token file', async () => {
    const tokenFile = join(dir, 'tokens.csv');
    await writeFile(tokenFile, 'secret-token,alice,uid-1,"dev,ops"\n');
    const auth = new Authenticator({ tokenFile });
    const req = bearer('secret-token');
    expect(await auth.authenticate(req)).toEqual({
      username: 'alice',
      uid: 'uid-1',
      groups: ['dev', 'ops', 'system:authenticated'],
    });
    expect(req.headers.authorization).toBeUndefined();
  });

  it('ServiceAccount token', async () => {
    const { tokens, issue } = fixture();
    const { token } = await issue({ boundObject: { kind: 'Pod', name: 'web-0', uid: 'pod-uid-1' } });
    const user = await new Authenticator({ serviceAccountTokens: tokens }).authenticate(bearer(token));
    expect(user).toMatchObject({
      username: 'system:serviceaccount:team-a:builder',
      uid: 'sa-uid-1',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'],
      extra: {
        'authentication.kubernetes.io/pod-name': ['web-0'],
        'authentication.kubernetes.io/pod-uid': ['pod-uid-1'],
        'authentication.kubernetes.io/credential-id': [expect.stringMatching(/^JTI=/)],
      },
    });
  });

  it('expired ServiceAccount token -> 401', async () => {
    const { tokens, issue, clock } = fixture();
    const { token } = await issue({ expirationSeconds: 600 });
    clock.now += 600_000 + 61_000;
    await expectUnauthorized(new Authenticator({ serviceAccountTokens: tokens }).authenticate(bearer(token)));
  });

  it('token for another audience -> 401', async () => {
    const { tokens, issue } = fixture();
    const { token } = await issue({ audiences: ['vault'] });
    await expectUnauthorized(new Authenticator({ serviceAccountTokens: tokens }).authenticate(bearer(token)));
    expect(await new Authenticator({ serviceAccountTokens: tokens }).authenticateToken(token, ['vault'])).not.toBeNull();
  });

  it('deleted or re-created ServiceAccount -> 401', async () => {
    const { tokens, issue, serviceAccounts } = fixture();
    const { token } = await issue();
    const auth = new Authenticator({ serviceAccountTokens: tokens });
    expect(await auth.authenticate(bearer(token))).not.toBeNull();
    serviceAccounts.delete('team-a/builder');
    await expectUnauthorized(auth.authenticate(bearer(token)));
    serviceAccounts.set('team-a/builder', { uid: 'sa-uid-2' });
    await expectUnauthorized(auth.authenticate(bearer(token)));
  });

  it('garbage bearer token -> 401', async () => {
    const auth = new Authenticator({ serviceAccountTokens: fixture().tokens, staticTokens: [] });
    await expectUnauthorized(auth.authenticate(bearer('not-a-token')));
    await expectUnauthorized(auth.authenticate(bearer('a.b.c')));
  });
});

describe('Authenticator with TLS client certificates', () => {
  let ca: CertificateAndKey;
  let server: https.Server;
  let port: number;
  let auth: Authenticator;
  let serving: CertificateAndKey;

  beforeAll(async () => {
    ca = await createCA('test-ca');
    serving = await issueCertificate(ca, { commonName: 'server', ipAddresses: ['127.0.0.1'], usage: 'server' });
    auth = new Authenticator({ staticTokens: [{ token: 'tok', username: 'bob', uid: '', groups: [] }] });
    server = https.createServer(
      { cert: serving.certPem, key: serving.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        auth.authenticate(req).then(
          (user) => res.end(JSON.stringify({ user })),
          (err: StatusError) => {
            res.statusCode = err.code;
            res.end(JSON.stringify(err.toStatus()));
          },
        );
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function get(options: { client?: CertificateAndKey; token?: string }): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          ca: ca.certPem,
          agent: false,
          ...(options.client ? { cert: options.client.certPem, key: options.client.keyPem } : {}),
          headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
        },
        (res) => {
          let data = '';
          res.on('data', (c) => (data += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('client certificate: CN is the user, O values are groups', async () => {
    const client = await issueCertificate(ca, { commonName: 'jane', organizations: ['dev', 'ops'], usage: 'client' });
    expect(await get({ client })).toEqual({
      status: 200,
      body: { user: { username: 'jane', groups: ['dev', 'ops', 'system:authenticated'] } },
    });
  });

  it('certificate from another CA -> 401, unless a valid token is also presented', async () => {
    const stranger = await issueCertificate(await createCA('other-ca'), { commonName: 'mallory', usage: 'client' });
    expect(await get({ client: stranger })).toMatchObject({ status: 401, body: { reason: 'Unauthorized' } });
    expect(await get({ client: stranger, token: 'tok' })).toMatchObject({ status: 200, body: { user: { username: 'bob' } } });
  });

  it('no certificate and no token -> null', async () => {
    expect(await get({})).toEqual({ status: 200, body: { user: null } });
  });
});
