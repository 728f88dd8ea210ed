// What keeps the dashboards busy during the statement count: a worker process completing
// test.noop jobs that the bench enqueues at a steady rate, so events flow all the time.
import { spawnPressroom, type PressroomProcess } from '../pressroomProcess.ts';

export interface Workload {
  stop(): Promise<void>;
}

export async function startWorkload(url: string, redis: Record<string, string>, jobsPerSecond: number): Promise<Workload> {
  const worker: PressroomProcess = spawnPressroom('worker', {
    DATABASE_URL: url,
    ...redis,
    PRESSROOM_HANDLERS: 'test/support/handlers.ts',
    PRESSROOM_WORKER_QUEUES: 'bench-live',
    PRESSROOM_POLL_INTERVAL_MS: '200',
    LOG_LEVEL: 'warn',
  });
  await worker.waitFor(/"msg":"worker started"|worker started/, 120_000).catch(() => {});
  // Through the engine's own enqueue (a handful of statements per job), on a timer.
  const { enqueueJob } = await import('../../src/services/engine/jobs/enqueue.ts');
  const { openDatabase } = await import('../../src/db/client.ts');
  const { createInProcessBus } = await import('../../src/services/events.ts');
  const { createJobNotifier } = await import('../../src/services/engine/notifier.ts');
  const { DEFAULT_ENGINE_SETTINGS } = await import('../../src/services/engine/settings.ts');
  const pino = (await import('pino')).default;
  const database = await openDatabase({ url, poolSize: 2 });
  const services = {
    db: database.db,
    bus: createInProcessBus(),
    log: pino({ level: 'silent' }),
    notifier: createJobNotifier(database.db),
    settings: DEFAULT_ENGINE_SETTINGS,
  };
  const timer = setInterval(() => {
    void enqueueJob(services, { kind: 'test.noop', queue: 'bench-live' }, { actor: 'bench' }).catch(() => {});
  }, 1000 / jobsPerSecond);
  return {
    async stop() {
      clearInterval(timer);
      await worker.stop();
      await services.notifier.drain().catch(() => {});
      await database.close();
    },
  };
}
