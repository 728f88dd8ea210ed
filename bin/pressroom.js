#!/usr/bin/env node
// `npx pressroom …`: the CLI compiled at install (npm install runs `npm run build`; see package.json).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('pressroom: not built yet: run `npm run build` (npm install does it)\n');
  process.exit(1);
}
await import(entry.href);
