/**
 * The global edge keeps serving through outages: a steady stream of GETs from a client in
 * us-central1-a while, in turn, that zone's cluster is stopped, blackholed, its zone failed and
 * its whole region failed, each followed by recovery. Every request must succeed; after each
 * fault the answers come from elsewhere (the same region's other zone, or the next closest
 * region for a region failure) and after recovery from us-central1-a again. Six playground
 * clusters (two zones in each of us-central1, europe-west1, asia-east1) with the in-process edge.
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const HOME = 'gce-us-central1-a';
const SAME_REGION = 'gce-us-central1-b';
const WAIT = 30_000;
let fp: FederatedPlayground;

interface Sample {
  at: number;
  ok: boolean;
  cluster: string;
  error?: string;
}

/** GETs one after another (keep-alive) from a client address, recording who answered. */
class Stream {
  readonly samples: Sample[] = [];
  private running = true;
  private readonly agent: Agent;
  private done: Promise<void>;

  constructor(address: string, source: string) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 4, localAddress: source });
    this.done = (async () => {
      while (this.running) {
        this.samples.push(await this.get(address));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
  }

  private get(address: string): Promise<Sample> {
    const at = Date.now();
    return new Promise((resolve) => {
      const req = request({ host: address, port: 80, path: '/', agent: this.agent, timeout: 20_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve({ at, ok: res.statusCode === 200, cluster: String(res.headers['x-kubefed-cluster'] ?? ''), ...(res.statusCode !== 200 ? { error: `HTTP ${res.statusCode}` } : {}) }));
      });
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', (e) => resolve({ at, ok: false, cluster: '', error: e.message }));
      req.end();
    });
  }

  /** Waits until `n` answers in a row satisfy `test`; returns their first index. */
  async until(test: (s: Sample) => boolean, what: string, n = 20): Promise<number> {
    return eventually(() => {
      const s = this.samples;
      for (let i = Math.max(0, s.length - n); i < s.length && s.length >= n; i++) if (!test(s[i]!)) return undefined;
      return s.length >= n ? s.length - n : undefined;
    }, what, WAIT, 20);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    this.agent.destroy();
  }
}

const failures = (s: Stream) => s.samples.filter((x) => !x.ok);
const clientIn = (cluster: string) => `127.${fp.pg.cluster(cluster).spec.octet}.250.1`;

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: 6, nodes: 1, firstOctet: reserveOctets(6), edge: true });
  await fp.ok(['--context=federation', 'create', 'deployment', 'web', '--image=nginx', '--replicas=12']);
  await fp.ok(['--context=federation', 'expose', 'deployment', 'web', '--port=80']);
  await fp.ok(['--context=federation', 'create', 'ingress', 'web', '--rule=/*=web:80']);
  await fp.ok(['--context=federation', 'rollout', 'status', 'deployment/web', '--timeout=60s']);
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('the edge through outages', () => {
  it('serves every request through stop, blackhole, zone and region failures, and returns after each recovery', async () => {
    const stream = new Stream(fp.edgeAddress, clientIn(HOME));
    try {
      await stream.until((s) => s.ok && s.cluster === HOME, 'answers from the client zone');
      const faults: { name: string; fail: () => Promise<unknown> | unknown; restore: () => Promise<unknown> | unknown; elsewhere: (c: string) => boolean }[] = [
        { name: 'cluster stop', fail: () => fp.pg.stopCluster(HOME), restore: () => fp.pg.startCluster(HOME), elsewhere: (c) => c === SAME_REGION },
        { name: 'cluster blackhole', fail: () => fp.pg.blackholeCluster(HOME), restore: () => fp.pg.startCluster(HOME), elsewhere: (c) => c === SAME_REGION },
        { name: 'zone fail', fail: () => fp.pg.setZone('us-central1-a', false), restore: () => fp.pg.setZone('us-central1-a', true), elsewhere: (c) => c === SAME_REGION },
        { name: 'region fail', fail: () => fp.pg.setRegion('us-central1', false), restore: () => fp.pg.setRegion('us-central1', true), elsewhere: (c) => c.startsWith('gce-europe-west1-') },
      ];
      for (const f of faults) {
        await f.fail();
        await stream.until((s) => s.ok && f.elsewhere(s.cluster), `${f.name}: answers from the next closest place`);
        await f.restore();
        await stream.until((s) => s.ok && s.cluster === HOME, `${f.name} restored: answers from the client zone again`);
      }
    } finally {
      await stream.stop();
    }
    expect(failures(stream)).toEqual([]);
    expect(stream.samples.length).toBeGreaterThan(100);
  }, 240_000);
});
