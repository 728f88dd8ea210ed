// With the embedded database, `pressroom start` feeds itself demo document-processing jobs so
// that a newcomer sees the engine work: a few at once, then one every 15 seconds; every fourth
// fails on its first run, so that there is a failed job to find and retry.
import type { ServiceContext } from './services/context.ts';
import { enqueueJob } from './services/engine/jobs/enqueue.ts';

const TITLES = ['quarterly-report', 'print-catalogue', 'label-sheet', 'invoice-batch', 'press-proof'];

export function startDemoFeed(services: ServiceContext, everyMs = 15_000): { stop(): void } {
  let count = 0;
  const enqueueOne = () => {
    const title = `${TITLES[count % TITLES.length]}-${++count}`;
    const pages = Array.from({ length: 12 + (count % 5) * 4 }, (_, i) => `page-${i + 1}`);
    const failOnce = count % 4 === 2;
    enqueueJob(services, { kind: 'document.process', queue: 'documents', payload: { title, failOnce }, items: pages }, { actor: 'demo' })
      .then(({ job }) => services.log.info({ runId: job.runId, pages: pages.length }, 'demo job enqueued'))
      .catch((error) => services.log.warn({ err: error }, 'demo job not enqueued'));
  };
  for (let i = 0; i < 3; i++) enqueueOne();
  const timer = setInterval(enqueueOne, everyMs);
  return { stop: () => clearInterval(timer) };
}
