// Alerts: read them (a connection, newest first), acknowledge one, follow them live.
import { actorOf } from '../../api/context.ts';
import { ALERT_SEVERITIES, acknowledgeAlert, getAlerts, listAlerts, type Alert } from '../../services/engine/alerts.ts';
import { InvalidInputError, NotFoundError } from '../../services/errors.ts';
import { builder } from '../../schema/builder.ts';
import { commonErrors } from '../../schema/errors.ts';
import { connectionOf, forwardPage } from '../../schema/pagination.ts';
import { live, snapshotSize } from './liveSubscription.ts';

const AlertSeverityEnum = builder.enumType('AlertSeverity', { values: ALERT_SEVERITIES });

export const AlertRef = builder.objectRef<Alert>('Alert').implement({
  description: 'Raised by the supervisor (stuck work, ...): one open alert per kind and target, until the condition clears.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.exposeString('kind', { description: 'What was detected, e.g. job.stuck' }),
    severity: t.expose('severity', { type: AlertSeverityEnum }),
    targetType: t.exposeString('targetType'),
    targetId: t.exposeString('targetId'),
    message: t.exposeString('message'),
    details: t.expose('details', { type: 'JSON', nullable: true }),
    raisedAt: t.expose('raisedAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime', description: 'The last time the condition was seen while open' }),
    acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true }),
    acknowledgedBy: t.exposeString('acknowledgedBy', { nullable: true }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true, description: 'When the condition cleared; null while open' }),
    open: t.boolean({ resolve: (alert) => alert.resolvedAt === null }),
  }),
});

const AlertFilterInput = builder.inputType('AlertFilter', {
  fields: (t) => ({
    open: t.boolean({ required: false, description: 'true: open alerts only; false: resolved only' }),
    kind: t.string({ required: false }),
  }),
});

builder.queryFields((t) => ({
  alerts: t.connection({
    type: AlertRef,
    description: 'Alerts, newest first.',
    authScopes: { viewer: true },
    args: { filter: t.arg({ type: AlertFilterInput, required: false }) },
    resolve: async (_root, args, context) => {
      const page = forwardPage(args);
      const { alerts } = await listAlerts(context.services.db, {
        open: args.filter?.open ?? null,
        kind: args.filter?.kind ?? null,
        first: page.first + 1,
        before: page.after,
      });
      return connectionOf(alerts, page, (alert) => alert.id);
    },
  }),
}));

builder.mutationFields((t) => ({
  acknowledgeAlert: t.field({
    type: AlertRef,
    description: 'Records that an operator has seen the alert; it stays open until its condition clears.',
    authScopes: { operator: true },
    errors: { types: [...commonErrors, NotFoundError] },
    args: { id: t.arg.id({ required: true }), reason: t.arg.string({ required: false }) },
    resolve: (_root, args, context) => {
      const id = Number(args.id);
      if (!Number.isSafeInteger(id) || id <= 0) throw new InvalidInputError([{ path: 'id', message: 'an alert id is a positive integer' }]);
      return acknowledgeAlert(context.services, id, actorOf(context, args.reason));
    },
  }),
}));

builder.subscriptionFields((t) => ({
  alerts: t.field({
    type: [AlertRef],
    description:
      'The open alerts as they are now (newest first, up to `first`), then each alert raised, acknowledged or resolved, as it is after the change.',
    authScopes: { viewer: true },
    args: {
      kind: t.arg.string({ required: false }),
      first: t.arg.int({ required: false, description: 'How many open alerts the first message holds at most (default 100, at most 500).' }),
    },
    subscribe: async (_root, args, context) => {
      const first = snapshotSize(args.first, 100);
      return live<Alert[]>(context, async function* ({ wakeup, listen, listening }) {
        const changed = new Set<number>();
        const note = ({ alert }: { alert: Alert }) => (!args.kind || alert.kind === args.kind) && Boolean(changed.add(Number(alert.id)));
        listen('alert:raised', note);
        listen('alert:updated', note);
        await listening();

        const { alerts } = await listAlerts(context.services.db, { open: true, kind: args.kind ?? null, first });
        // What changed before the snapshot was read is in it already, as it is now.
        const seen = new Map(alerts.map((alert) => [alert.id, JSON.stringify(alert)]));
        yield alerts;

        while (await wakeup.wait()) {
          const ids = [...changed].sort((a, b) => a - b);
          changed.clear();
          const loaded = (await getAlerts(context.services.db, ids)).filter((alert) => {
            const state = JSON.stringify(alert);
            if (seen.get(alert.id) === state) return false;
            seen.set(alert.id, state);
            return true;
          });
          if (loaded.length > 0) yield loaded;
        }
      });
    },
    resolve: (alerts) => alerts,
  }),
}));
