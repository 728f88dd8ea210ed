import type { Command } from 'commander';

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run an API process only')
    .action(async () => {
      const [{ openService }, { untilStopped }, { serveApi }] = await Promise.all([import('../session.ts'), import('../untilStopped.ts'), import('../serveApi.ts')]);
      const pressroom = await openService();
      const api = await serveApi(pressroom);
      untilStopped(pressroom, () => api.close());
    });
}
