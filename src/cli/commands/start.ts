import type { Command } from 'commander';

export function addStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the API, a worker and the supervisor in one process')
    .option('--no-demo', 'do not run the demos (document jobs, print pipeline; on by default with the embedded database)')
    .action(async (options: { demo: boolean }) => {
      const { openService } = await import('../session.ts');
      // The database opens (PGlite boots, the migrations are checked) while the API's modules load.
      const [pressroom, [{ untilStopped }, { serveApi }, { startWorker, startSupervisor }, { startDemoFeed }, { startPrintDemo }]] = await Promise.all([
        openService(),
        Promise.all([import('../untilStopped.ts'), import('../serveApi.ts'), import('../../app.ts'), import('../../demoFeed.ts'), import('../../services/print/demo.ts')]),
      ]);
      const api = await serveApi(pressroom);
      const worker = await startWorker(pressroom);
      const supervisor = startSupervisor(pressroom);
      const withDemo = options.demo && pressroom.database.mode === 'embedded';
      const demo = withDemo ? startDemoFeed(pressroom.services) : null;
      const printDemo = withDemo ? startPrintDemo(pressroom.services) : null;
      untilStopped(pressroom, async () => {
        demo?.stop();
        printDemo?.stop();
        await supervisor.stop();
        await worker.stop();
        await api.close();
      });
    });
}
