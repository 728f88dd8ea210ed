// Support staff paste whatever they have: a global id, the numeric id, or the run id.
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { ApiContext } from '../../api/context.ts';
import { NotFoundError } from '../../services/errors.ts';
import { getJobByRunId } from '../../services/engine/jobs/read.ts';

export async function jobIdFrom(context: ApiContext, value: string): Promise<number> {
  // More digits than an id can have: no such job (tried as a run id below), not a database error.
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  try {
    const { typename, id } = decodeGlobalID(value);
    if (typename === 'Job' && /^\d+$/.test(id) && Number.isSafeInteger(Number(id))) return Number(id);
  } catch {
    // not a global id: try it as a run id
  }
  try {
    return (await getJobByRunId(context.services.db, value)).id;
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError('job', value);
    throw error;
  }
}
