// The bench's own view of what the worker published: every progress report of a bench job that
// went through Redis, counted per job. A client's expected deliveries are its job's reports.
import { Redis } from 'ioredis';
import type { JobSummary } from '../../src/services/events.ts';
import { decodeMark } from './mark.ts';

export interface PublishMonitor {
  /** Sequence numbers published, per job. */
  published: Map<number, Set<number>>;
  total(): number;
  /** Resolves when the first report is published. */
  first: Promise<void>;
  close(): void;
}

export async function monitorProgress(redisUrl: string, prefix: string): Promise<PublishMonitor> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const published = new Map<number, Set<number>>();
  let total = 0;
  let onFirst!: () => void;
  const first = new Promise<void>((resolve) => (onFirst = resolve));
  // A bus message carries the events of one type published together (src/services/events.ts).
  redis.on('message', (_channel: string, message: string) => {
    for (const event of JSON.parse(message) as JobSummary[]) {
      const mark = decodeMark(event.progress?.message);
      if (!mark) continue;
      let seqs = published.get(event.id);
      if (!seqs) published.set(event.id, (seqs = new Set()));
      if (!seqs.has(mark.seq)) total++;
      seqs.add(mark.seq);
      onFirst();
    }
  });
  await redis.subscribe(`${prefix}:job:progress`);
  return { published, total: () => total, first, close: () => redis.disconnect() };
}
