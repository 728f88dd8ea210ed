// An operation GraphiQL offers support staff ready to run: each domain keeps its own list in
// src/api/examples/<domain>.ts.
export interface GraphiqlExample {
  /** Shown as a comment above the operation: what it is for. */
  description: string;
  /**
   * One named GraphQL operation; its variables carry defaults. `$RECENT_JOB` and
   * `$RECENT_FAILED_JOB` in it are replaced, when GraphiQL opens, by the run id of the newest job
   * (of the newest failed job, else the newest job), so the example finds something real.
   */
  operation: string;
}
