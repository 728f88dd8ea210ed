// Messages between the bench driver and its client processes (child_process IPC).

/** Driver → client. */
export type ToClient =
  /** Open one graphql-ws connection per entry, each following the job of that id. */
  | { type: 'connect'; url: string; jobIds: number[] }
  /** Send what was received. */
  | { type: 'report' }
  | { type: 'close' };

export interface ClientReport {
  /** Event-to-client latency (ms) of every progress report received, first receipt of each. */
  latencies: number[];
  /**
   * Per subscription: its job, the report its snapshot showed (0: none), how many later reports
   * of that job it received (each once, in order), and the last one it received.
   */
  received: { jobId: number; fromSeq: number; count: number; lastSeq: number }[];
  /** Subscriptions that saw their job complete. */
  completed: number;
  errors: string[];
}

/** Client → driver. */
export type FromClient =
  /** Every subscription has its snapshot: it is live. */
  | { type: 'connected' }
  /** Every subscription saw its job complete. */
  | { type: 'done' }
  | { type: 'report'; report: ClientReport }
  | { type: 'failed'; error: string };
