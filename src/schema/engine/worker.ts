import type { Worker } from '../../services/engine/types.ts';
import { builder } from '../builder.ts';

export const WorkerRef = builder.objectRef<Worker>('Worker').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    host: t.exposeString('host'),
    pid: t.exposeInt('pid'),
    queues: t.exposeStringList('queues', { nullable: true, description: 'null: all queues' }),
    concurrency: t.exposeInt('concurrency'),
    kinds: t.exposeStringList('kinds', { description: 'The job kinds it has handlers for' }),
    status: t.exposeString('status', { description: 'running, stopping, stopped or dead' }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
    stoppedAt: t.expose('stoppedAt', { type: 'DateTime', nullable: true }),
  }),
});
