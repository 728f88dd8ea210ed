// Metrics heard on the event bus: jobs finishing anywhere in the system,
// supervisor ticks, the bus's lag (a job change to its event here) and whether it is up.
import type { EventBus } from '../services/events.ts';
import { eventBusLag, eventBusUp, jobsFinished, supervisorTick } from './index.ts';

const FINISHED = new Set(['completed', 'failed', 'cancelled']);
const measured = new WeakSet<EventBus>();

/** Listens once per bus for as long as the process lives. */
export function measureEvents(bus: EventBus): void {
  if (measured.has(bus)) return;
  measured.add(bus);
  bus.subscribe('job:updated', (job) => {
    eventBusLag.observe(Math.max(0, Date.now() - Date.parse(job.updatedAt)) / 1_000);
    if (FINISHED.has(job.status)) jobsFinished.inc({ queue: job.queue, kind: job.kind, status: job.status });
  });
  bus.subscribe('supervisor:tick', ({ tick }) => supervisorTick.observe(tick.durationMs / 1_000));
  eventBusUp.set(bus.status?.up === false ? 0 : 1);
  bus.status?.onChange((up) => eventBusUp.set(up ? 1 : 0));
}
