import pino, { type Logger } from 'pino';

/** Structured logs on stdout; readable lines when stdout is a terminal. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname' } } } : {}),
  });
}
