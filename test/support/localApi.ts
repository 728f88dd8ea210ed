// An API server on the test file's database, and a GraphQL call as a loopback client (the local
// admin while no API key exists in that database).
import { afterAll, beforeAll, expect } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import type { TestDatabase } from './db.ts';

export function useLocalApi(db: () => TestDatabase) {
  let api: ApiServer | undefined;
  beforeAll(async () => {
    api = await startApiServer({ services: db().services, host: '127.0.0.1', port: 0, production: false });
  });
  afterAll(async () => {
    await api?.close();
  });
  const server = () => {
    if (!api) throw new Error('the API server starts in beforeAll');
    return api;
  };
  /** Runs an operation; fails the test on GraphQL errors; returns its data. */
  async function gql(document: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(server().url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: document, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data;
  }
  return { server, gql };
}
