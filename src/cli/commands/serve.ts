import type { Command } from 'commander';

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run an API process only')
    .action(async () => {
      const [{ openService, untilSignal }, { serveApi }] = await Promise.all([import('../session.ts'), import('../serveApi.ts')]);
      const pressroom = await openService();
      const api = await serveApi(pressroom);
      untilSignal(pressroom, () => api.close());
    });
}
