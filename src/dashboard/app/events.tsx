/** Events: the federation's events (the controllers' and the API's), filterable, live. */
import { useState } from 'preact/hooks';
import { itemsOf, useCollections } from './api.js';
import { Badge, CollectionNote, Head } from './components.js';
import { age, PATHS } from './model.js';

const when = (e: any) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;

export function EventsTable(p: { events: any[]; limit?: number }) {
  const rows = p.events.slice().sort((a, b) => String(when(b)).localeCompare(String(when(a))));
  const shown = rows.slice(0, p.limit ?? 500);
  if (rows.length === 0) return <p class="muted">No events.</p>;
  return (
    <div class="scroll">
      <table aria-label="events">
        <Head cols={['Age', 'Type', 'Reason', 'Object', 'Message', 'Count']} />
        <tbody>
          {shown.map((e) => (
            <tr key={`${e.metadata?.namespace}/${e.metadata?.name}`}>
              <td>{age(when(e))}</td>
              <td>
                <Badge tone={e.type === 'Warning' ? 'warn' : 'muted'}>{e.type ?? 'Normal'}</Badge>
              </td>
              <td>{e.reason}</td>
              <td>
                {e.involvedObject?.kind}/{e.involvedObject?.namespace ? `${e.involvedObject.namespace}/` : ''}
                {e.involvedObject?.name}
              </td>
              <td>{e.message}</td>
              <td>{e.count ?? 1}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > shown.length && <p class="muted">{rows.length - shown.length} older events not shown; narrow the filter.</p>}
    </div>
  );
}

export function EventsView() {
  const [events] = useCollections([PATHS.events]);
  const [type, setType] = useState('');
  const [kind, setKind] = useState('');
  const [text, setText] = useState('');
  const all = itemsOf(events!);
  const kinds = [...new Set(all.map((e) => e.involvedObject?.kind).filter(Boolean))].sort();
  const needle = text.toLowerCase();
  const shown = all.filter((e) => (!type || (e.type ?? 'Normal') === type) && (!kind || e.involvedObject?.kind === kind) && (!needle || `${e.reason} ${e.message} ${e.involvedObject?.name} ${e.involvedObject?.namespace}`.toLowerCase().includes(needle)));
  return (
    <main>
      <h1>Events</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="filter events">
        <label>
          Type{' '}
          <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
            <option value="">all</option>
            <option>Normal</option>
            <option>Warning</option>
          </select>
        </label>
        <label>
          Kind{' '}
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            <option value="">all</option>
            {kinds.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label>
          Search <input type="search" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} placeholder="reason, message, object" />
        </label>
        <span class="muted">
          {shown.length} of {all.length}
        </span>
      </form>
      <CollectionNote c={events!} what="events" />
      <EventsTable events={shown} />
    </main>
  );
}
