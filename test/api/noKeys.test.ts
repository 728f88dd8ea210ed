// The GraphQL API over real HTTP while no API key exists: who may call it, and from where.
import { describe, expect, it } from 'vitest';
import { resolveCaller } from '../../src/api/auth.ts';
import { ok, useApiClient } from '../support/apiClient.ts';
import { useTestDatabase } from '../support/db.ts';

const db = useTestDatabase();
const { url, gql, lastEntry, newQueue } = useApiClient(db, { roleKeys: false });

describe('with no API key configured', () => {
  it('serves a loopback client as the local admin, recorded as "local"', async () => {
    const data = await ok(gql('{ queues { name } }', {}, 'none'));
    expect(Array.isArray(data.queues)).toBe(true);
    const queue = await newQueue('q-local');
    const paused = await ok(gql('mutation P($name: String!) { pauseQueue(name: $name, reason: "local check") { __typename ... on Queue { pausedBy } } }', { name: queue }, 'none'));
    expect(paused.pauseQueue).toEqual({ __typename: 'Queue', pausedBy: 'local' });
    expect(await lastEntry({ targetType: 'queue', targetId: queue }, 'none')).toMatchObject({ actor: 'local', operation: 'pause', reason: 'local check' });
  });

  it('refuses a WebSocket opened by a page of another site; one from its own page or from no page (not a browser) opens', async () => {
    const { WebSocket } = await import('ws');
    const open = (origin?: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(url().replace(/^http/, 'ws'), 'graphql-transport-ws', origin ? { headers: { origin } } : {});
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('error', () => resolve(0));
      });
    expect(await open('http://evil.example')).toBe(401);
    expect(await open(new URL(url()).origin)).toBe(101);
    expect(await open()).toBe(101);
  });

  it('serves no one else: a client off this machine is anonymous', async () => {
    expect(await resolveCaller(db().services.db, null, '10.1.2.3')).toEqual({ name: 'anonymous', role: null });
    expect(await resolveCaller(db().services.db, null, '::ffff:127.0.0.1')).toEqual({ name: 'local', role: 'admin' });
  });
});
