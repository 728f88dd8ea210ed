// A database the API cannot reach: a loopback port that refuses, or one that accepts and never
// answers (PostgreSQL hung, or a black hole on the way).
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { createServiceContext } from '../../src/services/createServiceContext.ts';

/** The API on a database it cannot reach. */
export async function apiOn(url: string, connectTimeoutMs = 1_000): Promise<{ api: ApiServer; database: Database }> {
  const database = await openDatabase({ url, connectTimeoutMs });
  const services = createServiceContext(database.db);
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

