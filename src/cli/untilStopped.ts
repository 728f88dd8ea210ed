// How a long-running command (start, serve, worker, supervisor) stops: gracefully, on SIGTERM,
// SIGINT, or when npm that started it is gone, releasing its jobs and the data folder.
// Loaded only by those commands: a one-shot command keeps Node's own Ctrl-C.
import type { Pressroom } from '../app.ts';

// Watched from the moment a command loads this module, before it opens anything: a signal while it starts is acted on once
// it has started (a second one, a second or more later, exits at once).
let stopRequest: { why: string; at: number } | null = null;
let onStopRequest: ((why: string) => void) | null = null;
const requestStop = (why: string) => {
  if (stopRequest) {
    // Sooner than a second: the same signal relayed by a wrapper (Ctrl-C reaches both npm and
    // this process, and npm passes it on).
    if (Date.now() - stopRequest.at >= 1_000) process.exit(130);
    return;
  }
  stopRequest = { why, at: Date.now() };
  onStopRequest?.(why);
};
process.on('SIGTERM', () => requestStop('SIGTERM'));
process.on('SIGINT', () => requestStop('SIGINT'));
// Started through npm (`npm start`, `npx pressroom …`), it also stops when npm is gone: npm passes
// a SIGTERM sent to it alone to the shell it runs this in, which dies without passing it on.
if (process.env.npm_lifecycle_event || process.env.npm_command) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent || process.ppid === 1) requestStop('npm, which started this process, is gone');
  }, 500).unref();
}

/** Stops gracefully when asked (SIGTERM, SIGINT, npm gone), then closes and exits. */
export function untilStopped(pressroom: Pressroom, stop: () => Promise<void>): void {
  const { log } = pressroom.services;
  onStopRequest = (why) => {
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
  if (stopRequest) onStopRequest(stopRequest.why);
}
