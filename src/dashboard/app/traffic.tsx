/**
 * Traffic: the edge's live split per cluster and locality tier, its endpoints, retries and
 * ejections; for each global Ingress and HTTPRoute, its backends' shards per cluster; for each
 * federated Service, its DNS names and what they answer now.
 */
import { itemsOf, useCollections, useInfo } from './api.js';
import { Badge, CollectionNote, Section, Head } from './components.js';
import { DNS_ANNOTATION, dnsAnswers, ingressBackends, PATHS, routeBackends, shardsOf } from './model.js';
import type { EdgeView } from '../edge-source.js';
import { MAX_RATE_ANNOTATIONS } from '../../traffic/config/backends.js';

function Split(p: { edge?: EdgeView & { error?: string } }) {
  const e = p.edge;
  if (!e) return <p class="muted">Waiting for the edge…</p>;
  if (e.error) return <p class="error">The edge cannot be read: {e.error}</p>;
  const clusters = [...new Set([...e.split.rows.map((r) => r.cluster), ...Object.keys(e.clusters)])].filter(Boolean).sort();
  return (
    <>
      <p class="summary" aria-live="polite" data-total={e.split.total}>
        {e.split.total} requests in the last {e.split.seconds} s ({e.split.rate.toFixed(1)}/s) · retries {e.retries} · edge at {e.admin}
      </p>
      <div class="scroll">
        <table aria-label="traffic split">
          <Head cols={['Cluster', 'Tier', 'Share', 'Requests']} />
          <tbody>
            {e.split.rows.map((r) => (
              <tr key={`${r.cluster}|${r.tier}`} data-cluster={r.cluster} data-share={r.share.toFixed(3)}>
                <th scope="row">{r.cluster || '(the edge itself)'}</th>
                <td>{r.tier}</td>
                <td>
                  <span class="bar" style={{ width: `${Math.round(r.share * 100)}%` }} aria-hidden="true" /> {Math.round(r.share * 100)}%
                </td>
                <td>{r.requests}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <table aria-label="edge endpoints">
        <Head cols={['Cluster', 'Endpoints healthy/total', 'Other states', 'Ejections']} />
        <tbody>
          {clusters.map((c) => {
            const st = e.clusters[c]?.endpoints ?? {};
            const total = Object.values(st).reduce((a, b) => a + b, 0);
            return (
              <tr key={c}>
                <th scope="row">{c}</th>
                <td>
                  {st.healthy ?? 0}/{total}
                </td>
                <td>
                  {Object.entries(st)
                    .filter(([k, v]) => k !== 'healthy' && v > 0)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ') || '-'}
                </td>
                <td>{e.clusters[c]?.ejections ?? 0}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

function Backends(p: { namespace: string; services: string[]; slices: any[]; svcs: Map<string, any> }) {
  return (
    <ul class="backends">
      {p.services.map((s) => {
        const shards = [...shardsOf(p.slices, p.namespace, s)].sort((a, b) => a[0].localeCompare(b[0]));
        const annotations = p.svcs.get(`${p.namespace}/${s}`)?.metadata?.annotations ?? {};
        const rate = MAX_RATE_ANNOTATIONS.map((a) => annotations[a]).find((v) => v !== undefined);
        return (
          <li key={s}>
            <strong>{s}</strong>
            {rate && <span class="muted"> capacity {rate} req/s per endpoint</span>}
            <ul class="percluster">
              {shards.length === 0 && <li class="muted">no shards</li>}
              {shards.map(([c, n]) => (
                <li key={c}>
                  <Badge tone={n.ready > 0 ? 'ok' : 'bad'} title={rate ? 'ready/total endpoints, capacity (ready endpoints x declared rate)' : 'ready/total endpoints'}>
                    {c} {n.ready}/{n.total}
                    {rate && Number(rate) > 0 ? ` · ${n.ready * Number(rate)} req/s` : ''}
                  </Badge>
                </li>
              ))}
            </ul>
          </li>
        );
      })}
    </ul>
  );
}

export function TrafficView() {
  const info = useInfo();
  const [ingresses, routes, services, slices, edge] = useCollections([PATHS.ingresses, PATHS.httpRoutes, PATHS.services, PATHS.slices, ...(info?.edge ? [PATHS.edge] : [])]);
  const sl = itemsOf(slices!);
  const svcs = services!.items;
  const dnsServices = itemsOf(services!).filter((s) => s.metadata?.annotations?.[DNS_ANNOTATION]);
  return (
    <main>
      <h1>Traffic</h1>
      <Section title="Global edge: where requests go">{info?.edge ? <Split edge={edge?.data} /> : <p class="muted">No edge admin address configured (kubefed dashboard --edge-admin-address HOST:PORT).</p>}</Section>
      <Section title="Global Ingresses and HTTPRoutes">
        <CollectionNote c={ingresses!} what="Ingresses" />
        {itemsOf(ingresses!).map((ing) => (
          <article key={`i/${ing.metadata.namespace}/${ing.metadata.name}`} class="card" data-ingress={ing.metadata.name}>
            <h3>
              Ingress {ing.metadata.namespace}/{ing.metadata.name}{' '}
              <span class="muted">{(ing.status?.loadBalancer?.ingress ?? []).map((x: any) => x.ip ?? x.hostname).join(', ')}</span>
            </h3>
            <Backends namespace={ing.metadata.namespace} services={ingressBackends(ing)} slices={sl} svcs={svcs} />
          </article>
        ))}
        {routes!.state === 'ok' &&
          itemsOf(routes!).map((r) => (
            <article key={`r/${r.metadata.namespace}/${r.metadata.name}`} class="card">
              <h3>
                HTTPRoute {r.metadata.namespace}/{r.metadata.name} <span class="muted">{(r.spec?.hostnames ?? []).join(', ')}</span>
              </h3>
              <Backends namespace={r.metadata.namespace} services={routeBackends(r)} slices={sl} svcs={svcs} />
            </article>
          ))}
        {itemsOf(ingresses!).length === 0 && (routes!.state !== 'ok' || itemsOf(routes!).length === 0) && <p class="muted">No global Ingress or HTTPRoute.</p>}
      </Section>
      <Section title="Service DNS">
        <CollectionNote c={services!} what="Services" />
        {dnsServices.length === 0 && <p class="muted">No federated Service has DNS names (LoadBalancer Services get them).</p>}
        {dnsServices.map((s) => {
          const d = dnsAnswers(s.metadata.annotations[DNS_ANNOTATION]);
          return (
            <article key={`${s.metadata.namespace}/${s.metadata.name}`} class="card" data-service={s.metadata.name}>
              <h3>
                Service {s.metadata.namespace}/{s.metadata.name} <span class="muted">healthy shards: {d.healthy.join(', ') || 'none'}</span>
              </h3>
              <table aria-label={`DNS names of ${s.metadata.name}`}>
                <tbody>
                  {d.names.map((n) => (
                    <tr key={n.name}>
                      <td>
                        <code>{n.name}</code>
                      </td>
                      <td>{n.cname ? `CNAME ${n.answer}` : `A ${n.answer}`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </article>
          );
        })}
      </Section>
    </main>
  );
}
