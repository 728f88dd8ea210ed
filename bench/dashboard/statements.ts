// Statements PostgreSQL runs while N dashboards show a live page: N graphql-ws clients each open
// the page's own subscriptions (web/src/operations/) on one API process, and the bench
// database's committed transactions are counted over a window (each statement the API runs
// outside a transaction is one; pg_stat_statements is not assumed on the server).
import { setTimeout as sleep } from 'node:timers/promises';
import { print, type DocumentNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import postgres from 'postgres';
import WebSocket from 'ws';
import { OverviewSubscription } from '../../web/src/operations/overview.ts';
import { PrintGovernorSubscription, PrintLanesSubscription } from '../../web/src/operations/print.ts';
import { TrackingProgressSubscription } from '../../web/src/operations/tracking.ts';

export interface LivePage {
  page: string;
  subscriptions: DocumentNode[];
}

/** The dashboard's pages that stay live, each with the subscriptions it opens. */
export const LIVE_PAGES: LivePage[] = [
  { page: 'overview', subscriptions: [OverviewSubscription] },
  { page: 'print', subscriptions: [PrintLanesSubscription, PrintGovernorSubscription] },
  { page: 'tracking', subscriptions: [TrackingProgressSubscription] },
];

export interface StatementRate {
  page: string;
  dashboards: number;
  transactionsPerSecond: number;
  /** Messages (of all the page's subscriptions) each dashboard received per second. */
  messagesPerSecond: number;
}

async function committed(url: string): Promise<number> {
  const db = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // The counters are flushed by each backend about once a second: wait that out first.
    await sleep(1_100);
    const [row] = await db<{ n: string }[]>`select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()`;
    return Number(row!.n);
  } finally {
    await db.end();
  }
}

export async function statementRate(apiUrl: string, databaseUrl: string, live: LivePage, dashboards: number, windowSeconds: number): Promise<StatementRate> {
  const queries = live.subscriptions.map((document) => print(document));
  const clients: Client[] = [];
  let messages = 0;
  const first: Promise<void>[] = [];
  for (let i = 0; i < dashboards; i++) {
    const client = createClient({ url: apiUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    clients.push(client);
    for (const query of queries) {
      first.push(
        new Promise<void>((resolve, reject) => {
          let seen = false;
          client.subscribe(
            { query },
            {
              next: () => {
                messages++;
                if (!seen) (seen = true), resolve();
              },
              error: reject,
              complete: () => {},
            },
          );
        }),
      );
    }
  }
  try {
    await Promise.all(first);
    await sleep(2_000);
    const before = await committed(databaseUrl);
    const messagesBefore = messages;
    const started = performance.now();
    await sleep(windowSeconds * 1000);
    const after = await committed(databaseUrl);
    const seconds = (performance.now() - started) / 1000;
    // Each count opens a connection and runs one statement of its own: not the dashboards'.
    const own = 2;
    return {
      page: live.page,
      dashboards,
      transactionsPerSecond: Math.max(0, after - before - own) / seconds,
      messagesPerSecond: dashboards ? (messages - messagesBefore) / dashboards / seconds : 0,
    };
  } finally {
    for (const client of clients) await client.dispose();
  }
}
