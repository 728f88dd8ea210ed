// The job kinds Pressroom ships, registered by name. More can be loaded with PRESSROOM_HANDLERS.
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { JobHandler } from '../worker/handler.ts';
import { loadConfig } from '../config.ts';
import { printerFromConfig } from '../services/print/printers/index.ts';
import type { Printer } from '../services/print/printers/printer.ts';
import { documentProcess } from './demo/documentProcess.ts';
import { bulkJobs } from './engine/bulk.ts';
import { createPrintHandlers } from './print/index.ts';
import { trackingHandlers } from './tracking/index.ts';

/** The engine's own kinds: every worker serves them. */
export const engineHandlers: JobHandler<any>[] = [bulkJobs];

let configuredPrinter: Printer | undefined;
/** The printer the environment names (PRESSROOM_PRINTER, PRESSROOM_PRINT_DIR), made when a cycle first prints. */
const printerFromEnvironment = () => (configuredPrinter ??= printerFromConfig(loadConfig()));

export const builtInHandlers: JobHandler<any>[] = [...engineHandlers, documentProcess, ...createPrintHandlers(printerFromEnvironment), ...trackingHandlers];

/** Loads handler modules (each exporting `handlers`, an array) named by path. */
export async function loadHandlerModules(paths: string[]): Promise<JobHandler<any>[]> {
  const loaded: JobHandler<any>[] = [];
  // Running the build (this module is JavaScript): a handler module in TypeScript is compiled as it loads.
  if (!import.meta.url.endsWith('.ts') && paths.some((p) => /\.[cm]?ts$/.test(p))) (await import('tsx/esm/api')).register();
  for (const modulePath of paths) {
    const module = (await import(pathToFileURL(path.resolve(modulePath)).href)) as { handlers?: JobHandler<any>[] };
    if (!Array.isArray(module.handlers)) throw new Error(`${modulePath} does not export a 'handlers' array`);
    loaded.push(...module.handlers);
  }
  return loaded;
}
