// Pulls every type and field into the builder and builds the schema: imports only.
import './scalars.ts';
import './errors.ts';
import './history.ts';
import './queue.ts';
import './governor.ts';
import './worker.ts';
import './job.ts';
import './jobFilter.ts';
import '../resolvers/jobQueries.ts';
import '../resolvers/engineQueries.ts';
import '../resolvers/jobMutations.ts';
import '../resolvers/queueMutations.ts';
import '../resolvers/governorMutations.ts';
import '../resolvers/subscriptions.ts';
import '../resolvers/supervisor.ts';
import '../resolvers/settings.ts';
import '../resolvers/schedules.ts';
import '../resolvers/alerts.ts';
import { builder } from './builder.ts';

export const schema = builder.toSchema({ sortSchema: true });
