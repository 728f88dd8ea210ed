// Whether an error means the database cannot be reached right now (down, restarting, refusing
// connections, the connection dropped), as opposed to a bad query: the API answers those with
// DATABASE_UNAVAILABLE and HTTP 503, which a client may retry.

/** Errors of the socket or of postgres.js's connection handling. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

/** SQLSTATEs: connection exceptions (class 08), shutting down or starting up, too many connections. */
const unavailableState = (code: string) => code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code);

/** The error and the errors it wraps: drizzle and GraphQL wrap the driver's (cause / originalError), a few levels at most. */
function* causes(error: unknown): Generator<{ code?: unknown }> {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    yield current as { code?: unknown };
    const next = current as { cause?: unknown; originalError?: unknown };
    current = next.originalError ?? next.cause;
  }
}

export function isDatabaseUnavailable(error: unknown): boolean {
  for (const { code } of causes(error)) {
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && unavailableState(code)))) return true;
  }
  return false;
}

/** Whether PostgreSQL ended the statement with this SQLSTATE (40P01: deadlock detected). */
export function hasSqlState(error: unknown, state: string): boolean {
  for (const { code } of causes(error)) if (code === state) return true;
  return false;
}
