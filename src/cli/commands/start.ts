import type { Command } from 'commander';

export function addStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the API, a worker and the supervisor in one process')
    .option('--no-demo', 'do not enqueue demo document-processing jobs (on by default with the embedded database)')
    .action(async (options: { demo: boolean }) => {
      const [{ openService }, { untilStopped }, { serveApi }, { startWorker, startSupervisor }, { startDemoFeed }] = await Promise.all([
        import('../session.ts'),
        import('../untilStopped.ts'),
        import('../serveApi.ts'),
        import('../../app.ts'),
        import('../../demoFeed.ts'),
      ]);
      const pressroom = await openService();
      const api = await serveApi(pressroom);
      const worker = await startWorker(pressroom);
      const supervisor = startSupervisor(pressroom);
      const demo = options.demo && pressroom.database.mode === 'embedded' ? startDemoFeed(pressroom.services) : null;
      untilStopped(pressroom, async () => {
        demo?.stop();
        await supervisor.stop();
        await worker.stop();
        await api.close();
      });
    });
}
