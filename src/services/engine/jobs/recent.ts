// The newest job and the newest failed job: what GraphiQL's examples point at.
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { jobs } from '../../../db/engine/schema.ts';

export async function newestRunIds(db: Db): Promise<{ job: string | null; failedJob: string | null }> {
  const [newest] = await db.select({ runId: jobs.runId }).from(jobs).orderBy(desc(jobs.id)).limit(1);
  const [failed] = await db.select({ runId: jobs.runId }).from(jobs).where(eq(jobs.status, 'failed')).orderBy(desc(jobs.id)).limit(1);
  return { job: newest?.runId ?? null, failedJob: failed?.runId ?? null };
}
