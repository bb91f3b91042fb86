/** Small shared pieces: badges, error notes, the confirmation dialog, action buttons. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorText, type Collection } from './api.js';

/** Marks an action RBAC refused (a hidden element naming it), so the page says so rather than just not showing it. */
export const Denied = (p: { what: string; allowed: boolean | undefined }) => (p.allowed === false ? <span hidden data-denied={p.what} /> : null);

export function Badge(p: { tone: 'ok' | 'warn' | 'bad' | 'muted'; children: ComponentChildren; title?: string }) {
  return (
    <span class={`badge ${p.tone}`} title={p.title}>
      {p.children}
    </span>
  );
}

export const phaseTone = (phase: string) => (phase === 'Ready' ? 'ok' : phase === 'NotReady' ? 'warn' : phase === 'Offline' ? 'bad' : 'muted');

/** A collection that could not be read: 403 reads "not allowed", never a blank page. */
export function CollectionNote(p: { c: Collection; what: string }) {
  if (p.c.state === 'loading') return <p class="muted">Loading {p.what}…</p>;
  if (p.c.state === 'error') {
    const e = p.c.error!;
    return (
      <p class="error" role="alert">
        {e.code === 403 ? `Not allowed to list ${p.what}: ` : `Cannot read ${p.what}: `}
        {e.message}
      </p>
    );
  }
  return null;
}

export function ErrorNote(p: { error: unknown }) {
  if (!p.error) return null;
  return (
    <p class="error" role="alert">
      {errorText(p.error)}
    </p>
  );
}

/** Errors the API reported for one field (a Status's details.causes), shown next to that field. */
export function fieldErrors(e: unknown, prefix: string): string[] {
  if (!(e instanceof ApiError)) return [];
  return e.causes.filter((c) => (c.field ?? '').startsWith(prefix)).map((c) => `${c.field}: ${c.message ?? ''}`);
}

export interface PendingAction {
  title: string;
  detail?: ComponentChildren;
  confirm: string;
  run: () => Promise<unknown>;
  done?: (result: unknown) => void;
}

let openDialog: (a: PendingAction) => void = () => undefined;
/** Asks for confirmation, then runs the action; errors show in the dialog. */
export const ask = (a: PendingAction) => openDialog(a);

export function ConfirmDialog() {
  const [action, setAction] = useState<PendingAction>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLDialogElement>(null);
  openDialog = (a) => {
    setError(undefined);
    setBusy(false);
    setAction(a);
  };
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (action && !d.open) d.showModal();
    if (!action && d.open) d.close();
  }, [action]);
  const run = async () => {
    if (!action) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await action.run();
      action.done?.(r);
      setAction(undefined);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onClose={() => setAction(undefined)}>
      {action && (
        <form method="dialog" onSubmit={(e) => (e.preventDefault(), void run())}>
          <h2 id="confirm-title">{action.title}</h2>
          {action.detail && <div class="detail">{action.detail}</div>}
          <ErrorNote error={error} />
          <div class="buttons">
            <button type="button" onClick={() => setAction(undefined)}>
              Cancel
            </button>
            <button type="submit" class="danger" disabled={busy} autofocus>
              {busy ? 'Working…' : action.confirm}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

/** A button that asks before acting. */
export function ActionButton(p: { label: string; title?: string; action: () => PendingAction; small?: boolean }) {
  return (
    <button type="button" class={p.small ? 'small' : ''} title={p.title} aria-label={p.title ?? p.label} onClick={() => ask(p.action())}>
      {p.label}
    </button>
  );
}

export function Section(p: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section aria-labelledby={p.id ?? p.title.replace(/\W+/g, '-').toLowerCase()}>
      <h2 id={p.id ?? p.title.replace(/\W+/g, '-').toLowerCase()}>{p.title}</h2>
      {p.children}
    </section>
  );
}

/** JSON, readable. */
export function Json(p: { value: unknown; label?: string }) {
  return (
    <pre class="json" aria-label={p.label}>
      {JSON.stringify(p.value, null, 2)}
    </pre>
  );
}

/** A table's column headings. */
export function Head(p: { cols: string[] }) {
  return (
    <thead>
      <tr>
        {p.cols.map((c) => (
          <th scope="col" key={c}>
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}
