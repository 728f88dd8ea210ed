// The demo job kind: a multi-stage document-processing job over a list of pages, with
// simulated work, occasional page failures and, when asked, a failed first run, so that
// `npm start` shows the engine at work.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { FatalError, ItemError } from '../../worker/errors.ts';
import { defineHandler } from '../../worker/handler.ts';

const payload = z.object({
  title: z.string().default('untitled'),
  /** Share of pages that fail, 0..1. */
  failureRate: z.number().min(0).max(1).default(0.05),
  /** Simulated work per page. */
  pageMs: z.number().int().min(0).max(60_000).default(40),
  /** The first run fails at publish (a fatal error); a retry goes through: the demo's FailedJobs and RetryJob. */
  failOnce: z.boolean().default(false),
});

export const documentProcess = defineHandler({
  kind: 'document.process',
  stages: ['fetch', 'extract', 'render', 'publish'],
  payload,
  async run(ctx) {
    const { title, failureRate, pageMs, failOnce } = ctx.payload;
    const fetched = await ctx.stage('fetch', async () => {
      await sleep(pageMs * 2, undefined, { signal: ctx.signal });
      return { bytes: 4_096 * Math.max(1, ctx.job.itemsTotal) };
    });
    const extracted = await ctx.stage('extract', async () => {
      const { processed, failed } = await ctx.items(async (page) => {
        await sleep(pageMs, undefined, { signal: ctx.signal });
        ctx.addMetrics({ tokens: 250 + (page.position % 7) * 10, costUsd: 0.0004 });
        if (Math.random() < failureRate) throw new ItemError(`could not read ${page.key}`);
      });
      return { processed, failed };
    });
    await ctx.stage('render', async () => {
      await sleep(pageMs * 3, undefined, { signal: ctx.signal });
      return { pages: extracted.processed };
    });
    const published = await ctx.stage('publish', async () => {
      if (failOnce && !ctx.job.lastError) throw new FatalError(`press proof of ${title} rejected: colour profile missing (a demo failure: retry the job)`);
      return { output: `documents/${encodeURIComponent(title)}.pdf` };
    });
    return { title, bytes: fetched.bytes, pages: extracted.processed, failedPages: extracted.failed, output: published.output };
  },
});
