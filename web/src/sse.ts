// Subscriptions over Server-Sent Events (the API's fallback when a WebSocket cannot be opened):
// a POST that accepts text/event-stream, read as it streams; retried after a drop.
import { setLiveState } from './connection.ts';

export interface Sink {
  next(value: unknown): void;
  error(error: unknown): void;
  complete(): void;
}

export function subscribeSse(request: { query: string; variables?: unknown }, headers: Record<string, string>, sink: Sink): () => void {
  const controller = new AbortController();
  let stopped = false;
  const run = async (attempt: number): Promise<void> => {
    try {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify(request),
        signal: controller.signal,
      });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      setLiveState('live', 'sse');
      attempt = 0;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === 'complete') return sink.complete();
          if (event === 'next' && data) sink.next(JSON.parse(data));
        }
      }
      throw new Error('stream ended');
    } catch (error) {
      if (stopped) return;
      setLiveState('down', 'sse');
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * 2 ** attempt)));
      if (!stopped) return run(attempt + 1);
    }
  };
  void run(0);
  return () => {
    stopped = true;
    controller.abort();
  };
}
