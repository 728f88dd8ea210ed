import type { Command } from 'commander';

export function addWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker process (with a supervisor runner: one process of all ticks)')
    .action(async () => {
      const [{ openService }, { untilStopped }, { startWorker, startSupervisor }] = await Promise.all([import('../session.ts'), import('../untilStopped.ts'), import('../../app.ts')]);
      const pressroom = await openService();
      const worker = await startWorker(pressroom);
      const supervisor = startSupervisor(pressroom);
      untilStopped(pressroom, async () => {
        await supervisor.stop();
        await worker.stop();
      });
    });
}
