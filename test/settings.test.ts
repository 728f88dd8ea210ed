// Runtime settings: defaults, versioned changes in the history, refusal of bad values (changing
// nothing), the engine following them (in this process and through the bus), and the API.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../src/api/server.ts';
import { query } from '../src/db/client.ts';
import { createApiKey } from '../src/services/engine/apiKeys.ts';
import type { ServiceContext } from '../src/services/context.ts';
import { InvalidInputError } from '../src/services/errors.ts';
import { listHistory } from '../src/services/engine/history.ts';
import { enqueueJob } from '../src/services/engine/jobs/enqueue.ts';
import {
  DEFAULT_RUNTIME_SETTINGS,
  SETTING_KEYS,
  followRuntimeSettings,
  getSettings,
  listSettings,
  updateSettings,
  type RuntimeSettings,
  type SettingsPatch,
} from '../src/services/engine/runtimeSettings.ts';
import { DEFAULT_ENGINE_SETTINGS, engineSettingsFrom } from '../src/services/engine/settings.ts';
import { createTestBus, serverMode, useTestDatabase } from './support/db.ts';
import { nextEvent, waitFor } from './support/wait.ts';

const db = useTestDatabase();

const by = { actor: 'ada', reason: 'tuning the press' };

/** Everything a settings change may touch: the stored rows and the history. */
async function snapshot() {
  const { services } = db();
  const [row] = await query<{ rows: string | null; history: string }>(
    services.db,
    sql`select (select string_agg(s::text, '|' order by s.key) from settings s) as rows,
               (select count(*)::text || ':' || coalesce(max(id), 0)::text from history) as history`,
  );
  return { row, settings: await getSettings(services.db), engine: structuredClone(services.settings) };
}

async function refused(patch: SettingsPatch): Promise<InvalidInputError> {
  const error = await updateSettings(db().services, patch, by).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

/** Another process's ServiceContext on the same database: through Redis in server mode, on the shared in-process bus otherwise. */
async function otherProcess(defaults: RuntimeSettings = DEFAULT_RUNTIME_SETTINGS): Promise<{ services: ServiceContext; close(): Promise<void> }> {
  const { services: mine, redisPrefix } = db();
  const bus = serverMode ? await createTestBus(redisPrefix) : mine.bus;
  const services: ServiceContext = { ...mine, bus, settings: engineSettingsFrom(defaults) };
  const unfollow = await followRuntimeSettings(services, defaults);
  return {
    services,
    async close() {
      unfollow();
      if (bus !== mine.bus) await bus.close();
    },
  };
}

describe('runtime settings', () => {
  it('start from the defaults, none stored', async () => {
    const { services } = db();
    expect(await getSettings(services.db)).toEqual(DEFAULT_RUNTIME_SETTINGS);
    expect(DEFAULT_RUNTIME_SETTINGS).toMatchObject({
      supervisorIntervalMs: 5_000,
      supervisorLeaseMs: 15_000,
      jobLeaseMs: 30_000,
      workerDeadAfterMs: 60_000,
      stuckRunningMs: 900_000,
      stuckQueuedMs: 1_800_000,
      defaultMaxAttempts: 3,
      defaultBackoff: { strategy: 'exponential', baseMs: 1_000, maxMs: 300_000, jitter: 0.5 },
      retentionCompletedJobsDays: 7,
      retentionFailedJobsDays: 30,
      retentionHistoryDays: 90,
      printPacingMs: 0,
      printChunkSize: 100,
      printSliceSize: 1_000,
      printBatchSize: 100,
      maxPrintAttempts: 3,
      printStuckAfterMs: 300_000,
      productionMode: false,
      trackingProcessCron: '* * * * *',
      trackingRejectAlertThreshold: 10,
    });
    const list = await listSettings(services.db);
    expect(list.map((s) => s.key)).toEqual(SETTING_KEYS);
    for (const setting of list) {
      expect(setting).toMatchObject({ value: setting.default, version: 0, updatedBy: null, updatedAt: null });
      expect(setting.description).not.toBe('');
    }
    // The engine's view of them: leaseMs is jobLeaseMs.
    expect(DEFAULT_ENGINE_SETTINGS).toMatchObject({ defaultMaxAttempts: 3, leaseMs: 30_000, errorLogLimit: 50 });
  });

  it('take a process’s env values as defaults where none is stored', async () => {
    const other = await otherProcess({ ...DEFAULT_RUNTIME_SETTINGS, defaultMaxAttempts: 9, jobLeaseMs: 4_000 });
    try {
      expect(other.services.settings).toMatchObject({ defaultMaxAttempts: 9, jobLeaseMs: 4_000, leaseMs: 4_000 });
      const list = await listSettings(db().services.db, { ...DEFAULT_RUNTIME_SETTINGS, defaultMaxAttempts: 9 });
      expect(list.find((s) => s.key === 'defaultMaxAttempts')).toMatchObject({ value: 9, default: 9, version: 0 });
    } finally {
      await other.close();
    }
  });

  it('change with a new version per changed key, one history entry each, and an event with the new settings', async () => {
    const { services } = db();
    const event = nextEvent<{ settings: RuntimeSettings }>(
      (listener) => services.bus.subscribe('settings:updated', listener),
      () => true,
    );
    await services.bus.subscribed('settings:updated');
    const update = await updateSettings(services, { supervisorIntervalMs: 2_000, defaultBackoff: { baseMs: 2_000 }, printChunkSize: 50 }, by);
    expect(update.changed.sort()).toEqual(['defaultBackoff', 'printChunkSize', 'supervisorIntervalMs']);
    const settings = await getSettings(services.db);
    expect(settings).toEqual({
      ...DEFAULT_RUNTIME_SETTINGS,
      supervisorIntervalMs: 2_000,
      defaultBackoff: { ...DEFAULT_RUNTIME_SETTINGS.defaultBackoff, baseMs: 2_000 },
      printChunkSize: 50,
    });
    expect((await event).settings).toEqual(settings);
    const interval = update.settings.find((s) => s.key === 'supervisorIntervalMs')!;
    expect(interval).toMatchObject({ value: 2_000, default: 5_000, version: 1, updatedBy: 'ada' });
    expect(interval.updatedAt).toBeInstanceOf(Date);
    expect(update.settings.find((s) => s.key === 'jobLeaseMs')).toMatchObject({ version: 0, updatedBy: null });

    // Again: the version counts the changes; a key set to the value it has is no change.
    const again = await updateSettings(services, { supervisorIntervalMs: 3_000, printChunkSize: 50 }, { actor: 'otto', reason: null });
    expect(again.changed).toEqual(['supervisorIntervalMs']);
    expect((await listSettings(services.db)).filter((s) => s.version > 0).map((s) => [s.key, s.version, s.updatedBy])).toEqual([
      ['supervisorIntervalMs', 2, 'otto'],
      ['defaultBackoff', 1, 'ada'],
      ['printChunkSize', 1, 'ada'],
    ]);

    const history = await listHistory(services.db, { targetType: 'setting', targetId: 'supervisorIntervalMs' }, { first: 10 });
    expect(history.entries.map((e) => ({ actor: e.actor, operation: e.operation, before: e.before, after: e.after, reason: e.reason }))).toEqual([
      { actor: 'otto', operation: 'update', before: 2_000, after: 3_000, reason: null },
      { actor: 'ada', operation: 'update', before: 5_000, after: 2_000, reason: 'tuning the press' },
    ]);
    const [backoff] = (await listHistory(services.db, { targetType: 'setting', targetId: 'defaultBackoff' }, { first: 10 })).entries;
    expect(backoff).toMatchObject({ before: DEFAULT_RUNTIME_SETTINGS.defaultBackoff, after: { ...DEFAULT_RUNTIME_SETTINGS.defaultBackoff, baseMs: 2_000 } });
    expect((await listHistory(services.db, { targetType: 'setting' }, { first: 10 })).entries).toHaveLength(4);

    // Nothing changed at all: no write, no history.
    const before = await snapshot();
    expect((await updateSettings(services, { supervisorIntervalMs: 3_000 }, by)).changed).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuse a bad value with an error naming the key, changing nothing, not even the good keys of the same change', async () => {
    const before = await snapshot();
    const cases: [SettingsPatch, string, RegExp][] = [
      [{ defaultMaxAttempts: 4, jobLeaseMs: -5 }, 'jobLeaseMs', />=100/],
      [{ printPacingMs: 10, defaultMaxAttempts: 0 }, 'defaultMaxAttempts', />=1/],
      [{ retentionHistoryDays: 1.5 }, 'retentionHistoryDays', /whole number of days/],
      [{ printChunkSize: 0 }, 'printChunkSize', />=1/],
      [{ productionMode: 'yes' as never }, 'productionMode', /boolean/],
      [{ defaultBackoff: { strategy: 'linear' as never } }, 'defaultBackoff.strategy', /exponential/],
      [{ unknownSetting: 1 } as SettingsPatch, '', /unknownSetting/],
      // Rules between settings, checked on the whole result.
      [{ printPacingMs: 10, supervisorIntervalMs: 20_000 }, 'supervisorLeaseMs', /greater than supervisorIntervalMs \(20000\)/],
      [{ supervisorLeaseMs: 3_000 }, 'supervisorLeaseMs', /greater than supervisorIntervalMs \(3000\)/],
      [{ defaultMaxAttempts: 4, defaultBackoff: { maxMs: 1_000 } }, 'defaultBackoff.maxMs', /at least defaultBackoff.baseMs \(2000\)/],
    ];
    for (const [patch, path, message] of cases) {
      const error = await refused(patch);
      expect(error.issues, JSON.stringify(patch)).toContainEqual({ path, message: expect.stringMatching(message) });
      expect(error.message).toContain(path || 'unknownSetting');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('reach the engine: a job enqueued after defaultMaxAttempts is 5 gets 5 attempts, and the lease follows jobLeaseMs', async () => {
    const { services } = db();
    const first = await enqueueJob(services, { kind: 'settings.before', queue: 'q-settings' }, by);
    expect(first.job.maxAttempts).toBe(3);
    await updateSettings(services, { defaultMaxAttempts: 5, jobLeaseMs: 45_000, defaultBackoff: { strategy: 'fixed' } }, by);
    expect(services.settings).toMatchObject({ defaultMaxAttempts: 5, leaseMs: 45_000, errorLogLimit: 50 });
    const { job } = await enqueueJob(services, { kind: 'settings.after', queue: 'q-settings' }, by);
    expect(job.maxAttempts).toBe(5);
    expect(job.backoff).toEqual({ strategy: 'fixed', baseMs: 2_000, maxMs: 300_000, jitter: 0.5 });
    // A job's own value still wins.
    expect((await enqueueJob(services, { kind: 'settings.own', queue: 'q-settings', maxAttempts: 2 }, by)).job.maxAttempts).toBe(2);
  });

  it('reach every process: a change made elsewhere is applied in place through the bus', async () => {
    const other = await otherProcess();
    try {
      // Loaded at open: the stored values over the defaults.
      expect(other.services.settings).toMatchObject({ defaultMaxAttempts: 5, leaseMs: 45_000, supervisorIntervalMs: 3_000 });
      const held = other.services.settings;
      await updateSettings(db().services, { defaultMaxAttempts: 7, retentionFailedJobsDays: 14 }, by);
      await waitFor(() => other.services.settings.defaultMaxAttempts === 7, { what: 'the other process to apply the change' });
      expect(other.services.settings).toBe(held);
      expect(other.services.settings).toMatchObject({ retentionFailedJobsDays: 14, leaseMs: 45_000 });
      const { job } = await enqueueJob(other.services, { kind: 'settings.elsewhere', queue: 'q-settings' }, by);
      expect(job.maxAttempts).toBe(7);

      // And back the other way, once this process follows too.
      const unfollow = await followRuntimeSettings(db().services);
      try {
        expect(db().services.settings.defaultMaxAttempts).toBe(7);
        await updateSettings(other.services, { defaultMaxAttempts: 6 }, by);
        await waitFor(() => db().services.settings.defaultMaxAttempts === 6, { what: 'this process to see the change' });
      } finally {
        unfollow();
      }
    } finally {
      await other.close();
    }
  });
});

describe('the API', () => {
  let api: ApiServer;
  const keys: Record<'viewer' | 'operator' | 'admin', string> = { viewer: '', operator: '', admin: '' };

  beforeAll(async () => {
    api = await startApiServer({ services: db().services, host: '127.0.0.1', port: 0, production: false });
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      keys[role] = (await createApiKey(db().services, { name: `settings-${role}`, role }, { actor: 'test-setup' })).key;
    }
  });
  afterAll(async () => {
    await api?.close();
  });

  async function gql(document: string, variables: Record<string, unknown>, role: keyof typeof keys) {
    const response = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${keys[role]}` },
      body: JSON.stringify({ query: document, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return body.data;
  }

  const UPDATE = `mutation U($input: SettingsInput!, $reason: String) {
    updateSettings(input: $input, reason: $reason) {
      __typename
      ... on SettingsUpdate { changed settings { key value default version updatedBy } }
      ... on Error { code message }
      ... on InvalidInputError { issues { path message } }
    }
  }`;

  it('lists the settings to any key', async () => {
    const data = await gql('{ settings { key value default version updatedBy updatedAt description } }', {}, 'viewer');
    expect(data.settings.map((s: { key: string }) => s.key)).toEqual(SETTING_KEYS);
    expect(data.settings.find((s: { key: string }) => s.key === 'defaultBackoff')).toMatchObject({
      value: { strategy: 'fixed', baseMs: 2_000, maxMs: 300_000, jitter: 0.5 },
      default: DEFAULT_RUNTIME_SETTINGS.defaultBackoff,
      version: 2,
    });
  });

  it('lets an admin change them, recorded with the key’s name and the reason; refuses viewers and operators as data, changing nothing', async () => {
    for (const role of ['viewer', 'operator'] as const) {
      const before = await snapshot();
      const data = await gql(UPDATE, { input: { printPacingMs: 250 }, reason: 'slow down' }, role);
      expect(data.updateSettings).toEqual({ __typename: 'ForbiddenError', code: 'FORBIDDEN', message: `your key's role (${role}) may not use updateSettings: it needs the admin role` });
      expect(await snapshot()).toEqual(before);
    }
    const data = await gql(UPDATE, { input: { printPacingMs: 250, defaultBackoff: { jitter: 0.25, maxMs: null } }, reason: 'slow down' }, 'admin');
    expect(data.updateSettings.__typename).toBe('SettingsUpdate');
    expect(data.updateSettings.changed.sort()).toEqual(['defaultBackoff', 'printPacingMs']);
    expect(data.updateSettings.settings.find((s: { key: string }) => s.key === 'printPacingMs')).toEqual({ key: 'printPacingMs', value: 250, default: 0, version: 1, updatedBy: 'settings-admin' });
    expect((await getSettings(db().services.db)).defaultBackoff).toEqual({ strategy: 'fixed', baseMs: 2_000, maxMs: 300_000, jitter: 0.25 });
    const [entry] = (await listHistory(db().services.db, { targetType: 'setting', targetId: 'printPacingMs' }, { first: 1 })).entries;
    expect(entry).toMatchObject({ actor: 'settings-admin', operation: 'update', before: 0, after: 250, reason: 'slow down' });
  });

  it('returns a bad value as InvalidInputError naming the key, changing nothing', async () => {
    const before = await snapshot();
    const data = await gql(UPDATE, { input: { printPacingMs: 500, supervisorLeaseMs: 1_000 } }, 'admin');
    expect(data.updateSettings).toMatchObject({
      __typename: 'InvalidInputError',
      code: 'INVALID_INPUT',
      issues: [{ path: 'supervisorLeaseMs', message: 'must be greater than supervisorIntervalMs (3000)' }],
    });
    expect(data.updateSettings.message).toContain('supervisorLeaseMs');
    expect(await snapshot()).toEqual(before);
  });
});
