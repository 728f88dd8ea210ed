// One Print OS event's effects (seed 001 §2.1, §3.3): imposition → files → production jobs; the
// imposition's print operation takes the event's status, and each of its production jobs is
// judged across all its files in all its impositions: all printed → print done; some printed →
// not done, with a note naming how many of how many; none printed and some aborted → aborted.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import type { ReferenceLookups } from './references.ts';
import { applyImpositionResults, applyJobResults, PRINT_OPERATION, type OperationResult } from './results.ts';
import type { RecordEffect } from './recordEffect.ts';
import { anyText } from './sqlLists.ts';

export interface PrintOsRecord {
  id: number;
  impositionId: string;
  status: 'PRINTED' | 'ABORTED';
  completeTime: Date;
  copies: number | null;
}

interface Tally {
  job_id: string;
  total: number;
  printed: number;
  aborted: number;
}

export async function processPrintOsEvent(tx: Db, lookups: ReferenceLookups, event: PrintOsRecord): Promise<RecordEffect> {
  const jobs = await lookups.jobsOfImpositions([event.impositionId]);
  if (!jobs.ok) return { rejected: jobs.reason };
  const base = { operationId: PRINT_OPERATION, eventAt: event.completeTime, source: 'print_os' as const, sourceId: event.id };
  const printed = event.status === 'PRINTED';
  await applyImpositionResults(tx, [
    {
      ...base,
      target: event.impositionId,
      status: printed ? 'completed' : 'aborted',
      notes: printed ? `printed${event.copies !== null ? `, ${event.copies} copies` : ''}` : 'aborted on the press',
    },
  ]);
  const results = (await printTallies(tx, jobs.value)).flatMap((tally) => {
    const judged = judgePrint(tally);
    return judged ? [{ ...base, target: tally.job_id, ...judged }] : [];
  });
  return { jobsUpdated: await applyJobResults(tx, results) };
}

/** Per production job, its files across all its impositions: how many printed, how many aborted (and not printed since). */
async function printTallies(tx: Db, jobIds: string[]): Promise<Tally[]> {
  return query<Tally>(
    tx,
    sql`with files as (
          select f.job_id, f.file_id,
                 bool_or(o.status = 'completed') as printed,
                 bool_or(o.status = 'aborted') as aborted
          from imposition_files f
          left join imposition_operations o on o.imposition_id = f.imposition_id and o.operation_id = ${PRINT_OPERATION}
          where f.job_id = ${anyText(jobIds)}
          group by f.job_id, f.file_id
        )
        select job_id, count(*)::int as total,
               count(*) filter (where printed)::int as printed,
               count(*) filter (where aborted and not coalesce(printed, false))::int as aborted
        from files group by job_id order by job_id`,
  );
}

/** The seed's rules for a production job's print operation; null when nothing was printed or aborted. */
export function judgePrint({ total, printed, aborted }: { total: number; printed: number; aborted: number }): Pick<OperationResult, 'status' | 'notes'> | null {
  const abortedNote = aborted > 0 ? `, ${aborted} aborted` : '';
  if (printed === total) return { status: 'completed', notes: `all ${total} files printed` };
  if (printed > 0) return { status: 'partial', notes: `partial print: ${printed} of ${total} files printed${abortedNote}` };
  if (aborted > 0) return { status: 'aborted', notes: aborted === total ? `print aborted: all ${total} files aborted` : `print aborted: ${aborted} of ${total} files aborted, none printed` };
  return null;
}
