/**
 * Workloads and every federated object: one row per object with placement, per-cluster
 * desired/ready replicas and propagation status; the trace page follows one object from the
 * federation through its placement decision and overrides to each member's copy.
 */
import { useEffect, useState } from 'preact/hooks';
import { dash, itemsOf, k8s, useAccess, useCollections, type Collection } from './api.js';
import { Badge, CollectionNote, Denied, ErrorNote, Json, Section, ask, fieldErrors, Head } from './components.js';
import { EventsTable } from './events.js';
import { desiredReplicas, dividesReplicas, drifted, federatedPath, federatedRows, federatedTypes, objectPath, PATHS, placedIn, pointer, rowHref, targetPath, type ClusterRecord, type FederatedTypeInfo, type Row } from './model.js';

/** Rows of every federated object, live. */
function useRows(): { rows: Row[]; records: Collection; types: FederatedTypeInfo[] } {
  const [ftcs, records] = useCollections([PATHS.typeConfigs, PATHS.records]);
  const types = federatedTypes(itemsOf(ftcs!));
  const paths = types.flatMap((t) => [targetPath(t), federatedPath(t)]);
  const cols = useCollections(paths);
  const byPath = new Map(paths.map((p, i) => [p, cols[i]!]));
  const rows = federatedRows(types, itemsOf(records!), (t, fed) => byPath.get(fed ? federatedPath(t) : targetPath(t))?.items ?? new Map());
  return { rows, records: records!, types };
}

const tone = (status: string) => (status === 'Ok' ? 'ok' : status === 'NotSelected' ? 'muted' : status === 'ClusterNotReady' || /Failed|TimedOut/.test(status) ? 'bad' : 'warn');

/** Chips per cluster in a row; past this many, the clusters that are Ok (and run nothing, for a divided workload) are counted, not listed. */
const CHIPS = 12;

function PerCluster(p: { clusters: ClusterRecord[]; divided: boolean; href?: string }) {
  const quiet = (c: ClusterRecord) => c.status === 'Ok' && (!p.divided || !c.replicas);
  const many = p.clusters.length > CHIPS;
  const listed = many ? p.clusters.filter((c) => !quiet(c)) : p.clusters;
  const shown = listed.slice(0, CHIPS);
  const rest = p.clusters.length - shown.length;
  return (
    <ul class="percluster">
      {shown.map((c) => (
        <li key={c.name} data-cluster={c.name} title={`${c.name}: ${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? ` — ${c.message}` : ''}`}>
          <Badge tone={tone(c.status)}>
            {c.name}
            {p.divided && c.replicas !== undefined ? ` ${c.readyReplicas ?? 0}/${c.replicas}` : ''}
          </Badge>
        </li>
      ))}
      {rest > 0 && (
        <li class="muted">
          <a href={p.href}>
            {shown.length > 0 ? `+${rest} more` : `${rest} clusters`}
            {p.clusters.slice(shown.length).every((c) => c.status === 'Ok') ? ', Ok' : ''}
          </a>
        </li>
      )}
    </ul>
  );
}

/** Rows rendered at first (a table of thousands of rows takes the browser seconds to lay out); more on request. */
const PAGE = 200;

export function WorkloadsView() {
  const { rows, records, types } = useRows();
  const [events] = useCollections([PATHS.events]);
  const eventCounts = new Map<string, { all: number; warnings: number }>();
  for (const e of events!.items.values()) {
    const k = `${e.involvedObject?.kind}/${e.involvedObject?.namespace ?? ''}/${e.involvedObject?.name}`;
    const n = eventCounts.get(k) ?? { all: 0, warnings: 0 };
    n.all++;
    if (e.type === 'Warning') n.warnings++;
    eventCounts.set(k, n);
  }
  const [kind, setKind] = useState('');
  const [text, setText] = useState('');
  const [limit, setLimit] = useState(PAGE);
  const matching = rows.filter((r) => (!kind || r.type.name === kind) && (!text || `${r.namespace}/${r.name}`.includes(text)));
  const shown = matching.slice(0, limit);
  return (
    <main>
      <h1>Workloads and federated objects</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="filter objects">
        <label>
          Type{' '}
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="">all</option>
            {types.map((t) => (
              <option key={t.name} value={t.name}>
                {t.target.kind}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name <input type="search" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} placeholder="namespace/name" />
        </label>
        <span class="muted">
          {matching.length} of {rows.length}
        </span>
      </form>
      <CollectionNote c={records} what="propagation records" />
      <div class="scroll">
        <table aria-label="federated objects">
          <Head cols={['Kind', 'Object', 'Style', 'Replicas (ready/desired)', 'Clusters (ready/replicas, status)', 'Drift', 'Events']} />
          <tbody>
            {shown.map((r) => {
              const placed = placedIn(r);
              const divided = dividesReplicas(r.type);
              const ready = placed.reduce((a, c) => a + (c.readyReplicas ?? 0), 0);
              const bad = drifted(r);
              return (
                <tr key={`${r.type.name}/${r.namespace}/${r.name}`} data-object={`${r.type.target.kind}/${r.namespace}/${r.name}`}>
                  <td>{r.type.target.kind}</td>
                  <th scope="row">
                    <a href={rowHref(r)}>{r.namespace ? `${r.namespace}/${r.name}` : r.name}</a>
                  </th>
                  <td>{r.style === 'federated' ? r.type.federated.kind : 'plain'}</td>
                  <td class="replicas">{divided ? `${ready}/${desiredReplicas(r) ?? '-'}` : '-'}</td>
                  <td>
                    <PerCluster clusters={placed} divided={divided} href={rowHref(r)} />
                  </td>
                  <td>{bad.length === 0 ? <Badge tone="ok">in sync</Badge> : bad.map((c) => `${c.name}: ${c.status}`).join(', ')}</td>
                  <td>
                    <EventCount n={[r.type.target.kind, r.type.federated.kind].map((k) => eventCounts.get(`${k}/${r.namespace}/${r.name}`)).reduce((a, b) => ({ all: (a?.all ?? 0) + (b?.all ?? 0), warnings: (a?.warnings ?? 0) + (b?.warnings ?? 0) }), undefined)} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {matching.length > shown.length && (
        <p class="actions">
          <span class="muted">
            {shown.length} of {matching.length} shown.
          </span>
          <button type="button" onClick={() => setLimit(limit + PAGE)}>
            Show {Math.min(PAGE, matching.length - shown.length)} more
          </button>
          <button type="button" onClick={() => setLimit(matching.length)}>
            Show all
          </button>
        </p>
      )}
    </main>
  );
}

function EventCount(p: { n?: { all: number; warnings: number } }) {
  if (!p.n?.all) return <span class="muted">-</span>;
  return p.n.warnings ? <Badge tone="warn">{`${p.n.all} (${p.n.warnings} warning${p.n.warnings > 1 ? 's' : ''})`}</Badge> : <span>{p.n.all}</span>;
}

/** A number to scale to, then confirmation. */
function ScaleForm(p: { current?: number; onScale: (n: number) => void }) {
  const [n, setN] = useState(String(p.current ?? 0));
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        p.onScale(Number(n));
      }}
    >
      <label>
        Replicas <input type="number" min="0" value={n} onInput={(e) => setN((e.target as HTMLInputElement).value)} aria-label="replicas" />
      </label>
      <button type="submit" disabled={!/^\d+$/.test(n)}>
        Scale…
      </button>
    </form>
  );
}

/** Placement and overrides as JSON, saved with one JSON patch; the API's errors show under their field. */
function PlacementEditor(p: { row: Row; path: string }) {
  const { row } = p;
  const federated = row.style === 'federated';
  const fields = federated
    ? [
        { key: 'placement', label: 'spec.placement', value: row.source?.spec?.placement, path: '/spec/placement', prefix: 'spec.placement' },
        { key: 'overrides', label: 'spec.overrides', value: row.source?.spec?.overrides, path: '/spec/overrides', prefix: 'spec.overrides' },
      ]
    : [
        { key: 'selector', label: 'cluster selector annotation', value: row.source?.metadata?.annotations?.['federation.alpha.kubernetes.io/cluster-selector'], path: '/metadata/annotations/federation.alpha.kubernetes.io~1cluster-selector', prefix: 'metadata.annotations' },
        {
          key: 'prefs',
          label: 'replica preferences annotation',
          value: row.source?.metadata?.annotations?.[row.type.target.kind === 'Deployment' ? 'federation.kubernetes.io/deployment-preferences' : 'federation.kubernetes.io/replica-set-preferences'],
          path: `/metadata/annotations/${row.type.target.kind === 'Deployment' ? 'federation.kubernetes.io~1deployment-preferences' : 'federation.kubernetes.io~1replica-set-preferences'}`,
          prefix: 'metadata.annotations',
        },
      ];
  const initial = Object.fromEntries(fields.map((f) => [f.key, f.value === undefined ? '' : typeof f.value === 'string' ? f.value : JSON.stringify(f.value, null, 2)]));
  const [text, setText] = useState<Record<string, string>>(initial);
  const [error, setError] = useState<unknown>();
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = () => {
    const ops: unknown[] = [];
    const bad: Record<string, string> = {};
    if (!federated && row.source?.metadata?.annotations === undefined) ops.push({ op: 'add', path: '/metadata/annotations', value: {} });
    for (const f of fields) {
      const t = (text[f.key] ?? '').trim();
      if (!t) {
        if (f.value !== undefined) ops.push({ op: 'remove', path: f.path });
        continue;
      }
      if (federated) {
        try {
          ops.push({ op: 'add', path: f.path, value: JSON.parse(t) });
        } catch (e) {
          bad[f.key] = `not JSON: ${(e as Error).message}`;
        }
      } else ops.push({ op: 'add', path: f.path, value: t });
    }
    setLocal(bad);
    setError(undefined);
    if (Object.keys(bad).length > 0) return;
    ask({
      title: `Save placement of ${row.name}?`,
      detail: <Json value={ops} label="the patch" />,
      confirm: 'Save',
      run: () => k8s('PATCH', p.path, ops, 'application/json-patch+json').catch((e) => (setError(e), Promise.reject(e))),
    });
  };
  return (
    <form
      class="editor"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      {fields.map((f) => {
        const errs = [...(local[f.key] ? [local[f.key]!] : []), ...fieldErrors(error, f.prefix)];
        return (
          <label key={f.key} class="field">
            <span>{f.label}</span>
            <textarea rows={6} value={text[f.key]} onInput={(e) => setText({ ...text, [f.key]: (e.target as HTMLTextAreaElement).value })} aria-invalid={errs.length > 0} data-field={f.prefix} />
            {errs.length > 0 && (
              <span class="error field-error" role="alert">
                {errs.join('; ')}
              </span>
            )}
          </label>
        );
      })}
      {error !== undefined && fieldErrors(error, '').length === 0 && <ErrorNote error={error} />}
      <button type="submit">Save placement…</button>
    </form>
  );
}

/** One member's copy, read with the user's context for that cluster; a slow member shows its own error only. */
function MemberCopy(p: { cluster: string; path: string; version: string; overrides: { op: string; path: string; value?: unknown }[]; divided: boolean; rec: ClusterRecord }) {
  const [copy, setCopy] = useState<{ obj?: any; error?: string }>({});
  useEffect(() => {
    let live = true;
    dash('GET', `/members/${encodeURIComponent(p.cluster)}${p.path}`).then(
      (obj) => live && setCopy({ obj }),
      (e: Error) => live && setCopy({ error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [p.cluster, p.path, p.version]);
  const o = copy.obj;
  return (
    <tr data-cluster={p.cluster}>
      <th scope="row">{p.cluster}</th>
      <td>
        <Badge tone={tone(p.rec.status)}>{p.rec.status}</Badge> {p.rec.message && <span class="muted">{p.rec.message}</span>}
      </td>
      <td>{p.divided ? `${p.rec.replicas ?? '-'} (${p.rec.reason ?? '-'})` : '-'}</td>
      <td>{copy.error ? <span class="muted">{copy.error}</span> : o ? (p.divided ? `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? '-'} ready` : `rv ${o.metadata?.resourceVersion}`) : '…'}</td>
      <td class="overrides">
        {p.overrides.length === 0
          ? '-'
          : p.overrides.map((x) => {
              const now = o ? pointer(o, x.path) : undefined;
              const applied = o && (x.op === 'remove' ? now === undefined : JSON.stringify(now) === JSON.stringify(x.value));
              return (
                <div key={x.path} data-override={x.path}>
                  <code>
                    {x.op} {x.path}
                    {x.op !== 'remove' ? ` = ${JSON.stringify(x.value)}` : ''}
                  </code>{' '}
                  {o && <Badge tone={applied ? 'ok' : 'warn'}>{applied ? 'applied' : `member has ${JSON.stringify(now)}`}</Badge>}
                </div>
              );
            })}
      </td>
    </tr>
  );
}

export function ObjectDetail(p: { type: string; namespace: string; name: string }) {
  const { rows, types, records } = useRows();
  const [events] = useCollections([PATHS.events]);
  const type = types.find((t) => t.name === p.type);
  const row = rows.find((r) => r.type.name === p.type && r.namespace === p.namespace && r.name === p.name);
  const federated = row?.style === 'federated';
  const nsOf = type?.target.namespaced ? p.namespace : undefined;
  const resource = type ? (federated ? { group: type.federated.group, resource: type.federated.plural } : { group: type.target.group, resource: type.target.plural }) : undefined;
  const scaleAccess = useAccess(resource && row && type && dividesReplicas(type) ? { verb: 'patch', ...resource, ...(federated ? {} : { subresource: 'scale' }), ...(nsOf ? { namespace: nsOf } : {}) } : undefined);
  const editAccess = useAccess(resource && row ? { verb: 'patch', ...resource, ...(nsOf ? { namespace: nsOf } : {}) } : undefined);
  const mayScale = scaleAccess === true;
  const mayEdit = editAccess === true;
  if (!type || !row) {
    return (
      <main>
        <h1>
          {p.namespace ? `${p.namespace}/` : ''}
          {p.name}
        </h1>
        <CollectionNote c={records} what="propagation records" />
        {records.state === 'ok' && <p>Not propagated (yet): no placement is recorded for this object.</p>}
      </main>
    );
  }
  const sourcePath = federated ? objectPath(type.federated, p.namespace, p.name) : objectPath(type.target, p.namespace, p.name);
  const memberPath = objectPath(type.target, p.namespace, p.name);
  const divided = dividesReplicas(type);
  const overrides: { clusterName: string; clusterOverrides: { op: string; path: string; value?: unknown }[] }[] = federated ? (row.source?.spec?.overrides ?? []) : [];
  const scale = (n: number) =>
    ask({
      title: `Scale ${type.target.kind} ${p.name} to ${n}?`,
      detail: <p>The federation divides the replicas between the clusters again.</p>,
      confirm: 'Scale',
      run: () => (federated ? k8s('PATCH', sourcePath, { spec: { template: { spec: { replicas: n } } } }, 'application/merge-patch+json') : k8s('PATCH', `${sourcePath}/scale`, { spec: { replicas: n } }, 'application/merge-patch+json')),
    });
  const placed = placedIn(row);
  const objEvents = itemsOf(events!).filter((e) => e.involvedObject?.name === p.name && (e.involvedObject?.namespace ?? '') === (nsOf ?? '') && (e.involvedObject?.kind === type.target.kind || e.involvedObject?.kind === type.federated.kind));
  return (
    <main>
      <h1>
        {type.target.kind} {p.namespace ? `${p.namespace}/` : ''}
        {p.name}
      </h1>
      <ol class="trace" aria-label="trace">
        <li>
          <Section title="At the federation">
            <dl class="facts">
              <dt>Object</dt>
              <dd>
                {federated ? type.federated.kind : `${type.target.kind} (plain, Federation v1 style)`} · generation {row.source?.metadata?.generation ?? '-'}
              </dd>
              {divided && (
                <>
                  <dt>Replicas</dt>
                  <dd data-testid="desired">{desiredReplicas(row) ?? '-'}</dd>
                </>
              )}
            </dl>
            <Denied what="scale" allowed={divided ? scaleAccess : undefined} />
            {mayScale && divided && <ScaleForm current={desiredReplicas(row)} onScale={scale} />}
          </Section>
        </li>
        <li>
          <Section title="Placement decision and overrides">
            <PlacementSummary row={row} />
            <Denied what="placement" allowed={editAccess} />
            {mayEdit && <PlacementEditor row={row} path={sourcePath} />}
          </Section>
        </li>
        <li>
          <Section title="In each member">
            <div class="scroll">
              <table aria-label="member copies">
                <Head cols={['Cluster', 'Propagation', 'Planned replicas (reason)', 'Member\'s copy', 'Overrides']} />
                <tbody>
                  {placed.map((c) => (
                    <MemberCopy key={c.name} cluster={c.name} path={memberPath} version={`${row.record?.metadata?.resourceVersion}`} divided={divided} rec={c} overrides={overrides.find((o) => o.clusterName === c.name)?.clusterOverrides ?? []} />
                  ))}
                </tbody>
              </table>
            </div>
            {row.clusters.some((c) => c.status === 'NotSelected') && (
              <p class="muted">
                Not selected:{' '}
                {row.clusters
                  .filter((c) => c.status === 'NotSelected')
                  .map((c) => c.name)
                  .join(', ')}
              </p>
            )}
          </Section>
        </li>
      </ol>
      <Section title="Events">
        <EventsTable events={objEvents} />
      </Section>
    </main>
  );
}

function PlacementSummary(p: { row: Row }) {
  const s = p.row.source;
  const a = s?.metadata?.annotations ?? {};
  const items: [string, unknown][] = p.row.style === 'federated'
    ? [
        ['placement', s?.spec?.placement ?? 'none (no cluster)'],
        ['overrides', s?.spec?.overrides ?? []],
      ]
    : [
        ['cluster selector', a['federation.alpha.kubernetes.io/cluster-selector'] ?? 'every cluster'],
        ['preferences', a['federation.kubernetes.io/deployment-preferences'] ?? a['federation.kubernetes.io/replica-set-preferences'] ?? 'default (equal weights)'],
      ];
  return (
    <dl class="facts">
      {items.flatMap(([k, v]) => [<dt key={`${k}-t`}>{k}</dt>, <dd key={`${k}-d`}>{typeof v === 'string' ? v : <Json value={v} label={k} />}</dd>])}
      <dt>decision</dt>
      <dd>
        {placedIn(p.row).length} cluster(s): {placedIn(p.row).map((c) => `${c.name}${c.replicas !== undefined ? `=${c.replicas}` : ''}`).join(', ') || 'none'}
      </dd>
    </dl>
  );
}
