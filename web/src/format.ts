// How times, durations and ages read on the dashboard.
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export const ago = (at: string | null | undefined): string => (at ? `${duration(Date.now() - new Date(at).getTime())} ago` : '–');

export const time = (at: string | null | undefined): string => (at ? new Date(at).toLocaleString() : '–');

export const rate = (n: number): string => (n >= 10 ? n.toFixed(0) : n.toFixed(1));
