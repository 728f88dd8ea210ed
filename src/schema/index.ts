// Pulls every type and field into the builder and builds the schema: imports only.
import './scalars.ts';
import './errors.ts';
import './engine/history.ts';
import './engine/queue.ts';
import './engine/governor.ts';
import './engine/worker.ts';
import './engine/job.ts';
import './engine/jobFilter.ts';
import './engine/kind.ts';
import '../resolvers/engine/jobQueries.ts';
import '../resolvers/engine/engineQueries.ts';
import '../resolvers/engine/jobMutations.ts';
import '../resolvers/engine/enqueueJobs.ts';
import '../resolvers/engine/queueMutations.ts';
import '../resolvers/engine/governorMutations.ts';
import '../resolvers/engine/subscriptions.ts';
import '../resolvers/engine/supervisor.ts';
import '../resolvers/engine/settings.ts';
import '../resolvers/engine/schedules.ts';
import '../resolvers/engine/alerts.ts';
import '../resolvers/engine/kinds.ts';
import '../resolvers/print/queries.ts';
import '../resolvers/print/pipelineMutations.ts';
import '../resolvers/print/recoveryMutations.ts';
import '../resolvers/print/subscriptions.ts';
import { builder } from './builder.ts';

export const schema = builder.toSchema({ sortSchema: true });
