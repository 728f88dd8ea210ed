// Production tracking through the API: devices record over GraphQL and plain HTTP with an
// ingest key (which can do nothing else), bad bodies are refused with field errors and store
// nothing, and support staff read a production job with its operations and history.
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { query } from '../src/db/client.ts';
import { createApiKey } from '../src/services/engine/apiKeys.ts';
import { useTestDatabase } from './support/db.ts';
import { useLocalApi } from './support/localApi.ts';
import { by, openShop, printEvent, scan, type Shop } from './support/tracking.ts';

const db = useTestDatabase();
const { server } = useLocalApi(db);
const keys: Record<string, string> = {};
let shop: Shop;

beforeAll(async () => {
  shop = await openShop(db().services);
  for (const role of ['ingest', 'viewer', 'operator', 'admin']) keys[role] = (await createApiKey(db().services, { name: `${role}-key`, role }, by)).key;
});

async function gql(role: string, document: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(server().url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[role]}` },
    body: JSON.stringify({ query: document, variables }),
  });
  return (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

function post(path: string, body: string, role = 'ingest') {
  return fetch(new URL(path, server().url), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[role]}` }, body });
}

const counts = async () => {
  const [row] = await query<{ events: number; scans: number; waiting: number }>(
    db().services.db,
    sql`select (select count(*)::int from print_os_events) as events, (select count(*)::int from scans) as scans, (select count(*)::int from tracking_pending) as waiting`,
  );
  return row!;
};

const RECORD = `mutation Record($events: [PrintOsEventInput!]!) {
  recordPrintOsEvents(events: $events) { __typename ... on IngestResult { recorded duplicates } ... on Error { message code } }
}`;

describe('the ingest role', () => {
  it('may record events, twice sent is once stored, and may read nothing nor change anything else', async () => {
    const [i1] = Object.keys(shop.impositions);
    const event = printEvent(i1!, 'PRINTED', '2026-11-30T08:00:00Z');
    expect((await gql('ingest', RECORD, { events: [event] })).data.recordPrintOsEvents).toEqual({ __typename: 'IngestResult', recorded: 1, duplicates: 0 });
    expect((await gql('ingest', RECORD, { events: [event] })).data.recordPrintOsEvents).toEqual({ __typename: 'IngestResult', recorded: 0, duplicates: 1 });

    const read = await gql('ingest', `{ productionJob(jobId: "${shop.jobs[0]}") { jobId } }`);
    expect(read.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const markers = await gql('ingest', '{ trackingMarkers { source } }');
    expect(markers.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const jobs = await gql('ingest', '{ jobs(first: 1) { edges { node { id } } } }');
    expect(jobs.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const process = await gql('ingest', 'mutation { processStatusUpdates { __typename ... on Error { code } } }');
    expect(process.data.processStatusUpdates).toEqual({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const reference = await gql('ingest', 'mutation { upsertTrackingReference(input: {}) { __typename ... on Error { code } } }');
    expect(reference.data.upsertTrackingReference).toEqual({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });

    // A viewer reads, and may not record.
    const viewer = await gql('viewer', RECORD, { events: [printEvent(i1!, 'PRINTED', '2026-11-30T08:00:00Z')] });
    expect(viewer.data.recordPrintOsEvents).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await post('/ingest/scans', JSON.stringify({ scans: [scan(shop.runlist, ['coating'], '2026-11-30T09:00:00Z')] }), 'viewer')).status).toBe(403);
  });

  it('records over plain HTTP, idempotent by source key', async () => {
    const [, i2] = Object.keys(shop.impositions);
    const body = JSON.stringify({ events: [printEvent(i2!, 'PRINTED', '2026-11-30T08:00:00Z'), printEvent(i2!, 'ABORTED', '2026-11-30T08:01:00Z')] });
    const first = await post('/ingest/print-os', body);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ recorded: 2, duplicates: 0 });
    expect(await (await post('/ingest/print-os', body)).json()).toEqual({ recorded: 0, duplicates: 2 });
    const scans = await post('/ingest/scans', JSON.stringify([scan(shop.runlist, { coating: true }, '2026-11-30T09:00:00Z')]));
    expect(await scans.json()).toEqual({ recorded: 1, duplicates: 0 });
    const anonymous = await fetch(new URL('/ingest/scans', server().url), { method: 'POST', body: '[]' });
    expect(anonymous.status).toBe(401);
  });
});

describe('bad bodies', () => {
  it.each([
    ['not JSON', '/ingest/print-os', '{"events": [', [{ path: '', message: 'the body is not JSON' }]],
    ['no list', '/ingest/print-os', '{"event": {}}', [{ path: 'events', message: 'give {"events": [...]} or a JSON array' }]],
    ['an empty list', '/ingest/scans', '{"scans": []}', [{ path: 'scans', message: 'give at least one record' }]],
  ])('%s: 400 with the field', async (_what, path, body, issues) => {
    const before = await counts();
    const response = await post(path, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid input', issues });
    expect(await counts()).toEqual(before);
  });

  it('one bad record in a batch: 400 naming each bad field, and none of the batch is stored', async () => {
    const before = await counts();
    const good = printEvent('IMP-X', 'PRINTED', '2026-11-30T08:00:00Z');
    const response = await post('/ingest/print-os', JSON.stringify({ events: [good, { ...good, marker: -1, status: 'DONE', completeTime: 'yesterday', extra: 1 }] }));
    expect(response.status).toBe(400);
    const { issues } = (await response.json()) as { issues: { path: string; message: string }[] };
    expect(issues.map((i) => i.path).sort()).toEqual(['events.1', 'events.1.completeTime', 'events.1.marker', 'events.1.status']);
    const scans = await post('/ingest/scans', JSON.stringify({ scans: [{ scanId: 's', codeText: '', scannedAt: '2026-11-30T08:00:00Z', operations: 'coating' }] }));
    expect(scans.status).toBe(400);
    expect(((await scans.json()) as { issues: { path: string }[] }).issues.map((i) => i.path).sort()).toEqual(['scans.0.codeText', 'scans.0.operations']);
    expect(await counts()).toEqual(before);
  });

  it('GraphQL gives the same field errors as data, and stores nothing', async () => {
    const before = await counts();
    const result = await gql('ingest', `mutation { recordScans(scans: [{ scanId: "a", codeText: "x", scannedAt: "nope", operations: {} }]) {
      __typename ... on InvalidInputError { issues { path message } } } }`);
    expect(result.data.recordScans.__typename).toBe('InvalidInputError');
    expect(result.data.recordScans.issues.map((i: { path: string }) => i.path)).toEqual(['0.scannedAt']);
    expect(await counts()).toEqual(before);
  });
});

describe('reading a production job', () => {
  it('answers "why is this job not marked printed?": its operations, history, impositions and the press events', async () => {
    const [a] = shop.jobs;
    const [i1] = Object.keys(shop.impositions);
    const processed = await gql('operator', 'mutation { processStatusUpdates(source: BOTH) { __typename ... on TrackingProcessRun { processed sources { source processed rejected } } } }');
    expect(processed.data.processStatusUpdates).toMatchObject({ __typename: 'TrackingProcessRun', processed: 4 });
    const result = await gql(
      'viewer',
      `query Why($jobId: String!, $imposition: String!) {
        productionJob(jobId: $jobId) {
          jobId done
          operations { name status done completedBy notes }
          updates(first: 10) { edges { node { sourceType operationId status notes applied } } }
          impositions { impositionId fileIds operations { name status } }
        }
        printOsEvents(first: 10, filter: { key: $imposition }) { edges { node { status outcome { state reason } } } }
        trackingMarkers { source waiting lagSeconds rejectsOpen }
      }`,
      { jobId: a, imposition: i1 },
    );
    expect(result.errors).toBeUndefined();
    const job = result.data.productionJob;
    expect(job.done).toBe(false);
    // I1 printed, I2 aborted last: one of A's two files printed.
    expect(job.operations.find((o: { name: string }) => o.name === 'print')).toMatchObject({ status: 'PARTIAL', done: false, completedBy: 'PRINT_OS' });
    expect(job.operations.find((o: { name: string }) => o.name === 'coating')).toMatchObject({ status: 'COMPLETED', completedBy: 'SCANNER' });
    expect(job.updates.edges.length).toBeGreaterThan(0);
    expect(job.impositions.map((i: { impositionId: string }) => i.impositionId)).toEqual(Object.keys(shop.impositions).slice(0, 2));
    expect(result.data.printOsEvents.edges[0].node.outcome).toEqual({ state: 'PROCESSED', reason: null });
    expect(result.data.trackingMarkers).toEqual([
      { source: 'PRINT_OS', waiting: 0, lagSeconds: 0, rejectsOpen: 0 },
      { source: 'SCANNER', waiting: 0, lagSeconds: 0, rejectsOpen: 0 },
    ]);
    const partial = await gql('viewer', '{ productionJobs(first: 10, filter: { partialPrint: true }) { edges { node { jobId } } } }');
    expect(partial.data.productionJobs.edges.map((e: { node: { jobId: string } }) => e.node.jobId)).toEqual([a]);
  });
});

describe('GraphiQL examples', () => {
  it('are valid operations of the schema', async () => {
    const { parse, validate } = await import('graphql');
    const { schema } = await import('../src/schema/index.ts');
    const { trackingExamples } = await import('../src/api/examples/tracking.ts');
    for (const example of trackingExamples) expect(validate(schema, parse(example.operation)).map((e) => e.message)).toEqual([]);
  });

  it('"why is job not marked printed?" runs and answers', async () => {
    const { trackingExamples } = await import('../src/api/examples/tracking.ts');
    const result = await gql('viewer', trackingExamples[0]!.operation, { jobId: shop.jobs[0] });
    expect(result.errors).toBeUndefined();
    expect(result.data.productionJob.operations.map((o: { name: string }) => o.name)).toContain('print');
  });
});

describe('subscriptions', () => {
  it("follow a production job's operations and the markers as records arrive and are processed", async () => {
    const { wsClient, subscribeWs } = await import('./support/subscriptions.ts');
    const { recordPrintOsEvents } = await import('../src/services/tracking/ingest.ts');
    const { processStatusUpdates } = await import('../src/services/tracking/runs.ts');
    const client = wsClient(server().url, `Bearer ${keys.viewer}`);
    const [, , c] = shop.jobs;
    const i2 = Object.keys(shop.impositions)[1]!;
    const job = subscribeWs(client, `subscription ($jobId: String!) { productionJob(jobId: $jobId) { jobId operations { name status } } }`, { jobId: c });
    const progress = subscribeWs(client, 'subscription { trackingProgress { source waiting lastProcessedId } }');
    try {
      const printOf = (data: any) => data.productionJob.operations.find((o: { name: string }) => o.name === 'print')?.status;
      expect(printOf(await job.feed.nextData())).toBe('ABORTED');
      const before = await progress.feed.nextData();
      const printOs = (data: any) => data.trackingProgress.find((m: { source: string }) => m.source === 'PRINT_OS');
      await recordPrintOsEvents(db().services, [printEvent(i2, 'PRINTED', '2026-11-30T12:00:00Z')], by);
      await progress.feed.until((data) => printOs(data).waiting === 1);
      await processStatusUpdates(db().services, 'print_os', by);
      expect(printOf(await job.feed.until((data) => printOf(data) === 'COMPLETED'))).toBe('COMPLETED');
      const after = await progress.feed.until((data) => printOs(data).waiting === 0 && printOs(data).lastProcessedId > printOs(before).lastProcessedId);
      expect(printOs(after).waiting).toBe(0);
    } finally {
      job.stop();
      progress.stop();
      await client.dispose();
    }
  });
});
