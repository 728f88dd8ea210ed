// This process's Prometheus metrics (prom-client), served at /metrics (src/api/routes/metrics.ts).
// What a process measures itself lives here: its worker's claims and runs, its live subscriptions
// and WebSocket connections, the event bus as this process hears it. What the whole system holds
// (jobs by status, workers, database connections) is read from the database at each scrape
// (./database.ts). Names and labels are documented in docs/operations.md.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'pressroom_' });

const seconds = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export const jobsFinished = new Counter({
  name: 'pressroom_jobs_finished_total',
  help: 'Jobs that reached completed, failed or cancelled, anywhere in the system (heard on the event bus)',
  labelNames: ['queue', 'kind', 'status'] as const,
  registers: [registry],
});

export const jobWait = new Histogram({
  name: 'pressroom_job_wait_seconds',
  help: "From a job's run-at time to its start, for the jobs this process's worker started",
  labelNames: ['queue', 'kind'] as const,
  buckets: seconds,
  registers: [registry],
});

export const jobRun = new Histogram({
  name: 'pressroom_job_run_seconds',
  help: "How long this process's worker ran a job's handler, by outcome (completed, failed, interrupted)",
  labelNames: ['queue', 'kind', 'outcome'] as const,
  buckets: seconds,
  registers: [registry],
});

export const claimLatency = new Histogram({
  name: 'pressroom_claim_seconds',
  help: "How long one claim of jobs took in this process's worker",
  buckets: seconds,
  registers: [registry],
});

export const subscriptions = new Gauge({
  name: 'pressroom_subscriptions',
  help: 'Live GraphQL subscriptions (graphql-ws and SSE) served by this process',
  registers: [registry],
});

export const webSockets = new Gauge({
  name: 'pressroom_websocket_connections',
  help: 'Open graphql-ws connections to this process',
  registers: [registry],
});

export const eventBusUp = new Gauge({
  name: 'pressroom_event_bus_up',
  help: '1 while the event bus carries events (always 1 in-process); 0 while Redis is unreachable',
  registers: [registry],
});
eventBusUp.set(1);

export const eventBusLag = new Histogram({
  name: 'pressroom_event_bus_lag_seconds',
  help: 'From a job change (its updated_at) to its event reaching this process',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const supervisorTick = new Histogram({
  name: 'pressroom_supervisor_tick_seconds',
  help: 'Duration of supervisor ticks, whichever process ran them (heard on the event bus)',
  buckets: seconds,
  registers: [registry],
});

export const refusals = new Counter({
  name: 'pressroom_refused_total',
  help: 'Requests, connections and subscriptions refused by an abuse limit, by limit',
  labelNames: ['limit'] as const,
  registers: [registry],
});

export const sharedFeedReads = new Counter({
  name: 'pressroom_shared_feed_reads_total',
  help: "Reads of this process's shared live feeds (the dashboard's overview, print lanes and governor, tracking progress), each pushed to all their subscribers; jobs: statements reading changed jobs for all jobs subscriptions",
  labelNames: ['feed'] as const,
  registers: [registry],
});
