// The printer: a true outside boundary, behind an interface. A print cycle hands it one document
// at a time. How it fails says what happens next (the engine's error classes):
//  - TransientError: the row is tried again later (retryAfterMs, or a backoff), while attempts last;
//  - FatalError: the printer is misconfigured: the cycle stops and an alert is raised;
//  - any other error: this document failed this attempt (FailedExport once attempts run out).
export interface DocumentToPrint {
  key: string;
  type: string;
  customer: string;
  /** Inline content, or null when the document names a file. */
  content: Buffer | null;
  contentPath: string | null;
  /** 1 for the row's first attempt. */
  attempt: number;
}

export interface Printer {
  /** Prints the document; stops (rejecting) when `signal` aborts. */
  print(document: DocumentToPrint, signal: AbortSignal): Promise<void>;
}
