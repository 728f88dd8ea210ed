// Keyset connections: a cursor is the key of the last row seen (an id or an item position), so a
// page stays stable while rows are added before it.
import { InvalidInputError } from '../services/errors.ts';

export interface ForwardPage {
  first: number;
  after: number | null;
}

const MAX_PAGE = 200;

export const encodeCursor = (key: number) => Buffer.from(`k:${key}`).toString('base64url');

export function decodeCursor(cursor: string, path: string): number {
  const decoded = Buffer.from(cursor, 'base64url').toString();
  const key = Number(decoded.slice(2));
  if (!decoded.startsWith('k:') || !Number.isSafeInteger(key)) throw new InvalidInputError([{ path, message: 'not a cursor of this connection' }]);
  return key;
}

/** Reads relay arguments; only forward paging (first/after) is offered. */
export function forwardPage(args: { first?: number | null; after?: string | null; last?: number | null; before?: string | null }, fallback = 50): ForwardPage {
  if (args.last != null || args.before != null) throw new InvalidInputError([{ path: 'last', message: 'page forward with first/after' }]);
  const first = args.first ?? fallback;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) throw new InvalidInputError([{ path: 'first', message: `must be 0 to ${MAX_PAGE}` }]);
  return { first, after: args.after ? decodeCursor(args.after, 'after') : null };
}

/** A relay connection from rows fetched with one extra row to tell whether more follow. */
export function connectionOf<T>(rows: T[], page: ForwardPage, keyOf: (row: T) => number) {
  const nodes = rows.slice(0, page.first);
  const edges = nodes.map((node) => ({ node, cursor: encodeCursor(keyOf(node)) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.first,
      hasPreviousPage: page.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** What a counted connection's resolver adds: its count, made only when a query asks for it. */
export interface Counted {
  count: () => Promise<{ count: number; exact: boolean }>;
}

/** Runs `count` once, on first call. */
export function countOnce(count: () => Promise<{ count: number; exact: boolean }>): Counted['count'] {
  let made: Promise<{ count: number; exact: boolean }> | undefined;
  return () => (made ??= count());
}
