// The loader's statements: jobs, items and history made in the database from generate_series, in
// the shapes the engine writes (run ids as src/services/jobs/runId.ts makes them, history entries
// as enqueue/claim/runTransition append them). Deterministic: `hashint8extended(i, seed)` stands in
// for randomness, so two loads of one size hold the same rows.

/** Six kinds on five queues; the kind also decides whether a job has items (document.process). */
export const KINDS = [
  { kind: 'document.process', queue: 'documents' },
  { kind: 'document.archive', queue: 'documents' },
  { kind: 'print.cycle', queue: 'print' },
  { kind: 'scan.ingest', queue: 'scans' },
  { kind: 'printer.event', queue: 'events' },
  { kind: 'report.render', queue: 'reports' },
] as const;

export const WORKER = 'worker-press-01-4242-a1b2c3';
export const OPERATOR = 'support-desk';

const kindsJson = JSON.stringify(KINDS);

export const insertQueues = `
  insert into queues (name, concurrency, priority)
  select distinct k->>'queue', null::int, 0 from jsonb_array_elements('${kindsJson}'::jsonb) k
  on conflict do nothing`;

/**
 * Jobs 1..$1, created over the last 90 days in id order. The newest 2% are live (queued, running,
 * paused) or just finished; older ones mostly completed, some failed or cancelled, and 0.5%
 * queued for a run in the future.
 */
export const insertJobs = `
  with kinds as (select (ordinality - 1)::int as k, value->>'kind' as kind, value->>'queue' as queue
                 from jsonb_array_elements('${kindsJson}'::jsonb) with ordinality),
  base as (
    select i,
           -- printer events are the most common kind, archives the rarest
           (array[0,0,1,2,2,3,4,4,4,5])[1 + abs(hashint8extended(i, 1)) % 10] as k,
           abs(hashint8extended(i, 2)) % 1000 as r,
           abs(hashint8extended(i, 3)) % 1000 as r2,
           now() - interval '90 days' * ($1::bigint - i) / $1::bigint - interval '1 second' * (abs(hashint8extended(i, 4)) % 60) as created_at,
           i > $1::bigint * 98 / 100 as recent
    from generate_series(1, $1::bigint) as i
  ),
  shaped as (
    select b.*, kinds.kind, kinds.queue,
           case when b.recent then case when r < 500 then 'queued' when r < 600 then 'running' when r < 650 then 'paused'
                                        when r < 950 then 'completed' else 'failed' end
                else case when r < 880 then 'completed' when r < 960 then 'failed' when r < 995 then 'cancelled' else 'queued' end
           end as status,
           case when kinds.kind = 'document.process' then 4 + r2 % 9 else 0 end as items_total
    from base b join kinds using (k)
  )
  insert into jobs (id, run_id, kind, queue, priority, payload, status, attempts, max_attempts, backoff, run_at,
                    worker_id, lease_token, lease_expires_at, heartbeat_at, progress, stages, items_total,
                    items_processed, items_failed, result, metrics, last_error, error_log, created_by,
                    created_at, updated_at, started_at, finished_at, paused_at)
  overriding system value
  select i,
         -- <kind slug>-<yyyymmdd>-<10 Crockford base32 characters>
         replace(kind, '.', '-') || '-' || to_char(created_at at time zone 'UTC', 'YYYYMMDD') || '-' ||
           (select string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 1 + (abs(hashint8extended(i, 10 + n)) % 32)::int, 1), '' order by n)
            from generate_series(1, 10) n),
         kind, queue,
         case when r2 < 50 then 10 else 0 end,
         jsonb_build_object('title', kind || ' #' || i, 'source', 'press-' || (1 + r2 % 12), 'copies', 1 + r % 500),
         status,
         case status when 'queued' then (case when recent then 0 else 1 end) when 'failed' then 3 else 1 + (r2 % 10 = 0)::int end,
         3,
         '{"type": "exponential", "baseMs": 1000, "maxMs": 300000}'::jsonb,
         case when status = 'queued' and not recent then now() + interval '1 hour' * (1 + r2 % 72) else created_at end,
         case when status = 'running' then '${WORKER}' end,
         case when status = 'running' then md5(i::text) || ':' || i end,
         case when status = 'running' then now() + interval '30 seconds' end,
         case when status = 'running' then now() end,
         case status when 'completed' then '{"percent": 100, "stage": "finish"}'::jsonb
                     when 'running' then jsonb_build_object('percent', r % 100, 'stage', 'render', 'message', (r % 100) || ' of 100 pages')
                     when 'paused' then '{"percent": 40, "stage": "render"}'::jsonb end,
         case when kind = 'document.process' then
           jsonb_build_array(
             jsonb_build_object('name', 'fetch', 'status', case when status = 'queued' then 'pending' else 'completed' end),
             jsonb_build_object('name', 'render', 'status', case status when 'queued' then 'pending' when 'completed' then 'completed' else 'running' end),
             jsonb_build_object('name', 'finish', 'status', case when status = 'completed' then 'completed' else 'pending' end))
           else '[]'::jsonb end,
         items_total,
         case when status = 'completed' then items_total - (r2 % 7 = 0)::int when status in ('running', 'paused') then items_total / 2 else 0 end,
         case when status = 'completed' then (r2 % 7 = 0)::int else 0 end,
         case when status = 'completed' then jsonb_build_object('pages', 1 + r % 500) end,
         case when status in ('completed', 'failed') then jsonb_build_object('durationMs', 50 + r2 * 13) end,
         case when status = 'failed' then jsonb_build_object('message', 'printer offline', 'class', 'transient', 'attempt', 3, 'at', created_at + interval '1 minute') end,
         case when status = 'failed' then jsonb_build_array(
           jsonb_build_object('message', 'printer offline', 'class', 'transient', 'attempt', 1, 'at', created_at + interval '10 seconds'),
           jsonb_build_object('message', 'printer offline', 'class', 'transient', 'attempt', 3, 'at', created_at + interval '1 minute'))
           else '[]'::jsonb end,
         case when r2 < 700 then 'local' when r2 < 900 then 'scheduler' else '${OPERATOR}' end,
         created_at,
         created_at + interval '1 minute',
         case when status in ('queued') then null else created_at + interval '1 second' end,
         case when status in ('completed', 'failed', 'cancelled') then created_at + interval '1 minute' end,
         case when status = 'paused' then created_at + interval '30 seconds' end
  from shaped`;

/** The items of document.process jobs: a few pending, processed or failed pages each. */
export const insertItems = `
  insert into job_items (job_id, position, key, payload, status, error, processed_at)
  select j.id, p, 'page-' || p, jsonb_build_object('page', p),
         case when p < j.items_processed + j.items_failed then case when p = j.items_processed then 'failed' else 'processed' end else 'pending' end,
         case when p < j.items_processed + j.items_failed and p = j.items_processed then 'unreadable page' end,
         case when p < j.items_processed + j.items_failed then j.created_at + interval '1 second' * p end
  from jobs j cross join lateral generate_series(0, j.items_total - 1) p
  where j.items_total > 0`;

/**
 * $1 entries per job, in the order the engine would write them: enqueue, then claims, a transient
 * failure, a hand-back, a pause and resume by an operator, and the step to the job's status now.
 */
export const insertHistory = `
  with entries as (
    select j.id, j.created_at, j.created_by, j.run_id, j.kind, j.queue, j.status, s,
           case when s = 0 then 'enqueue'
                when s = $1::int - 1 then case j.status when 'completed' then 'complete' when 'failed' then 'failAttempt'
                  when 'cancelled' then 'cancel' when 'running' then 'claim' when 'paused' then 'pause' else 'retry' end
                else (array['claim', 'claim', 'failAttempt', 'claim', 'release', 'claim', 'pause', 'resume'])[1 + s % 8]
           end as operation
    from jobs j cross join generate_series(0, $1::int - 1) s
  )
  insert into history (id, at, actor, operation, target_type, target_id, before, after, reason)
  overriding system value
  select (id - 1) * $1::int + s + 1,
         created_at + interval '2 seconds' * s,
         case when s = 0 then created_by when operation in ('pause', 'resume', 'cancel', 'retry') then '${OPERATOR}' else '${WORKER}' end,
         operation, 'job', id::text,
         case operation when 'enqueue' then null when 'claim' then '{"status": "queued"}'::jsonb when 'resume' then '{"status": "paused"}'::jsonb
                        when 'retry' then '{"status": "failed"}'::jsonb else '{"status": "running"}'::jsonb end,
         case operation when 'enqueue' then jsonb_build_object('status', 'queued', 'runId', run_id, 'kind', kind, 'queue', queue)
           else jsonb_build_object('status', case operation when 'claim' then 'running' when 'pause' then 'paused'
             when 'complete' then 'completed' when 'cancel' then 'cancelled' when 'failAttempt' then (case when s = $1::int - 1 then 'failed' else 'queued' end)
             else 'queued' end, 'attempt', 1 + s / 3) end,
         case when operation in ('pause', 'resume', 'cancel', 'retry') then 'paper jam on press ' || (1 + id % 12) end
  from entries`;

/** After loading with explicit ids: the identities continue past them. */
export const resetIdentities = `
  select setval(pg_get_serial_sequence('jobs', 'id'), (select coalesce(max(id), 1) from jobs)),
         setval(pg_get_serial_sequence('history', 'id'), (select coalesce(max(id), 1) from history))`;

/** Secondary indexes of the loaded tables (not the primary keys): dropped for the load, rebuilt after. */
export const secondaryIndexes = `
  select indexname as name, indexdef as definition from pg_indexes i
  where tablename in ('jobs', 'job_items', 'history') and schemaname = current_schema()
    and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`;
