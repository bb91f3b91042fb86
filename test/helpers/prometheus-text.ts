/**
 * A strict reader of the Prometheus text exposition format (0.0.4), written from the format's
 * specification, for tests that scrape our components. It rejects what Prometheus would refuse
 * or misread: malformed names, label sets and values, bad escapes, a TYPE after its samples or
 * given twice, a family's samples split, duplicate series, and histograms whose buckets are not
 * cumulative, lack +Inf or disagree with their _count.
 *
 * (The npm parsers looked at, parse-prometheus-text-format 1.1.1 and exposition 1.2.0, merge
 * the series of a labelled histogram into one, so they cannot read kube-apiserver's metrics.)
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (x_bucket, x_sum, x_count for a histogram x). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

export interface HistogramSeries {
  labels: Record<string, string>;
  /** [upper bound, cumulative count], ascending, +Inf last. */
  buckets: [number, number][];
  sum: number;
  count: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(s: string, line: number): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`line ${line}: bad value "${s}"`);
  return Number(s);
}

/** Reads `{a="x",b="y"}` from `text` at `i` (just after the metric name); returns the labels and where it ended. */
function parseLabels(text: string, i: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  if (text[i] !== '{') return [labels, i];
  i++;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return [labels, i + 1];
    let j = i;
    while (j < text.length && /[a-zA-Z0-9_]/.test(text[j]!)) j++;
    const name = text.slice(i, j);
    if (!LABEL.test(name)) throw new Error(`line ${line}: bad label name "${name}"`);
    if (name in labels) throw new Error(`line ${line}: label "${name}" given twice`);
    i = j;
    while (text[i] === ' ') i++;
    if (text[i] !== '=' || text[i + 1] !== '"') throw new Error(`line ${line}: expected ="..." after label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const n = text[i + 1];
        if (n === '\\') value += '\\';
        else if (n === '"') value += '"';
        else if (n === 'n') value += '\n';
        else throw new Error(`line ${line}: bad escape \\${n ?? ''} in a label value`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[name] = value;
    i++;
    while (text[i] === ' ') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`line ${line}: expected , or } after label ${name}`);
  }
}

function unescapeHelp(s: string, line: number): string {
  return s.replace(/\\(.?)/g, (_m, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new Error(`line ${line}: bad escape \\${c} in HELP`);
  });
}

/** The family a sample name belongs to, given the families typed so far. */
function familyOf(name: string, types: Map<string, MetricType>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = types.get(base);
    if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const types = new Map<string, MetricType>();
  const helps = new Map<string, string>();
  const done = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  const lines = text.split('\n');
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!m) return; // a comment
      const [, kw, name, rest = ''] = m;
      if (!NAME.test(name!)) throw new Error(`line ${line}: bad metric name "${name}"`);
      if (families.has(name!) && families.get(name!)!.samples.length > 0) throw new Error(`line ${line}: ${kw} of ${name} after its samples`);
      if (kw === 'TYPE') {
        const t = rest.trim() as MetricType;
        if (!TYPES.has(t)) throw new Error(`line ${line}: unknown type "${rest}"`);
        if (types.has(name!)) throw new Error(`line ${line}: second TYPE of ${name}`);
        types.set(name!, t);
        // Declared: a labelled metric with no series yet is still exported.
        if (!families.has(name!)) families.set(name!, { name: name!, type: t, ...(helps.has(name!) ? { help: helps.get(name!)! } : {}), samples: [] });
      } else {
        if (helps.has(name!)) throw new Error(`line ${line}: second HELP of ${name}`);
        helps.set(name!, unescapeHelp(rest, line));
        const f = families.get(name!);
        if (f) f.help = helps.get(name!)!;
      }
      return;
    }
    let i = 0;
    while (i < raw.length && /[a-zA-Z0-9_:]/.test(raw[i]!)) i++;
    const name = raw.slice(0, i);
    if (!NAME.test(name)) throw new Error(`line ${line}: bad metric name in "${raw}"`);
    const [labels, end] = parseLabels(raw, i, line);
    const parts = raw.slice(end).trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw new Error(`line ${line}: expected a value (and a timestamp) in "${raw}"`);
    const value = parseValue(parts[0]!, line);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${line}: bad timestamp "${parts[1]}"`);
    const fam = familyOf(name, types);
    if (fam !== current) {
      if (done.has(fam)) throw new Error(`line ${line}: the samples of ${fam} are not together`);
      if (current !== undefined) done.add(current);
      current = fam;
    }
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`line ${line}: duplicate series ${raw}`);
    series.add(key);
    let f = families.get(fam);
    if (!f) families.set(fam, (f = { name: fam, type: types.get(fam) ?? 'untyped', ...(helps.has(fam) ? { help: helps.get(fam)! } : {}), samples: [] }));
    if (f.type === 'histogram' && name === `${fam}_bucket` && labels.le === undefined) throw new Error(`line ${line}: a bucket without le`);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') histogramSeries(f);
  return families;
}

/** The series of a histogram family, checked: buckets ascending and cumulative, +Inf equal to _count. */
export function histogramSeries(f: Family): HistogramSeries[] {
  if (f.type !== 'histogram') throw new Error(`${f.name} is a ${f.type}, not a histogram`);
  const by = new Map<string, HistogramSeries>();
  const of = (labels: Record<string, string>) => {
    const { le: _le, ...rest } = labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let s = by.get(key);
    if (!s) by.set(key, (s = { labels: rest, buckets: [], sum: NaN, count: NaN }));
    return s;
  };
  for (const x of f.samples) {
    const s = of(x.labels);
    if (x.name === `${f.name}_bucket`) s.buckets.push([parseValue(x.labels.le!, 0), x.value]);
    else if (x.name === `${f.name}_sum`) s.sum = x.value;
    else if (x.name === `${f.name}_count`) s.count = x.value;
    else throw new Error(`${f.name}: unexpected sample ${x.name}`);
  }
  for (const s of by.values()) {
    const where = `${f.name}${JSON.stringify(s.labels)}`;
    for (let i = 1; i < s.buckets.length; i++) {
      if (!(s.buckets[i]![0] > s.buckets[i - 1]![0])) throw new Error(`${where}: buckets not in ascending order`);
      if (s.buckets[i]![1] < s.buckets[i - 1]![1]) throw new Error(`${where}: bucket counts not cumulative`);
    }
    const last = s.buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${where}: no +Inf bucket`);
    if (last[1] !== s.count) throw new Error(`${where}: +Inf bucket ${last[1]} but _count ${s.count}`);
    if (Number.isNaN(s.sum)) throw new Error(`${where}: no _sum`);
  }
  return [...by.values()];
}

/** A parsed scrape with lookups. */
export class Scrape {
  readonly families: Map<string, Family>;

  constructor(readonly text: string) {
    this.families = parsePrometheusText(text);
  }

  has(name: string): boolean {
    return this.families.has(name);
  }

  family(name: string): Family {
    const f = this.families.get(name);
    if (!f) throw new Error(`no metric ${name} in the scrape`);
    return f;
  }

  /** Samples of a counter, gauge or untyped family whose labels include `match`. */
  samples(name: string, match: Record<string, string> = {}): Sample[] {
    return (this.families.get(name)?.samples ?? []).filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v));
  }

  /** The sum of the matching samples' values (0 when none). */
  sum(name: string, match: Record<string, string> = {}): number {
    return this.samples(name, match).reduce((a, s) => a + s.value, 0);
  }

  histograms(name: string, match: Record<string, string> = {}): HistogramSeries[] {
    const f = this.families.get(name);
    return f ? histogramSeries(f).filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v)) : [];
  }

  /** Every name a PromQL expression could select: each family's (x_bucket, x_sum, x_count for histograms and summaries) and each sample's. */
  seriesNames(): Set<string> {
    const names = new Set<string>();
    for (const f of this.families.values()) {
      if (f.type === 'histogram' || f.type === 'summary') for (const suffix of f.type === 'histogram' ? ['_bucket', '_sum', '_count'] : ['', '_sum', '_count']) names.add(f.name + suffix);
      else names.add(f.name);
      for (const s of f.samples) names.add(s.name);
    }
    return names;
  }
}
