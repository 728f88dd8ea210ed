// Which printer this process uses: the folder printer by default, the scripted one when asked.
import path from 'node:path';
import { createFolderPrinter } from './folderPrinter.ts';
import type { Printer } from './printer.ts';
import { createScriptedPrinter, printerScript } from './scriptedPrinter.ts';

export type { DocumentToPrint, Printer } from './printer.ts';
export { createFolderPrinter } from './folderPrinter.ts';
export { createScriptedPrinter, type PrinterScript } from './scriptedPrinter.ts';

export interface PrinterConfig {
  PRESSROOM_DATA_DIR: string;
  PRESSROOM_PRINT_DIR?: string | undefined;
  PRESSROOM_PRINTER: 'folder' | 'scripted';
  PRESSROOM_PRINTER_SCRIPT?: string | undefined;
}

/** The output folder: PRESSROOM_PRINT_DIR, or `print-output` in the data folder. */
export const printFolderOf = (config: Pick<PrinterConfig, 'PRESSROOM_DATA_DIR' | 'PRESSROOM_PRINT_DIR'>) =>
  config.PRESSROOM_PRINT_DIR ?? path.join(config.PRESSROOM_DATA_DIR, 'print-output');

export function printerFromConfig(config: PrinterConfig): Printer {
  const folder = printFolderOf(config);
  if (config.PRESSROOM_PRINTER === 'folder') return createFolderPrinter(folder);
  return createScriptedPrinter(folder, printerScript.parse(JSON.parse(config.PRESSROOM_PRINTER_SCRIPT ?? '{}')));
}
