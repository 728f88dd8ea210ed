// What each GraphQL operation runs with: the services and the caller (an API key's name and role).
import type { ServiceContext } from '../services/context.ts';
import type { Loaders } from './loaders.ts';

/** ingest: a device's key (press, scanner) that may record tracking events and nothing else, not even read. */
export type Role = 'viewer' | 'operator' | 'admin' | 'ingest';

export interface Caller {
  /** The API key's name, recorded as the actor of every change; 'local' for an unauthenticated loopback client. */
  name: string;
  role: Role | null;
  /** A key was sent and matched no live key. */
  wrongKey?: boolean;
}

export interface ApiContext {
  services: ServiceContext;
  caller: Caller;
  loaders: Loaders;
}

/** The actor and reason a mutation records in the history. */
export const actorOf = (context: ApiContext, reason?: string | null) => ({ actor: context.caller.name, reason: reason ?? null });

/** Why a caller without a role is refused, in words it can act on. */
export function refusalOf(caller: Caller): string {
  return caller.wrongKey
    ? 'your API key is wrong: no live key matches it (mistyped, or revoked); ask an admin for a key'
    : 'an API key is required: send the header Authorization: Bearer <key> (in GraphiQL, in the Headers tab)';
}
