// The print demo of `npm start` on the embedded database: a few hundred generated documents in
// both lanes (a historical backfill scanned once, a production scope the recurring scan picks up),
// new documents every 20 seconds, and the odd document whose content file is missing, so a row
// fails its attempts and shows as FailedExport.
import type { ServiceContext } from '../context.ts';
import { submitDocuments, type DocumentInput } from './documents.ts';
import { startScan } from './scans.ts';
import { createScanScope, listScanScopes } from './scopes.ts';

const by = { actor: 'demo', reason: 'print demo' };
const TYPES = ['invoice', 'statement', 'label'];

function demoDocuments(prefix: string, count: number, createdAt: (i: number) => Date): DocumentInput[] {
  return Array.from({ length: count }, (_, i) => {
    const key = `${prefix}-${String(i + 1).padStart(4, '0')}`;
    const base = { key, type: TYPES[i % TYPES.length]!, customer: 'demo-press', createdAt: createdAt(i) };
    // About one in forty names a file that is not there: its row fails and ends FailedExport.
    return i % 40 === 17 ? { ...base, contentPath: `/nonexistent/demo/${key}.pdf` } : { ...base, content: `${base.type} ${key} for demo-press\n` };
  });
}

export function startPrintDemo(services: ServiceContext, everyMs = 20_000): { stop(): void } {
  let batch = 0;
  const feed = () => {
    const prefix = `demo-new-${Date.now().toString(36)}-${++batch}`;
    submitDocuments(services, demoDocuments(prefix, 5, () => new Date()), by).catch((error) => services.log.warn({ err: error }, 'print demo documents not submitted'));
  };
  const setUp = async () => {
    if ((await listScanScopes(services.db)).some((scope) => scope.name === 'demo-backfill')) return;
    const day = 86_400_000;
    const started = Date.now();
    await submitDocuments(services, demoDocuments('demo-archive', 200, (i) => new Date(started - (30 + i / 10) * day)), by);
    await submitDocuments(services, demoDocuments('demo-today', 100, () => new Date()), by);
    await createScanScope(services, { name: 'demo-backfill', lane: 'historical', customer: 'demo-press', createdTo: new Date(started - day) }, by);
    await createScanScope(services, { name: 'demo-production', lane: 'production', customer: 'demo-press', createdFrom: new Date(started - day) }, by);
    await startScan(services, 'demo-backfill', by);
    services.log.info('print demo: 300 documents, a historical backfill scan; the production scan runs every minute');
  };
  setUp().catch((error) => services.log.warn({ err: error }, 'print demo not set up'));
  const timer = setInterval(feed, everyMs);
  return { stop: () => clearInterval(timer) };
}
