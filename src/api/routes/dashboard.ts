// The dashboard's files (web/, built into web/dist by `npm run build:web` at install): index.html
// at / (never cached: it names the current assets), hashed assets under /assets/ (cached for a
// year, immutable), gzip when the browser takes it. Every response carries a strict
// Content-Security-Policy: scripts, styles and connections to this origin only, nothing else.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { HttpRoute } from './types.ts';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  // 'self' covers ws: and wss: to this host (CSP level 3).
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** web/dist of the package this file belongs to (from src/ or from a compiled copy of it). */
function findWebDist(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return process.env.PRESSROOM_WEB_DIR ?? join(dir, 'web', 'dist');
}

interface StaticFile {
  body: Buffer;
  gzipped: Buffer;
  type: string;
}

/** Files read and compressed once per process: the built files do not change while it runs. */
const files = new Map<string, Promise<StaticFile | null>>();

function load(relative: string): Promise<StaticFile | null> {
  let file = files.get(relative);
  if (!file) {
    const path = join(findWebDist(), relative);
    file = readFile(path).then(
      (body) => ({ body, gzipped: gzipSync(body), type: TYPES[relative.slice(relative.lastIndexOf('.'))] ?? 'application/octet-stream' }),
      () => null,
    );
    // A file missing now (not built yet) is looked for again next time.
    void file.then((found) => found === null && files.delete(relative));
    files.set(relative, file);
  }
  return file;
}

async function send(req: IncomingMessage, res: ServerResponse, relative: string, cacheControl: string) {
  const file = await load(relative);
  if (!file) {
    const missingIndex = relative === 'index.html';
    res.writeHead(missingIndex ? 503 : 404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(missingIndex ? 'The dashboard is not built: run `npm run build:web` (npm install does it).\n' : 'Not found\n');
    return;
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? file.gzipped : file.body;
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': file.type,
    'cache-control': cacheControl,
    'content-length': body.length,
    vary: 'accept-encoding',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Built asset names: hashed by Vite, no path separators. */
const ASSET = /^\/assets\/([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:js|css|svg|png|woff2))$/;

const index = (req: IncomingMessage, res: ServerResponse) => send(req, res, 'index.html', 'no-cache');
const asset = (req: IncomingMessage, res: ServerResponse) => {
  const name = ASSET.exec(new URL(req.url ?? '/', 'http://localhost').pathname)?.[1];
  return send(req, res, `assets/${name}`, 'public, max-age=31536000, immutable');
};

export const dashboardRoutes: HttpRoute[] = [
  { method: 'GET', path: '/', handle: index },
  { method: 'HEAD', path: '/', handle: index },
  { method: 'GET', path: ASSET, handle: asset },
  { method: 'HEAD', path: ASSET, handle: asset },
];
