// What the bench asks: a dashboard's jobs page (first and a later keyset page), a job by run id as
// support staff paste it, a history page, and `{ __typename }` as the server's own floor.
import postgres from 'postgres';

export interface BenchQuery {
  name: string;
  /** A page query: held to the p99 target. */
  page: boolean;
  /** The request bodies; the load generator cycles through them. */
  bodies: string[];
}

const JOBS_PAGE = `query JobsPage($filter: JobFilter, $after: String) {
  jobs(first: 50, filter: $filter, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id runId kind status priority attempts maxAttempts createdAt startedAt finishedAt createdBy
      progress { percent stage message }
      itemsTotal itemsProcessed itemsFailed
      lastError { message class attempt at }
      queue { name paused concurrency stats { queued running paused completed failed cancelled oldestWaitingSeconds } }
      items(first: 5) { edges { node { position key status error } } }
      history(first: 3) { edges { node { at actor operation reason } } }
    } }
  }
}`;

const JOB_BY_RUN_ID = `query Job($id: ID!) {
  job(id: $id) {
    id runId kind status attempts progress { percent stage message }
    lastError { message class attempt }
    history(first: 10) { edges { node { at actor operation before after reason } } }
  }
}`;

const HISTORY_PAGE = `query History($filter: HistoryFilter, $after: String) {
  history(first: 50, filter: $filter, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id at actor operation targetType targetId before after reason } }
  }
}`;

/** A dashboard's "what failed on the presses" view. */
export const JOBS_FILTER = { queue: 'print', status: ['failed'] };
export const HISTORY_FILTER = { targetType: 'job', operation: 'failAttempt' };
/** The later page is reached by paging this many pages from the first. */
export const LATER_PAGE = 10;

const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

export async function post<T>(url: string, requestBody: string): Promise<T> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: requestBody });
  const json = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!response.ok || json.errors) throw new Error(`the API answered ${response.status}: ${JSON.stringify(json.errors ?? json)}`);
  return json.data!;
}

/** Pages through the API as a client would, to get a real cursor of a later page. */
async function cursorOfPage(url: string, query: string, field: 'jobs' | 'history', filter: object, page: number): Promise<string | null> {
  let after: string | null = null;
  for (let i = 1; i < page; i++) {
    const data: Record<string, { pageInfo: { endCursor: string | null } }> = await post(url, body(query, { filter, after }));
    after = data[field]!.pageInfo.endCursor;
  }
  return after;
}

/** Run ids spread over the whole table, so lookups are not all served from one hot page. */
async function sampleRunIds(databaseUrl: string, count: number): Promise<string[]> {
  const db = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await db<{ run_id: string }[]>`
      select run_id from jobs where id in (select 1 + (hashint8extended(n, 7) & 9223372036854775807) % (select max(id) from jobs) from generate_series(1, ${count}::int) n)`;
    return rows.map((row) => row.run_id);
  } finally {
    await db.end();
  }
}

export async function benchQueries(apiUrl: string, databaseUrl: string): Promise<BenchQuery[]> {
  const laterJobs = await cursorOfPage(apiUrl, JOBS_PAGE, 'jobs', JOBS_FILTER, LATER_PAGE);
  const laterHistory = await cursorOfPage(apiUrl, HISTORY_PAGE, 'history', HISTORY_FILTER, LATER_PAGE);
  const runIds = await sampleRunIds(databaseUrl, 1000);
  return [
    { name: '{ __typename } (baseline)', page: false, bodies: [body('{ __typename }', {})] },
    { name: 'jobs(first: 50), nested, unfiltered: first page', page: true, bodies: [body(JOBS_PAGE, {})] },
    { name: 'jobs(first: 50), filtered, nested: first page', page: true, bodies: [body(JOBS_PAGE, { filter: JOBS_FILTER })] },
    { name: `jobs(first: 50), filtered, nested: page ${LATER_PAGE} (keyset)`, page: true, bodies: [body(JOBS_PAGE, { filter: JOBS_FILTER, after: laterJobs })] },
    { name: 'job(id: run id) with history(first: 10)', page: true, bodies: runIds.map((id) => body(JOB_BY_RUN_ID, { id })) },
    { name: 'history(first: 50), filtered: first page', page: true, bodies: [body(HISTORY_PAGE, { filter: HISTORY_FILTER })] },
    { name: `history(first: 50), filtered: page ${LATER_PAGE} (keyset)`, page: true, bodies: [body(HISTORY_PAGE, { filter: HISTORY_FILTER, after: laterHistory })] },
  ];
}
