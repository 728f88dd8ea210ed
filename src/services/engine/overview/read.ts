// What the dashboard's overview shows, read in one go: queues with their stats, workers,
// governors, the supervisor and its last ticks, open alerts, and job metrics (the last 15
// minutes per queue, the last hour by the minute). A fixed number of statements, whoever reads it.
import type { Db } from '../../../db/client.ts';
import { listAlerts, type Alert } from '../alerts.ts';
import { listGovernors } from '../governors.ts';
import { metricsByQueue, metricsSeries, type MetricsPoint } from '../metrics/read.ts';
import { listQueues } from '../queues.ts';
import type { SupervisorSettings } from '../supervisor/settings.ts';
import { getSupervisorState, type SupervisorState } from '../supervisor/state.ts';
import { listSupervisorTicks } from '../supervisor/tick.ts';
import type { SupervisorTick } from '../supervisor/types.ts';
import type { Governor, Queue, QueueStats, Worker } from '../types.ts';
import { listWorkers } from '../workers.ts';

export interface Overview {
  at: Date;
  queues: Queue[];
  /** The stats of `queues`, in the same order. */
  stats: QueueStats[];
  workers: Worker[];
  governors: Governor[];
  supervisor: SupervisorState;
  lastTicks: SupervisorTick[];
  openAlerts: Alert[];
  queueMetrics: MetricsPoint[];
  lastHour: MetricsPoint[];
}

export interface OverviewSources {
  db: Db;
  /** Queue stats as the API counts them (finished counts cached per process). */
  statsOfQueues: (names: readonly string[]) => Promise<QueueStats[]>;
  settings: () => Pick<SupervisorSettings, 'supervisorIntervalMs'>;
}

export const OVERVIEW_TICKS = 5;
export const OVERVIEW_ALERTS = 50;
const QUEUE_METRICS_MINUTES = 15;

export async function readOverview({ db, statsOfQueues, settings }: OverviewSources): Promise<Overview> {
  const at = new Date();
  const minute = Math.floor(at.getTime() / 60_000) * 60_000;
  const to = new Date(minute + 60_000);
  const queues = await listQueues(db);
  const [stats, workers, governors, supervisor, lastTicks, alerts, queueMetrics, lastHour] = await Promise.all([
    statsOfQueues(queues.map((queue) => queue.name)),
    listWorkers(db),
    listGovernors(db),
    getSupervisorState(db, settings()),
    listSupervisorTicks(db, OVERVIEW_TICKS),
    listAlerts(db, { open: true, first: OVERVIEW_ALERTS }),
    metricsByQueue(db, { from: new Date(to.getTime() - QUEUE_METRICS_MINUTES * 60_000), to }),
    metricsSeries(db, { from: new Date(to.getTime() - 60 * 60_000), to }, 1),
  ]);
  return { at, queues, stats, workers, governors, supervisor, lastTicks, openAlerts: alerts.alerts, queueMetrics, lastHour };
}
