/** The dashboard app: a header with the views, a hash router, the confirmation dialog. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './style.css';
import { store, useInfo } from './api.js';
import { ClusterDetail, ClustersView } from './clusters.js';
import { ConfirmDialog } from './components.js';
import { EventsView } from './events.js';
import { TrafficView } from './traffic.js';
import { ObjectDetail, WorkloadsView } from './workloads.js';
import { WorldView } from './world.js';

const VIEWS = [
  ['world', 'World'],
  ['clusters', 'Clusters'],
  ['workloads', 'Workloads'],
  ['traffic', 'Traffic'],
  ['events', 'Events'],
] as const;

function useHash(): string[] {
  const read = () => (location.hash.replace(/^#\/?/, '') || 'world').split('/').map(decodeURIComponent);
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const on = () => setParts(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return parts;
}

function Route(p: { parts: string[] }) {
  const [view, a, b, c] = p.parts;
  if (view === 'clusters' && a) return <ClusterDetail name={a} />;
  if (view === 'clusters') return <ClustersView />;
  if (view === 'workloads') return <WorkloadsView />;
  if (view === 'objects' && a && b && c) return <ObjectDetail type={a} namespace={b === '_' ? '' : b} name={c} />;
  if (view === 'traffic') return <TrafficView />;
  if (view === 'events') return <EventsView />;
  return <WorldView />;
}

function Connection() {
  const [, setTick] = useState(0);
  useEffect(() => store.listen(() => setTick((t) => t + 1)), []);
  return <span class={`conn ${store.connected ? 'on' : 'off'}`} role="status" aria-live="polite">{store.connected ? 'live' : 'reconnecting…'}</span>;
}

function App() {
  const parts = useHash();
  const info = useInfo();
  const current = parts[0] === 'objects' ? 'workloads' : parts[0];
  useEffect(() => {
    document.title = `Kubefed · ${VIEWS.find(([k]) => k === current)?.[1] ?? 'World'}`;
  }, [current]);
  return (
    <>
      <a class="skip" href="#content" onClick={(e) => (e.preventDefault(), document.getElementById('content')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">kubefed</strong>
        <nav aria-label="views">
          {VIEWS.map(([k, label]) => (
            <a key={k} href={`#/${k}`} aria-current={current === k ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who" title={info?.server}>
          {info ? `${info.context} as ${info.user}` : ''}
        </span>
        <Connection />
      </header>
      <div id="content" tabIndex={-1}>
        <Route parts={parts} />
      </div>
      <ConfirmDialog />
    </>
  );
}

render(<App />, document.getElementById('app')!);
