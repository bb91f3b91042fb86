/**
 * The Grafana dashboard and the Prometheus alert rules are well formed: the JSON and YAML
 * parse, panels and rules carry what Grafana and Prometheus need, and every expression parses
 * with Prometheus' PromQL grammar. (test/e2e/metrics.test.ts checks that the metric names they
 * use are exported.)
 */
import { describe, expect, it } from 'vitest';
import { monitoringExpressions, panels, promqlMetricNames, readAlerts, readDashboard } from '../helpers/monitoring-assets.js';

describe('Grafana dashboard', () => {
  const d = readDashboard();
  const all = panels(d);

  it('is a dashboard with a data source variable and unique panel ids', () => {
    expect(d.title).toBe('Kubefed');
    expect(d.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(d.templating?.list?.find((v) => v.type === 'datasource')?.name).toBe('datasource');
    const ids = all.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    const boxes = all.map((p) => ({ t: p.title, ...p.gridPos! }));
    for (const b of boxes) expect(b.x >= 0 && b.w > 0 && b.x + b.w <= 24 && b.h > 0, b.t).toBe(true);
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1)) expect(a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h, `${a.t} overlaps ${b.t}`).toBe(false);
  });

  it('gives every graph a query with a unique refId', () => {
    for (const p of all.filter((x) => x.type !== 'row')) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      const refs = p.targets!.map((t) => t.refId);
      expect(new Set(refs).size, p.title).toBe(refs.length);
    }
  });

  it('covers the API server, queues, clusters, propagation, writes, leaders, the edge and DNS', () => {
    const names = new Set(monitoringExpressions().filter((e) => e.where.startsWith('dashboard')).flatMap((e) => promqlMetricNames(e.expr)));
    for (const n of ['apiserver_request_total', 'apiserver_request_duration_seconds_bucket', 'workqueue_depth', 'cluster_ready_state', 'kubefed_propagation_latency_seconds_bucket', 'kubefed_member_writes_total', 'leader_election_master_status', 'kubefed_edge_requests_total', 'kubefed_dns_queries_total']) expect(names.has(n), n).toBe(true);
  });
});

describe('Prometheus alert rules', () => {
  const rules = (readAlerts().groups ?? []).flatMap((g) => {
    expect(g.name).toMatch(/^kubefed\./);
    return g.rules ?? [];
  });

  it('are alerts with a duration, a severity and a summary', () => {
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) {
      expect(r.alert, JSON.stringify(r)).toMatch(/^Kubefed[A-Za-z]+$/);
      expect(typeof r.expr, r.alert).toBe('string');
      expect(r.for, r.alert).toMatch(/^\d+[smhd]$/);
      expect(['info', 'warning', 'critical'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('alert on a cluster not ready for 5 minutes, failing propagation, queues backing up, no leader and edge 5xx', () => {
    const by = new Map(rules.map((r) => [r.alert!, r]));
    expect(by.get('KubefedClusterNotReady')).toMatchObject({ expr: 'cluster_ready_state == 0', for: '5m' });
    for (const a of ['KubefedPropagationFailing', 'KubefedWorkQueueBackingUp', 'KubefedNoLeader', 'KubefedEdgeErrorRatio']) expect(by.has(a), a).toBe(true);
  });
});

describe('PromQL of the dashboard and the rules', () => {
  it.each(monitoringExpressions().map((e) => [e.where, e.expr]))('%s parses and selects metrics', (_where, expr) => {
    expect(promqlMetricNames(expr).length).toBeGreaterThan(0);
  });

  it('rejects what Prometheus would reject', () => {
    expect(() => promqlMetricNames('sum(rate(x[5m])')).toThrow(/syntax error/);
    expect(() => promqlMetricNames('rate(x{a="b"[5m])')).toThrow(/syntax error/);
    expect(promqlMetricNames('histogram_quantile(0.9, sum by (le) (rate(a_bucket{x="1"}[5m]))) / on() group_left b')).toEqual(['a_bucket', 'b']);
  });
});
