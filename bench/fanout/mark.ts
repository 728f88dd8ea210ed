// The mark a bench progress report carries in its message: sequence number and send time.

export interface Mark {
  seq: number;
  /** wallClock() when the worker reported it. */
  sentAt: number;
}

/**
 * Milliseconds since the epoch with sub-millisecond precision, comparable across processes on
 * one machine (each process's timeOrigin is read from the same system clock).
 */
export const wallClock = () => performance.timeOrigin + performance.now();

export const encodeMark = (mark: Mark) => JSON.stringify(mark);

/** The mark in a progress message, or null for a message that is not one. */
export function decodeMark(message: string | null | undefined): Mark | null {
  if (!message?.startsWith('{')) return null;
  const mark = JSON.parse(message) as Partial<Mark>;
  return typeof mark.seq === 'number' && typeof mark.sentAt === 'number' ? (mark as Mark) : null;
}
