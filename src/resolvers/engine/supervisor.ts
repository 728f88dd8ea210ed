// The supervisor: its state and last ticks, a tick now, stuck-work detection (a dry-run report
// first, then alerts), purge by retention (a dry-run count first), and its ticks live.
import { actorOf } from '../../api/context.ts';
import { getSupervisorState } from '../../services/engine/supervisor/state.ts';
import { purgeByRetention, type PurgeCounts } from '../../services/engine/supervisor/retention.ts';
import { supervisorSettings } from '../../services/engine/supervisor/settings.ts';
import { detectStuckWork, type StuckJob, type StuckReport } from '../../services/engine/supervisor/stuckWork.ts';
import { getSupervisorTick, listSupervisorTicks, runSupervisorTick } from '../../services/engine/supervisor/tick.ts';
import type { SupervisorTick } from '../../services/engine/supervisor/types.ts';
import { builder } from '../../schema/builder.ts';
import { commonErrors } from '../../schema/errors.ts';
import { JobRef } from '../../schema/engine/job.ts';
import { live, snapshotSize } from './liveSubscription.ts';

const TickTriggerEnum = builder.enumType('SupervisorTickTrigger', {
  values: { schedule: { description: 'Run by the holder of the heartbeat governor on its interval' }, manual: { description: 'Asked for through the API' } },
});

export const SupervisorTickRef = builder.objectRef<SupervisorTick>('SupervisorTick').implement({
  description: 'One supervisor tick: who ran it, and what each of its tasks did.',
  fields: (t) => ({
    id: t.exposeID('id'),
    holder: t.exposeString('holder', { description: 'The supervisor runner that ticked, or manual:<API key name>' }),
    trigger: t.expose('trigger', { type: TickTriggerEnum }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime' }),
    durationMs: t.exposeInt('durationMs'),
    results: t.expose('results', {
      type: 'JSON',
      description: 'Per task: {ok: true, durationMs, counts: {...}} or {ok: false, durationMs, error}.',
    }),
    failedTasks: t.stringList({ description: 'The tasks that failed in this tick', resolve: (tick) => Object.entries(tick.results).filter(([, r]) => !r.ok).map(([name]) => name) }),
  }),
});

interface SupervisorView {
  holder: string | null;
  leaseExpiresAt: Date | null;
  nextTickAt: Date | null;
  intervalMs: number;
  leaseMs: number;
}

const SupervisorRef = builder.objectRef<SupervisorView>('Supervisor').implement({
  description: 'The periodic tick run by one process at a time, under the heartbeat governor.',
  fields: (t) => ({
    holder: t.exposeString('holder', { nullable: true, description: 'The runner that ticks now; null when no process supervises' }),
    leaseExpiresAt: t.expose('leaseExpiresAt', { type: 'DateTime', nullable: true, description: 'Another runner takes over if the holder does not renew by then' }),
    nextTickAt: t.expose('nextTickAt', { type: 'DateTime', nullable: true, description: 'When the next scheduled tick is due; null when no process supervises' }),
    intervalMs: t.exposeInt('intervalMs'),
    leaseMs: t.exposeInt('leaseMs'),
    lastTicks: t.field({
      type: [SupervisorTickRef],
      description: 'The latest ticks, newest first (the last 500 are kept).',
      args: { first: t.arg.int({ required: false, defaultValue: 20, description: 'At most 500' }) },
      resolve: (_view, args, context) => listSupervisorTicks(context.services.db, snapshotSize(args.first, 20)),
    }),
  }),
});

const StuckJobRef = builder.objectRef<StuckJob>('StuckJob').implement({
  fields: (t) => ({
    jobId: t.exposeID('jobId', { description: 'The numeric id of the job' }),
    runId: t.exposeString('runId'),
    kind: t.exposeString('kind'),
    queue: t.exposeString('queue'),
    status: t.exposeString('status', { description: 'running or queued' }),
    workerId: t.exposeString('workerId', { nullable: true }),
    since: t.expose('since', { type: 'DateTime', description: 'Running: its last heartbeat or progress; queued: its run-at time' }),
    forMs: t.exposeFloat('forMs', { description: 'How long since `since`' }),
    job: t.field({ type: JobRef, nullable: true, resolve: (stuck, _args, context) => context.loaders.job.load(stuck.jobId) }),
  }),
});

const StuckWorkReportRef = builder.objectRef<StuckReport>('StuckWorkReport').implement({
  fields: (t) => ({
    dryRun: t.exposeBoolean('dryRun', { description: 'true: a report only, nothing changed' }),
    running: t.expose('running', { type: [StuckJobRef], description: 'Running with no heartbeat or progress for stuckRunningMs' }),
    queued: t.expose('queued', { type: [StuckJobRef], description: 'Queued stuckQueuedMs past their run-at (paused lanes excepted)' }),
    alerted: t.exposeInt('alerted', { description: 'Alerts open for stuck jobs after this run (0 in a dry run)' }),
    raised: t.exposeInt('raised', { description: 'Of those, the alerts opened now' }),
    resolved: t.exposeInt('resolved', { description: 'Alerts resolved because their job is no longer stuck' }),
  }),
});

const PurgeReportRef = builder.objectRef<PurgeCounts>('PurgeReport').implement({
  description: 'What the retention settings make old: counted (dry run) or deleted.',
  fields: (t) => ({
    dryRun: t.exposeBoolean('dryRun'),
    completedJobs: t.exposeInt('completedJobs', { description: 'Completed jobs finished more than retentionCompletedJobsDays ago' }),
    failedJobs: t.exposeInt('failedJobs', { description: 'Failed jobs finished more than retentionFailedJobsDays ago' }),
    cancelledJobs: t.exposeInt('cancelledJobs', { description: 'Cancelled jobs finished more than retentionFailedJobsDays ago' }),
    history: t.exposeInt('history', { description: 'History entries older than retentionHistoryDays' }),
  }),
});

builder.queryFields((t) => ({
  supervisor: t.field({
    type: SupervisorRef,
    authScopes: { viewer: true },
    resolve: async (_root, _args, context) => {
      const settings = supervisorSettings(context.services);
      const state = await getSupervisorState(context.services.db, settings);
      return { ...state, intervalMs: settings.supervisorIntervalMs, leaseMs: settings.supervisorLeaseMs };
    },
  }),
}));

builder.mutationFields((t) => ({
  runSupervisorTick: t.field({
    type: SupervisorTickRef,
    description: 'Runs a supervisor tick now, in this process, beside the scheduled ones (every task is safe to run twice at once).',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) =>
      runSupervisorTick(context.services, {
        holder: `manual:${context.caller.name}`,
        trigger: 'manual',
        settings: supervisorSettings(context.services),
        requestedBy: actorOf(context, args.reason),
      }),
  }),
  detectStuckWork: t.field({
    type: StuckWorkReportRef,
    description: 'Finds stuck jobs. dryRun (the default) only reports them; dryRun: false raises one alert per stuck job and resolves the alerts of jobs no longer stuck.',
    authScopes: { operator: true },
    errors: { types: commonErrors },
    args: { dryRun: t.arg.boolean({ required: false, defaultValue: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) =>
      detectStuckWork(context.services, { dryRun: args.dryRun ?? true, settings: supervisorSettings(context.services), record: true }, actorOf(context, args.reason)),
  }),
  purge: t.field({
    type: PurgeReportRef,
    description: 'Purges by the retention settings. dryRun (the default) only counts; dryRun: false deletes, and is recorded in the history.',
    authScopes: { admin: true },
    errors: { types: commonErrors },
    args: { dryRun: t.arg.boolean({ required: false, defaultValue: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) =>
      purgeByRetention(context.services, { dryRun: args.dryRun ?? true, settings: supervisorSettings(context.services), recordAlways: true }, actorOf(context, args.reason)),
  }),
}));

builder.subscriptionFields((t) => ({
  supervisorTicks: t.field({
    type: SupervisorTickRef,
    description: 'The last supervisor tick (when there is one), then each new tick as it is recorded.',
    authScopes: { viewer: true },
    subscribe: async (_root, _args, context) =>
      live<SupervisorTick>(context, async function* ({ wakeup, listen, listening }) {
        const heard: number[] = [];
        listen('supervisor:tick', ({ tick }) => heard.push(Number(tick.id)) > 0);
        await listening();

        const [last] = await listSupervisorTicks(context.services.db, 1);
        let shown = last?.id ?? 0;
        if (last) yield last;

        while (await wakeup.wait()) {
          // Ticks heard while the snapshot was read may be it, or older: only newer ones follow.
          const ids = heard.splice(0).filter((id) => id > shown).sort((a, b) => a - b);
          for (const id of ids) {
            const tick = await getSupervisorTick(context.services.db, id);
            if (!tick) continue;
            shown = id;
            yield tick;
          }
        }
      }),
    resolve: (tick) => tick,
  }),
}));
