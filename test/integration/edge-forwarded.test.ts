/**
 * Who the client is: the socket's address, or, only when the socket's address is a trusted proxy,
 * the right-most untrusted address of X-Forwarded-For; that address is what the location lookup
 * and the balancer see. Clients pose as different addresses by binding 127.0.0.1 or 127.0.0.2.
 */
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeProxy } from '../../src/traffic/edge/proxy.js';
import type { Location } from '../../src/traffic/model.js';
import { backendOf, configOf, RoundRobinBalancer, routeTo, startBackend, type TestBackend } from '../helpers/edge.js';

let backend: TestBackend;
let edge: EdgeProxy;
const balancer = new RoundRobinBalancer();
const located: string[] = [];
const agents: Record<string, Agent> = {};

beforeAll(async () => {
  backend = await startBackend('cluster-a');
  edge = await EdgeProxy.start({
    httpAddress: { host: '127.0.0.1', port: 0 },
    balancer,
    locate: (ip): Location => {
      located.push(ip);
      return { region: `region-of-${ip}` };
    },
    activeChecks: { intervalMs: 0 },
    config: configOf([routeTo(backendOf('web', [backend.endpoint()]))], { trustedProxies: ['127.0.0.2/32', '10.0.0.0/8', 'not-a-cidr'] }),
  });
  for (const ip of ['127.0.0.1', '127.0.0.2']) agents[ip] = new Agent({ localAddress: ip });
});

afterAll(async () => {
  for (const a of Object.values(agents)) await a.close();
  await edge.close();
  await backend.close();
});

async function from(ip: string, headers: Record<string, string>) {
  const r = await request(`http://127.0.0.1:${edge.httpPort}/`, { dispatcher: agents[ip], headers: { host: 'web.test', ...headers } });
  const seen = (await r.body.json()) as { headers: Record<string, string> };
  return { seen: seen.headers, client: balancer.clients.at(-1) as Location };
}

describe('client address and X-Forwarded-For', () => {
  const cases: [string, string, Record<string, string>, string, string][] = [
    // what, socket address, request headers, the client the balancer sees, X-Forwarded-For passed on
    ['an untrusted peer is the client, whatever it claims', '127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }, '127.0.0.1', '203.0.113.7, 127.0.0.1'],
    ['a trusted proxy: the right-most untrusted entry', '127.0.0.2', { 'x-forwarded-for': '198.51.100.1, 203.0.113.7, 10.1.2.3' }, '203.0.113.7', '198.51.100.1, 203.0.113.7, 10.1.2.3, 127.0.0.2'],
    ['a trusted proxy with entries in several fields', '127.0.0.2', { 'x-forwarded-for': '203.0.113.8' }, '203.0.113.8', '203.0.113.8, 127.0.0.2'],
    ['every entry trusted: the left-most', '127.0.0.2', { 'x-forwarded-for': '10.9.9.9, 10.0.0.1' }, '10.9.9.9', '10.9.9.9, 10.0.0.1, 127.0.0.2'],
    ['a malformed entry stops the walk at the proxy right of it', '127.0.0.2', { 'x-forwarded-for': '203.0.113.7, garbage, 10.0.0.1' }, '10.0.0.1', '203.0.113.7, garbage, 10.0.0.1, 127.0.0.2'],
    ['a trusted proxy without X-Forwarded-For is the client', '127.0.0.2', {}, '127.0.0.2', '127.0.0.2'],
    ['an entry with a port', '127.0.0.2', { 'x-forwarded-for': '203.0.113.9:4711' }, '203.0.113.9', '203.0.113.9:4711, 127.0.0.2'],
  ];
  for (const [what, ip, headers, client, xff] of cases) {
    it(what, async () => {
      const r = await from(ip, headers);
      expect(r.client).toEqual({ region: `region-of-${client}` });
      expect(located).toContain(client);
      expect(r.seen['x-forwarded-for']).toBe(xff);
    });
  }

  it("keeps a trusted proxy's X-Forwarded-Proto and -Host, replaces an untrusted peer's", async () => {
    const claims = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example.com' };
    const trusted = await from('127.0.0.2', claims);
    expect([trusted.seen['x-forwarded-proto'], trusted.seen['x-forwarded-host']]).toEqual(['https', 'public.example.com']);
    const untrusted = await from('127.0.0.1', claims);
    expect([untrusted.seen['x-forwarded-proto'], untrusted.seen['x-forwarded-host']]).toEqual(['http', 'web.test']);
  });
});
