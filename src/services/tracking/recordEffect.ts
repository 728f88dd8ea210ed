// What processing one incoming record comes to: rejected with its reason (nothing written), or
// the production jobs whose operations it changed.
export type RecordEffect = { rejected: string } | { jobsUpdated: string[] };
