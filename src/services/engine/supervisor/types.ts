// What a supervisor tick is made of: tasks, each given the same context and returning counts.
import type { ServiceContext } from '../../context.ts';
import type { Actor } from '../types.ts';
import type { SupervisorSettings } from './settings.ts';

export const SUPERVISOR_ACTOR = 'supervisor';
/** The governor whose holder is the one process that ticks. */
export const HEARTBEAT_GOVERNOR = 'heartbeat';

export interface TaskContext {
  ctx: ServiceContext;
  settings: SupervisorSettings;
  by: Actor;
  /** When the previous tick started (any holder), or null for the first tick ever. */
  previousTickAt: Date | null;
}

/** What a task did, as counts (recovered: 2, dead: 0, ...). */
export type TaskCounts = Record<string, number>;

export type SupervisorTask = (task: TaskContext) => Promise<TaskCounts>;

/** One task's outcome in a tick: its counts, or the error that stopped it. */
export type TaskResult = { ok: true; durationMs: number; counts: TaskCounts } | { ok: false; durationMs: number; error: string };

export type TickTrigger = 'schedule' | 'manual';

export interface SupervisorTick {
  id: number;
  holder: string;
  trigger: TickTrigger;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  /** Per task (the tasks run in SUPERVISOR_TASKS order; jsonb does not keep key order). */
  results: Record<string, TaskResult>;
}
