// Small hooks on the client: a query's data, a subscription's messages, the current route.
import type { AnyVariables, TypedDocumentNode } from '@urql/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, query } from './api.ts';

export interface Loaded<D> {
  data: D | undefined;
  error: string | undefined;
  loading: boolean;
  refetch: () => void;
}

/** Runs the query now and whenever `key` (the variables, as JSON) changes. */
export function useQuery<D, V extends AnyVariables>(document: TypedDocumentNode<D, V>, variables: V): Loaded<D> {
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data?: D; error?: string; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    void query(document, variables).then((outcome) => current && setState({ ...outcome, loading: false }));
    return () => {
      current = false;
    };
  }, [key, round]);
  return { data: state.data, error: state.error, loading: state.loading, refetch: () => setRound((r) => r + 1) };
}

/** Calls `onData` with each message of the subscription while `active`; resubscribes when the variables change. */
export function useSubscription<D, V extends AnyVariables>(document: TypedDocumentNode<D, V>, variables: V, onData: (data: D) => void, active = true) {
  const key = JSON.stringify(variables);
  const handler = useRef(onData);
  handler.current = onData;
  useEffect(() => {
    if (!active) return;
    const { unsubscribe } = client.subscription(document, variables).subscribe((result) => {
      if (result.data) handler.current(result.data);
    });
    return unsubscribe;
  }, [key, active]);
}

/** The hash route: `#/jobs?status=failed` is { path: '/jobs', params }. */
export interface Route {
  path: string;
  params: URLSearchParams;
}

const readRoute = (): Route => {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search] = hash.split('?', 2) as [string, string | undefined];
  return { path, params: new URLSearchParams(search ?? '') };
};

export function useRoute(): Route {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const update = () => setRoute(readRoute());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function navigate(path: string, params?: URLSearchParams, options: { replace?: boolean } = {}) {
  const search = params?.toString();
  const hash = `#${path}${search ? `?${search}` : ''}`;
  if (options.replace) history.replaceState(null, '', hash);
  else location.hash = hash;
  if (options.replace) dispatchEvent(new HashChangeEvent('hashchange'));
}

/** Re-renders every `ms` (ages such as "12 s ago"). */
export function useTicker(ms: number) {
  const [, set] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => set((n) => n + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
}
