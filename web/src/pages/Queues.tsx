// Queues (lanes): live counts from the shared overview, pause/resume with a reason (operator),
// concurrency limit and priority (admin).
import { useState } from 'preact/hooks';
import { failureOf, mutate } from '../api.ts';
import { can, useCaller } from '../caller.ts';
import { askReason } from '../dialog.tsx';
import { time } from '../format.ts';
import { graphql, type ResultOf } from '../graphql.ts';
import { useSubscription } from '../hooks.ts';
import { Notice } from '../ui.tsx';

const QueuesLive = graphql(`
  subscription QueuesLive {
    overview { at queues { name paused pausedBy pausedReason pausedAt concurrency priority stats { queued running paused } } }
  }
`);
const PauseQueue = graphql(`mutation PauseQueue($name: String!, $reason: String) { result: pauseQueue(name: $name, reason: $reason) { __typename ... on Error { code message } } }`);
const ResumeQueue = graphql(`mutation ResumeQueue($name: String!, $reason: String) { result: resumeQueue(name: $name, reason: $reason) { __typename ... on Error { code message } } }`);
const ConfigureQueue = graphql(`
  mutation ConfigureQueue($name: String!, $concurrency: Int, $clearConcurrency: Boolean, $priority: Int, $reason: String) {
    result: configureQueue(name: $name, concurrency: $concurrency, clearConcurrency: $clearConcurrency, priority: $priority, reason: $reason) {
      __typename ... on Error { code message }
    }
  }
`);

type Queue = ResultOf<typeof QueuesLive>['overview']['queues'][number];
type Message = { kind: 'ok' | 'error'; message: string } | null;

function Settings({ queue, onDone }: { queue: Queue; onDone: (message: Message) => void }) {
  const [concurrency, setConcurrency] = useState(queue.concurrency?.toString() ?? '');
  const [priority, setPriority] = useState(String(queue.priority));
  return (
    <form
      class="inline"
      aria-label={`Settings of ${queue.name}`}
      onSubmit={async (event) => {
        event.preventDefault();
        const reason = await askReason({ title: `Change ${queue.name}`, detail: `Concurrency ${concurrency || 'unlimited'}, priority ${priority}.`, confirmLabel: 'Change' });
        if (reason === null) return;
        const outcome = await mutate(ConfigureQueue, {
          name: queue.name,
          concurrency: concurrency === '' ? null : Number(concurrency),
          clearConcurrency: concurrency === '',
          priority: Number(priority),
          reason,
        });
        const failure = outcome.error ?? failureOf(outcome.data?.result);
        onDone(failure ? { kind: 'error', message: failure } : { kind: 'ok', message: `${queue.name} changed.` });
      }}
    >
      <label>
        Concurrency
        <input type="number" min={1} name="concurrency" placeholder="no limit" value={concurrency} onInput={(e) => setConcurrency(e.currentTarget.value)} />
      </label>
      <label>
        Priority
        <input type="number" name="priority" value={priority} onInput={(e) => setPriority(e.currentTarget.value)} />
      </label>
      <button type="submit">Save</button>
    </form>
  );
}

export function QueuesPage() {
  const caller = useCaller();
  const [queues, setQueues] = useState<Queue[] | null>(null);
  const [message, setMessage] = useState<Message>(null);
  useSubscription(QueuesLive, {}, (data) => setQueues(data.overview.queues));
  const toggle = async (queue: Queue) => {
    const verb = queue.paused ? 'Resume' : 'Pause';
    const reason = await askReason({
      title: `${verb} queue ${queue.name}`,
      detail: queue.paused ? 'Workers start claiming its jobs again.' : 'Workers stop claiming its jobs; running jobs finish.',
      confirmLabel: verb,
    });
    if (reason === null) return;
    const outcome = await mutate(queue.paused ? ResumeQueue : PauseQueue, { name: queue.name, reason });
    const failure = outcome.error ?? failureOf(outcome.data?.result);
    setMessage(failure ? { kind: 'error', message: failure } : { kind: 'ok', message: `${queue.name}: ${queue.paused ? 'resumed' : 'paused'}.` });
  };
  return (
    <>
      <h1>Queues</h1>
      <Notice kind={message?.kind ?? 'ok'} message={message?.message} />
      {!queues ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">State</th>
                <th scope="col">Queued / running / paused</th>
                <th scope="col">Concurrency</th>
                <th scope="col">Priority</th>
                {can(caller, 'operator') && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {queues.map((queue) => (
                <tr key={queue.name} data-queue={queue.name}>
                  <th scope="row">{queue.name}</th>
                  <td>
                    {queue.paused ? (
                      <>
                        <span class="badge status-paused">paused</span> by {queue.pausedBy} {time(queue.pausedAt)}
                        {queue.pausedReason && <> — “{queue.pausedReason}”</>}
                      </>
                    ) : (
                      'running'
                    )}
                  </td>
                  <td>
                    {queue.stats.queued} / {queue.stats.running} / {queue.stats.paused}
                  </td>
                  <td>{queue.concurrency ?? 'no limit'}</td>
                  <td>{queue.priority}</td>
                  {can(caller, 'operator') && (
                    <td>
                      <button type="button" onClick={() => toggle(queue)}>
                        {queue.paused ? 'Resume' : 'Pause'} {queue.name}
                      </button>
                      {can(caller, 'admin') && <Settings queue={queue} onDone={setMessage} />}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
