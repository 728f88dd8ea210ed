import type { MetricsPoint } from '../../services/engine/metrics/read.ts';
import { builder } from '../builder.ts';

const perMinute = (n: number, minutes: number) => (minutes > 0 ? n / minutes : 0);

export const JobMetricsRef = builder.objectRef<MetricsPoint>('JobMetrics').implement({
  description:
    'Jobs that finished in a span of minutes (a chart point, or a queue over a range), from the per-minute rollup the supervisor makes at each tick. Percentiles come from fixed buckets (5 ms to 1 h): each is within one bucket of the true value.',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: 'The start of the span' }),
    minutes: t.exposeInt('minutes', { description: 'How long the span is' }),
    queue: t.exposeString('queue', { nullable: true, description: 'Set on per-queue summaries' }),
    completed: t.exposeInt('completed'),
    failed: t.exposeInt('failed'),
    cancelled: t.exposeInt('cancelled'),
    completedPerMinute: t.float({ resolve: (m) => perMinute(m.completed, m.minutes) }),
    failedPerMinute: t.float({ resolve: (m) => perMinute(m.failed, m.minutes) }),
    waitP50Ms: t.exposeFloat('waitP50Ms', { nullable: true, description: 'Run-at to start, median; null when no job started' }),
    waitP95Ms: t.exposeFloat('waitP95Ms', { nullable: true }),
    runP50Ms: t.exposeFloat('runP50Ms', { nullable: true, description: 'Start to finish, median' }),
    runP95Ms: t.exposeFloat('runP95Ms', { nullable: true }),
  }),
});
