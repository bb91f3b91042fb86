/** World: regions and zones, each cluster with health, taints, nodes and capacity; the control plane's health; the playground's faults. */
import { useEffect, useState } from 'preact/hooks';
import { dash, itemsOf, useAccess, useCollections, useInfo, type Collection } from './api.js';
import { ActionButton, Badge, Denied, CollectionNote, phaseTone, Section, type PendingAction } from './components.js';
import { age, clusterView, PATHS, taintText, topology, type ClusterView } from './model.js';

export const CLUSTERS_UPDATE = { verb: 'update', group: 'core.kubefed.io', resource: 'clusters' };

export interface MemberSummary {
  nodes: { total: number; ready: number };
  allocatable: Record<string, number>;
  requested: Record<string, number>;
  pods: number;
}

/** A member's nodes and capacity, read with the user's context for it; refreshed when `version` changes. */
export function useMemberSummary(cluster: string, version: string): { summary?: MemberSummary; error?: string } {
  const [v, setV] = useState<{ summary?: MemberSummary; error?: string }>({});
  useEffect(() => {
    let live = true;
    dash<MemberSummary>('GET', `/members/${encodeURIComponent(cluster)}/summary`).then(
      (summary) => live && setV({ summary }),
      (e: Error) => live && setV({ error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [cluster, version]);
  return v;
}

const pct = (used = 0, total = 0) => (total > 0 ? `${Math.round((100 * used) / total)}%` : '-');

export function Capacity(p: { s?: MemberSummary; error?: string }) {
  if (p.error) return <span class="muted" title={p.error}>nodes: unknown</span>;
  if (!p.s) return <span class="muted">nodes: …</span>;
  const { s } = p;
  return (
    <span class="capacity">
      <span>
        {s.nodes.ready}/{s.nodes.total} nodes
      </span>
      <span title="CPU requested / allocatable">cpu {pct(s.requested.cpu, s.allocatable.cpu)}</span>
      <span title="memory requested / allocatable">mem {pct(s.requested.memory, s.allocatable.memory)}</span>
      <span title="pods / pod slots">
        pods {s.pods}/{s.allocatable.pods ?? '-'}
      </span>
    </span>
  );
}

/** A playground fault, asked for with confirmation. */
export const fault = (label: string, path: string, what: string): PendingAction => ({
  title: `${label}?`,
  detail: <p>{what}</p>,
  confirm: label,
  run: () => dash('POST', `/playground${path}`),
});

function ClusterCard(p: { c: ClusterView; faults: boolean; state?: string }) {
  const { c } = p;
  const m = useMemberSummary(c.name, `${c.phase}|${p.state ?? ''}`);
  return (
    <article class={`cluster ${c.phase.toLowerCase()}`} data-cluster={c.name} aria-label={`cluster ${c.name}`}>
      <header>
        <a href={`#/clusters/${encodeURIComponent(c.name)}`}>{c.name}</a>
        <Badge tone={phaseTone(c.phase)}>{c.phase}</Badge>
        {p.state && p.state !== 'running' && <Badge tone="bad">{p.state}</Badge>}
      </header>
      <Capacity s={m.summary} error={m.error} />
      {c.taints.length > 0 && (
        <ul class="taints" aria-label="taints">
          {c.taints.map((t) => (
            <li key={taintText(t)}>{taintText(t)}</li>
          ))}
        </ul>
      )}
      {p.faults && (
        <div class="actions">
          <ActionButton small label="Stop" title={`stop cluster ${c.name}`} action={() => fault(`Stop ${c.name}`, `/clusters/${c.name}/stop`, 'Its API refuses connections and its workloads stop answering.')} />
          <ActionButton small label="Isolate" title={`isolate cluster ${c.name}`} action={() => fault(`Isolate ${c.name}`, `/clusters/${c.name}/isolate`, 'Its API becomes unreachable; its workloads keep serving.')} />
          <ActionButton small label="Start" title={`start cluster ${c.name}`} action={() => fault(`Start ${c.name}`, `/clusters/${c.name}/start`, 'Undo every fault of the cluster.')} />
        </div>
      )}
    </article>
  );
}

function ControlPlane(p: { leases: Collection; readyz: Collection }) {
  const ready = p.readyz.data as { code?: number; text?: string } | undefined;
  const now = Date.now();
  return (
    <div class="controlplane" aria-label="control plane health">
      <span>
        API server:{' '}
        {!ready ? (
          <span class="muted">…</span>
        ) : ready.code === 401 || ready.code === 403 ? (
          <span class="muted">not allowed to read /readyz</span>
        ) : (
          <Badge tone={ready.code === 200 ? 'ok' : 'bad'} title={ready.text}>
            {ready.code === 200 ? 'ready' : `not ready (${ready.code ?? 'unreachable'})`}
          </Badge>
        )}
      </span>
      {p.leases.state === 'error' && <span class="muted">controllers: not allowed to read their leases</span>}
      {itemsOf(p.leases)
        .filter((l) => l.metadata?.name?.startsWith('kubefed-'))
        .map((l) => {
          const renewed = Date.parse(l.spec?.renewTime ?? '');
          const fresh = renewed + (l.spec?.leaseDurationSeconds ?? 15) * 1000 > now;
          return (
            <span key={l.metadata.name}>
              {l.metadata.name}: <Badge tone={fresh ? 'ok' : 'bad'} title={`held by ${l.spec?.holderIdentity ?? 'nobody'}`}>{fresh ? 'leading' : 'no leader'}</Badge> <span class="muted">renewed {age(l.spec?.renewTime)} ago</span>
            </span>
          );
        })}
    </div>
  );
}

export function WorldView() {
  const info = useInfo();
  const [clusters, leases, readyz, pg] = useCollections([PATHS.clusters, PATHS.leases, PATHS.readyz, ...(info?.playground ? [PATHS.playground] : [])]);
  const faultAccess = useAccess(info?.playground ? CLUSTERS_UPDATE : undefined);
  const mayFault = faultAccess === true;
  const views = itemsOf(clusters!).map(clusterView);
  const world = topology(views);
  const pgClusters = (pg?.data?.clusters ?? []) as { name: string; state: string; blackholed?: boolean; nodes?: { zone: string; up: boolean }[] }[];
  const states = new Map<string, string>(pgClusters.map((c) => [c.name, c.blackholed ? 'blackholed' : c.state]));
  /** Zones whose every playground node is powered off (zone or region failed). */
  const zoneNodes = new Map<string, boolean[]>();
  for (const c of pgClusters) for (const n of c.nodes ?? []) zoneNodes.set(n.zone, [...(zoneNodes.get(n.zone) ?? []), n.up]);
  const zoneDown = (z: string) => (zoneNodes.get(z) ?? []).length > 0 && zoneNodes.get(z)!.every((up) => !up);
  const ready = views.filter((c) => c.ready).length;
  const loaded = clusters!.state !== 'loading';
  useEffect(() => {
    // The benchmark's signal (bench/dashboard.ts): the world view shows the clusters.
    if (loaded && performance.getEntriesByName('kubefed:world-ready').length === 0) performance.mark('kubefed:world-ready');
  }, [loaded]);
  return (
    <main>
      <h1>World</h1>
      <ControlPlane leases={leases!} readyz={readyz!} />
      {info?.playground && <Denied what="faults" allowed={faultAccess} />}
      <p class="summary" aria-live="polite">
        <strong data-testid="ready-count">{ready}</strong> of {views.length} clusters Ready in <strong>{world.length}</strong> regions
      </p>
      <CollectionNote c={clusters!} what="clusters" />
      <div class="world">
        {world.map((r) => (
          <Section key={r.region} title={r.region} id={`region-${r.region}`}>
            {mayFault && (
              <div class="actions">
                <ActionButton small label="Fail region" title={`fail region ${r.region}`} action={() => fault(`Fail region ${r.region}`, `/regions/${r.region}/fail`, 'Every node of every zone in the region loses power.')} />
                <ActionButton small label="Restore region" title={`restore region ${r.region}`} action={() => fault(`Restore region ${r.region}`, `/regions/${r.region}/restore`, 'Power the region back on.')} />
              </div>
            )}
            <div class="zones">
              {r.zones.map((z) => (
                <div class="zone" key={z.zone} data-zone={z.zone} aria-label={`zone ${z.zone}`}>
                  <h3>
                    {z.zone} {zoneDown(z.zone) && <Badge tone="bad">powered off</Badge>}
                  </h3>
                  {mayFault && (
                    <div class="actions">
                      <ActionButton small label="Fail zone" title={`fail zone ${z.zone}`} action={() => fault(`Fail zone ${z.zone}`, `/zones/${z.zone}/fail`, 'Every node in the zone loses power: nodes go NotReady, their pods stop answering.')} />
                      <ActionButton small label="Restore zone" title={`restore zone ${z.zone}`} action={() => fault(`Restore zone ${z.zone}`, `/zones/${z.zone}/restore`, 'Power the zone back on.')} />
                    </div>
                  )}
                  {z.clusters.map((c) => (
                    <ClusterCard key={c.name} c={c} faults={mayFault} state={states.get(c.name)} />
                  ))}
                </div>
              ))}
            </div>
          </Section>
        ))}
      </div>
    </main>
  );
}
