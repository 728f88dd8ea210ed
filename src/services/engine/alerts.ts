// Alerts: raised by the supervisor (stuck work, ...) with a severity, a target and a message.
// One OPEN alert per (kind, target), enforced by a partial unique index: raising it again while
// open only bumps its last-seen time, so a job stuck for an hour is one alert, not one per tick.
// An alert stays open until the condition clears (resolveAlertsExcept); an operator acknowledges it.
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { storableJson } from '../storableJson.ts';
import { query, type Db } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { appendHistory } from './history.ts';
import type { Actor, Json } from './types.ts';
import { parseInput } from '../validate.ts';
import { dateOrNull } from './rows.ts';

type Row = Record<string, unknown>;

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface Alert {
  id: number;
  kind: string;
  severity: AlertSeverity;
  targetType: string;
  targetId: string;
  message: string;
  details: Json | null;
  raisedAt: Date;
  /** Bumped each time the condition is seen again while the alert is open. */
  lastSeenAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  /** Set when the condition cleared; null while the alert is open. */
  resolvedAt: Date | null;
}


export function alertFromRow(r: Row): Alert {
  return {
    id: Number(r.id),
    kind: r.kind as string,
    severity: r.severity as AlertSeverity,
    targetType: r.target_type as string,
    targetId: r.target_id as string,
    message: r.message as string,
    details: (r.details as Json | null) ?? null,
    raisedAt: new Date(r.raised_at as string),
    lastSeenAt: new Date(r.last_seen_at as string),
    acknowledgedAt: dateOrNull(r.acknowledged_at),
    acknowledgedBy: (r.acknowledged_by as string | null) ?? null,
    resolvedAt: dateOrNull(r.resolved_at),
  };
}

const raiseInput = z
  .object({
    kind: z.string().min(1).max(100),
    severity: z.enum(ALERT_SEVERITIES),
    targetType: z.string().min(1).max(100),
    targetId: z.string().min(1).max(200),
    message: z.string().min(1).max(2000),
    details: storableJson.nullable().optional(),
  })
  .strict();

export type RaiseAlertInput = z.input<typeof raiseInput>;

export interface AlertTarget {
  targetType: string;
  targetId: string;
}

/**
 * Opens an alert for (kind, target), or, when one is open already, only bumps its last-seen time
 * (`created: false`; no history entry and no event, so that a condition seen on every tick stays
 * one alert). Race-free: concurrent raises meet on the partial unique index.
 */
export async function raiseAlert(ctx: ServiceContext, input: RaiseAlertInput, by: Actor): Promise<{ alert: Alert; created: boolean }> {
  const parsed = parseInput(raiseInput, input);
  return inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Row>(
      tx,
      sql`insert into alerts (kind, severity, target_type, target_id, message, details)
          values (${parsed.kind}, ${parsed.severity}, ${parsed.targetType}, ${parsed.targetId}, ${parsed.message},
                  ${parsed.details === undefined || parsed.details === null ? null : JSON.stringify(parsed.details)}::jsonb)
          on conflict (kind, target_type, target_id) where resolved_at is null
          do update set last_seen_at = now()
          returning *, (xmax = 0) as created`,
    );
    const alert = alertFromRow(row!);
    const created = Boolean(row!.created);
    if (created) {
      await appendHistory(tx, emit, [
        {
          actor: by.actor,
          operation: 'raise',
          targetType: 'alert',
          targetId: String(alert.id),
          after: { kind: alert.kind, severity: alert.severity, targetType: alert.targetType, targetId: alert.targetId, message: alert.message },
          reason: by.reason,
        },
      ]);
      emit('alert:raised', { alert });
    }
    return { alert, created };
  });
}

/**
 * Resolves the open alerts of `kind` whose target is not among `stillBadTargets`: the condition
 * that raised them has cleared. Returns the alerts resolved.
 */
export async function resolveAlertsExcept(ctx: ServiceContext, kind: string, stillBadTargets: AlertTarget[], by: Actor): Promise<Alert[]> {
  const stillBad = JSON.stringify(stillBadTargets.map((t) => ({ target_type: t.targetType, target_id: t.targetId })));
  return inTransaction(ctx, async (tx, emit) => {
    const rows = await query<Row>(
      tx,
      sql`update alerts set resolved_at = now()
          where kind = ${kind} and resolved_at is null
            and (target_type, target_id) not in (
              select target_type, target_id from jsonb_to_recordset(${stillBad}::jsonb) as x(target_type text, target_id text))
          returning *`,
    );
    const resolved = rows.map(alertFromRow).sort((a, b) => a.id - b.id);
    await appendHistory(
      tx,
      emit,
      resolved.map((alert) => ({
        actor: by.actor,
        operation: 'resolve',
        targetType: 'alert',
        targetId: String(alert.id),
        before: { open: true },
        after: { open: false, kind: alert.kind, targetType: alert.targetType, targetId: alert.targetId },
        reason: by.reason,
      })),
    );
    for (const alert of resolved) emit('alert:updated', { alert });
    return resolved;
  });
}

/** Records that an operator has seen the alert; it stays open until its condition clears. */
export async function acknowledgeAlert(ctx: ServiceContext, id: number, by: Actor): Promise<Alert> {
  parseInput(z.number().int().positive(), id);
  return inTransaction(ctx, async (tx, emit) => {
    const [row] = await query<Row>(
      tx,
      sql`update alerts set acknowledged_at = now(), acknowledged_by = ${by.actor}
          where id = ${id} and acknowledged_at is null
          returning *`,
    );
    if (!row) {
      // Acknowledged already (nothing changes), or not there at all.
      const [existing] = await query<Row>(tx, sql`select * from alerts where id = ${id}`);
      if (!existing) throw new NotFoundError('alert', String(id));
      return alertFromRow(existing);
    }
    const alert = alertFromRow(row);
    await appendHistory(tx, emit, [
      {
        actor: by.actor,
        operation: 'acknowledge',
        targetType: 'alert',
        targetId: String(id),
        before: { acknowledged: false },
        after: { acknowledged: true, kind: alert.kind, targetType: alert.targetType, targetId: alert.targetId },
        reason: by.reason,
      },
    ]);
    emit('alert:updated', { alert });
    return alert;
  });
}

export interface AlertFilter {
  /** true: open alerts only; false: resolved only; unset: both. */
  open?: boolean | null;
  kind?: string | null;
}

export interface AlertPage {
  alerts: Alert[];
  /** Pass as `before` for the next (older) page; null at the end. */
  nextCursor: number | null;
}

/** Newest first, keyset-paginated on id. */
export async function listAlerts(db: Db, options: AlertFilter & { first: number; before?: number | null }): Promise<AlertPage> {
  const conditions: SQL[] = [sql`true`];
  if (options.open === true) conditions.push(sql`resolved_at is null`);
  if (options.open === false) conditions.push(sql`resolved_at is not null`);
  if (options.kind) conditions.push(sql`kind = ${options.kind}`);
  if (options.before) conditions.push(sql`id < ${options.before}`);
  const rows = await query<Row>(db, sql`select * from alerts where ${sql.join(conditions, sql` and `)} order by id desc limit ${options.first + 1}`);
  const alerts = rows.slice(0, options.first).map(alertFromRow);
  return { alerts, nextCursor: rows.length > options.first ? (alerts.at(-1)?.id ?? null) : null };
}

export async function getAlerts(db: Db, ids: number[]): Promise<Alert[]> {
  if (ids.length === 0) return [];
  const rows = await query<Row>(
    db,
    sql`select * from alerts where id in (select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::bigint) order by id`,
  );
  return rows.map(alertFromRow);
}

export async function getAlert(db: Db, id: number): Promise<Alert> {
  const [alert] = await getAlerts(db, [id]);
  if (!alert) throw new NotFoundError('alert', String(id));
  return alert;
}
