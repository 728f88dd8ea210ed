// What a command needs once it runs (loaded then, not for --help): the configuration, a logger,
// an open Pressroom.
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
