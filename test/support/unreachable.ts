// A database the API cannot reach: a loopback port that refuses, or one that accepts and never
// answers (PostgreSQL hung, or a black hole on the way).
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { openDatabase, type Database } from '../../src/db/client.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { createInProcessBus } from '../../src/services/events.ts';
import { createJobNotifier } from '../../src/services/engine/notifier.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../../src/services/engine/settings.ts';
import { KindRegistry } from '../../src/services/engine/kinds/registry.ts';

/** The API on a database it cannot reach. */
export async function apiOn(url: string, connectTimeoutMs = 1_000): Promise<{ api: ApiServer; database: Database }> {
  const database = await openDatabase({ url, connectTimeoutMs });
  const services: ServiceContext = { db: database.db, bus: createInProcessBus(), log: pino({ level: 'silent' }), notifier: createJobNotifier(database.db), settings: DEFAULT_ENGINE_SETTINGS, kinds: new KindRegistry([]) };
  return { api: await startApiServer({ services, host: '127.0.0.1', port: 0, production: true }), database };
}

/** A loopback port that accepts connections and never says a word: PostgreSQL hung or a black hole. */
export async function silentPort(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

