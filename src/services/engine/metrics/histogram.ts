// Wait and run times kept as counts in fixed buckets: histograms of any minutes add up bucket by
// bucket, so percentiles of an hour or a day come from 60 or 1,440 small rows, never from the jobs.

/** Upper bounds (ms) of the buckets; one more bucket holds everything from the last bound up. */
export const BUCKET_BOUNDS_MS = [
  5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000,
] as const;

export const BUCKET_COUNT = BUCKET_BOUNDS_MS.length + 1;

export const emptyHistogram = (): number[] => new Array<number>(BUCKET_COUNT).fill(0);

/** Adds `from` into `into`, bucket by bucket. */
export function addHistogram(into: number[], from: readonly number[]): number[] {
  for (let i = 0; i < BUCKET_COUNT; i++) into[i] = (into[i] ?? 0) + Number(from[i] ?? 0);
  return into;
}

/**
 * The p-quantile (0..1) in ms, interpolated linearly inside its bucket; null without samples.
 * Its error is at most the width of one bucket (e.g. 2.5 s to 5 s).
 */
export function percentile(histogram: readonly number[], p: number): number | null {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = p * total;
  let seen = 0;
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const n = histogram[i] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const low = i === 0 ? 0 : BUCKET_BOUNDS_MS[i - 1]!;
      const high = BUCKET_BOUNDS_MS[i] ?? low;
      return low + ((high - low) * (rank - seen)) / n;
    }
    seen += n;
  }
  return BUCKET_BOUNDS_MS.at(-1)!;
}
