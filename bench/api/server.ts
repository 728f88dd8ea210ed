// A real `pressroom serve` process on the loaded database, as an operator would run it.
import { spawnPressroom } from '../pressroomProcess.ts';

export interface ServedApi {
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function serveApi(databaseUrl: string): Promise<ServedApi> {
  const api = spawnPressroom('serve', { DATABASE_URL: databaseUrl, PRESSROOM_HOST: '127.0.0.1', PRESSROOM_PORT: '0', NODE_ENV: 'production', LOG_LEVEL: 'info' });
  try {
    const [, url] = await api.waitFor(/GraphiQL at (http:\/\/\S+\/graphql)/, 120_000);
    return { url: url!, pid: api.pid, stop: () => api.stop() };
  } catch (error) {
    await api.stop();
    throw error;
  }
}
