/**
 * The Grafana dashboard and the Prometheus alert rules in deploy/, read for tests: their PromQL
 * expressions, parsed with the Prometheus project's own PromQL grammar (@prometheus-io/lezer-promql,
 * what the Prometheus UI parses with) to find syntax errors and the metric names they select.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';

export const DASHBOARD = fileURLToPath(new URL('../../deploy/grafana/kubefed-dashboard.json', import.meta.url));
export const ALERTS = fileURLToPath(new URL('../../deploy/prometheus/kubefed-alerts.yaml', import.meta.url));

export interface GrafanaPanel {
  id?: number;
  title?: string;
  type?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: { expr?: string; refId?: string; legendFormat?: string }[];
  panels?: GrafanaPanel[];
}

export interface AlertRule {
  alert?: string;
  record?: string;
  expr?: unknown;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function readDashboard(): { title?: string; uid?: string; panels?: GrafanaPanel[]; templating?: { list?: { name?: string; type?: string }[] } } {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8'));
}

export function readAlerts(): { groups?: { name?: string; rules?: AlertRule[] }[] } {
  return parseYaml(readFileSync(ALERTS, 'utf8'));
}

/** Every panel, rows' nested panels included. */
export function panels(d = readDashboard()): GrafanaPanel[] {
  return (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every PromQL expression of the dashboard and the rules, with where it is. */
export function monitoringExpressions(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of panels()) for (const t of p.targets ?? []) if (t.expr) out.push({ where: `dashboard panel "${p.title}" ${t.refId ?? ''}`.trim(), expr: t.expr });
  for (const g of readAlerts().groups ?? []) for (const r of g.rules ?? []) out.push({ where: `rule ${r.alert ?? r.record}`, expr: String(r.expr) });
  return out;
}

/** The metric names an expression selects; throws when the expression does not parse. */
export function promqlMetricNames(expr: string): string[] {
  const tree = parser.parse(expr);
  const names = new Set<string>();
  const errors: number[] = [];
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(n.from);
      if (n.name === 'Identifier' && n.node.parent?.name === 'VectorSelector') names.add(expr.slice(n.from, n.to));
    },
  });
  if (errors.length) throw new Error(`PromQL syntax error at ${errors[0]}: ${expr}`);
  return [...names];
}
