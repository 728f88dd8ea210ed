import type { Command } from 'commander';

export function addSupervisorCommand(program: Command): void {
  program
    .command('supervisor')
    .description('run a supervisor runner only: it ticks while it holds the heartbeat governor')
    .action(async () => {
      const [{ openService }, { untilStopped }, { startSupervisor }] = await Promise.all([import('../session.ts'), import('../untilStopped.ts'), import('../../app.ts')]);
      const pressroom = await openService();
      const supervisor = startSupervisor(pressroom);
      untilStopped(pressroom, () => supervisor.stop());
    });
}
