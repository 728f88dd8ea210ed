// `pressroom tracking import <file>` (src/cli/tracking/importReference.ts): loaded when it runs.
import type { Command } from 'commander';

export function addTrackingCommand(program: Command): void {
  const tracking = program.command('tracking').description('production tracking (printer and scanner events)');
  tracking
    .command('import')
    .description('load reference data: production jobs, operations, job operations, impositions and files, runlists (CSV or JSON)')
    .argument('<file>', 'a .json file, or a .csv file whose header names the section (docs/tracking.md)')
    .option('--reason <text>', 'recorded in the history')
    .action(async (file: string, options: { reason?: string }) => {
      const { importReference } = await import('../tracking/importReference.ts');
      await importReference(file, options);
    });
}
