// The GraphQL API's authorisation of mutations: every mutation of the schema, allowed from its
// least role up, refused to lesser roles and without a live key, changing nothing when refused.
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/services/engine/apiKeys.ts';
import { raiseAlert } from '../../src/services/engine/alerts.ts';
import { createSchedule, pauseSchedule } from '../../src/services/engine/schedules.ts';
import { cancelJob, forceFailJob, getGovernor, pauseJob, pauseQueue, tryAcquireGovernor } from '../../src/services/index.ts';
import { requestTrackingRun } from '../../src/services/tracking/runs.ts';
import { expectUnauthenticated, REQUIRED, setup, unique, uniqueNumber, useApiClient, WRONG } from '../support/apiClient.ts';
import { useTestDatabase } from '../support/db.ts';
import { printAuthCases } from '../support/printAuthCases.ts';

const db = useTestDatabase();
const { gql, enqueue, newQueue, fingerprint, databaseClockPast } = useApiClient(db);

describe('authorisation', () => {
  /** neededRole: the role a refusal names, when it is not minRole (a device's ingest role, which operators and admins hold too). */
  type Expectation = { name: string; minRole: 'operator' | 'admin'; neededRole?: string; success: string; document: string; prepare: () => Promise<Record<string, unknown>> };
  /** A tracking run waiting already: the run each recorded batch asks for (after the response) joins it and changes nothing. */
  const trackingRunWaiting = async (source: 'print_os' | 'scanner') => void (await requestTrackingRun(db().services, source, setup));
  const result = (name: string, args: string) => `${name}(${args}) { __typename ... on Error { code message } }`;
  const jobIn = async (status: 'queued' | 'failed' | 'paused' | 'cancelled') => {
    const job = await enqueue({ kind: 'api.auth', queue: 'q-auth' });
    if (status === 'failed') await forceFailJob(db().services, job.id, setup);
    if (status === 'paused') await pauseJob(db().services, job.id, setup);
    if (status === 'cancelled') await cancelJob(db().services, job.id, setup);
    return { id: job.runId };
  };
  const bulkQueue = async (status: 'queued' | 'cancelled') => {
    const queue = unique('q-auth-bulk');
    const { id } = await enqueue({ kind: 'api.auth', queue });
    if (status === 'cancelled') await cancelJob(db().services, id, setup);
    return { filter: { queue } };
  };
  const MUTATIONS: Expectation[] = [
    {
      name: 'enqueueJob',
      minRole: 'operator',
      success: 'EnqueueResult',
      document: `mutation M($input: EnqueueJobInput!) { ${result('enqueueJob', 'input: $input, reason: "auth"')} }`,
      prepare: async () => ({ input: { kind: 'api.auth', queue: 'q-auth' } }),
    },
    {
      name: 'enqueueJobs',
      minRole: 'operator',
      success: 'EnqueueJobsResult',
      document: `mutation M($inputs: [EnqueueJobInput!]!) { ${result('enqueueJobs', 'inputs: $inputs, reason: "auth"')} }`,
      prepare: async () => ({ inputs: [{ kind: 'api.auth', queue: 'q-auth' }] }),
    },
    ...(
      [
        ['retryJob', 'failed'],
        ['cancelJob', 'queued'],
        ['pauseJob', 'queued'],
        ['resumeJob', 'paused'],
        ['forceFailJob', 'queued'],
      ] as const
    ).map(([name, status]) => ({
      name,
      minRole: 'operator' as const,
      success: 'Job',
      document: `mutation M($id: ID!) { ${result(name, 'id: $id, reason: "auth"')} }`,
      prepare: () => jobIn(status),
    })),
    { name: 'deleteJob', minRole: 'admin', success: 'Job', document: `mutation M($id: ID!) { ${result('deleteJob', 'id: $id')} }`, prepare: () => jobIn('queued') },
    {
      name: 'clearJobs',
      minRole: 'admin',
      success: 'ClearResult',
      document: `mutation M($queue: String) { ${result('clearJobs', 'status: cancelled, queue: $queue')} }`,
      prepare: async () => ({ queue: (await bulkQueue('cancelled')).filter.queue }),
    },
    { name: 'retryJobs', minRole: 'operator', success: 'BulkResult', document: `mutation M($filter: JobFilter!) { ${result('retryJobs', 'filter: $filter')} }`, prepare: () => bulkQueue('cancelled') },
    { name: 'cancelJobs', minRole: 'operator', success: 'BulkResult', document: `mutation M($filter: JobFilter!) { ${result('cancelJobs', 'filter: $filter')} }`, prepare: () => bulkQueue('queued') },
    { name: 'deleteJobs', minRole: 'admin', success: 'BulkResult', document: `mutation M($filter: JobFilter!) { ${result('deleteJobs', 'filter: $filter')} }`, prepare: () => bulkQueue('queued') },
    { name: 'pauseQueue', minRole: 'operator', success: 'Queue', document: `mutation M($name: String!) { ${result('pauseQueue', 'name: $name')} }`, prepare: async () => ({ name: await newQueue('q-auth-lane') }) },
    {
      name: 'resumeQueue',
      minRole: 'operator',
      success: 'Queue',
      document: `mutation M($name: String!) { ${result('resumeQueue', 'name: $name')} }`,
      prepare: async () => {
        const name = await newQueue('q-auth-lane');
        await pauseQueue(db().services, name, setup);
        return { name };
      },
    },
    {
      name: 'configureQueue',
      minRole: 'admin',
      success: 'Queue',
      document: `mutation M($name: String!) { ${result('configureQueue', 'name: $name, concurrency: 2')} }`,
      prepare: async () => ({ name: unique('q-auth-lane') }),
    },
    {
      name: 'releaseGovernor',
      minRole: 'operator',
      success: 'GovernorRelease',
      document: `mutation M($name: String!) { ${result('releaseGovernor', 'name: $name, reason: "auth"')} }`,
      prepare: async () => {
        const name = unique('g-auth');
        await tryAcquireGovernor(db().services, name, 'someone', { leaseMs: 600_000 });
        return { name };
      },
    },
    {
      name: 'healGovernors',
      minRole: 'operator',
      success: 'GovernorHeal',
      document: `mutation M { ${result('healGovernors', 'reason: "auth"')} }`,
      prepare: async () => {
        const name = unique('g-auth-expired');
        await tryAcquireGovernor(db().services, name, 'gone', { leaseMs: 1 });
        await databaseClockPast((await getGovernor(db().services.db, name)).leaseExpiresAt!);
        return {};
      },
    },
    {
      name: 'requestGovernorRun',
      minRole: 'operator',
      success: 'GovernorRunRequest',
      document: `mutation M($name: String!) { ${result('requestGovernorRun', 'name: $name, kind: "api.auth", queue: "q-auth"')} }`,
      prepare: async () => ({ name: unique('g-auth-run') }),
    },
    {
      name: 'createSchedule',
      minRole: 'operator',
      success: 'Schedule',
      document: `mutation M($name: String!) { ${result('createSchedule', 'input: { name: $name, cron: "*/5 * * * *", kind: "api.auth" }, reason: "auth"')} }`,
      prepare: async () => ({ name: unique('s-auth') }),
    },
    ...(['pauseSchedule', 'resumeSchedule', 'deleteSchedule'] as const).map((name) => ({
      name,
      minRole: name === 'deleteSchedule' ? ('admin' as const) : ('operator' as const),
      success: 'Schedule',
      document: `mutation M($name: String!) { ${result(name, 'name: $name, reason: "auth"')} }`,
      prepare: async () => {
        const schedule = unique('s-auth');
        await createSchedule(db().services, { name: schedule, cron: '*/5 * * * *', kind: 'api.auth' }, setup);
        if (name === 'resumeSchedule') await pauseSchedule(db().services, schedule, setup);
        return { name: schedule };
      },
    })),
    {
      name: 'acknowledgeAlert',
      minRole: 'operator',
      success: 'Alert',
      document: `mutation M($id: ID!) { ${result('acknowledgeAlert', 'id: $id, reason: "auth"')} }`,
      prepare: async () => {
        const { alert } = await raiseAlert(db().services, { kind: 'api.auth', severity: 'info', targetType: 'job', targetId: unique('a-auth'), message: 'auth' }, setup);
        return { id: String(alert.id) };
      },
    },
    {
      name: 'createApiKey',
      minRole: 'admin',
      success: 'CreatedApiKey',
      document: `mutation M($name: String!) { ${result('createApiKey', 'name: $name, role: viewer, reason: "auth"')} }`,
      prepare: async () => ({ name: unique('k-auth') }),
    },
    {
      name: 'revokeApiKey',
      minRole: 'admin',
      success: 'ApiKey',
      document: `mutation M($name: String!) { ${result('revokeApiKey', 'name: $name, reason: "auth"')} }`,
      prepare: async () => {
        const name = unique('k-auth');
        await createApiKey(db().services, { name, role: 'viewer' }, setup);
        return { name };
      },
    },
    {
      name: 'updateSettings',
      minRole: 'admin',
      success: 'SettingsUpdate',
      document: `mutation M($input: SettingsInput!) { ${result('updateSettings', 'input: $input, reason: "auth"')} }`,
      // A value not set before, so that an allowed call changes something.
      prepare: async () => ({ input: { printPacingMs: uniqueNumber() } }),
    },
    // The supervisor's: each recorded in the history (a tick, a detection, a purge) even when it found nothing.
    { name: 'runSupervisorTick', minRole: 'operator', success: 'SupervisorTick', document: `mutation M { ${result('runSupervisorTick', 'reason: "auth"')} }`, prepare: async () => ({}) },
    {
      name: 'detectStuckWork',
      minRole: 'operator',
      success: 'StuckWorkReport',
      document: `mutation M { ${result('detectStuckWork', 'dryRun: false, reason: "auth"')} }`,
      prepare: async () => ({}),
    },
    { name: 'purge', minRole: 'admin', success: 'PurgeReport', document: `mutation M { ${result('purge', 'dryRun: false, reason: "auth"')} }`, prepare: async () => ({}) },
    ...printAuthCases(() => db().services, result, unique),
    // Production tracking's: devices record (the ingest role, operators and admins), operators load and process.
    {
      name: 'recordPrintOsEvents',
      minRole: 'operator',
      neededRole: 'ingest',
      success: 'IngestResult',
      document: `mutation M($events: [PrintOsEventInput!]!) { ${result('recordPrintOsEvents', 'events: $events')} }`,
      prepare: async () => {
        await trackingRunWaiting('print_os');
        return { events: [{ marker: uniqueNumber(), impositionId: 'IMP-auth', status: 'PRINTED', completeTime: '2026-11-30T08:00:00Z' }] };
      },
    },
    {
      name: 'recordScans',
      minRole: 'operator',
      neededRole: 'ingest',
      success: 'IngestResult',
      document: `mutation M($scans: [ScanInput!]!) { ${result('recordScans', 'scans: $scans')} }`,
      prepare: async () => {
        await trackingRunWaiting('scanner');
        return { scans: [{ scanId: unique('scan-auth'), codeText: 'RL-auth', scannedAt: '2026-11-30T08:00:00Z', operations: ['coating'] }] };
      },
    },
    {
      name: 'upsertTrackingReference',
      minRole: 'operator',
      success: 'TrackingReferenceCounts',
      document: `mutation M($input: TrackingReferenceInput!) { ${result('upsertTrackingReference', 'input: $input, reason: "auth"')} }`,
      prepare: async () => ({ input: { productionJobs: [{ jobId: `4604_${uniqueNumber()}` }] } }),
    },
    { name: 'processStatusUpdates', minRole: 'operator', success: 'TrackingProcessRun', document: `mutation M { ${result('processStatusUpdates', 'source: BOTH')} }`, prepare: async () => ({}) },
    {
      name: 'reprocessTracking',
      minRole: 'admin',
      success: 'TrackingReprocessResult',
      document: `mutation M { ${result('reprocessTracking', 'source: SCANNER, fromMarker: 1, reason: "auth"')} }`,
      prepare: async () => ({}),
    },
    {
      name: 'reprocessRejects',
      minRole: 'operator',
      success: 'TrackingReprocessResult',
      document: `mutation M { ${result('reprocessRejects', 'reason: "auth"')} }`,
      prepare: async () => ({}),
    },
  ];

  it('covers every mutation of the schema', async () => {
    const { schema } = await import('../../src/schema/index.ts');
    expect(MUTATIONS.map((m) => m.name).sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).sort());
  });

  const callers = ['viewer', 'operator', 'admin', 'none', 'bad'] as const;
  const allowed = (minRole: 'operator' | 'admin', caller: (typeof callers)[number]) =>
    caller === 'admin' || (caller === 'operator' && minRole === 'operator');

  it.each(MUTATIONS)('$name: allowed from $minRole up; refused as data to lesser roles and with 401 without a live key, changing nothing', async ({ name, minRole, neededRole, success, document, prepare }) => {
    for (const caller of callers) {
      const variables = await prepare();
      await db().services.notifier.drain();
      const before = await fingerprint();
      const response = await gql(document, variables, caller);
      if (caller === 'none' || caller === 'bad') {
        expectUnauthenticated(response, caller === 'none' ? REQUIRED : WRONG);
        expect(await fingerprint(), `${name} as ${caller} changed something`).toBe(before);
        continue;
      }
      expect(response.errors, `${name} as ${caller}: ${response.text}`).toBeUndefined();
      const value = response.data[name];
      if (allowed(minRole, caller)) {
        expect(value.__typename, `${name} as ${caller}: ${response.text}`).toBe(success);
        expect(await fingerprint(), `${name} as ${caller} changed something`).not.toBe(before);
      } else {
        // In the API's words, not the framework's ("Not authorized to resolve Mutation.…").
        expect(value, `${name} as ${caller}`).toEqual({
          __typename: 'ForbiddenError',
          code: 'FORBIDDEN',
          message: `your key's role (${caller}) may not use ${name}: it needs the ${neededRole ?? minRole} role`,
        });
        expect(await fingerprint(), `${name} as ${caller} changed something`).toBe(before);
      }
    }
  });
});
