// Another Node process seen through its inspector (it runs with --inspect=127.0.0.1:0 and prints
// where it listens): a full garbage collection before memory is read, and a CPU profile, without
// anything added to the product for the bench.
import WebSocket from 'ws';

export const INSPECT_ARG = '--inspect=127.0.0.1:0';
export const INSPECTOR_URL = /Debugger listening on (ws:\/\/\S+)/;

export class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (result: any) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      const call = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!call) return;
      this.pending.delete(message.id!);
      if (message.error) call.reject(new Error(message.error.message));
      else call.resolve(message.result);
    });
    socket.on('close', () => {
      for (const call of this.pending.values()) call.reject(new Error('the inspector closed'));
      this.pending.clear();
    });
  }

  static async open(url: string): Promise<InspectorSession> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new InspectorSession(socket);
  }

  call<T = unknown>(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: (result) => (clearTimeout(timer), resolve(result as T)), reject: (error) => (clearTimeout(timer), reject(error)) });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close() {
    this.socket.close();
  }
}

export async function collectGarbage(session: InspectorSession): Promise<void> {
  await session.call('HeapProfiler.collectGarbage');
}

/** Starts a CPU profile; the returned function stops it and gives the profile (a .cpuprofile document). */
export async function startCpuProfile(session: InspectorSession): Promise<() => Promise<unknown>> {
  await session.call('Profiler.enable');
  await session.call('Profiler.start');
  return async () => (await session.call<{ profile: unknown }>('Profiler.stop')).profile;
}
