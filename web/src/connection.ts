// The state of live updates, for the indicator: live, or down since when. A subscription that
// comes back after a drop starts with a fresh snapshot (the API's subscriptions all do).
export type LiveState = { state: 'connecting' | 'live' | 'down'; since: Date; transport: 'websocket' | 'sse' };

let current: LiveState = { state: 'connecting', since: new Date(), transport: 'websocket' };
const listeners = new Set<(state: LiveState) => void>();

export const liveState = () => current;

export function setLiveState(state: LiveState['state'], transport: LiveState['transport'] = current.transport) {
  if (state === current.state && transport === current.transport) return;
  current = { state, since: new Date(), transport };
  for (const listener of listeners) listener(current);
}

export function onLiveState(listener: (state: LiveState) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
