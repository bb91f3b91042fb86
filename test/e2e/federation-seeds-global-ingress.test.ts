/**
 * The seeds' climax (001-003, and the blog chunk 000), end to end on the default nine-cluster
 * world with real kubectl, curl and dig:
 * - the federation's service DNS names (zone, region, global) answer from the healthy shards;
 *   a zone whose replicas go answers a CNAME to its region, a region whose clusters stop a CNAME
 *   to the global name, and the A records come back when they return; the seed Service, Ingress (the extensions/v1beta1 YAML as
 * the seed has it) and ReplicaSet are created at the federation; every context's
 * `kubectl get ingress` shows the same global address; curl from an Asian source address is
 * answered from asia-east1, from a US one from us-central1, and from Europe, with every
 * europe-west1 cluster stopped, from the next closest region (us-central1: Belgium to Iowa is
 * about 7,100 km, to Taiwan about 9,600 km).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const WAIT = 60_000;
let fp: FederatedPlayground;

interface Answer {
  status: number;
  cluster: string;
  zone: string;
  header: string;
}

/** curl from a source address (as a client in that network), through the global address. */
function curl(source: string, url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--max-time', '10', '--interface', source, '-D', '-', url], (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl --interface ${source} ${url}: ${stderr || err.message}`));
      const [head = '', body = ''] = stdout.split(/\r?\n\r?\n/);
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]);
      const header = /^x-kubefed-cluster: (.+)$/im.exec(head)?.[1]?.trim() ?? '';
      let json: { cluster?: string; zone?: string } = {};
      try {
        json = JSON.parse(body);
      } catch {
        // not JSON: reported through the fields left empty
      }
      resolve({ status, cluster: json.cluster ?? '', zone: json.zone ?? '', header });
    });
  });
}


/** dig at the federation's DNS server: the answer section as "name type data" lines (no TTLs). */
function dig(name: string, type = 'A'): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('dig', [`@${fp.dnsAddress}`, '+noall', '+answer', '+time=2', '+tries=2', name, type], (err, stdout, stderr) => {
      if (err) return reject(new Error(`dig ${name}: ${stderr || err.message}`));
      resolve(stdout.split('\n').filter(Boolean).map((l) => { const f = l.split(/\s+/); return `${f[0]!.replace(/\.$/, '')} ${f[3]} ${f[4]!.replace(/\.$/, '')}`; }).sort());
    });
  });
}

const DOMAIN = 'kubefed.example';
const NAME = (level: string) => `nginx.default.federation.svc${level ? `.${level}` : ''}.${DOMAIN}`;
/** The load-balancer address of the seed Service in a cluster. */
async function lbIn(cluster: string): Promise<string> {
  return eventually(async () => (await fp.ok([`--context=${cluster}`, 'get', 'svc', 'nginx', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])) || undefined, `nginx's load-balancer address in ${cluster}`, WAIT);
}

/** A client address in the zone of `cluster` (127.<its octet>.250.1, kept free for clients). */
const clientIn = (cluster: string) => `127.${fp.pg.cluster(cluster).spec.octet}.250.1`;

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: 9, nodes: 1, firstOctet: reserveOctets(9), edge: true, dns: true });
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('the seeds, through one global address', () => {
  it('shows the same global address for the seed Ingress in every context', async () => {
    await fp.ok(['--context=federation', 'create', '-f', join(FIXTURES, 'reconstructed/nginx-service.yaml')]);
    await fp.ok(['--context=federation', 'create', '-f', join(FIXTURES, 'seeds/001-ingress.yaml')]);
    await fp.ok(['--context=federation', 'create', '-f', join(FIXTURES, 'seeds/001-nginx-rs.yaml')]);
    const contexts = (await fp.ok(['config', 'view', '-o', 'jsonpath={.contexts[*].name}'])).split(/\s+/).filter(Boolean);
    expect(contexts).toHaveLength(10);
    for (const c of contexts) {
      await eventually(async () => {
        const out = await fp.ok([`--context=${c}`, 'get', 'ingress', 'nginx', '--no-headers']);
        return out.trim().split(/\s+/)[3] === fp.edgeAddress;
      }, `ingress nginx at ${fp.edgeAddress} in ${c}`, WAIT);
    }
  });

  it('answers a client in Asia from asia-east1 and one in the US from us-central1', async () => {
    const url = `http://${fp.edgeAddress}/`;
    const asia = await eventually(async () => {
      const a = await curl(clientIn('gce-asia-east1-b'), url);
      return a.status === 200 ? a : undefined;
    }, 'an answer through the edge', WAIT);
    // The closest: the client's own zone, asia-east1-b.
    expect(asia.zone).toBe('asia-east1-b');
    expect(asia.header).toBe('gce-asia-east1-b');
    expect(asia.cluster).toBe('gce-asia-east1-b');
    const us = await curl(clientIn('gce-us-central1-a'), url);
    expect(us.status).toBe(200);
    expect(us.zone).toBe('us-central1-a');
    expect(us.header).toBe(us.cluster);
  });

  it('answers the zone, region and global names from the healthy shards', async () => {
    const lbs = Object.fromEntries(await Promise.all(fp.clusters.map(async (c) => [c, await lbIn(c)] as const)));
    const inRegion = (r: string) => fp.clusters.filter((c) => c.startsWith(`gce-${r}-`)).map((c) => lbs[c]!);
    const global = await eventually(async () => {
      const a = await dig(NAME(''));
      return a.length === 9 ? a : undefined;
    }, 'nine A records for the global name', WAIT);
    expect(global).toEqual(Object.values(lbs).map((ip) => `${NAME('')} A ${ip}`).sort());
    expect(await dig(NAME('us-central1'))).toEqual(inRegion('us-central1').map((ip) => `${NAME('us-central1')} A ${ip}`).sort());
    expect(await dig(NAME('asia-east1-b.asia-east1'))).toEqual([`${NAME('asia-east1-b.asia-east1')} A ${lbs['gce-asia-east1-b']}`]);
    // Not a name of the zone: NXDOMAIN with the SOA (dig prints nothing in the answer).
    expect(await dig(`nothing.default.federation.svc.${DOMAIN}`)).toEqual([]);
    // kubectl describe at the federation lists the names.
    expect(await fp.ok(['--context=federation', 'describe', 'service', 'nginx'])).toContain(`${NAME('')} = `);
  });

  it('turns a zone without replicas into a CNAME to its region, and back', async () => {
    const zone = NAME('us-central1-a.us-central1');
    await fp.ok(['--context=federation', 'annotate', 'rs', 'nginx', '--overwrite', `federation.kubernetes.io/replica-set-preferences=${JSON.stringify({ rebalance: true, clusters: { 'gce-us-central1-a': { maxReplicas: 0 }, '*': { weight: 1 } } })}`]);
    const cname = await eventually(async () => {
      const a = await dig(zone);
      return a[0]?.includes(' CNAME ') ? a : undefined;
    }, `${zone} a CNAME`, WAIT);
    expect(cname[0]).toBe(`${zone} CNAME ${NAME('us-central1')}`);
    await fp.ok(['--context=federation', 'annotate', 'rs', 'nginx', 'federation.kubernetes.io/replica-set-preferences-']);
    await eventually(async () => (await dig(zone)).some((l) => l.startsWith(`${zone} A `)), `${zone} A again`, WAIT);
  });

  it("moves a stopped region's name to the global one, and back", async () => {
    const region = NAME('asia-east1');
    for (const z of ['a', 'b', 'c']) await fp.pg.stopCluster(`gce-asia-east1-${z}`);
    await eventually(async () => (await dig(region)).some((l) => l === `${region} CNAME ${NAME('')}`), `${region} a CNAME to the global name`, WAIT);
    expect((await dig(NAME(''))).length).toBe(6);
    for (const z of ['a', 'b', 'c']) await fp.pg.startCluster(`gce-asia-east1-${z}`);
    await eventually(async () => (await dig(region)).filter((l) => l.startsWith(`${region} A `)).length === 3, `${region} three A records again`, WAIT);
  });

  it('answers a client in Europe from us-central1 once every europe-west1 cluster is stopped', async () => {
    const url = `http://${fp.edgeAddress}/`;
    const eu = await curl(clientIn('gce-europe-west1-c'), url);
    expect(eu.zone).toBe('europe-west1-c');
    // A client in Europe whose own address range is served by no running cluster any more.
    const client = clientIn('gce-europe-west1-c');
    for (const z of ['b', 'c', 'd']) await fp.pg.stopCluster(`gce-europe-west1-${z}`);
    const answers = new Set<string>();
    const moved = await eventually(async () => {
      const a = await curl(client, url);
      return a.status === 200 && a.zone.startsWith('us-central1-') ? a : undefined;
    }, 'answers from us-central1', WAIT);
    answers.add(moved.zone);
    for (let i = 0; i < 10; i++) {
      const a = await curl(client, url);
      expect(a.status).toBe(200);
      answers.add(a.zone);
    }
    expect([...answers].every((z) => z.startsWith('us-central1-'))).toBe(true);
  });
});
