/** Clusters: a table with conditions, last probe, region/zones and types; a detail page with taints and their actions. */
import { useState } from 'preact/hooks';
import { dash, itemsOf, useAccess, useCollections } from './api.js';
import { ActionButton, ask, Badge, Denied, CollectionNote, Section, fieldErrors, type PendingAction, Head } from './components.js';
import { EventsTable } from './events.js';
import { age, clusterView, federatedTypes, PATHS, taintText, type ClusterView } from './model.js';
import { Capacity, CLUSTERS_UPDATE, useMemberSummary } from './world.js';

export function ClustersView() {
  const [clusters, ftcs] = useCollections([PATHS.clusters, PATHS.typeConfigs]);
  const views = itemsOf(clusters!).map(clusterView).sort((a, b) => a.name.localeCompare(b.name));
  const types = federatedTypes(itemsOf(ftcs!)).filter((t) => t.propagation === 'Enabled');
  return (
    <main>
      <h1>Clusters</h1>
      <CollectionNote c={clusters!} what="clusters" />
      <div class="scroll">
        <table aria-label="clusters">
          <Head cols={['Name', 'Status', 'Conditions', 'Last probe', 'Region', 'Zones', 'Version', 'Taints', 'Types']} />
          <tbody>
            {views.map((c) => (
              <tr key={c.name} data-cluster={c.name}>
                <th scope="row">
                  <a href={`#/clusters/${encodeURIComponent(c.name)}`}>{c.name}</a>
                </th>
                <td>
                  <Badge tone={c.ready ? 'ok' : c.phase === 'Offline' ? 'bad' : 'warn'}>{c.phase}</Badge>
                </td>
                <td>{c.conditions.map((x) => `${x.type}=${x.status}${x.reason ? ` (${x.reason})` : ''}`).join(', ') || '-'}</td>
                <td>{c.lastProbe ? `${age(c.lastProbe)} ago` : '-'}</td>
                <td>{c.region || '-'}</td>
                <td>{c.zones.join(', ') || '-'}</td>
                <td>{c.version ?? '-'}</td>
                <td>{c.taints.map(taintText).join(', ') || '-'}</td>
                <td title={types.map((t) => t.name).join(', ')}>{types.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </main>
  );
}

const taintAction = (cluster: string, body: unknown, title: string, detail: string): PendingAction => ({
  title,
  detail: <p>{detail}</p>,
  confirm: title.split(' ')[0]!,
  run: () => dash('POST', `/clusters/${encodeURIComponent(cluster)}/taints`, body),
});

function Taints(p: { c: ClusterView; mayEdit: boolean }) {
  const { c } = p;
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>();
  const cordoned = c.taints.some((t) => t.key === 'cluster.kubefed.io/unschedulable');
  const errs = fieldErrors(error, 'taints');
  return (
    <Section title="Taints">
      {c.taints.length === 0 && <p class="muted">No taints.</p>}
      <ul class="taints">
        {c.taints.map((t) => (
          <li key={taintText(t)}>
            {taintText(t)}
            {t.timeAdded && <span class="muted"> since {age(t.timeAdded)} ago</span>}
            {p.mayEdit && <ActionButton small label="Remove" title={`remove taint ${taintText(t)}`} action={() => taintAction(c.name, { taints: [`${t.key}:${t.effect}-`] }, `Remove taint ${taintText(t)}`, 'Workloads that did not tolerate it may come back.')} />}
          </li>
        ))}
      </ul>
      {p.mayEdit && (
        <div class="actions">
          {cordoned ? (
            <ActionButton label="Uncordon" title={`uncordon ${c.name}`} action={() => taintAction(c.name, { cordon: false }, `Uncordon ${c.name}`, 'New replicas may go to the cluster again.')} />
          ) : (
            <ActionButton label="Cordon" title={`cordon ${c.name}`} action={() => taintAction(c.name, { cordon: true }, `Cordon ${c.name}`, 'No new replicas go to the cluster; running ones stay.')} />
          )}
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              const taints = text.split(/\s+/).filter(Boolean);
              setError(undefined);
              const a = taintAction(c.name, { taints }, `Taint ${c.name}`, `Apply ${taints.join(' ')} (kubectl taint syntax).`);
              const run = a.run;
              a.run = () => run().catch((err) => (setError(err), Promise.reject(err)));
              a.done = () => setText('');
              ask(a);
            }}
          >
            <label>
              Taint <input value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} placeholder="key=value:NoSchedule or key-" aria-invalid={errs.length > 0} aria-describedby="taint-errors" />
            </label>
            <button type="submit" disabled={!text.trim()}>
              Apply…
            </button>
            <span id="taint-errors" class="error">
              {errs.join('; ')}
            </span>
          </form>
        </div>
      )}
    </Section>
  );
}

export function ClusterDetail(p: { name: string }) {
  const [clusters, ftcs, events] = useCollections([PATHS.clusters, PATHS.typeConfigs, PATHS.events]);
  const obj = clusters!.items.get(`/${p.name}`);
  const access = useAccess(CLUSTERS_UPDATE);
  const mayEdit = access === true;
  const c = obj ? clusterView(obj) : undefined;
  const m = useMemberSummary(p.name, c ? c.phase : '');
  if (!c) {
    return (
      <main>
        <h1>Cluster {p.name}</h1>
        <CollectionNote c={clusters!} what="clusters" />
        {clusters!.state === 'ok' && <p>No such cluster.</p>}
      </main>
    );
  }
  const types = federatedTypes(itemsOf(ftcs!)).filter((t) => t.propagation === 'Enabled');
  return (
    <main>
      <h1>
        Cluster {c.name} <Badge tone={c.ready ? 'ok' : 'bad'}>{c.phase}</Badge>
      </h1>
      <dl class="facts">
        <dt>Region</dt>
        <dd>{c.region || '-'}</dd>
        <dt>Zones</dt>
        <dd>{c.zones.join(', ') || '-'}</dd>
        <dt>API</dt>
        <dd>{c.obj.spec?.apiEndpoint ?? '-'}</dd>
        <dt>Kubernetes</dt>
        <dd>{c.version ?? '-'}</dd>
        <dt>Nodes and capacity</dt>
        <dd>
          <Capacity s={m.summary} error={m.error} />
        </dd>
        <dt>Joined types</dt>
        <dd>{types.map((t) => t.name).join(', ') || '-'}</dd>
      </dl>
      <Section title="Conditions">
        <table aria-label="conditions">
          <Head cols={['Type', 'Status', 'Reason', 'Message', 'Last probe', 'Since']} />
          <tbody>
            {c.conditions.map((x) => (
              <tr key={x.type}>
                <td>{x.type}</td>
                <td>{x.status}</td>
                <td>{x.reason}</td>
                <td>{x.message}</td>
                <td>{age(x.lastProbeTime)} ago</td>
                <td>{age(x.lastTransitionTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Denied what="taints" allowed={access} />
      <Taints c={c} mayEdit={mayEdit} />
      <Section title="Events">
        <EventsTable events={itemsOf(events!).filter((e) => e.involvedObject?.name === c.name && /Cluster$/.test(e.involvedObject?.kind ?? ''))} />
      </Section>
    </main>
  );
}
