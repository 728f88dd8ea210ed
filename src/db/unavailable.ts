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

export function isDatabaseUnavailable(error: unknown): boolean {
  // drizzle and GraphQL wrap the driver's error (cause / originalError); a few levels at most.
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && unavailableState(code)))) return true;
    const next = current as { cause?: unknown; originalError?: unknown };
    current = next.originalError ?? next.cause;
  }
  return false;
}
