-- The claim scan of 0001, the same query, in PL/pgSQL instead of SQL (issue #15). A SQL function
-- that cannot be inlined (its SET clauses prevent that) plans its query again at every call:
-- 0.24 ms of each claim, on the path from enqueue to start (pgbench, one client, one ready job:
-- 0.48 ms per call as SQL, 0.24 ms as PL/pgSQL, 0.20 ms for the bare query). PL/pgSQL keeps
-- the plan for the session; the SET clauses still pin it to the index jobs_ready.
-- Locks: replacing a function takes no table lock; claims running meanwhile finish on the old body.
CREATE OR REPLACE FUNCTION pressroom_ready_jobs(p_kinds text[], p_queues text[], p_limit integer)
RETURNS SETOF bigint
LANGUAGE plpgsql
SET enable_bitmapscan = off
SET enable_sort = off
SET jit = off
AS $$
BEGIN
  RETURN QUERY
  SELECT j.id FROM jobs j
  WHERE j.status = 'queued' AND j.run_at <= now() AND j.governor_key IS NULL
    AND j.kind = ANY (p_kinds)
    AND (p_queues IS NULL OR j.queue = ANY (p_queues))
    AND j.queue NOT IN (SELECT q.name FROM queues q WHERE q.paused OR q.concurrency IS NOT NULL)
  ORDER BY j.priority DESC, j.run_at, j.id
  LIMIT p_limit
  FOR UPDATE OF j SKIP LOCKED;
END
$$;
