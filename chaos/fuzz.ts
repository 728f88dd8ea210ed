// Fuzzed GraphQL documents against a real `pressroom serve`, over HTTP (POST and GET) and over
// graphql-ws: documents cut, spliced and garbled from real operations, deep nesting, many aliases,
// variables of every wrong kind. Counts what must never happen: a 5xx, a stack trace, SQL or a path
// in a response, no answer within 10 s, a WebSocket closed by the server, the process dying; and
// the API's memory over two rounds of half the documents each: RSS (from /metrics) as each round
// ends and after a rest, then RSS and heap after a full GC (through the inspector: the API runs
// with --inspect, nothing in the product). Bounded memory: the second round ends where the first did.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphiqlExamples } from '../src/api/examples/index.ts';
import { collectGarbage, InspectorSession, INSPECT_ARG, INSPECTOR_URL } from '../bench/fanout/inspector.ts';
import { DOCUMENT_CACHES_MB } from '../src/api/documentCaches.ts';
import type { Cluster } from './cluster.ts';
import { sleep } from './cluster.ts';

export interface FuzzResult {
  documents: number;
  http: number;
  ws: number;
  crashes: number;
  serverErrors: number;
  leaks: number;
  hangs: number;
  socketsClosed: number;
  /** After a full GC, before the first document. */
  before: MemoryAfterGc;
  rounds: FuzzRound[];
  examples: string[];
}

export interface MemoryAfterGc {
  rssMb: number;
  heapMb: number;
}

export interface FuzzRound extends MemoryAfterGc {
  documents: number;
  /** RSS as the round ends, and after 10 s at rest (before the GC). */
  rssAfterMb: number;
  rssRestedMb: number;
}

/**
 * Bounded: what the fuzz leaves on the heap (after a full GC, from before the first round to after
 * the second) is within what the parse caches may keep, and the second round adds at most this.
 */
export const ROUND_HEAP_MARGIN_MB = 16;

export function memoryBounded({ before, rounds: [first, second] }: FuzzResult): boolean {
  return first !== undefined && second !== undefined && second.heapMb - before.heapMb <= DOCUMENT_CACHES_MB && second.heapMb <= first.heapMb + ROUND_HEAP_MARGIN_MB;
}

const MB = 1024 * 1024;

const HANG_MS = 10_000;
/** What a response must never contain: a stack frame, SQL, a file path. */
const LEAK = /\bat [\w.<>]+ \(|node_modules|\/work\/|\.ts:\d+|\bselect\b.+\bfrom\b|\binsert into\b|\bPostgresError\b|syntax error at or near/i;

/** A small deterministic generator (mulberry32), so a run can be repeated with CHAOS_SEED. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  ...graphiqlExamples.map((example) => example.operation),
  '{ queues { name stats { queued running } } }',
  '{ jobs(first: 50) { edges { node { id runId status queue { name stats { queued } } history(first: 5) { edges { node { actor } } } } } } }',
  'subscription { queueStats { name stats { queued } } }',
  'subscription ($id: ID!) { job(id: $id) { status progress { percent } } }',
  'mutation { pauseQueue(name: "fuzz", reason: "x") { __typename } }',
  'mutation ($input: EnqueueJobInput!) { enqueueJob(input: $input) { __typename } }',
];
const JUNK = ['{', '}', '(', ')', '$', '@', '...', '"', '\\', '#', ':', '!', '[', ']', '\u0000', '\u{1F600}', 'fragment', 'on', '__schema', '__typename', '1e999', '-0', 'null'];
const VARIABLES: unknown[] = [undefined, null, {}, [], 'text', 42, { id: null }, { id: {} }, { id: 'x'.repeat(5_000) }, { input: { kind: '', queue: 'q'.repeat(300) } }, { first: -1 }, { first: 1e12 }];

export function fuzzDocument(next: () => number): { query: string; variables: unknown } {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  let text = pick(SEEDS);
  const edits = 1 + Math.floor(next() * 6);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(next() * (text.length + 1));
    const r = next();
    if (r < 0.25) text = text.slice(0, at) + pick(JUNK) + text.slice(at);
    else if (r < 0.45) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 20));
    else if (r < 0.6) text = text.slice(0, at) + pick(SEEDS).slice(0, Math.floor(next() * 80)) + text.slice(at);
    else if (r < 0.7) text = `{ ${'a: queues { name } '.repeat(1 + Math.floor(next() * 40))} }`;
    else if (r < 0.8) text = `{ ${'jobs(first: 500) { edges { node { queue { '.repeat(1 + Math.floor(next() * 15))} name ${'} } } } '.repeat(3)}`;
    else if (r < 0.9) text = text.replace(/first: \d+/, `first: ${pick(['-5', '0', '501', '99999999999', '"x"', 'null'])}`);
    // else: the document as it is, with odd variables
  }
  return { query: text, variables: pick(VARIABLES) };
}

export async function runFuzz(cluster: Cluster, documents: number, log: (line: string) => void, seed = 14): Promise<FuzzResult> {
  const { process: api, url } = await cluster.serve({ NODE_ENV: 'production' }, [INSPECT_ARG]);
  const inspector = await InspectorSession.open((await api.waitFor(INSPECTOR_URL))[1]!);
  const base = url.replace(/\/graphql$/, '');
  const rss = async () => Number(/^pressroom_process_resident_memory_bytes (\S+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1]) / MB;
  const afterGc = async (): Promise<MemoryAfterGc> => {
    await collectGarbage(inspector);
    const { result } = await inspector.call<{ result: { value: string } }>('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    const usage = JSON.parse(result.value) as NodeJS.MemoryUsage;
    return { rssMb: usage.rss / MB, heapMb: usage.heapUsed / MB };
  };
  const endRound = async (count: number) => {
    const rssAfterMb = await rss();
    await sleep(10_000);
    const rssRestedMb = await rss();
    result.rounds.push({ documents: count, rssAfterMb, rssRestedMb, ...(await afterGc()) });
  };
  const next = random(seed);
  const result: FuzzResult = { documents, http: 0, ws: 0, crashes: 0, serverErrors: 0, leaks: 0, hangs: 0, socketsClosed: 0, before: await afterGc(), rounds: [], examples: [] };
  const note = (what: string, text: string) => {
    if (result.examples.length < 10) result.examples.push(`${what}: ${text.slice(0, 200)}`);
  };
  const check = (text: string, query: string) => {
    if (LEAK.test(text)) {
      result.leaks++;
      note('leak', `${query} → ${text}`);
    }
  };

  // graphql-ws: one connection; a server-side close of it is counted (and it is reopened).
  const openClient = () =>
    createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      on: {
        closed: (event) => {
          const code = (event as { code?: number }).code;
          if (code !== 1000 && code !== undefined) {
            result.socketsClosed++;
            note('socket closed', String(code));
          }
        },
      },
    });
  // A subscription kept open keeps the (lazy) connection open between the fuzzed operations.
  const keepOpen = (c: ReturnType<typeof openClient>) => c.subscribe({ query: 'subscription { governors { name } }' }, { next: () => {}, error: () => {}, complete: () => {} });
  let client = openClient();
  let stopKeepOpen = keepOpen(client);

  const overHttp = async (query: string, variables: unknown) => {
    result.http++;
    const useGet = next() < 0.3;
    const target = useGet
      ? `${url}?query=${encodeURIComponent(query)}${variables === undefined ? '' : `&variables=${encodeURIComponent(next() < 0.5 ? JSON.stringify(variables) : String(variables))}`}`
      : url;
    const response = await fetch(target, {
      method: useGet ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
      body: useGet ? undefined : next() < 0.05 ? query : JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(HANG_MS),
    });
    const text = await response.text();
    if (response.status >= 500) {
      result.serverErrors++;
      note(`HTTP ${response.status}`, `${query} → ${text}`);
    }
    check(text, query);
  };

  const overWs = (query: string, variables: unknown) =>
    new Promise<void>((resolve, reject) => {
      result.ws++;
      const timer = setTimeout(() => (stop(), reject(new Error('hang'))), HANG_MS);
      let stop = () => {};
      stop = client.subscribe(
        { query, variables: (variables ?? undefined) as Record<string, unknown> | undefined },
        {
          next: (message) => {
            check(JSON.stringify(message), query);
            // A live subscription that started is as good as answered: end it.
            clearTimeout(timer);
            stop();
            resolve();
          },
          error: (error) => {
            clearTimeout(timer);
            const text = JSON.stringify(error) ?? String(error);
            check(text, query);
            resolve();
          },
          complete: () => {
            clearTimeout(timer);
            resolve();
          },
        },
      );
    });

  const firstRound = Math.floor(documents / 2);
  for (let i = 0; i < documents; i++) {
    if (i === firstRound) await endRound(firstRound);
    const { query, variables } = fuzzDocument(next);
    try {
      if (i % 2 === 0) await overHttp(query, variables);
      else await overWs(query, variables);
    } catch (error) {
      if ((error as Error).name === 'TimeoutError' || (error as Error).message === 'hang') {
        result.hangs++;
        note('hang', query);
      } else if (api.child.exitCode !== null || api.child.signalCode !== null) {
        result.crashes++;
        note('crash', query);
        break;
      }
    }
    if (result.socketsClosed > 0 && i % 2 === 1) {
      stopKeepOpen();
      await client.dispose();
      client = openClient();
      stopKeepOpen = keepOpen(client);
    }
    if ((i + 1) % 2_000 === 0) log(`fuzz: ${i + 1}/${documents} documents`);
  }
  stopKeepOpen();
  await client.dispose();
  if (api.child.exitCode !== null || api.child.signalCode !== null) result.crashes = Math.max(result.crashes, 1);
  else await endRound(documents - firstRound);
  inspector.close();
  return result;
}
