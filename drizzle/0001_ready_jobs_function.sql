-- The claim scan for jobs free of limits and governors, in claim order.
-- It must read the partial index jobs_ready in order and stop at p_limit. The planner would
-- otherwise pick a sort of every ready row whenever its statistics lag behind a burst of
-- enqueues (the usual case for a queue), which turns each claim into a scan of the backlog.
-- The SET clauses pin the plan to the index, whatever the statistics say (and keep JIT, which
-- the disabled paths' costs would trigger, out of a sub-millisecond query).
CREATE FUNCTION pressroom_ready_jobs(p_kinds text[], p_queues text[], p_limit integer)
RETURNS SETOF bigint
LANGUAGE sql
SET enable_bitmapscan = off
SET enable_sort = off
SET jit = off
AS $$
  SELECT j.id FROM jobs j
  WHERE j.status = 'queued' AND j.run_at <= now() AND j.governor_key IS NULL
    AND j.kind = ANY (p_kinds)
    AND (p_queues IS NULL OR j.queue = ANY (p_queues))
    AND j.queue NOT IN (SELECT q.name FROM queues q WHERE q.paused OR q.concurrency IS NOT NULL)
  ORDER BY j.priority DESC, j.run_at, j.id
  LIMIT p_limit
  FOR UPDATE OF j SKIP LOCKED
$$;
