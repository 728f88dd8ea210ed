// Job metrics over time: the per-minute rollup, as chart points.
import { InvalidInputError } from '../../services/errors.ts';
import { MAX_POINTS, metricsSeries } from '../../services/engine/metrics/read.ts';
import { builder } from '../../schema/builder.ts';
import { JobMetricsRef } from '../../schema/engine/metrics.ts';

builder.queryFields((t) => ({
  jobMetrics: t.field({
    type: [JobMetricsRef],
    description: `Finished jobs per step of stepMinutes from \`from\` to \`to\` (default now), all queues and kinds or one of each; at most ${MAX_POINTS} points.`,
    authScopes: { viewer: true },
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: false }),
      queue: t.arg.string({ required: false }),
      kind: t.arg.string({ required: false }),
      stepMinutes: t.arg.int({ required: false, defaultValue: 1 }),
    },
    resolve: (_root, args, context) => {
      const to = args.to ?? new Date();
      const step = args.stepMinutes ?? 1;
      if (!Number.isInteger(step) || step < 1 || step > MAX_POINTS) throw new InvalidInputError([{ path: 'stepMinutes', message: `must be 1 to ${MAX_POINTS}` }]);
      if (args.from >= to) throw new InvalidInputError([{ path: 'from', message: 'must be before to' }]);
      if ((to.getTime() - args.from.getTime()) / (step * 60_000) > MAX_POINTS) {
        throw new InvalidInputError([{ path: 'stepMinutes', message: `the range holds more than ${MAX_POINTS} steps: take a longer step` }]);
      }
      return metricsSeries(context.services.db, { from: args.from, to, queue: args.queue ?? undefined, kind: args.kind ?? undefined }, step);
    },
  }),
}));
