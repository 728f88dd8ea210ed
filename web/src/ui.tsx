// Small pieces every page uses.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { liveState, onLiveState, type LiveState } from './connection.ts';
import { ago, duration } from './format.ts';
import { useTicker } from './hooks.ts';

export const StatusBadge = ({ status }: { status: string }) => <span class={`badge status-${status}`}>{status}</span>;

export function Json({ value, label }: { value: unknown; label: string }) {
  if (value === null || value === undefined) return <p class="muted">No {label}.</p>;
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

/** A message for the person: what an action did, or why it was refused. */
export function Notice({ message, kind }: { message: string | null | undefined; kind: 'ok' | 'error' }) {
  if (!message) return null;
  return (
    <p class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {message}
    </p>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section aria-labelledby={id}>
      <div class="section-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function useLiveState(): LiveState {
  const [state, setState] = useState(liveState);
  useEffect(() => onLiveState(setState), []);
  return state;
}

/** Live, or since when live updates stopped; they resume with a fresh snapshot. */
export function ConnectionIndicator() {
  const state = useLiveState();
  useTicker(1_000);
  const text =
    state.state === 'live'
      ? `Live (${state.transport === 'sse' ? 'SSE' : 'WebSocket'})`
      : state.state === 'connecting'
        ? 'Connecting…'
        : `Live updates stopped ${ago(state.since.toISOString())}: reconnecting`;
  return (
    <p class={`connection connection-${state.state}`} role="status" aria-live="polite" data-state={state.state}>
      <span class="dot" aria-hidden="true" />
      {text}
    </p>
  );
}

export const Ms = ({ ms }: { ms: number | null | undefined }) => <>{duration(ms)}</>;
