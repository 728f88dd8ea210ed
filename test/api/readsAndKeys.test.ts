// The GraphQL API's authorisation of reads and its API keys: every query readable by every role
// (keys by admins), nothing without a live key, and keys managed through the API.
import { describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/services/engine/apiKeys.ts';
import { upsertTrackingReference } from '../../src/services/tracking/referenceData.ts';
import { expectUnauthenticated, globalId, KEY_NAMES, ok, REQUIRED, setup, useApiClient, WRONG } from '../support/apiClient.ts';
import { useTestDatabase } from '../support/db.ts';
import { printReadQueries, seedPrintReads } from '../support/printAuthCases.ts';

const db = useTestDatabase();
const { keyOf, post, gql, historyOf, enqueue, newQueue, fingerprint } = useApiClient(db);

describe('authorisation', () => {
  const QUERIES: Record<string, string> = {
    job: 'query Q($id: ID!) { job(id: $id) { id runId } }',
    jobs: '{ jobs(first: 1) { edges { node { id } } } }',
    queues: '{ queues { name stats { queued } } }',
    governors: '{ governors { name } }',
    workers: '{ workers(includeStopped: true) { id } }',
    history: '{ history(first: 1) { edges { node { id actor } } } }',
    schedules: '{ schedules { name } }',
    alerts: '{ alerts(first: 1) { edges { node { id } } } }',
    settings: '{ settings { key value version } }',
    supervisor: '{ supervisor { intervalMs lastTicks(first: 1) { id } } }',
    node: 'query Q($id: ID!) { node(id: $id) { id } }',
    nodes: 'query Q($id: ID!) { nodes(ids: [$id]) { id } }',
    jobMetrics: '{ jobMetrics(from: "2026-01-01T00:00:00Z", stepMinutes: 1440) { completed } }',
    overview: '{ overview { at queues { name stats { queued } } } }',
    caller: '{ caller { name role } }',
    kinds: '{ kinds { name servedBy } }',
    apiKeys: '{ apiKeys { name } }',
    ...printReadQueries,
    productionJob: '{ productionJob(jobId: "4604_1") { jobId operations { name } } }',
    productionJobs: '{ productionJobs(first: 1) { edges { node { jobId } } } }',
    impositions: '{ impositions { impositionId } }',
    runlists: '{ runlists { runlistId } }',
    printOsEvents: '{ printOsEvents(first: 1) { edges { node { id } } } }',
    scans: '{ scans(first: 1) { edges { node { id } } } }',
    trackingMarkers: '{ trackingMarkers { source waiting } }',
  };
  /** Readable by admins only (the keys test shows the others refused). */
  const ADMIN_ONLY = new Set(['apiKeys']);

  it('lets every role read (keys: admins), and refuses reads without a (valid) key', async () => {
    const job = await enqueue({ kind: 'api.auth.read', queue: 'q-auth' });
    const printVariables = await seedPrintReads(db().services);
    await upsertTrackingReference(db().services, { productionJobs: [{ jobId: '4604_1' }] }, setup);
    const { schema } = await import('../../src/schema/index.ts');
    expect(Object.keys(QUERIES).sort()).toEqual(Object.keys(schema.getQueryType()!.getFields()).sort());
    for (const [field, document] of Object.entries(QUERIES)) {
      const variables = { id: field === 'job' ? job.runId : globalId(job.id), ...printVariables };
      for (const role of ADMIN_ONLY.has(field) ? (['admin'] as const) : (['viewer', 'operator', 'admin'] as const)) {
        const data = await ok(gql(document, variables, role));
        expect(data[field], `${field} as ${role}`).not.toBeNull();
      }
      for (const caller of ['none', 'bad'] as const) {
        const response = await gql(document, variables, caller);
        expectUnauthenticated(response, caller === 'none' ? REQUIRED : WRONG);
        expect(response.text).not.toContain(job.runId);
      }
    }
  });

  it('refuses a revoked key, telling its holder the key is wrong', async () => {
    const { key } = await createApiKey(db().services, { name: 'temp-operator', role: 'operator' }, setup);
    const PAUSE = 'mutation P($name: String!) { pauseQueue(name: $name) { __typename ... on Queue { pausedBy } ... on Error { message } } }';
    expect((await ok(gql(PAUSE, { name: await newQueue('q-revoke') }, { token: key }))).pauseQueue).toEqual({ __typename: 'Queue', pausedBy: 'temp-operator' });
    await revokeApiKey(db().services, 'temp-operator', setup);
    const queue = await newQueue('q-revoke');
    const before = await fingerprint();
    expectUnauthenticated(await gql(PAUSE, { name: queue }, { token: key }), WRONG);
    expectUnauthenticated(await gql('{ queues { name } }', {}, { token: key }), WRONG);
    expect(await fingerprint()).toBe(before);
    // A malformed header is no key either.
    expectUnauthenticated(await post(JSON.stringify({ query: '{ queues { name } }' }), { authorization: `Basic ${keyOf('admin')}` }), REQUIRED);
  });

  it('manages keys from the API: create (shown once), list, revoke, each in the history with who and why', async () => {
    const CREATE = `mutation C($name: String!, $role: ApiKeyRole!) { createApiKey(name: $name, role: $role, reason: "new desk") {
      __typename ... on CreatedApiKey { key notice apiKey { name role revokedAt } } ... on Error { code message } } }`;
    const created = (await ok(gql(CREATE, { name: 'desk-2', role: 'operator' }, 'admin'))).createApiKey;
    expect(created).toMatchObject({ __typename: 'CreatedApiKey', key: expect.stringMatching(/^prk_/), apiKey: { name: 'desk-2', role: 'operator', revokedAt: null } });
    // Whoever creates a key in GraphiQL reads, in the answer, that local GraphiQL now needs one too.
    expect(created.notice).toContain('every client needs one, GraphiQL on this machine too');
    // The new key works, with its role.
    expect((await ok(gql('{ queues { name } }', {}, { token: created.key }))).queues).toBeDefined();
    // A second live key of that name is refused as data.
    expect((await ok(gql(CREATE, { name: 'desk-2', role: 'viewer' }, 'admin'))).createApiKey).toMatchObject({ __typename: 'InvalidInputError' });
    const listed = (await ok(gql('{ apiKeys { name role revokedAt lastUsedAt } }', {}, 'admin'))).apiKeys;
    expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'desk-2', role: 'operator', revokedAt: null })]));
    expect(JSON.stringify(listed)).not.toContain(created.key);
    const REVOKE = `mutation R($name: String!) { revokeApiKey(name: $name, reason: "desk closed") { __typename ... on ApiKey { name revokedAt } ... on Error { code } } }`;
    expect((await ok(gql(REVOKE, { name: 'desk-2' }, 'admin'))).revokeApiKey).toMatchObject({ __typename: 'ApiKey', name: 'desk-2', revokedAt: expect.any(String) });
    expect((await ok(gql(REVOKE, { name: 'desk-2' }, 'admin'))).revokeApiKey).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expectUnauthenticated(await gql('{ queues { name } }', {}, { token: created.key }), WRONG);
    expect((await historyOf({ targetType: 'apiKey', targetId: 'desk-2' })).map((e) => [e.operation, e.actor, e.reason])).toEqual([
      ['revokeKey', KEY_NAMES.admin, 'desk closed'],
      ['createKey', KEY_NAMES.admin, 'new desk'],
    ]);
    // Viewers and operators do not see keys.
    const asOperator = await gql('{ apiKeys { name } }', {}, 'operator');
    expect(asOperator.errors?.[0]).toMatchObject({ message: "your key's role (operator) may not use apiKeys: it needs the admin role", extensions: { code: 'FORBIDDEN' } });
  });
});
