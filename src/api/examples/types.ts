// An operation GraphiQL offers support staff ready to run: each domain keeps its own list in
// src/api/examples/<domain>.ts.
export interface GraphiqlExample {
  /** Shown as a comment above the operation: what it is for. */
  description: string;
  /** One named GraphQL operation; its variables carry defaults. */
  operation: string;
}
