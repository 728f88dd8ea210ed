// A client process of the fan-out bench (forked by the driver): holds many graphql-ws
// connections, one job subscription each, and records when each progress report arrives.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { decodeMark, wallClock } from './mark.ts';
import type { ClientReport, FromClient, ToClient } from './protocol.ts';

const FOLLOW = /* GraphQL */ `
  subscription Follow($id: ID!) {
    job(id: $id) { databaseId status progress { percent message } }
  }
`;
/** Connections opening at once: beyond the server's accept backlog, connects only queue and time out. */
const OPENING_AT_ONCE = 100;

interface JobView {
  status: string;
  progress: { message: string | null } | null;
}

let completed = 0;

class Follower {
  /** The last report seen; the snapshot's is where this subscription went live. */
  lastSeq = 0;
  fromSeq = 0;
  count = 0;
  snapshot = false;
  completed = false;

  constructor(readonly jobId: number) {}

  /** Notes a message; returns the latency of a progress report not seen before. */
  receive(job: JobView | null, at: number): number | null {
    const first = !this.snapshot;
    this.snapshot = true;
    if (job?.status === 'completed' && !this.completed) {
      this.completed = true;
      completed++;
    }
    const mark = decodeMark(job?.progress?.message);
    if (!mark || mark.seq <= this.lastSeq) return null;
    this.lastSeq = mark.seq;
    if (first) {
      this.fromSeq = mark.seq;
      return null;
    }
    this.count++;
    return at - mark.sentAt;
  }
}

const send = (message: FromClient) => process.send!(message);

const clients: Client[] = [];
const followers: Follower[] = [];
const latencies: number[] = [];
const errors: string[] = [];
let doneSent = false;

function checkDone() {
  if (!doneSent && followers.length > 0 && completed === followers.length) {
    doneSent = true;
    send({ type: 'done' });
  }
}

/** Opens one connection and subscription; resolves with its snapshot. */
function follow(url: string, follower: Follower): Promise<void> {
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  clients.push(client);
  return new Promise((resolve, reject) => {
    client.subscribe<{ job: JobView | null }>(
      { query: FOLLOW, variables: { id: String(follower.jobId) } },
      {
        next: (message) => {
          const latency = follower.receive(message.data?.job ?? null, wallClock());
          if (latency !== null) latencies.push(latency);
          if (message.errors) errors.push(JSON.stringify(message.errors));
          resolve();
          checkDone();
        },
        error: (error) => {
          const text = error instanceof Error ? error.message : JSON.stringify(error);
          errors.push(text);
          reject(new Error(text));
        },
        complete: () => resolve(),
      },
    );
  });
}

async function connect(url: string, jobIds: number[]) {
  followers.push(...jobIds.map((id) => new Follower(id)));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(OPENING_AT_ONCE, followers.length) }, async () => {
      while (next < followers.length) await follow(url, followers[next++]!);
    }),
  );
}

function report(): ClientReport {
  return {
    latencies,
    received: followers.map((f) => ({ jobId: f.jobId, fromSeq: f.fromSeq, count: f.count, lastSeq: f.lastSeq })),
    completed,
    errors: errors.slice(0, 20),
  };
}

process.on('message', (message: ToClient) => {
  if (message.type === 'connect') {
    connect(message.url, message.jobIds).then(
      () => send({ type: 'connected' }),
      (error: Error) => send({ type: 'failed', error: error.message }),
    );
  } else if (message.type === 'report') {
    send({ type: 'report', report: report() });
  } else {
    void Promise.all(clients.map((client) => client.dispose())).finally(() => process.exit(0));
  }
});
// The driver going away (even killed) ends this process too.
process.on('disconnect', () => process.exit(0));
