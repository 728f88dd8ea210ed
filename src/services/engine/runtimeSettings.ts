// Runtime settings in the database: defaults merged with the stored values, versioned changes
// recorded in the history, and every process's ServiceContext.settings following them.
//
// A change validates the whole result first (so a bad value changes nothing), then writes each
// changed key with its version + 1, one history entry per key, and publishes 'settings:updated'
// with the new settings. Rows are never deleted: the sum of their versions (the revision) only
// grows, so a process applies an event only when it is newer than what it has.
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../db/client.ts';
import { inTransaction, type ServiceContext } from '../context.ts';
import { appendHistory } from './history.ts';
import {
  DEFAULT_RUNTIME_SETTINGS,
  SETTING_DESCRIPTIONS,
  SETTING_KEYS,
  engineSettingsFrom,
  runtimeSettingsSchema,
  settingShape,
  settingsPatchSchema,
  type RuntimeSettings,
  type SettingKey,
  type SettingsPatch,
} from './settings.ts';
import type { Actor, Json } from './types.ts';
import { parseInput } from '../validate.ts';

export { DEFAULT_RUNTIME_SETTINGS, SETTING_KEYS, type RuntimeSettings, type SettingKey, type SettingsPatch } from './settings.ts';

export interface SettingEntry {
  key: SettingKey;
  /** The value in force: the stored one, or the default. */
  value: Json;
  default: Json;
  /** 0 while the default is in force; each change adds 1. */
  version: number;
  updatedBy: string | null;
  updatedAt: Date | null;
  description: string;
}

export interface SettingsUpdate {
  settings: SettingEntry[];
  /** The keys whose value changed (a key set to the value it had is not a change). */
  changed: SettingKey[];
}

interface StoredRow {
  value: Json;
  version: number;
  updatedBy: string;
  updatedAt: Date;
}

interface Stored {
  /** The valid stored values; a stored value that no longer passes its schema is ignored. */
  values: Partial<RuntimeSettings>;
  rows: Map<SettingKey, StoredRow>;
  revision: number;
}

async function readStored(db: Db): Promise<Stored> {
  const rows = await query<{ key: string; value: unknown; version: number | string; updated_by: string; updated_at: Date | string }>(
    db,
    sql`select key, value, version, updated_by, updated_at from settings`,
  );
  const stored: Stored = { values: {}, rows: new Map(), revision: 0 };
  for (const row of rows) {
    stored.revision += Number(row.version);
    if (!(row.key in settingShape)) continue;
    const key = row.key as SettingKey;
    const parsed = settingShape[key].safeParse(row.value);
    if (!parsed.success) continue;
    (stored.values as Record<string, unknown>)[key] = parsed.data;
    stored.rows.set(key, { value: parsed.data as Json, version: Number(row.version), updatedBy: row.updated_by, updatedAt: new Date(row.updated_at) });
  }
  return stored;
}

const merge = (defaults: RuntimeSettings, values: Partial<RuntimeSettings>): RuntimeSettings => structuredClone({ ...defaults, ...values });

function entries(defaults: RuntimeSettings, stored: Stored): SettingEntry[] {
  const settings = merge(defaults, stored.values);
  return SETTING_KEYS.map((key) => {
    const row = stored.rows.get(key);
    return {
      key,
      value: settings[key] as Json,
      default: structuredClone(defaults[key]) as Json,
      version: row?.version ?? 0,
      updatedBy: row?.updatedBy ?? null,
      updatedAt: row?.updatedAt ?? null,
      description: SETTING_DESCRIPTIONS[key],
    };
  });
}

/** The settings in force: `defaults` (the built-in ones, or a process's env-derived ones) with the stored values over them. */
export async function getSettings(db: Db, defaults: RuntimeSettings = DEFAULT_RUNTIME_SETTINGS): Promise<RuntimeSettings> {
  return merge(defaults, (await readStored(db)).values);
}

/** Each setting with its value, default and version, in a stable order. */
export async function listSettings(db: Db, defaults: RuntimeSettings = DEFAULT_RUNTIME_SETTINGS): Promise<SettingEntry[]> {
  return entries(defaults, await readStored(db));
}

/**
 * Changes settings. The whole result is validated first: a bad value (or a rule between settings
 * broken) is refused with an InvalidInputError naming the key, and nothing is changed, not even
 * the good keys of the same patch. `defaultBackoff` may be given in part.
 */
export async function updateSettings(ctx: ServiceContext, patch: SettingsPatch, by: Actor): Promise<SettingsUpdate> {
  const changes = parseInput(settingsPatchSchema, patch);
  const state = stateOf(ctx);
  const defaults = state.defaults;
  const outcome = await inTransaction(ctx, async (tx, emit) => {
    // One change at a time: each validates against the settings the previous one left.
    await tx.execute(sql`lock table settings in exclusive mode`);
    const stored = await readStored(tx);
    const current = merge(defaults, stored.values);
    const next = parseInput(runtimeSettingsSchema, {
      ...current,
      ...changes,
      defaultBackoff: { ...current.defaultBackoff, ...changes.defaultBackoff },
    });
    const changed = SETTING_KEYS.filter((key) => key in changes && canonical(current[key]) !== canonical(next[key]));
    if (changed.length === 0) return { stored, changed };
    for (const key of changed) {
      await tx.execute(
        sql`insert into settings (key, value, version, updated_by, updated_at)
            values (${key}, ${JSON.stringify(next[key])}::jsonb, 1, ${by.actor}, now())
            on conflict (key) do update set value = excluded.value, version = settings.version + 1,
              updated_by = excluded.updated_by, updated_at = now()`,
      );
    }
    await appendHistory(
      tx,
      emit,
      changed.map((key) => ({
        actor: by.actor,
        operation: 'update',
        targetType: 'setting',
        targetId: key,
        before: current[key] as Json,
        after: next[key] as Json,
        reason: by.reason,
      })),
    );
    const after = await readStored(tx);
    emit('settings:updated', { settings: merge(defaults, after.values), stored: after.values, revision: after.revision });
    return { stored: after, changed };
  });
  apply(ctx, outcome.stored.values, outcome.stored.revision);
  return { settings: entries(defaults, outcome.stored), changed: outcome.changed };
}

// ---------------------------------------------------------------------------------------------
// ServiceContext.settings following the stored settings

interface FollowState {
  defaults: RuntimeSettings;
  /** The revision applied to ctx.settings; -1 before any. */
  revision: number;
}

const states = new WeakMap<ServiceContext, FollowState>();

function stateOf(ctx: ServiceContext): FollowState {
  let state = states.get(ctx);
  if (!state) {
    state = { defaults: DEFAULT_RUNTIME_SETTINGS, revision: -1 };
    states.set(ctx, state);
  }
  return state;
}

/** The defaults this process's settings start from (set by followRuntimeSettings). */
export const runtimeDefaultsOf = (ctx: ServiceContext): RuntimeSettings => stateOf(ctx).defaults;

/** Puts the stored settings of `revision` into ctx.settings, in place, unless it holds newer ones. */
function apply(ctx: ServiceContext, values: Partial<RuntimeSettings>, revision: number) {
  const state = stateOf(ctx);
  if (revision <= state.revision) return;
  state.revision = revision;
  Object.assign(ctx.settings, engineSettingsFrom(merge(state.defaults, values), ctx.settings.errorLogLimit));
}

/**
 * Loads the settings into ctx.settings and keeps them current: every 'settings:updated' event,
 * from this process or another (through the bus), is applied in place. `defaults` stand where no
 * value is stored (a process's env values). Returns a function that stops following.
 */
export async function followRuntimeSettings(ctx: ServiceContext, defaults: RuntimeSettings = DEFAULT_RUNTIME_SETTINGS): Promise<() => void> {
  const state = stateOf(ctx);
  state.defaults = parseInput(runtimeSettingsSchema, defaults);
  state.revision = -1;
  const unsubscribe = ctx.bus.subscribe('settings:updated', (event) => apply(ctx, event.stored, event.revision));
  try {
    // Subscribed before reading: a change committed meanwhile arrives as an event, and the revision
    // keeps the newer of the two.
    await ctx.bus.subscribed('settings:updated');
    const stored = await readStored(ctx.db);
    apply(ctx, stored.values, stored.revision);
  } catch (error) {
    unsubscribe();
    throw error;
  }
  return unsubscribe;
}

/** JSON with object keys sorted: jsonb does not keep key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
