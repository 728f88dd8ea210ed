import type { Command } from 'commander';
import type { ReasonOption } from '../options.ts';

export function addKeysCommand(program: Command): void {
  const keys = program.command('keys').description('manage API keys (beside a running embedded Pressroom too)');

  keys
    .command('create')
    .description('create an API key; it is printed once')
    .argument('<name>', 'who uses it: recorded as the actor of every change made with it')
    .requiredOption('--role <role>', 'viewer, operator, admin, or ingest (a device that records tracking events only)')
    .option('--reason <text>', 'recorded in the history')
    .action(async (name: string, options: { role: string } & ReasonOption) => {
      const [{ withBackend }, { KEYS_LOCK_GRAPHIQL }] = await Promise.all([import('../backend/index.ts'), import('../../api/keysNotice.ts')]);
      await withBackend(async (backend) => {
        const { key, apiKey } = await backend.createKey(name, options.role, options.reason);
        process.stdout.write(`created ${apiKey.role} key ${apiKey.name}; it is shown only now:\n${key}\n`);
        process.stderr.write(`note: ${KEYS_LOCK_GRAPHIQL}\n`);
      });
    });

  keys
    .command('list')
    .description('list API keys (never the keys themselves)')
    .action(async () => {
      const { withBackend } = await import('../backend/index.ts');
      await withBackend(async (backend) => {
        for (const k of await backend.listKeys()) {
          process.stdout.write(`${k.name}\t${k.role}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'live'}\tlast used ${k.lastUsedAt ?? 'never'}\n`);
        }
      });
    });

  keys
    .command('revoke')
    .description('revoke an API key by name')
    .argument('<name>')
    .option('--reason <text>', 'recorded in the history')
    .action(async (name: string, options: ReasonOption) => {
      const { withBackend } = await import('../backend/index.ts');
      await withBackend(async (backend) => {
        await backend.revokeKey(name, options.reason);
        process.stdout.write(`revoked ${name}\n`);
      });
    });
}
