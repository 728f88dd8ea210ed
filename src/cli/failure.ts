// How a command that failed says so: one line on stderr (the stack only at LOG_LEVEL=debug), exit 1.
import { PressroomError } from '../services/errors.ts';

export function reportFailure(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${error instanceof PressroomError ? message : `pressroom: ${message}`}\n`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}
