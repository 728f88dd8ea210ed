#!/usr/bin/env node
// The pressroom command: start (everything in one process), serve, worker, supervisor, migrate, enqueue.
import { Command, InvalidArgumentError } from 'commander';
import { openPressroom, startSupervisor, startWorker, type Pressroom } from './app.ts';
import { loadConfig } from './config.ts';
import { startDemoFeed } from './demoFeed.ts';
import { createLogger } from './logger.ts';
import { PressroomError } from './services/errors.ts';
import { limitsFrom } from './api/limits/index.ts';
import { startApiServer } from './api/server.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './services/engine/apiKeys.ts';
import { enqueueJob } from './services/engine/jobs/enqueue.ts';
import { registerDocumentsImport } from './cli/commands/documentsImport.ts';
import { startPrintDemo } from './services/print/demo.ts';

const program = new Command('pressroom').description('Job orchestration for document and print production');

program
  .command('start')
  .description('run the API, a worker and the supervisor in one process')
  .option('--no-demo', 'do not enqueue demo document-processing jobs (on by default with the embedded database)')
  .action(async (options: { demo: boolean }) => {
    const pressroom = await open();
    const api = await serveApi(pressroom);
    const worker = await startWorker(pressroom);
    const supervisor = startSupervisor(pressroom);
    const demo = options.demo && pressroom.database.mode === 'embedded' ? startDemoFeed(pressroom.services) : null;
    const printDemo = options.demo && pressroom.database.mode === 'embedded' ? startPrintDemo(pressroom.services) : null;
    untilSignal(pressroom, async () => {
      demo?.stop();
      printDemo?.stop();
      await supervisor.stop();
      await worker.stop();
      await api.close();
    });
  });

program
  .command('serve')
  .description('run an API process only')
  .action(async () => {
    const pressroom = await open();
    const api = await serveApi(pressroom);
    untilSignal(pressroom, () => api.close());
  });

program
  .command('worker')
  .description('run a worker process (with a supervisor runner: one process of all ticks)')
  .action(async () => {
    const pressroom = await open();
    const worker = await startWorker(pressroom);
    const supervisor = startSupervisor(pressroom);
    untilSignal(pressroom, async () => {
      await supervisor.stop();
      await worker.stop();
    });
  });

program
  .command('supervisor')
  .description('run a supervisor runner only: it ticks while it holds the heartbeat governor')
  .action(async () => {
    const pressroom = await open();
    const supervisor = startSupervisor(pressroom);
    untilSignal(pressroom, () => supervisor.stop());
  });

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => {
    await withPressroom(async (pressroom) => pressroom.services.log.info('migrations applied'));
  });

const json = (value: string) => {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new InvalidArgumentError('expected JSON');
  }
};
const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
};

program
  .command('enqueue')
  .description('enqueue a job and print it as JSON')
  .argument('<kind>', 'job kind, e.g. document.process')
  .option('--payload <json>', 'payload object', json)
  .option('--queue <name>', 'queue (lane)')
  .option('--priority <n>', 'higher runs first', integer)
  .option('--delay-ms <n>', 'run no earlier than this many ms from now', integer)
  .option('--max-attempts <n>', 'attempts before the job fails', integer)
  .option('--dedupe-key <key>', 'at most one live job per key')
  .option('--governor-key <name>', 'at most one running job per governor')
  .option('--items <keys>', 'comma-separated item keys', (value: string) => value.split(','))
  .option('--reason <text>', 'recorded in the history')
  .action(async (kind: string, options: Record<string, unknown>) => {
    await withPressroom(async (pressroom) => {
      const { reason, ...input } = options;
      const result = await enqueueJob(pressroom.services, { kind, ...input } as never, { actor: 'cli', reason: reason as string | undefined });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
  });

const keys = program.command('keys').description('manage API keys');

keys
  .command('create')
  .description('create an API key; it is printed once')
  .argument('<name>', 'who uses it: recorded as the actor of every change made with it')
  .requiredOption('--role <role>', 'viewer, operator or admin')
  .action(async (name: string, options: { role: string }) => {
    await withPressroom(async (pressroom) => {
      const { key, apiKey } = await createApiKey(pressroom.services, { name, role: options.role }, { actor: 'cli' });
      process.stdout.write(`created ${apiKey.role} key ${apiKey.name}; it is shown only now:\n${key}\n`);
    });
  });

keys
  .command('list')
  .description('list API keys (never the keys themselves)')
  .action(async () => {
    await withPressroom(async (pressroom) => {
      for (const k of await listApiKeys(pressroom.services.db)) {
        process.stdout.write(`${k.name}\t${k.role}\t${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'live'}\tlast used ${k.lastUsedAt?.toISOString() ?? 'never'}\n`);
      }
    });
  });

keys
  .command('revoke')
  .description('revoke an API key by name')
  .argument('<name>')
  .action(async (name: string) => {
    await withPressroom(async (pressroom) => {
      await revokeApiKey(pressroom.services, name, { actor: 'cli' });
      process.stdout.write(`revoked ${name}\n`);
    });
  });

registerDocumentsImport(program, withPressroom);

async function withPressroom(work: (pressroom: Pressroom) => Promise<void>) {
  const pressroom = await open();
  try {
    await work(pressroom);
  } finally {
    await pressroom.close();
  }
}

async function serveApi(pressroom: Pressroom) {
  const { config, services } = pressroom;
  const api = await startApiServer({
    services,
    host: config.PRESSROOM_HOST,
    port: config.PRESSROOM_PORT,
    production: config.NODE_ENV === 'production',
    limits: limitsFrom(config),
  });
  services.log.info({ url: api.url }, `GraphiQL at ${api.url}`);
  return api;
}

async function open(): Promise<Pressroom> {
  const config = loadConfig();
  return openPressroom(config, createLogger(config.LOG_LEVEL));
}

/** On SIGTERM or SIGINT: stop gracefully, close, exit. A second signal exits at once. */
function untilSignal(pressroom: Pressroom, stop: () => Promise<void>) {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    pressroom.services.log.info({ signal }, 'shutting down');
    stop()
      .then(() => pressroom.close())
      .then(() => process.exit(0))
      .catch((error) => {
        pressroom.services.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

program.parseAsync().catch((error: unknown) => {
  const message = error instanceof PressroomError ? error.message : `pressroom: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`${message}\n`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
