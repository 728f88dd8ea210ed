// Runtime settings: read by any key, changed by an admin (each change versioned and in the history).
import { actorOf } from '../../api/context.ts';
import { listSettings, runtimeDefaultsOf, updateSettings, type SettingEntry, type SettingsPatch, type SettingsUpdate } from '../../services/engine/runtimeSettings.ts';
import { builder } from '../../schema/builder.ts';
import { commonErrors } from '../../schema/errors.ts';

const SettingRef = builder.objectRef<SettingEntry>('Setting').implement({
  description: 'A runtime setting: the value in force (the stored one, or the default), and its version.',
  fields: (t) => ({
    key: t.exposeString('key'),
    value: t.expose('value', { type: 'JSON' }),
    default: t.expose('default', { type: 'JSON' }),
    version: t.exposeInt('version', { description: '0 while the default is in force; each change adds 1.' }),
    updatedBy: t.exposeString('updatedBy', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true }),
    description: t.exposeString('description'),
  }),
});

const SettingsUpdateRef = builder.objectRef<SettingsUpdate>('SettingsUpdate').implement({
  fields: (t) => ({
    settings: t.field({ type: [SettingRef], description: 'Every setting, after the change.', resolve: (update) => update.settings }),
    changed: t.stringList({ description: 'The keys whose value changed.', resolve: (update) => update.changed }),
  }),
});

const BackoffStrategyEnum = builder.enumType('BackoffStrategy', { values: ['exponential', 'fixed'] as const });

const BackoffSettingInput = builder.inputType('BackoffSettingInput', {
  description: 'Fields left out keep their value.',
  fields: (t) => ({
    strategy: t.field({ type: BackoffStrategyEnum, required: false }),
    baseMs: t.int({ required: false }),
    maxMs: t.int({ required: false }),
    jitter: t.float({ required: false, description: '0..1: the share of each delay that is randomised' }),
  }),
});

const SettingsInput = builder.inputType('SettingsInput', {
  description: 'The settings to change; those left out (or null) keep their value. See the `settings` query for what each means.',
  fields: (t) => ({
    supervisorIntervalMs: t.int({ required: false }),
    supervisorLeaseMs: t.int({ required: false }),
    jobLeaseMs: t.int({ required: false }),
    workerDeadAfterMs: t.int({ required: false }),
    stuckRunningMs: t.int({ required: false }),
    stuckQueuedMs: t.int({ required: false }),
    defaultMaxAttempts: t.int({ required: false }),
    defaultBackoff: t.field({ type: BackoffSettingInput, required: false }),
    retentionCompletedJobsDays: t.int({ required: false }),
    retentionFailedJobsDays: t.int({ required: false }),
    retentionHistoryDays: t.int({ required: false }),
    printPacingMs: t.int({ required: false }),
    printChunkSize: t.int({ required: false }),
    printSliceSize: t.int({ required: false }),
    printBatchSize: t.int({ required: false }),
    maxPrintAttempts: t.int({ required: false }),
    printStuckAfterMs: t.int({ required: false }),
    retentionPrintScansDays: t.int({ required: false }),
    productionMode: t.boolean({ required: false }),
    trackingProcessCron: t.string({ required: false }),
    trackingRejectAlertThreshold: t.int({ required: false }),
  }),
});

/** Drops the fields given as null: GraphQL's way of leaving them out. */
function given<T extends Record<string, unknown>>(input: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined)) as never;
}

builder.queryFields((t) => ({
  settings: t.field({
    type: [SettingRef],
    description: 'The runtime settings, each with its value, default and version.',
    authScopes: { viewer: true },
    resolve: (_root, _args, context) => listSettings(context.services.db, runtimeDefaultsOf(context.services)),
  }),
}));

builder.mutationFields((t) => ({
  updateSettings: t.field({
    type: SettingsUpdateRef,
    description: 'Changes runtime settings. A bad value refuses the whole change (InvalidInputError naming the key); each changed key gets a new version and a history entry.',
    authScopes: { admin: true },
    errors: { types: commonErrors },
    args: { input: t.arg({ type: SettingsInput, required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => {
      const { defaultBackoff, ...rest } = given(args.input);
      const patch = { ...rest, ...(defaultBackoff ? { defaultBackoff: given(defaultBackoff) } : {}) } as SettingsPatch;
      return updateSettings(context.services, patch, actorOf(context, args.reason));
    },
  }),
}));
