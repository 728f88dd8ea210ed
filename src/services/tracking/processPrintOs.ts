// Print OS events' effects (seed 001 §2.1, §3.3): imposition → files → production jobs; the
// imposition's print operation takes the event's status, and each of its production jobs is
// judged across all its files in all its impositions: all printed → print done; some printed →
// not done, with a note naming how many of how many; none printed and some aborted → aborted.
// Planned for a whole batch: the production jobs' files are read once, and each event's tallies
// are counted in memory on the batch's state, so an event sees the impositions the events before
// it in the batch printed or aborted.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { PRINT_OPERATION, type OperationResult } from './conflicts.ts';
import type { BatchState } from './operationStates.ts';
import type { RecordEffect } from './recordEffect.ts';
import type { ReferenceLookups } from './references.ts';
import { anyText } from './sqlLists.ts';
import type { OperationStatus } from './types.ts';

export interface PrintOsRecord {
  id: number;
  impositionId: string;
  status: 'PRINTED' | 'ABORTED';
  completeTime: Date;
  copies: number | null;
}

/** A file of a production job on one imposition, with that imposition's print status when the batch began. */
interface JobFile {
  file_id: string;
  imposition_id: string;
  status: OperationStatus | null;
}

export async function planPrintOsBatch(tx: Db, lookups: ReferenceLookups, events: PrintOsRecord[]): Promise<RecordEffect[]> {
  await lookups.loadImpositions(events.map((e) => e.impositionId));
  const jobsOf = await Promise.all(events.map((e) => lookups.jobsOfImposition(e.impositionId)));
  const accepted = new Set(events.filter((_, i) => jobsOf[i]!.ok).map((e) => e.impositionId));
  const files = await filesOfJobs(tx, [...new Set(jobsOf.flatMap((jobs) => (jobs.ok ? jobs.value : [])))]);
  // An imposition of the batch has its status in the batch's state; any other, as read.
  const printStatus = (state: BatchState, file: JobFile) =>
    accepted.has(file.imposition_id) ? state.impositions.statusOf(file.imposition_id, PRINT_OPERATION) : file.status;
  return events.map((event, i): RecordEffect => {
    const jobs = jobsOf[i]!;
    if (!jobs.ok) return { rejected: jobs.reason };
    const jobIds = [...jobs.value].sort();
    const base = { operationId: PRINT_OPERATION, eventAt: event.completeTime, source: 'print_os' as const, sourceId: event.id };
    const printed = event.status === 'PRINTED';
    const impositionResult: OperationResult = {
      ...base,
      target: event.impositionId,
      status: printed ? 'completed' : 'aborted',
      notes: printed ? `printed${event.copies !== null ? `, ${event.copies} copies` : ''}` : 'aborted on the press',
    };
    return {
      keys: { imposition: [impositionResult], job: jobIds.map((target) => ({ target, operationId: PRINT_OPERATION })) },
      apply(state) {
        state.impositions.apply([impositionResult]);
        const results = jobIds.flatMap((target) => {
          const judged = judgePrint(tally(files.get(target) ?? [], (file) => printStatus(state, file)));
          return judged ? [{ ...base, target, ...judged }] : [];
        });
        return state.applyJobResults(results);
      },
    };
  });
}

/** Every file of the production jobs, on every imposition that holds it. */
async function filesOfJobs(tx: Db, jobIds: string[]): Promise<Map<string, JobFile[]>> {
  const byJob = new Map<string, JobFile[]>();
  if (jobIds.length === 0) return byJob;
  const rows = await query<JobFile & { job_id: string }>(
    tx,
    sql`select f.job_id, f.file_id, f.imposition_id, o.status
        from imposition_files f
        left join imposition_operations o on o.imposition_id = f.imposition_id and o.operation_id = ${PRINT_OPERATION}
        where f.job_id = ${anyText(jobIds)}`,
  );
  for (const { job_id, ...file } of rows) {
    const list = byJob.get(job_id);
    if (list) list.push(file);
    else byJob.set(job_id, [file]);
  }
  return byJob;
}

/** A production job's files: how many, how many printed (on any imposition), how many aborted and not printed since. */
function tally(files: JobFile[], statusOf: (file: JobFile) => OperationStatus | null) {
  const byFile = new Map<string, { printed: boolean; aborted: boolean }>();
  for (const file of files) {
    const status = statusOf(file);
    const seen = byFile.get(file.file_id) ?? { printed: false, aborted: false };
    byFile.set(file.file_id, { printed: seen.printed || status === 'completed', aborted: seen.aborted || status === 'aborted' });
  }
  const counts = { total: byFile.size, printed: 0, aborted: 0 };
  for (const { printed, aborted } of byFile.values()) {
    if (printed) counts.printed++;
    else if (aborted) counts.aborted++;
  }
  return counts;
}

/** The seed's rules for a production job's print operation; null when nothing was printed or aborted. */
export function judgePrint({ total, printed, aborted }: { total: number; printed: number; aborted: number }): Pick<OperationResult, 'status' | 'notes'> | null {
  const abortedNote = aborted > 0 ? `, ${aborted} aborted` : '';
  if (printed === total) return { status: 'completed', notes: `all ${total} files printed` };
  if (printed > 0) return { status: 'partial', notes: `partial print: ${printed} of ${total} files printed${abortedNote}` };
  if (aborted > 0) return { status: 'aborted', notes: aborted === total ? `print aborted: all ${total} files aborted` : `print aborted: ${aborted} of ${total} files aborted, none printed` };
  return null;
}
