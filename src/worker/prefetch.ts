// How many jobs a worker claims beyond its free slots. Short jobs finish faster than a claim
// round trip, so a worker that only claims what its slots can start would spend its time waiting
// on the database; long jobs must not be held back from other workers. The worker therefore keeps
// a local buffer of claimed jobs covering about `windowMs` of work at the handlers' recent pace:
// a thousand no-op jobs, one or two one-second jobs, none for minute-long print cycles.
export interface PrefetchOptions {
  /** How much work (ms at the recent pace) the buffer may hold; 0 turns prefetching off. */
  windowMs: number;
  /** Upper bound of the buffer, in jobs. */
  max: number;
}

export const DEFAULT_PREFETCH: PrefetchOptions = { windowMs: 100, max: 1_000 };

/** Weight of the newest run in the moving average of run durations. */
const SMOOTHING = 0.2;

export class PrefetchGauge {
  /** Moving average of how long a run holds a slot, ms; unknown until a run has finished. */
  private averageRunMs: number | null = null;

  constructor(
    private readonly options: PrefetchOptions,
    private readonly concurrency: number,
  ) {}

  recordRun(durationMs: number) {
    this.averageRunMs = this.averageRunMs === null ? durationMs : this.averageRunMs + SMOOTHING * (durationMs - this.averageRunMs);
  }

  /** Jobs to hold beyond the slots: what the slots get through in the window, at the recent pace. */
  get bufferSize(): number {
    if (this.averageRunMs === null || this.options.windowMs <= 0) return 0;
    const jobsPerMs = this.concurrency / Math.max(this.averageRunMs, 0.01);
    return Math.min(this.options.max, Math.floor(jobsPerMs * this.options.windowMs));
  }
}
