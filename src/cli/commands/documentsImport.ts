// `pressroom documents import <folder>` (src/cli/documents/importFolder.ts): loaded when it runs.
import type { Command } from 'commander';
import type { ImportOptions } from '../documents/importFolder.ts';

export function addDocumentsCommand(program: Command): void {
  const documents = program.commands.find((c) => c.name() === 'documents') ?? program.command('documents').description('print pipeline documents');
  documents
    .command('import')
    .description('import every file of a folder (and its subfolders) as a document; files imported before are skipped')
    .argument('<folder>', 'the folder to import')
    .requiredOption('--customer <name>', 'the customer or account of the documents')
    .option('--type <type>', 'the document type (default: each file\'s extension)')
    .option('--reason <text>', 'recorded in the history')
    .action(async (folder: string, options: ImportOptions) => {
      const { importFolder } = await import('../documents/importFolder.ts');
      await importFolder(folder, options);
    });
}
