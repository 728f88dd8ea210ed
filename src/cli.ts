#!/usr/bin/env node
// The pressroom command. Only commander loads here: each command loads what it needs when it
// runs, so `--help` and `--version` answer at once. A command is one file in src/cli/commands/.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { addEnqueueCommand } from './cli/commands/enqueue.ts';
import { addKeysCommand } from './cli/commands/keys.ts';
import { addMigrateCommand } from './cli/commands/migrate.ts';
import { addServeCommand } from './cli/commands/serve.ts';
import { addStartCommand } from './cli/commands/start.ts';
import { addSupervisorCommand } from './cli/commands/supervisor.ts';
import { addWorkerCommand } from './cli/commands/worker.ts';
import { addDocumentsCommand } from './cli/commands/documentsImport.ts';
import { addTrackingCommand } from './cli/commands/tracking.ts';
import { reportFailure } from './cli/failure.ts';

const commands: ((program: Command) => void)[] = [
  addStartCommand,
  addServeCommand,
  addWorkerCommand,
  addSupervisorCommand,
  addMigrateCommand,
  addEnqueueCommand,
  addKeysCommand,
  addDocumentsCommand,
  addTrackingCommand,
];

// src/cli.ts and dist/cli.js both sit one folder below package.json.
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const program = new Command('pressroom').description('Job orchestration for document and print production').version(version, '-v, --version');
for (const add of commands) add(program);
program.parseAsync().catch(reportFailure);
