/** The edge's small policies: when to retry, the replay buffer, trusted proxies, outlier ejection, the traffic split. */
import { describe, expect, it } from 'vitest';
import { EndpointTable } from '../../src/traffic/edge/endpoints.js';
import { TrustedProxies } from '../../src/traffic/edge/forwarded.js';
import { OutlierDetector } from '../../src/traffic/edge/health/outlier.js';
import { BodyBuffer, DEFAULT_RETRY, endpointFailure, mayRetry, retryEligible, type TryOutcome } from '../../src/traffic/edge/retry.js';
import { SplitWindow } from '../../src/traffic/edge/split.js';
import type { EdgeConfig, Endpoint } from '../../src/traffic/model.js';

describe('mayRetry', () => {
  const body = (replayable: boolean) => new BodyBuffer(replayable, 1024);
  const cases: [string, TryOutcome, boolean, BodyBuffer | null, number, number, boolean][] = [
    // what, outcome, idempotent, body, tries so far, of which could not connect (this one included), retried
    ['GET refused', 'connect_error', true, null, 1, 1, true],
    ['POST refused: nothing reached a backend', 'connect_error', false, body(false), 1, 1, true],
    ['POST connect timeout', 'connect_timeout', false, body(false), 1, 1, true],
    ['POST reset after it was sent', 'reset', false, body(false), 1, 0, false],
    ['POST without body reset after it was sent', 'reset', false, null, 1, 0, false],
    ['POST answered 503', 'retried_status', false, null, 1, 0, false],
    ['GET reset', 'reset', true, null, 1, 0, true],
    ['GET per-try timeout', 'timeout', true, null, 1, 0, true],
    ['GET answered 503', 'retried_status', true, null, 1, 0, true],
    ['GET whose endpoint was found dead', 'abandoned', true, null, 1, 0, true],
    ['PUT with a held body reset', 'reset', true, body(true), 1, 0, true],
    ['PUT with a body past the replay limit reset', 'reset', true, body(false), 1, 0, false],
    ['three tries reached a backend', 'reset', true, null, 3, 0, false],
    ['refusals do not use up the tries', 'connect_error', true, null, 6, 4, true],
    ['a reset after refusals', 'reset', true, null, 6, 4, true],
    ['up to the connect failure bound', 'connect_error', true, null, 8, 8, false],
    ['a successful try', 'success', true, null, 1, 0, false],
    ['client gone', 'aborted', true, null, 1, 0, false],
  ];
  for (const [what, outcome, idempotent, b, tries, connectFailures, want] of cases) {
    it(what, () => expect(mayRetry(outcome, { eligible: idempotent, body: b, tries, connectFailures, deadline: Infinity }, DEFAULT_RETRY, 0)).toBe(want));
  }

  it('not past the deadline', () => expect(mayRetry('connect_error', { eligible: true, body: null, tries: 1, connectFailures: 1, deadline: 100 }, DEFAULT_RETRY, 100)).toBe(false));

  it('what counts against an endpoint for outlier ejection', () => {
    const all: TryOutcome[] = ['success', 'retried_status', 'connect_error', 'connect_timeout', 'reset', 'timeout', 'protocol_error', 'abandoned', 'aborted'];
    // Abandoned: its endpoint was already found dead; aborted: the client or the deadline, not the endpoint.
    expect(all.filter(endpointFailure)).toEqual(['retried_status', 'connect_error', 'connect_timeout', 'reset', 'timeout', 'protocol_error']);
  });

  it('idempotent methods and Idempotency-Key', () => {
    expect(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'].every((m) => retryEligible(m, false))).toBe(true);
    expect(retryEligible('POST', false)).toBe(false);
    expect(retryEligible('PATCH', false)).toBe(false);
    expect(retryEligible('POST', true)).toBe(true);
  });
});

describe('BodyBuffer', () => {
  const drain = (b: BodyBuffer) => {
    const out: string[] = [];
    b.flush((c) => (out.push(c.toString()), true));
    return out.join('');
  };

  it('replays everything held after a rewind', () => {
    const b = new BodyBuffer(true, 100);
    b.push(Buffer.from('ab'));
    expect(drain(b)).toBe('ab');
    b.push(Buffer.from('cd'));
    expect(drain(b)).toBe('cd');
    b.rewind();
    expect(drain(b)).toBe('abcd');
    expect(b.replayable).toBe(true);
  });

  it('stops holding sent bytes past the limit, but keeps what was never sent', () => {
    const b = new BodyBuffer(true, 4);
    b.push(Buffer.from('abc'));
    expect(drain(b)).toBe('abc');
    b.push(Buffer.from('def'));
    expect(b.replayable).toBe(false);
    expect(b.unsentBytes).toBe(3);
    expect(drain(b)).toBe('def');
    b.rewind();
    expect(drain(b)).toBe('');
  });

  it('keeps unsent bytes of a non-replayable body until they are written', () => {
    const b = new BodyBuffer(false, 1024);
    b.push(Buffer.from('xy'));
    expect(b.hasUnsent).toBe(true);
    // A connect failure: nothing was written, the next try gets it all.
    b.rewind();
    expect(drain(b)).toBe('xy');
    expect(b.hasUnsent).toBe(false);
  });
});

describe('TrustedProxies', () => {
  const t = new TrustedProxies(['10.0.0.0/8', '192.168.1.1', '2001:db8::/32', 'bogus', '10.0.0.0/33']);
  it('reads CIDRs and single addresses, reports the rest', () => {
    expect(t.invalid).toEqual(['bogus', '10.0.0.0/33']);
    expect([t.has('10.1.2.3'), t.has('192.168.1.1'), t.has('192.168.1.2'), t.has('2001:db8::5'), t.has('2001:db9::5'), t.has('nonsense')]).toEqual([true, true, false, true, false, false]);
  });

  const cases: [string, string, boolean, string, string][] = [
    ['untrusted peer', '203.0.113.1', false, '1.2.3.4', '203.0.113.1'],
    ['trusted peer, no header', '10.0.0.1', true, '', '10.0.0.1'],
    ['right-most untrusted', '10.0.0.1', true, '1.1.1.1, 2.2.2.2, 10.9.9.9', '2.2.2.2'],
    ['all trusted: left-most', '10.0.0.1', true, '10.1.1.1, 192.168.1.1', '10.1.1.1'],
    ['IPv6 with brackets and port', '10.0.0.1', true, '[2001:db9::1]:443', '2001:db9::1'],
    ['malformed entry', '10.0.0.1', true, '1.1.1.1, nope', '10.0.0.1'],
  ];
  for (const [what, peer, trusted, xff, want] of cases) it(what, () => expect(t.client(peer, trusted, xff)).toBe(want));
});

describe('OutlierDetector', () => {
  const ep = (i: number, zone: string): Endpoint => ({ id: `c${i}/10.0.0.${i}:80`, cluster: `c${i}`, zone, address: `10.0.0.${i}`, port: 80, ready: true });
  const setup = (eps: Endpoint[]) => {
    const table = new EndpointTable({ idleTimeoutMs: 1000, maxIdle: 1 });
    const cfg: EdgeConfig = { routes: [{ hosts: [], path: { type: 'Prefix', value: '/' }, source: 't', backends: [{ weight: 1, backend: { key: 'k', namespace: 'n', service: 's', port: 80, endpoints: eps } }] }], certificates: [], locations: [], regions: {}, trustedProxies: [] };
    table.update(cfg);
    const ejected: string[] = [];
    const d = new OutlierDetector({ consecutiveFailures: 3, baseEjectionMs: 1000, maxEjectionMs: 2500, maxEjectedPercent: 50, forgetAfterMs: 10_000 }, table, (st) => ejected.push(st.ep.id));
    return { table, d, ejected, st: (e: Endpoint) => table.get(e.id)! };
  };

  it('ejects after consecutive failures, for base x ejections up to the cap, and forgets', () => {
    const a = ep(1, 'z1');
    const { d, st, table } = setup([a, ep(2, 'z2')]);
    const s = st(a);
    d.failure(s, 0);
    d.failure(s, 0);
    d.success(s);
    d.failure(s, 0);
    d.failure(s, 0);
    expect(s.ejected).toBe(false);
    d.failure(s, 0);
    expect([s.ejected, s.healthy, table.healthy(a), s.ejectedUntil]).toEqual([true, false, false, 1000]);
    d.sweep(999);
    expect(s.ejected).toBe(true);
    d.sweep(1000);
    expect([s.ejected, s.healthy]).toEqual([false, true]);
    for (let i = 0; i < 3; i++) d.failure(s, 2000);
    expect(s.ejectedUntil).toBe(4000);
    d.sweep(4000);
    for (let i = 0; i < 3; i++) d.failure(s, 5000);
    expect(s.ejectedUntil).toBe(7500);
    d.sweep(7500);
    // A long healthy stretch: back to one ejection's length.
    for (let i = 0; i < 3; i++) d.failure(s, 20_000);
    expect(s.ejectedUntil).toBe(21_000);
  });

  it('caps ejections per locality at half (at least one)', () => {
    const eps = [ep(1, 'z'), ep(2, 'z'), ep(3, 'z'), ep(4, 'z'), ep(5, 'other')];
    const { d, st, ejected } = setup(eps);
    for (const e of eps) for (let i = 0; i < 3; i++) d.failure(st(e), 0);
    expect(ejected).toEqual([eps[0]!.id, eps[1]!.id, eps[4]!.id]);
  });
});

describe('SplitWindow', () => {
  it('counts requests per cluster and tier over the last seconds', () => {
    const w = new SplitWindow(60);
    const t = 1_000_000_000;
    for (let i = 0; i < 3; i++) w.record('a', 'zone', t);
    w.record('b', 'remote', t + 500);
    w.record('a', 'zone', t - 5000);
    w.record('b', 'zone', t - 70_000);
    const s = w.split(2, t + 900);
    expect(s.total).toBe(4);
    expect(s.rows).toEqual([
      { cluster: 'a', tier: 'zone', requests: 3, share: 0.75 },
      { cluster: 'b', tier: 'remote', requests: 1, share: 0.25 },
    ]);
    expect(w.split(10, t).total).toBe(5);
    // Older than the ring is gone.
    expect(w.split(60, t).rows.find((r) => r.cluster === 'b' && r.tier === 'zone')).toBeUndefined();
  });
});

describe('AccessLog', () => {
  it('writes pino-format JSON lines, escaping what needs it', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { AccessLog } = await import('../../src/traffic/edge/access-log.js');
    const dir = mkdtempSync(join(tmpdir(), 'edge-log-'));
    try {
      const log = AccessLog.create(join(dir, 'a.log'));
      const base = { client: '10.0.0.1', location: { region: 'r"1' }, host: 'h\\x', path: '/p', method: 'GET', status: 200, cluster: 'c1', tier: 'zone', tries: 2, durationMs: 1.23456 };
      log.write(base);
      log.write({ ...base, location: {}, cluster: '', tier: '', status: 404, host: 'caf\u00e9.test' });
      await log.flush();
      const lines = readFileSync(join(dir, 'a.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ level: 30, client: '10.0.0.1', region: 'r"1', host: 'h\\x', path: '/p', method: 'GET', status: 200, cluster: 'c1', tier: 'zone', tries: 2, duration_ms: 1.235 });
      expect(typeof lines[0].time).toBe('number');
      expect(lines[1]).toEqual({ level: 30, time: lines[1].time, client: '10.0.0.1', host: 'caf\u00e9.test', path: '/p', method: 'GET', status: 404, tries: 2, duration_ms: 1.235 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('EndpointTable', () => {
  const ep = (i: number, ready = true): Endpoint => ({ id: `c${i}/10.0.1.${i}:80`, cluster: `c${i}`, zone: 'z', address: `10.0.1.${i}`, port: 80, ready });
  const cfg = (eps: Endpoint[]): EdgeConfig => ({ routes: [{ hosts: [], path: { type: 'Prefix', value: '/' }, source: 't', backends: [{ weight: 1, backend: { key: 'k', namespace: 'n', service: 's', port: 80, endpoints: eps } }] }], certificates: [], locations: [], regions: {}, trustedProxies: [] });

  it('keeps state by endpoint id across snapshots, follows readiness, drops what is gone', () => {
    const t = new EndpointTable({ idleTimeoutMs: 1000, maxIdle: 1 });
    const first = t.update(cfg([ep(1), ep(2)]));
    expect(first.added).toHaveLength(2);
    const s1 = t.get(ep(1).id)!;
    s1.ejected = true;
    s1.refresh();
    const second = t.update(cfg([ep(1, false), ep(3)]));
    expect(second.added.map((s) => s.ep.id)).toEqual([ep(3).id]);
    expect(second.removed.map((s) => s.ep.id)).toEqual([ep(2).id]);
    expect(t.get(ep(1).id)).toBe(s1);
    expect([s1.ejected, s1.ep.ready, s1.condition, t.healthy(ep(1, false))]).toEqual([true, false, 'not_ready', false]);
    // An endpoint the table does not know: its own readiness.
    expect(t.healthy(ep(9))).toBe(true);
    expect(t.localitySize('zone/z')).toBe(2);
  });
});
