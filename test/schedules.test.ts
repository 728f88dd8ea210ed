// Recurring schedules: validation, firing exactly once per slot across processes, catch-up after
// downtime, pause and resume, and the API. Time is passed to fireDueSchedules, never waited for.
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, query, type Database } from '../src/db/client.ts';
import type { ServiceContext } from '../src/services/context.ts';
import { InvalidInputError, NotFoundError } from '../src/services/errors.ts';
import { listHistory } from '../src/services/engine/history.ts';
import { createJobNotifier } from '../src/services/engine/notifier.ts';
import {
  createSchedule,
  deleteSchedule,
  fireDueSchedules,
  getSchedule,
  listSchedules,
  pauseSchedule,
  resumeSchedule,
} from '../src/services/engine/schedules.ts';
import { serverMode, useTestDatabase } from './support/db.ts';
import { useLocalApi } from './support/localApi.ts';

const db = useTestDatabase();
const by = { actor: 'test', reason: 'schedule test' };
const supervisor = { actor: 'supervisor' };
const MINUTE = 60_000;

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

afterEach(async () => {
  // fireDueSchedules fires every due schedule of the database: each test starts with none.
  for (const schedule of await listSchedules(db().services.db)) await deleteSchedule(db().services, schedule.name, by);
});

async function jobsOf(name: string) {
  return query<{ id: number; kind: string; queue: string; payload: unknown; dedupe_key: string; created_by: string }>(
    db().services.db,
    sql`select id, kind, queue, payload, dedupe_key, created_by from jobs where dedupe_key like ${`schedule:${name}:%`} order by id`,
  );
}

async function counts() {
  const [row] = await query<{ schedules: string | number; history: string | number; jobs: string | number }>(
    db().services.db,
    sql`select (select count(*) from schedules) as schedules, (select count(*) from history) as history, (select count(*) from jobs) as jobs`,
  );
  return { schedules: Number(row!.schedules), history: Number(row!.history), jobs: Number(row!.jobs) };
}

const fires = async (name: string) =>
  (await listHistory(db().services.db, { targetType: 'schedule', targetId: name, operation: 'fire' }, { first: 100 })).entries;

describe('creating a schedule', () => {
  it('stores it with its next slot, in its time zone, and records it in the history', async () => {
    const name = unique('nightly');
    const before = Date.now();
    const schedule = await createSchedule(
      db().services,
      { name, cron: '30 2 * * *', timezone: 'Europe/Paris', kind: 'report.nightly', queue: 'reports', payload: { format: 'pdf' } },
      by,
    );
    expect(schedule).toMatchObject({ name, cron: '30 2 * * *', timezone: 'Europe/Paris', kind: 'report.nightly', queue: 'reports', paused: false, lastSlotAt: null, createdBy: 'test' });
    expect(schedule.payload).toEqual({ format: 'pdf' });
    const next = schedule.nextSlotAt!;
    expect(next.getTime()).toBeGreaterThan(before);
    expect(next.getTime()).toBeLessThanOrEqual(before + 24 * 60 * MINUTE);
    // 02:30 in Paris.
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('02:30');
    expect((await listHistory(db().services.db, { targetType: 'schedule', targetId: name }, { first: 5 })).entries).toEqual([
      expect.objectContaining({ actor: 'test', operation: 'create', reason: 'schedule test' }),
    ]);
    expect(await getSchedule(db().services.db, name)).toEqual(schedule);
  });

  it('defaults to UTC and the default queue', async () => {
    const schedule = await createSchedule(db().services, { name: unique('defaults'), cron: '0 * * * *', kind: 'report.hourly' }, by);
    expect(schedule).toMatchObject({ timezone: 'UTC', queue: 'default', payload: {} });
    expect(schedule.nextSlotAt!.getUTCMinutes()).toBe(0);
  });

  it.each([
    ['a cron expression that does not parse', { cron: 'every tuesday' }, 'cron'],
    ['an out-of-range field', { cron: '61 * * * *' }, 'cron'],
    ['too few fields', { cron: '* * * *' }, 'cron'],
    ['an impossible date', { cron: '0 0 31 2 *' }, 'cron'],
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    ['a bad kind', { kind: 'no spaces please' }, 'kind'],
    ['an empty kind', { kind: '' }, 'kind'],
    ['a bad queue', { queue: 'no spaces' }, 'queue'],
    ['a bad name', { name: 'with space' }, 'name'],
  ])('refuses %s, naming the field, and writes nothing', async (_what, change, path) => {
    const before = await counts();
    const attempt = createSchedule(db().services, { name: unique('bad'), cron: '*/5 * * * *', kind: 'report.x', ...change }, by);
    await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
    const error = (await attempt.catch((e: unknown) => e)) as InvalidInputError;
    expect(error.issues.map((issue) => issue.path)).toContain(path);
    expect(await counts()).toEqual(before);
  });

  it('refuses a second schedule of the same name, changing nothing', async () => {
    const name = unique('twice');
    await createSchedule(db().services, { name, cron: '*/5 * * * *', kind: 'report.x' }, by);
    const before = await counts();
    const attempt = createSchedule(db().services, { name, cron: '0 * * * *', kind: 'report.y' }, by);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: 'name', message: expect.stringContaining('exists') }] });
    expect(await counts()).toEqual(before);
    expect((await getSchedule(db().services.db, name)).cron).toBe('*/5 * * * *');
  });
});

describe('firing', () => {
  /** A second process: another service context, on its own connection pool in server mode. */
  let other: { services: ServiceContext; database: Database | null };

  beforeAll(async () => {
    if (serverMode) {
      const database = await openDatabase({ url: db().url!, poolSize: 4 });
      other = { database, services: { ...db().services, db: database.db, notifier: createJobNotifier(database.db) } };
    } else {
      other = { database: null, services: { ...db().services, notifier: createJobNotifier(db().database.db) } };
    }
  });

  afterAll(async () => {
    await other?.services.notifier.drain().catch(() => {});
    await other?.database?.close();
  });

  it('fires each slot exactly once when two processes fire at the same moment', async () => {
    const name = unique('every-5');
    const schedule = await createSchedule(db().services, { name, cron: '*/5 * * * *', kind: 'report.every5', queue: 'scheduled', payload: { n: 1 } }, by);
    const slots: Date[] = [];
    let slot = schedule.nextSlotAt!;
    for (let i = 0; i < 8; i++) {
      slots.push(slot);
      const results = await Promise.all([
        fireDueSchedules(db().services, slot, supervisor),
        fireDueSchedules(other.services, slot, supervisor),
        fireDueSchedules(other.services, slot, supervisor),
      ]);
      expect(results.reduce((sum, r) => sum + r.fired, 0), `slot ${slot.toISOString()}`).toBe(1);
      expect(results.reduce((sum, r) => sum + r.skipped, 0)).toBe(0);
      const after = await getSchedule(db().services.db, name);
      expect(after.lastSlotAt).toEqual(slot);
      expect(after.nextSlotAt!.getTime()).toBe(slot.getTime() + 5 * MINUTE);
      slot = after.nextSlotAt!;
    }
    const jobs = await jobsOf(name);
    expect(jobs.map((job) => job.dedupe_key)).toEqual(slots.map((s) => `schedule:${name}:${s.toISOString()}`));
    expect(jobs.every((job) => job.kind === 'report.every5' && job.queue === 'scheduled' && job.created_by === 'supervisor')).toBe(true);
    expect(jobs[0]!.payload).toEqual({ n: 1 });
    const entries = await fires(name);
    expect(entries).toHaveLength(slots.length);
    expect(entries.map((e) => (e.after as { slot: string }).slot).sort()).toEqual(slots.map((s) => s.toISOString()).sort());
    expect(entries[0]).toMatchObject({ actor: 'supervisor', targetType: 'schedule', targetId: name });
  });

  it('fires nothing before the slot, and nothing twice when called again for the same moment', async () => {
    const name = unique('not-yet');
    const schedule = await createSchedule(db().services, { name, cron: '*/5 * * * *', kind: 'report.x' }, by);
    const slot = schedule.nextSlotAt!;
    expect(await fireDueSchedules(db().services, new Date(slot.getTime() - 1), supervisor)).toEqual({ fired: 0, skipped: 0 });
    expect(await fireDueSchedules(db().services, slot, supervisor)).toEqual({ fired: 1, skipped: 0 });
    expect(await fireDueSchedules(other.services, slot, supervisor)).toEqual({ fired: 0, skipped: 0 });
    expect(await fireDueSchedules(db().services, new Date(slot.getTime() + MINUTE), supervisor)).toEqual({ fired: 0, skipped: 0 });
    expect(await jobsOf(name)).toHaveLength(1);
  });

  it('after downtime fires only the most recent missed slot, once, and counts the older ones as skipped', async () => {
    const name = unique('catch-up');
    const schedule = await createSchedule(db().services, { name, cron: '*/5 * * * *', kind: 'report.catchup' }, by);
    const first = schedule.nextSlotAt!.getTime();
    // Down for 17 minutes past the first slot: slots at +0, +5, +10 and +15 were missed.
    const now = new Date(first + 17 * MINUTE);
    const results = await Promise.all([fireDueSchedules(db().services, now, supervisor), fireDueSchedules(other.services, now, supervisor)]);
    expect(results.reduce((sum, r) => sum + r.fired, 0)).toBe(1);
    expect(results.reduce((sum, r) => sum + r.skipped, 0)).toBe(3);
    const latest = new Date(first + 15 * MINUTE);
    expect((await jobsOf(name)).map((job) => job.dedupe_key)).toEqual([`schedule:${name}:${latest.toISOString()}`]);
    const after = await getSchedule(db().services.db, name);
    expect(after.lastSlotAt).toEqual(latest);
    expect(after.nextSlotAt).toEqual(new Date(first + 20 * MINUTE));
    const [entry] = await fires(name);
    expect(entry!.after).toMatchObject({ slot: latest.toISOString(), skippedSlots: 3, nextSlotAt: new Date(first + 20 * MINUTE).toISOString() });
    // Nothing more until the next slot.
    expect(await fireDueSchedules(db().services, now, supervisor)).toEqual({ fired: 0, skipped: 0 });
  });

  it('does not fire a paused schedule; resuming recomputes the next slot from now', async () => {
    const name = unique('pausable');
    const created = await createSchedule(db().services, { name, cron: '*/5 * * * *', kind: 'report.pausable' }, by);
    // Fire a slot a day ahead, so that the stored next slot lies far in the future.
    const ahead = new Date(created.nextSlotAt!.getTime() + 24 * 60 * MINUTE);
    expect((await fireDueSchedules(db().services, ahead, supervisor)).fired).toBe(1);

    const paused = await pauseSchedule(db().services, name, by);
    expect(paused.paused).toBe(true);
    const later = new Date(ahead.getTime() + 60 * MINUTE);
    expect(await fireDueSchedules(db().services, later, supervisor)).toEqual({ fired: 0, skipped: 0 });
    expect(await jobsOf(name)).toHaveLength(1);

    const before = Date.now();
    const resumed = await resumeSchedule(db().services, name, by);
    expect(resumed.paused).toBe(false);
    // From now, not from the slots missed while paused.
    expect(resumed.nextSlotAt!.getTime()).toBeGreaterThan(before);
    expect(resumed.nextSlotAt!.getTime()).toBeLessThanOrEqual(Date.now() + 5 * MINUTE);
    expect(resumed.nextSlotAt!.getTime()).toBeLessThan(ahead.getTime());
    expect(await fireDueSchedules(db().services, resumed.nextSlotAt!, supervisor)).toEqual({ fired: 1, skipped: 0 });

    const operations = (await listHistory(db().services.db, { targetType: 'schedule', targetId: name }, { first: 10 })).entries.map((e) => e.operation);
    expect(operations).toEqual(['fire', 'resume', 'pause', 'fire', 'create']);
  });

  it('deletes a schedule (its jobs stay); a missing one is NotFoundError', async () => {
    const name = unique('doomed');
    const schedule = await createSchedule(db().services, { name, cron: '*/5 * * * *', kind: 'report.doomed' }, by);
    await fireDueSchedules(db().services, schedule.nextSlotAt!, supervisor);
    expect((await deleteSchedule(db().services, name, by)).name).toBe(name);
    expect(await listSchedules(db().services.db)).toEqual([]);
    expect(await jobsOf(name)).toHaveLength(1);
    await expect(deleteSchedule(db().services, name, by)).rejects.toBeInstanceOf(NotFoundError);
    await expect(pauseSchedule(db().services, name, by)).rejects.toMatchObject({ code: 'NOT_FOUND', targetType: 'schedule', targetId: name });
    await expect(resumeSchedule(db().services, name, by)).rejects.toBeInstanceOf(NotFoundError);
    expect((await listHistory(db().services.db, { targetType: 'schedule', targetId: name, operation: 'delete' }, { first: 1 })).entries).toHaveLength(1);
  });
});

describe('the API', () => {
  const { gql } = useLocalApi(db);


  const RESULT = '__typename ... on Schedule { name cron timezone kind queue payload paused nextSlotAt lastSlotAt createdBy } ... on Error { code message } ... on InvalidInputError { issues { path message } }';
  const NOT_FOUND = ' ... on NotFoundError { targetType targetId }';

  it('creates, lists, pauses, resumes and deletes schedules; bad input is a typed error', async () => {
    const name = unique('api');
    const CREATE = `mutation C($input: CreateScheduleInput!) { createSchedule(input: $input, reason: "from the api") { ${RESULT} } }`;
    const created = (await gql(CREATE, { input: { name, cron: '0 6 * * 1-5', timezone: 'America/New_York', kind: 'report.morning', payload: { to: 'ops' } } })).createSchedule;
    expect(created).toMatchObject({ __typename: 'Schedule', name, cron: '0 6 * * 1-5', timezone: 'America/New_York', queue: 'default', payload: { to: 'ops' }, paused: false, lastSlotAt: null, createdBy: 'local' });
    expect(new Date(created.nextSlotAt).getTime()).toBeGreaterThan(Date.now());

    const bad = (await gql(CREATE, { input: { name: unique('api-bad'), cron: '99 * * * *', kind: 'report.x' } })).createSchedule;
    expect(bad).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', issues: [{ path: 'cron' }] });

    expect((await gql('{ schedules { name paused } }')).schedules).toEqual([{ name, paused: false }]);

    const action = (mutation: string, target = name) => gql(`mutation A($name: String!) { ${mutation}(name: $name, reason: "api") { ${RESULT}${NOT_FOUND} } }`, { name: target });
    expect((await action('pauseSchedule')).pauseSchedule).toMatchObject({ __typename: 'Schedule', paused: true });
    expect((await action('resumeSchedule')).resumeSchedule).toMatchObject({ __typename: 'Schedule', paused: false });
    expect((await action('deleteSchedule')).deleteSchedule).toMatchObject({ __typename: 'Schedule', name });
    expect((await action('pauseSchedule')).pauseSchedule).toMatchObject({ __typename: 'NotFoundError', targetType: 'schedule', targetId: name });
    expect((await gql('{ schedules { name } }')).schedules).toEqual([]);

    const operations = (await listHistory(db().services.db, { targetType: 'schedule', targetId: name }, { first: 10 })).entries;
    expect(operations.map((e) => e.operation)).toEqual(['delete', 'resume', 'pause', 'create']);
    expect(operations.every((e) => e.actor === 'local')).toBe(true);
  });
});
