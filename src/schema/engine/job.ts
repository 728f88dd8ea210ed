import { JOB_STATUSES, type HistoryEntry, type Job, type JobItem } from '../../services/engine/types.ts';
import { builder } from '../builder.ts';
import { HistoryEntryRef } from './history.ts';
import { connectionOf, forwardPage } from '../pagination.ts';
import { QueueRef } from './queue.ts';

export const JobStatusEnum = builder.enumType('JobStatus', { values: JOB_STATUSES });

const JobProgress = builder.objectRef<NonNullable<Job['progress']>>('JobProgress').implement({
  fields: (t) => ({
    percent: t.exposeFloat('percent'),
    stage: t.exposeString('stage', { nullable: true }),
    message: t.exposeString('message', { nullable: true }),
  }),
});

const JobStage = builder.objectRef<Job['stages'][number]>('JobStage').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    status: t.exposeString('status', { description: 'pending, running or completed' }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => (s.startedAt ? new Date(s.startedAt) : null) }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => (s.finishedAt ? new Date(s.finishedAt) : null) }),
  }),
});

const JobCheckpoint = builder.objectRef<NonNullable<Job['checkpoint']>>('JobCheckpoint').implement({
  fields: (t) => ({
    stage: t.exposeString('stage'),
    data: t.expose('data', { type: 'JSON' }),
    at: t.field({ type: 'DateTime', resolve: (c) => new Date(c.at) }),
  }),
});

const JobError = builder.objectRef<Job['errorLog'][number]>('JobError').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
    class: t.exposeString('class', { description: 'fatal, transient or item' }),
    attempt: t.exposeInt('attempt', { description: 'The attempt of the try it happened in (see Job.attempts).' }),
    run: t.exposeInt('run', { nullable: true, description: 'The run it happened in (see Job.runs); null for entries older than run numbers.' }),
    at: t.field({ type: 'DateTime', resolve: (e) => new Date(e.at) }),
    item: t.exposeString('item', { nullable: true }),
  }),
});

const JobLease = builder.objectRef<Job>('JobLease').implement({
  description: 'Who runs the job, until when.',
  fields: (t) => ({
    workerId: t.string({ resolve: (job) => job.workerId ?? '' }),
    expiresAt: t.field({ type: 'DateTime', resolve: (job) => job.leaseExpiresAt! }),
    heartbeatAt: t.field({ type: 'DateTime', nullable: true, resolve: (job) => job.heartbeatAt }),
  }),
});

const JobItemRef = builder.objectRef<JobItem>('JobItem').implement({
  fields: (t) => ({
    position: t.exposeInt('position'),
    key: t.exposeString('key'),
    payload: t.expose('payload', { type: 'JSON', nullable: true }),
    status: t.exposeString('status', { description: 'pending, processed or failed' }),
    error: t.exposeString('error', { nullable: true }),
    processedAt: t.expose('processedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const JobRef = builder.node(builder.objectRef<Job>('Job'), {
  description: 'One unit of orchestrated work.',
  id: { resolve: (job) => job.id },
  loadOne: (id, context) => (Number.isSafeInteger(Number(id)) ? context.loaders.job.load(Number(id)) : null),
  authScopes: { viewer: true },
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the CLI and logs use.' }),
    runId: t.exposeString('runId', { description: 'Human-readable run id, e.g. document-process-20261123-7GQ2M4X9KA.' }),
    kind: t.exposeString('kind'),
    queueName: t.exposeString('queue'),
    queue: t.field({ type: QueueRef, nullable: true, resolve: (job, _args, context) => context.loaders.queue.load(job.queue) }),
    priority: t.exposeInt('priority'),
    payload: t.expose('payload', { type: 'JSON' }),
    status: t.field({ type: JobStatusEnum, resolve: (job) => job.status }),
    attempts: t.exposeInt('attempts', {
      description:
        'Attempts used of the current try, counted against maxAttempts. retryJob starts a new try (0); a pause, ' +
        'a release at worker shutdown and a job handed back from a worker buffer give their attempt back, so a ' +
        'paused job that ran shows 0 when it never failed. How often it ran is `runs`.',
    }),
    runs: t.exposeInt('runs', {
      description: 'How many times a worker has taken the job, ever: the number of its latest run. Only grows; every error and history entry names its run.',
    }),
    maxAttempts: t.exposeInt('maxAttempts'),
    backoff: t.expose('backoff', { type: 'JSON' }),
    runAt: t.expose('runAt', { type: 'DateTime' }),
    dedupeKey: t.exposeString('dedupeKey', { nullable: true }),
    governorKey: t.exposeString('governorKey', { nullable: true }),
    lease: t.field({ type: JobLease, nullable: true, resolve: (job) => (job.status === 'running' && job.leaseExpiresAt ? job : null) }),
    controlRequest: t.exposeString('controlRequest', { nullable: true, description: 'pause or cancel, asked of the running handler' }),
    progress: t.expose('progress', { type: JobProgress, nullable: true }),
    stages: t.expose('stages', { type: [JobStage] }),
    lastCheckpoint: t.expose('checkpoint', { type: JobCheckpoint, nullable: true }),
    itemsTotal: t.exposeInt('itemsTotal'),
    itemsProcessed: t.exposeInt('itemsProcessed'),
    itemsFailed: t.exposeInt('itemsFailed'),
    items: t.connection({
      type: JobItemRef,
      resolve: async (job, args, context) => {
        const page = forwardPage(args);
        const rows = await context.loaders.itemsPage.load({ jobId: job.id, after: page.after ?? -1, first: page.first + 1 });
        return connectionOf(rows, page, (item) => item.position);
      },
    }),
    result: t.expose('result', { type: 'JSON', nullable: true }),
    metrics: t.expose('metrics', { type: 'JSON', nullable: true }),
    lastError: t.expose('lastError', { type: JobError, nullable: true }),
    errorLog: t.expose('errorLog', { type: [JobError] }),
    createdBy: t.exposeString('createdBy'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    pausedAt: t.expose('pausedAt', { type: 'DateTime', nullable: true }),
    resumeCount: t.exposeInt('resumeCount'),
    history: t.connection({
      type: HistoryEntryRef,
      description: 'What happened to the job, newest first.',
      resolve: async (job, args, context) => {
        const page = forwardPage(args);
        const rows: HistoryEntry[] = await context.loaders.historyPage.load({ jobId: job.id, before: page.after, first: page.first + 1 });
        return connectionOf(rows, page, (entry) => entry.id);
      },
    }),
  }),
});
