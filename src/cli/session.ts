// What a command needs once it runs (loaded then, not for --help): the configuration, a logger,
// an open Pressroom, and a graceful stop on SIGTERM and SIGINT.
import { openPressroom, type Pressroom } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { createLogger } from '../logger.ts';

/** A long-running process (start, serve, worker, supervisor): its log is its output, on stdout. */
export async function openService(): Promise<Pressroom> {
  const config = loadConfig();
  return openPressroom(config, createLogger(config.LOG_LEVEL));
}

/**
 * A one-shot command logs on stderr, warnings only unless LOG_LEVEL asks for more: what it prints
 * on stdout is its answer, for a person or a script.
 */
export function commandLogger(config: Config) {
  return createLogger(process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn', 'stderr');
}

export async function openForCommand(config: Config = loadConfig()): Promise<Pressroom> {
  return openPressroom(config, commandLogger(config));
}

/**
 * Stops gracefully on SIGTERM or SIGINT, then closes and exits. Another signal a second or more
 * later exits at once; one sooner is the same signal relayed by a wrapper (Ctrl-C reaches both
 * npm and this process, and npm passes it on), and changes nothing.
 * Started through npm (`npm start`, `npx pressroom …`), it also stops when npm is gone: a signal
 * to npm alone does not always reach this process through the shell npm runs it in.
 */
export function untilSignal(pressroom: Pressroom, stop: () => Promise<void>): void {
  const { log } = pressroom.services;
  let stoppingSince: number | null = null;
  const shutdown = (why: string) => {
    if (stoppingSince !== null) {
      if (Date.now() - stoppingSince >= 1_000) process.exit(130);
      return;
    }
    stoppingSince = Date.now();
    log.info({ why }, 'shutting down');
    stop()
      .then(() => pressroom.close())
      .then(() => {
        log.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (process.env.npm_lifecycle_event || process.env.npm_command) {
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid !== parent) shutdown('npm, which started this process, is gone');
    }, 500);
    watch.unref();
  }
}
