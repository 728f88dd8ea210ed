// The seed's ArbitrationMaintenance.runAll(): finds stuck scans (Pending longer than
// printStuckAfterMs), stuck slices (Pending in a lane that is not paused for longer than that),
// a stuck print cycle, and Queued rows with no cycle to print them. Each finding is an alert
// (one open alert per finding, resolved when it clears); rows without a cycle get one requested.
// Then it purges finished scan trees past retentionPrintScansDays (purgeFinishedScans.ts).
// A dry run returns the findings and what the purge would delete, and changes nothing.
import { sql } from 'drizzle-orm';
import { query } from '../../db/client.ts';
import type { ServiceContext } from '../context.ts';
import { raiseAlert, resolveAlertsExcept, type AlertTarget } from '../engine/alerts.ts';
import type { Actor } from '../engine/types.ts';
import { auditOperation } from './audit.ts';
import { stuckReason } from './detectStuckPrinter.ts';
import { printableBacklog } from './cycle.ts';
import { PRINT_GOVERNOR, laneQueue, LANES } from './model.ts';
import { countPurgeableScans, purgeFinishedScans, type PrintPurgeCounts } from './purgeFinishedScans.ts';
import { getPrintGovernor } from './printGovernor.ts';
import { requestPrintCycle } from './requestPrintCycle.ts';

export interface MaintenanceFinding {
  kind: 'print.stuckScan' | 'print.stuckSlice' | 'print.stuckPrinter' | 'print.rowsWithoutCycle';
  targetType: string;
  targetId: string;
  message: string;
}

export interface MaintenanceReport {
  dryRun: boolean;
  findings: MaintenanceFinding[];
  /** A print cycle was requested for rows no cycle would print. */
  cycleRequested: boolean;
  /** Finished scan trees purged by retention (in a dry run: all that would be). */
  purged: PrintPurgeCounts;
}

const KINDS: MaintenanceFinding['kind'][] = ['print.stuckScan', 'print.stuckSlice', 'print.stuckPrinter', 'print.rowsWithoutCycle'];

export async function findMaintenanceIssues(ctx: ServiceContext): Promise<MaintenanceFinding[]> {
  const stuckMs = ctx.settings.printStuckAfterMs;
  const [scans, slices, governor, backlog, liveCycles] = await Promise.all([
    query<{ id: number; created_at: string }>(
      ctx.db,
      sql`select id, created_at from print_scans where status = 'pending' and created_at < now() - ${stuckMs} * interval '1 millisecond' order by id limit 100`,
    ),
    query<{ id: number; scan_id: number; lane: string }>(
      ctx.db,
      sql`select s.id, s.scan_id, s.lane from print_slices s
          where s.status = 'pending' and s.created_at < now() - ${stuckMs} * interval '1 millisecond'
            and s.lane not in (select substr(q.name, 7) from queues q where q.paused and q.name in (${sql.join(LANES.map((lane) => sql`${laneQueue(lane)}`), sql`, `)}))
          order by s.id limit 100`,
    ),
    getPrintGovernor(ctx.db),
    printableBacklog(ctx.db),
    // A cycle job running counts even when it does not hold the governor (an operator
    // force-released it): asking for another would print beside it.
    query<{ n: number }>(ctx.db, sql`select count(*)::int as n from jobs where governor_key = ${PRINT_GOVERNOR} and status in ('queued', 'running')`),
  ]);
  const findings: MaintenanceFinding[] = [
    ...scans.map((scan) => ({ kind: 'print.stuckScan' as const, targetType: 'printScan', targetId: String(scan.id), message: `scan ${scan.id} has been Pending since ${new Date(scan.created_at).toISOString()}: its scan job has not run` })),
    ...slices.map((slice) => ({ kind: 'print.stuckSlice' as const, targetType: 'printSlice', targetId: String(slice.id), message: `slice ${slice.id} of scan ${slice.scan_id} has waited too long in the ${slice.lane} lane, which is not paused` })),
  ];
  const printer = stuckReason(governor.currentCycle, governor.holder, stuckMs);
  if (printer) findings.push({ kind: 'print.stuckPrinter', targetType: 'governor', targetId: PRINT_GOVERNOR, message: `the print cycle is stuck: ${printer}` });
  if (backlog.ready > 0 && !governor.isPrinting && !governor.pendingPrintCycle && liveCycles[0]!.n === 0) {
    findings.push({ kind: 'print.rowsWithoutCycle', targetType: 'governor', targetId: PRINT_GOVERNOR, message: `${backlog.ready} rows are Queued and no print cycle is running or scheduled` });
  }
  return findings;
}

/** `quietWhenHealthy`: the maintenance schedule's calls leave no history entry when nothing is found. */
export async function runPrintMaintenance(ctx: ServiceContext, options: { dryRun: boolean; quietWhenHealthy?: boolean }, by: Actor): Promise<MaintenanceReport> {
  const findings = await findMaintenanceIssues(ctx);
  const audit = (cycleRequested: boolean, purged: PrintPurgeCounts) =>
    findings.length > 0 || !options.quietWhenHealthy
      ? auditOperation(ctx, by, 'runPrintMaintenance', { type: 'printPipeline', id: 'maintenance' }, { dryRun: options.dryRun, findings: findings.map((f) => `${f.kind} ${f.targetId}`), cycleRequested, purged })
      : Promise.resolve();
  if (options.dryRun) {
    const purged = await countPurgeableScans(ctx);
    await audit(false, purged);
    return { dryRun: true, findings, cycleRequested: false, purged };
  }
  for (const finding of findings) {
    await raiseAlert(ctx, { kind: finding.kind, severity: finding.kind === 'print.stuckPrinter' ? 'critical' : 'warning', targetType: finding.targetType, targetId: finding.targetId, message: finding.message }, by);
  }
  for (const kind of KINDS) {
    const still: AlertTarget[] = findings.filter((f) => f.kind === kind).map((f) => ({ targetType: f.targetType, targetId: f.targetId }));
    await resolveAlertsExcept(ctx, kind, still, by);
  }
  const cycleRequested = findings.some((f) => f.kind === 'print.rowsWithoutCycle');
  if (cycleRequested) await requestPrintCycle(ctx, { actor: by.actor, reason: 'maintenance: queued rows without a cycle' });
  const purged = await purgeFinishedScans(ctx, by);
  await audit(cycleRequested, purged);
  return { dryRun: false, findings, cycleRequested, purged };
}
