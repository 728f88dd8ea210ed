// Live views for dashboards, over graphql-ws or SSE. Each subscription listens on the event bus
// first, then reads the current state from the database and yields it, then yields what
// changed: a client that (re)connects starts from the truth and misses nothing in between. The
// events only say what to reload; what is yielded is read from the database, so an event that
// was already part of the snapshot only repeats it, and a burst of events loads once.
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { JobSummary } from '../../services/events.ts';
import { getGovernor, listGovernors } from '../../services/engine/governors.ts';
import { listHistory, type HistoryFilter } from '../../services/engine/history.ts';
import { listJobs, type JobFilter } from '../../services/engine/jobs/read.ts';
import { listQueues } from '../../services/engine/queues.ts';
import type { Governor, HistoryEntry, Job, Queue } from '../../services/engine/types.ts';
import { builder } from '../../schema/builder.ts';
import { GovernorRef } from '../../schema/engine/governor.ts';
import { HistoryEntryRef } from '../../schema/engine/history.ts';
import { JobRef } from '../../schema/engine/job.ts';
import { JobFilterInput, toJobFilter } from '../../schema/engine/jobFilter.ts';
import { QueueRef } from '../../schema/engine/queue.ts';
import { type JobRead } from './jobFollowers.ts';
import { jobIdFrom } from './jobIdentity.ts';
import { sharedJobReads } from './sharedJobReads.ts';
import { fresh, live, snapshotSize } from './liveSubscription.ts';

/** Queue statistics are recounted at most this often per subscription, however busy the queue. */
export const QUEUE_STATS_INTERVAL_MS = 200;

// ---------------------------------------------------------------------------------------------
// Types only subscriptions return.

interface RemovedJob {
  id: number;
  runId: string;
  deleted: boolean;
}

interface JobsUpdate {
  snapshot: boolean;
  jobs: Job[];
  removed: RemovedJob[];
}

const RemovedJobRef = builder.objectRef<RemovedJob>('RemovedJob').implement({
  description: 'A job a jobs subscription no longer shows: deleted, or changed so that it no longer matches the filter.',
  fields: (t) => ({
    id: t.id({ description: 'The global id of the Job.', resolve: (job) => encodeGlobalID('Job', job.id) }),
    databaseId: t.exposeInt('id'),
    runId: t.exposeString('runId'),
    deleted: t.exposeBoolean('deleted', { description: 'true: deleted; false: still there but no longer matching.' }),
  }),
});

const JobsUpdateRef = builder.objectRef<JobsUpdate>('JobsUpdate').implement({
  description: 'One message of the jobs subscription: first the matching jobs as they are, then what changed.',
  fields: (t) => ({
    snapshot: t.exposeBoolean('snapshot', { description: 'true for the first message: the jobs matching the filter now, newest first.' }),
    jobs: t.expose('jobs', {
      type: [JobRef],
      description: 'In the snapshot, the matching jobs; afterwards, the matching jobs that changed, as they are now.',
    }),
    removed: t.expose('removed', { type: [RemovedJobRef], description: 'Jobs shown before that no longer match, or were deleted.' }),
  }),
});

// ---------------------------------------------------------------------------------------------
// Filters on what an event carries.

function summaryMatches(filter: JobFilter, job: Pick<JobSummary, 'status' | 'kind' | 'queue' | 'runId' | 'progress'>): boolean {
  if (filter.status?.length && !filter.status.includes(job.status)) return false;
  if (filter.kind && job.kind !== filter.kind) return false;
  if (filter.queue && job.queue !== filter.queue) return false;
  if (filter.runId && job.runId !== filter.runId) return false;
  if (filter.runIdPrefix && !job.runId.startsWith(filter.runIdPrefix)) return false;
  if (filter.stage && job.progress?.stage !== filter.stage) return false;
  return true;
}

function jobMatches(filter: JobFilter, job: Job): boolean {
  if (!summaryMatches(filter, job)) return false;
  if (filter.createdAfter && job.createdAt < filter.createdAfter) return false;
  if (filter.createdBefore && job.createdAt >= filter.createdBefore) return false;
  // An event carries no payload: it matched on the rest, the job read afterwards decides.
  if (filter.payloadText && !JSON.stringify(job.payload).toLowerCase().includes(filter.payloadText.toLowerCase())) return false;
  return true;
}

function historyMatches(filter: HistoryFilter, entry: HistoryEntry): boolean {
  return (
    (!filter.targetType || entry.targetType === filter.targetType) &&
    (!filter.targetId || entry.targetId === filter.targetId) &&
    (!filter.actor || entry.actor === filter.actor) &&
    (!filter.operation || entry.operation === filter.operation)
  );
}

/** An entry as the bus delivers it: through Redis its dates arrive as strings. */
const revivedEntry = (entry: HistoryEntry): HistoryEntry => ({ ...entry, at: new Date(entry.at) });

// ---------------------------------------------------------------------------------------------
// The subscriptions.

builder.subscriptionFields((t) => ({
  job: t.field({
    type: JobRef,
    nullable: true,
    description:
      'A job (by global id, numeric id or run id) as it is now, then again on every change and progress report. Yields null and ends when the job does not exist or is deleted.',
    authScopes: { viewer: true },
    args: { id: t.arg.id({ required: true }) },
    subscribe: async (_root, { id }, context) => {
      const jobId = await jobIdFrom(context, String(id)).catch(() => null);
      return live<Job | null>(context, async function* (live) {
        if (jobId === null) {
          yield null;
          return;
        }
        // Every follower of the job in this process shares the read of each change.
        const followed = live.follow(jobId);
        await followed.live();
        let last: JobRead | null = null;
        for (let first = true; ; first = false) {
          if (!first && !(await live.wakeup.wait())) return;
          const read = await followed.read();
          if (read.job === null) {
            yield null;
            return;
          }
          if (read.state !== last?.state) {
            last = read;
            fresh(context);
            yield read.job;
          }
        }
      });
    },
    resolve: (job) => job,
  }),

  jobs: t.field({
    type: JobsUpdateRef,
    description:
      'Jobs matching the filter: first those there are now (newest first, up to `first`), then each batch of changes: matching jobs as they are now, and jobs shown before that stopped matching or were deleted.',
    authScopes: { viewer: true },
    args: {
      filter: t.arg({ type: JobFilterInput, required: false }),
      first: t.arg.int({ required: false, description: 'How many jobs the first message holds at most (default 50, at most 500).' }),
    },
    subscribe: async (_root, args, context) => {
      const filter = toJobFilter(args.filter);
      const first = snapshotSize(args.first, 50);
      return live<JobsUpdate>(context, async function* (live) {
        /** Jobs to look at again: changed and matching by their summary, or shown to the client before. */
        const changed = new Map<number, string>();
        const deleted = new Map<number, string>();
        const shown = new Set<number>();
        const onJob = (event: JobSummary) => {
          if (!summaryMatches(filter, event) && !shown.has(event.id)) return false;
          changed.set(event.id, event.runId);
          return true;
        };
        live.listen('job:updated', onJob);
        live.listen('job:progress', onJob);
        live.listen('job:deleted', (event) => {
          changed.delete(event.id);
          if (!shown.has(event.id)) return false;
          deleted.set(event.id, event.runId);
          return true;
        });
        const reads = sharedJobReads(context.services);
        const stopReading = reads.use();
        try {
          await live.listening();

          fresh(context);
          const { jobs } = await listJobs(context.services.db, filter, { first });
          for (const job of jobs) shown.add(job.id);
          yield { snapshot: true, jobs, removed: [] };

          while (await live.wakeup.wait()) {
            const ids = [...changed.entries()];
            const gone = [...deleted.entries()];
            changed.clear();
            deleted.clear();
            // Every jobs subscription woken by the same changes shares these reads; the filter is this one's.
            const loaded = await reads.load(ids.map(([id]) => id));
            fresh(context);
            const update: JobsUpdate = { snapshot: false, jobs: [], removed: [] };
            ids.forEach(([id, runId], index) => {
              const job = loaded[index];
              if (job && jobMatches(filter, job)) {
                shown.add(id);
                update.jobs.push(job);
              } else if (shown.delete(id)) {
                update.removed.push({ id, runId, deleted: !job });
              }
            });
            for (const [id, runId] of gone) {
              if (shown.delete(id)) update.removed.push({ id, runId, deleted: true });
            }
            if (update.jobs.length > 0 || update.removed.length > 0) yield update;
          }
        } finally {
          stopReading();
        }
      });
    },
    resolve: (update) => update,
  }),

  queueStats: t.field({
    type: [QueueRef],
    description: `Queues with their stats: first the named queue (or all queues; none when it does not exist yet), then the queues whose jobs or settings changed, at most once every ${QUEUE_STATS_INTERVAL_MS} ms.`,
    authScopes: { viewer: true },
    args: { name: t.arg.string({ required: false, description: 'One queue; all queues when omitted.' }) },
    subscribe: async (_root, { name }, context) =>
      live<Queue[]>(context, async function* (live) {
        const dirty = new Set<string>();
        const note = (queue: string) => {
          if (name && queue !== name) return false;
          dirty.add(queue);
          return true;
        };
        // Progress does not move a job between statuses: only updates and deletions change counts.
        live.listen('job:updated', (event) => note(event.queue));
        live.listen('job:deleted', (event) => note(event.queue));
        live.listen('queue:updated', (event) => note(event.queue.name));
        await live.listening();

        fresh(context);
        const queues = await listQueues(context.services.db);
        yield name ? queues.filter((queue) => queue.name === name) : queues;

        let lastSent = Date.now();
        while (await live.wakeup.wait()) {
          if (dirty.size === 0) continue;
          // Coalesce: what else changes before the interval is up goes into the same message.
          const wait = lastSent + QUEUE_STATS_INTERVAL_MS - Date.now();
          if (wait > 0) {
            try {
              await sleep(wait, undefined, { signal: live.signal });
            } catch {
              return;
            }
          }
          const names = [...dirty].sort();
          dirty.clear();
          fresh(context);
          const loaded = await context.loaders.queue.loadMany(names);
          const changed = loaded.filter((queue): queue is Queue => queue !== null && !(queue instanceof Error));
          if (changed.length === 0) continue;
          yield changed;
          lastSent = Date.now();
        }
      }),
    resolve: (queues) => queues,
  }),

  governors: t.field({
    type: [GovernorRef],
    description: 'All governors as they are now, then each changed governor as it is after the change.',
    authScopes: { viewer: true },
    subscribe: async (_root, _args, context) =>
      live<Governor[]>(context, async function* (live) {
        const dirty = new Set<string>();
        live.listen('governor:updated', (event) => Boolean(dirty.add(event.governor.name)));
        await live.listening();

        yield await listGovernors(context.services.db);

        while (await live.wakeup.wait()) {
          const names = [...dirty].sort();
          dirty.clear();
          const governors = (await Promise.all(names.map((name) => getGovernor(context.services.db, name).catch(() => null)))).filter(
            (governor): governor is Governor => governor !== null,
          );
          if (governors.length > 0) yield governors;
        }
      }),
    resolve: (governors) => governors,
  }),

  historyAppended: t.field({
    type: [HistoryEntryRef],
    description:
      'The operation history as it grows: first the latest `first` entries matching the filter (oldest first), then the entries appended since, in order.',
    authScopes: { viewer: true },
    args: {
      targetType: t.arg.string({ required: false, description: 'job, queue, governor, worker, jobs or apiKey' }),
      targetId: t.arg.string({ required: false }),
      actor: t.arg.string({ required: false }),
      operation: t.arg.string({ required: false }),
      first: t.arg.int({ required: false, description: 'How many recent entries the first message holds (default 20, at most 500).' }),
    },
    subscribe: async (_root, args, context) => {
      const filter: HistoryFilter = Object.fromEntries(
        Object.entries({ targetType: args.targetType, targetId: args.targetId, actor: args.actor, operation: args.operation }).filter(([, v]) => v != null),
      );
      const first = snapshotSize(args.first, 20);
      return live<HistoryEntry[]>(context, async function* (live) {
        const appended: HistoryEntry[] = [];
        live.listen('history:appended', ({ entry }) => historyMatches(filter, entry) && appended.push(revivedEntry(entry)) > 0);
        await live.listening();

        const { entries } = await listHistory(context.services.db, filter, { first });
        const seen = new Set(entries.map((entry) => entry.id));
        yield entries.reverse();

        while (await live.wakeup.wait()) {
          // Entries heard while the snapshot was read may be in it already.
          const batch = appended.splice(0).filter((entry) => !seen.delete(entry.id));
          if (batch.length > 0) yield batch.sort((a, b) => a.id - b.id);
        }
      });
    },
    resolve: (entries) => entries,
  }),
}));
