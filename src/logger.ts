// Logs: JSON lines with ISO times for machines; readable lines (local time, no pid) when a person
// watches the terminal. Services log on stdout; a one-shot CLI command logs on stderr, so that its
// own output on stdout is all a script reads.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export function createLogger(level: string, stream: 'stdout' | 'stderr' = 'stdout'): Logger {
  const fd = stream === 'stdout' ? 1 : 2;
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (!process[stream].isTTY) return pino(options, pino.destination({ fd, sync: true }));
  return pino(options, pretty({ destination: fd, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l', singleLine: true }));
}
