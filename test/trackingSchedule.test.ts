// Production tracking runs on the schedule `tracking-process`, which follows the runtime setting
// trackingProcessCron (every minute by default), and each slot asks for a run of each source.
import { afterAll, describe, expect, it } from 'vitest';
import { getSchedule } from '../src/services/engine/schedules.ts';
import { followRuntimeSettings, updateSettings } from '../src/services/engine/runtimeSettings.ts';
import { InvalidInputError } from '../src/services/errors.ts';
import { followTrackingSchedule, SCHEDULE_KIND, SCHEDULE_NAME } from '../src/services/tracking/schedule.ts';
import { useTestDatabase } from './support/db.ts';
import { waitFor } from './support/wait.ts';

const db = useTestDatabase();
const by = { actor: 'test', reason: 'tracking schedule test' };
const stops: (() => void)[] = [];
afterAll(() => stops.forEach((stop) => stop()));

describe('the tracking schedule', () => {
  it('runs every minute by default, and follows the runtime setting when it changes', async () => {
    const ctx = db().services;
    stops.push(await followRuntimeSettings(ctx));
    stops.push(await followTrackingSchedule(ctx));
    expect(await getSchedule(ctx.db, SCHEDULE_NAME)).toMatchObject({ cron: '* * * * *', kind: SCHEDULE_KIND, queue: 'tracking', paused: false });
    await updateSettings(ctx, { trackingProcessCron: '*/5 * * * *' }, by);
    await waitFor(async () => (await getSchedule(ctx.db, SCHEDULE_NAME)).cron === '*/5 * * * *', { what: 'the schedule to follow the setting' });
    await expect(updateSettings(ctx, { trackingProcessCron: 'every minute' }, by)).rejects.toBeInstanceOf(InvalidInputError);
    expect((await getSchedule(ctx.db, SCHEDULE_NAME)).cron).toBe('*/5 * * * *');
  });
});
