import type { Command } from 'commander';

export function addMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => {
      const [{ openForCommand }, { loadConfig }, { readLocalControl }, { DataFolderLockedError }] = await Promise.all([
        import('../session.ts'),
        import('../../config.ts'),
        import('../../api/localControl.ts'),
        import('../../services/errors.ts'),
      ]);
      const config = loadConfig();
      try {
        await (await openForCommand(config)).close();
        process.stdout.write('migrations applied\n');
      } catch (error) {
        const running = error instanceof DataFolderLockedError ? await readLocalControl(config.PRESSROOM_DATA_DIR) : null;
        if (!running) throw error;
        // A Pressroom migrates its database when it opens it: the one running did.
        process.stdout.write(`migrations applied: the Pressroom running on this folder (pid ${running.pid}) applied them when it started\n`);
      }
    });
}
