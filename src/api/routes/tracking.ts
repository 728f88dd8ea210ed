// Device ingestion over plain HTTP, for presses and scanners that cannot speak GraphQL:
//   POST /ingest/print-os  {"events": [...]}   POST /ingest/scans  {"scans": [...]}
// (a bare JSON array works too). Bearer key with the ingest role (or operator, admin). 200 with
// {recorded, duplicates}; 400 with {error, issues: [{path, message}]} and nothing stored.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceContext } from '../../services/context.ts';
import { InvalidInputError } from '../../services/errors.ts';
import { recordPrintOsEvents, recordScans } from '../../services/tracking/ingest.ts';
import { bearerToken, resolveCaller } from '../auth.ts';
import type { HttpRoute } from './types.ts';

const MAX_BODY_BYTES = 5_000_000;
const MAY_INGEST = new Set(['ingest', 'operator', 'admin']);

type Ingest = (ctx: ServiceContext, records: never[], by: { actor: string }) => Promise<unknown>;

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The body as text, or null when it is larger than allowed. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function ingestRoute(path: string, field: 'events' | 'scans', ingest: Ingest): HttpRoute {
  return {
    method: 'POST',
    path,
    async handle(req, res, services) {
      const caller = await resolveCaller(services.db, bearerToken(req.headers.authorization), req.socket.remoteAddress);
      if (caller.role === null) return send(res, 401, { error: 'an API key is required (Authorization: Bearer <key>)' });
      if (!MAY_INGEST.has(caller.role)) return send(res, 403, { error: `your key's role (${caller.role}) may not record events` });
      const text = await readBody(req);
      if (text === null) return send(res, 413, { error: `the body must be at most ${MAX_BODY_BYTES} bytes` });
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return send(res, 400, { error: 'invalid input', issues: [{ path: '', message: 'the body is not JSON' }] });
      }
      const records = Array.isArray(body) ? body : body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
      if (!Array.isArray(records)) {
        return send(res, 400, { error: 'invalid input', issues: [{ path: field, message: `give {"${field}": [...]} or a JSON array` }] });
      }
      try {
        send(res, 200, await ingest(services, records as never[], { actor: caller.name }));
      } catch (error) {
        if (error instanceof InvalidInputError) {
          return send(res, 400, { error: 'invalid input', issues: error.issues.map((i) => ({ ...i, path: i.path ? `${field}.${i.path}` : field })) });
        }
        services.log.error({ err: error, path }, 'ingest failed');
        send(res, 500, { error: 'could not store the records; nothing was stored, send them again' });
      }
    },
  };
}

export const trackingRoutes: HttpRoute[] = [
  ingestRoute('/ingest/print-os', 'events', recordPrintOsEvents as Ingest),
  ingestRoute('/ingest/scans', 'scans', recordScans as Ingest),
];
