// How a handler says what went wrong (seed 002's three classes). Anything else it throws is
// treated as transient: retried with backoff while attempts last. A class is recognised by its
// name: a handler module in TypeScript (PRESSROOM_HANDLERS) imports these from src/ while the
// worker runs the build in dist/, two copies of each class.

/** `instanceof` by name, across copies of this module. */
const named = (name: string) => (value: unknown) => value instanceof Error && value.name === name;

/** Misconfiguration or bad input: fail the job now, no retry. */
export class FatalError extends Error {
  override name = 'FatalError';
  static override [Symbol.hasInstance] = named('FatalError');
}

/** Rate limit, timeout, outage: retry after `retryAfterMs`, or the job's backoff when not given. */
export class TransientError extends Error {
  override name = 'TransientError';
  static override [Symbol.hasInstance] = named('TransientError');
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** One item failed: it is recorded as failed and the job goes on with the next item. */
export class ItemError extends Error {
  override name = 'ItemError';
  static override [Symbol.hasInstance] = named('ItemError');
}

/** Thrown by the handler context when a pause or cancel was asked of the run: the handler stops here. */
export class JobInterrupted extends Error {
  override name = 'JobInterrupted';
  static override [Symbol.hasInstance] = named('JobInterrupted');
  constructor(readonly request: 'pause' | 'cancel' | 'shutdown' | 'lost') {
    super(`run interrupted: ${request}`);
  }
}
