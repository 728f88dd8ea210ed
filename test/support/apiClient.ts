// The GraphQL API over real HTTP for the API tests (test/api/): a real server on a free port on
// the test file's database, called with a key of a role (or none, or a wrong one), and what those
// tests check with: history entries through the API, a digest of the state, statement counts.
import { sql } from 'drizzle-orm';
import { beforeAll, expect } from 'vitest';
import { query } from '../../src/db/client.ts';
import { createApiKey } from '../../src/services/engine/apiKeys.ts';
import { configureQueue, enqueueJob, type EnqueueInput } from '../../src/services/index.ts';
import type { TestDatabase } from './db.ts';
import { useLocalApi } from './localApi.ts';
import { waitFor } from './wait.ts';

/** The actor of changes made directly through the services, to set tests up. */
export const setup = { actor: 'test-setup', reason: 'api test setup' };

export type Role = 'viewer' | 'operator' | 'admin';
/** Who calls: a key of a role, no key at all, or a key that does not exist. */
export type As = Role | 'none' | 'bad' | { token: string };

export const KEY_NAMES: Record<Role, string> = { viewer: 'vera-viewer', operator: 'otto-operator', admin: 'ada-admin' };

export interface GraphQLError {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

export interface GraphQLResponse {
  status: number;
  text: string;
  data?: any;
  errors?: GraphQLError[];
}

/** The data of a response that must have no errors. */
export async function ok(response: Promise<GraphQLResponse> | GraphQLResponse): Promise<any> {
  const result = await response;
  expect(result.errors, `unexpected errors: ${result.text}`).toBeUndefined();
  expect(result.status).toBe(200);
  return result.data;
}

let counter = 0;
/** A number no other test of the file uses. */
export const uniqueNumber = () => ++counter;
/** A name no other test of the file uses. */
export const unique = (prefix: string) => `${prefix}-${uniqueNumber()}`;

/** What a request without a live key gets: HTTP 401, a GraphQL error saying why, no data. */
export const REQUIRED = 'an API key is required: send the header Authorization: Bearer <key> (in GraphiQL, in the Headers tab)';
export const WRONG = 'your API key is wrong: no live key matches it (mistyped, or revoked); ask an admin for a key';
export function expectUnauthenticated(response: GraphQLResponse, message: string) {
  expect(response.status, response.text).toBe(401);
  expect(response.errors).toEqual([{ message, extensions: { code: 'UNAUTHENTICATED' } }]);
  expect(response.data ?? null).toBeNull();
}

export const globalId = (id: number) => Buffer.from(`Job:${id}`).toString('base64');

export interface HistoryNode {
  id: string;
  at: string;
  actor: string;
  operation: string;
  targetType: string;
  targetId: string;
  before: any;
  after: any;
  reason: string | null;
}

export const HISTORY_QUERY = /* GraphQL */ `
  query History($filter: HistoryFilter, $first: Int, $after: String) {
    history(first: $first, after: $after, filter: $filter) {
      edges { cursor node { id at actor operation targetType targetId before after reason } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
`;

export const JOB_FIELDS = 'id databaseId runId kind queueName status attempts controlRequest finishedAt lastError { message class }';
export const ERROR_FIELDS = '... on Error { code message }';
const JOB_RESULT = `__typename ... on Job { ${JOB_FIELDS} } ${ERROR_FIELDS}
  ... on InvalidTransitionError { jobId from operation }
  ... on NotFoundError { targetType targetId }
  ... on InvalidInputError { issues { path message } }`;

// Only a retry can meet a live job holding the dedupe key.
export const jobMutation = (name: string) => /* GraphQL */ `
  mutation JobAction($id: ID!, $reason: String) { ${name}(id: $id, reason: $reason) {
    ${JOB_RESULT} ${name === 'retryJob' ? '... on DedupeConflictError { dedupeKey liveJobId }' : ''}
  } }
`;

/**
 * Starts an API server on the test file's database for the file's tests and, unless `roleKeys`
 * is false, gives it one key of each role (named KEY_NAMES); returns the helpers bound to both.
 */
export function useApiClient(db: () => TestDatabase, { roleKeys = true }: { roleKeys?: boolean } = {}) {
  const { server } = useLocalApi(db);
  const keys: Partial<Record<Role, string>> = {};
  beforeAll(async () => {
    if (!roleKeys) return;
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      keys[role] = (await createApiKey(db().services, { name: KEY_NAMES[role], role }, setup)).key;
    }
  });

  /** The server's /graphql URL. */
  const url = () => server().url;

  /** The key of a role. */
  function keyOf(role: Role): string {
    const key = keys[role];
    if (!key) throw new Error(`no ${role} key: this file's API client was made without role keys`);
    return key;
  }

  function authorization(as: As): Record<string, string> {
    if (as === 'none') return {};
    if (as === 'bad') return { authorization: 'Bearer prk_not-a-key-anyone-was-given' };
    if (typeof as === 'object') return { authorization: `Bearer ${as.token}` };
    return { authorization: `Bearer ${keyOf(as)}` };
  }

  async function post(body: BodyInit, headers: Record<string, string> = {}): Promise<GraphQLResponse> {
    const response = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    const text = await response.text();
    let parsed: { data?: unknown; errors?: GraphQLError[] } = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: the test looks at `text`
    }
    return { status: response.status, text, data: parsed.data, errors: parsed.errors };
  }

  function gql(document: string, variables: Record<string, unknown> = {}, as: As = 'admin', operationName?: string): Promise<GraphQLResponse> {
    return post(JSON.stringify({ query: document, variables, ...(operationName ? { operationName } : {}) }), authorization(as));
  }

  /**
   * The first result of a subscription over Server-Sent Events (as GraphiQL runs one over HTTP);
   * a request refused before it streams answers with plain JSON, returned as is.
   */
  async function firstStreamed(document: string, variables: Record<string, unknown>, as: As, operationName?: string): Promise<{ data?: any; errors?: GraphQLError[] }> {
    const controller = new AbortController();
    const response = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authorization(as) },
      body: JSON.stringify({ query: document, variables, ...(operationName ? { operationName } : {}) }),
      signal: controller.signal,
    });
    try {
      if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return JSON.parse(await response.text());
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before a result: ${text}`);
        text += decoder.decode(value, { stream: true });
        const event = text.split('\n\n').find((block) => /^event: next$/m.test(block) && /^data: /m.test(block));
        if (event) return JSON.parse(/^data: (.*)$/m.exec(event)![1]!);
      }
    } finally {
      controller.abort();
    }
  }

  /** History entries through the API, newest first. */
  async function historyOf(filter: Record<string, unknown>, first = 20, as: As = 'viewer'): Promise<HistoryNode[]> {
    const data = await ok(gql(HISTORY_QUERY, { filter, first }, as));
    return data.history.edges.map((edge: { node: HistoryNode }) => edge.node);
  }

  /** The newest history entry matching the filter. */
  async function lastEntry(filter: Record<string, unknown>, as: As = 'viewer'): Promise<HistoryNode | undefined> {
    return (await historyOf(filter, 1, as))[0];
  }

  const enqueue = async (input: EnqueueInput) => (await enqueueJob(db().services, input, setup)).job;

  /** A queue made on purpose (pauseQueue refuses a name no queue has). */
  const newQueue = async (prefix: string) => {
    const name = unique(prefix);
    await configureQueue(db().services, { name }, setup);
    return name;
  };

  /** A digest of everything an operation may change (not the API keys, whose use is recorded). */
  async function fingerprint(): Promise<string> {
    const [row] = await query<{ digest: string }>(
      db().services.db,
      sql`select md5(
            coalesce((select string_agg(j::text, '|' order by j.id) from jobs j), '') || '#' ||
            coalesce((select string_agg(i::text, '|' order by i.job_id, i.position) from job_items i), '') || '#' ||
            coalesce((select string_agg(q::text, '|' order by q.name) from queues q), '') || '#' ||
            coalesce((select string_agg(g::text, '|' order by g.name) from governors g), '') || '#' ||
            (select count(*)::text || ':' || coalesce(max(id), 0)::text from history) || '#' ||
            (select count(*)::text from tracking_pending)) as digest`,
    );
    return row!.digest;
  }

  /** Waits for the database clock to pass `moment` by a few milliseconds (timestamps reach the API in ms). */
  async function databaseClockPast(moment: Date | string): Promise<void> {
    const after = new Date(new Date(moment).getTime() + 5).toISOString();
    await waitFor(
      async () => {
        const [row] = await query<{ past: boolean }>(db().services.db, sql`select clock_timestamp() > ${after}::timestamptz as past`);
        return row?.past;
      },
      { what: `the database clock to pass ${after}` },
    );
  }

  /**
   * Counts the SQL statements run while `work` runs, where every statement passes: the postgres.js
   * client's `unsafe` (server mode: `query()` and drizzle both call it), else `db.execute` (embedded).
   */
  async function countStatements<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const database = db().services.db;
    const client = (database as unknown as { session: { client: Record<string, unknown> } }).session.client;
    const [target, method] = typeof client.unsafe === 'function' ? [client, 'unsafe'] : [database as unknown as Record<string, unknown>, 'execute'];
    const original = target[method] as (...args: unknown[]) => unknown;
    let statements = 0;
    target[method] = (...args: unknown[]) => {
      statements++;
      return original.apply(target, args);
    };
    try {
      const result = await work();
      return { result, statements };
    } finally {
      target[method] = original;
    }
  }

  return { url, keyOf, authorization, post, gql, firstStreamed, historyOf, lastEntry, enqueue, newQueue, fingerprint, databaseClockPast, countStatements };
}
