// How many runs were going on at once, from the [startedAt, finishedAt] each test.hold run reports.

export interface RunInterval {
  startedAt: number;
  finishedAt: number;
}

/** The largest number of intervals open at one instant; one ending as another starts does not overlap it. */
export function maxOverlap(intervals: RunInterval[]): number {
  const points = intervals.flatMap((i) => [
    { at: i.startedAt, delta: 1 },
    { at: i.finishedAt, delta: -1 },
  ]);
  points.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let max = 0;
  for (const point of points) {
    open += point.delta;
    max = Math.max(max, open);
  }
  return max;
}
