// The API of a `start` or `serve` process. On the embedded database it also leaves its address
// and a control token in the data folder, so the CLI works through it (src/api/localControl.ts).
import type { Pressroom } from '../app.ts';
import { newControlToken, publishLocalControl } from '../api/localControl.ts';
import { KEYS_LOCK_GRAPHIQL } from '../api/keysNotice.ts';
import { limitsFrom } from '../api/limits/index.ts';
import { startApiServer } from '../api/server.ts';
import { hasLiveApiKeys } from '../services/engine/apiKeys.ts';
import { warmQueueStats } from '../api/queueStats.ts';

export async function serveApi(pressroom: Pressroom): Promise<{ close(): Promise<void> }> {
  const { config, services, database } = pressroom;
  const localControlToken = database.mode === 'embedded' ? newControlToken() : undefined;
  const api = await startApiServer({
    services,
    host: config.PRESSROOM_HOST,
    port: config.PRESSROOM_PORT,
    production: config.NODE_ENV === 'production',
    limits: limitsFrom(config),
    localControlToken,
  });
  const withdraw = localControlToken
    ? await publishLocalControl(config.PRESSROOM_DATA_DIR, { url: loopbackUrl(api.url), token: localControlToken, pid: process.pid })
    : async () => {};
  services.log.info({ url: api.url }, `GraphiQL at ${api.url}`);
  // In the background; a failure (the process stopping meanwhile) leaves the counts to the first request.
  warmQueueStats(services.db).catch((error: unknown) => services.log.debug({ err: error }, 'queue stats not counted ahead'));
  if (await hasLiveApiKeys(services.db)) services.log.warn(KEYS_LOCK_GRAPHIQL);
  return {
    async close() {
      await withdraw();
      await api.close();
    },
  };
}

/** The API's address as this machine reaches it: a wildcard host (0.0.0.0, ::) means loopback. */
function loopbackUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1';
  if (parsed.hostname === '[::]') parsed.hostname = '[::1]';
  return parsed.toString();
}
