import type { Command } from 'commander';

export function addSupervisorCommand(program: Command): void {
  program
    .command('supervisor')
    .description('run a supervisor runner only: it ticks while it holds the heartbeat governor')
    .action(async () => {
      const [{ openService, untilSignal }, { startSupervisor }] = await Promise.all([import('../session.ts'), import('../../app.ts')]);
      const pressroom = await openService();
      const supervisor = startSupervisor(pressroom);
      untilSignal(pressroom, () => supervisor.stop());
    });
}
