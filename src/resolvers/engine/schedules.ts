// Recurring schedules: read them, create, pause, resume and delete them. The supervisor fires
// them (src/services/engine/schedules.ts: fireDueSchedules).
import { actorOf } from '../../api/context.ts';
import { NotFoundError } from '../../services/errors.ts';
import { createSchedule, deleteSchedule, listSchedules, pauseSchedule, resumeSchedule, type Schedule } from '../../services/engine/schedules.ts';
import { builder } from '../../schema/builder.ts';
import { commonErrors } from '../../schema/errors.ts';
import { UnknownKindError } from '../../services/errors.ts';

export const ScheduleRef = builder.objectRef<Schedule>('Schedule').implement({
  description: 'A cron expression that enqueues a job of a kind with a payload; each slot fires once, whichever process supervises.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    cron: t.exposeString('cron', { description: '5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first' }),
    timezone: t.exposeString('timezone', { description: 'IANA time zone the expression is read in' }),
    kind: t.exposeString('kind', { description: 'Kind of the job each slot enqueues' }),
    queue: t.exposeString('queue'),
    payload: t.expose('payload', { type: 'JSON' }),
    paused: t.exposeBoolean('paused'),
    lastSlotAt: t.expose('lastSlotAt', { type: 'DateTime', nullable: true, description: 'The last slot fired' }),
    nextSlotAt: t.expose('nextSlotAt', { type: 'DateTime', nullable: true, description: 'The next slot to fire while not paused' }),
    createdBy: t.exposeString('createdBy'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const CreateScheduleInput = builder.inputType('CreateScheduleInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    cron: t.string({ required: true, description: 'e.g. "*/15 * * * *"; 6 fields when the first is seconds' }),
    timezone: t.string({ required: false, description: 'IANA name, default UTC' }),
    kind: t.string({ required: true }),
    queue: t.string({ required: false, description: 'default: default' }),
    payload: t.field({ type: 'JSON', required: false }),
    allowUnknownKind: t.boolean({
      required: false,
      description: 'Accept a kind that no handler defines and no worker has announced yet (its workers start later). Default false: refused as UnknownKindError.',
    }),
  }),
});

builder.queryFields((t) => ({
  schedules: t.field({
    type: [ScheduleRef],
    description: 'All recurring schedules, by name.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => listSchedules(context.services.db),
  }),
}));

const scheduleAction = (
  name: string,
  description: string,
  action: typeof pauseSchedule,
  scope: 'operator' | 'admin',
) =>
  builder.mutationField(name, (t) =>
    t.field({
      type: ScheduleRef,
      description,
      authScopes: { [scope]: true },
      errors: { types: [...commonErrors, NotFoundError] },
      args: { name: t.arg.string({ required: true }), reason: t.arg.string({ required: false }) },
      resolve: (_root, args, context) => action(context.services, args.name, actorOf(context, args.reason)),
    }),
  );

builder.mutationFields((t) => ({
  createSchedule: t.field({
    type: ScheduleRef,
    description: 'Creates a recurring schedule; a bad cron expression, time zone or kind is refused and nothing is written.',
    authScopes: { operator: true },
    errors: { types: [...commonErrors, UnknownKindError] },
    args: { input: t.arg({ type: CreateScheduleInput, required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, { input, reason }, context) =>
      createSchedule(
        context.services,
        {
          name: input.name,
          cron: input.cron,
          kind: input.kind,
          ...(input.timezone != null ? { timezone: input.timezone } : {}),
          ...(input.queue != null ? { queue: input.queue } : {}),
          ...(input.payload != null ? { payload: input.payload as never } : {}),
          ...(input.allowUnknownKind != null ? { allowUnknownKind: input.allowUnknownKind } : {}),
        },
        actorOf(context, reason),
      ),
  }),
}));

scheduleAction('pauseSchedule', 'Stops the schedule firing until it is resumed.', pauseSchedule, 'operator');
scheduleAction('resumeSchedule', 'Fires again from the next slot after now; slots missed while paused do not fire.', resumeSchedule, 'operator');
scheduleAction('deleteSchedule', 'Deletes the schedule (the jobs it enqueued stay); returns it as it was.', deleteSchedule, 'admin');
