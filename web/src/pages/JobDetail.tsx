// One job: status and progress, stages and checkpoint, items (failed first), attempts with their
// errors, payload/result/metrics, the history timeline, and the actions the key's role allows.
// Live: the job subscription yields the job as it is now, then on every change.
import { useState } from 'preact/hooks';
import { can, useCaller } from '../caller.ts';
import { askReason } from '../dialog.tsx';
import { ago, time } from '../format.ts';
import { graphql, type ResultOf } from '../graphql.ts';
import { useSubscription } from '../hooks.ts';
import { JOB_ACTIONS } from '../jobActions.ts';
import { Json, Notice, Section, StatusBadge } from '../ui.tsx';

const JobFields = graphql(`
  fragment JobFields on Job {
    id databaseId runId kind queueName status priority attempts maxAttempts controlRequest
    createdAt createdBy runAt startedAt finishedAt updatedAt pausedAt resumeCount
    progress { percent stage message }
    stages { name status startedAt finishedAt }
    lastCheckpoint { stage data at }
    itemsTotal itemsProcessed itemsFailed
    payload result metrics
    errorLog { at attempt class item message }
    lease { workerId expiresAt heartbeatAt }
    items(first: 200) { edges { node { position key status error processedAt } } }
    history(first: 100) { edges { node { id at actor operation reason before after } } }
  }
`);

const JobLive = graphql(`subscription JobLive($id: ID!) { job(id: $id) { ...JobFields } }`, [JobFields]);

type Job = ResultOf<typeof JobFields>;

function Actions({ job }: { job: Job }) {
  const caller = useCaller();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; message: string } | null>(null);
  const allowed = Object.values(JOB_ACTIONS).filter((action) => can(caller, action.role) && action.from.includes(job.status));
  if (caller.role === 'viewer') return <p class="muted">Your key is a viewer's: it may look, not change.</p>;
  return (
    <div>
      <div class="toolbar" role="toolbar" aria-label="Job actions">
        {allowed.map((action) => (
          <button
            type="button"
            key={action.label}
            class={action.danger ? 'danger' : ''}
            onClick={async () => {
              const reason = await askReason({ title: `${action.label} ${job.runId}`, confirmLabel: action.label, danger: action.danger });
              if (reason === null) return;
              const failure = await action.run(job.id, reason);
              setMessage(failure ? { kind: 'error', message: failure } : { kind: 'ok', message: `${action.label}: done.` });
            }}
          >
            {action.label}
          </button>
        ))}
      </div>
      <Notice kind={message?.kind ?? 'ok'} message={message?.message} />
    </div>
  );
}

export function JobDetailPage({ id }: { id: string }) {
  const [job, setJob] = useState<Job | null | undefined>(undefined);
  useSubscription(JobLive, { id }, (data) => setJob(data.job));
  if (job === undefined) return <p aria-busy="true">Loading job {id}…</p>;
  if (job === null) return <Notice kind="error" message={`No job ${id}: it does not exist, or was deleted.`} />;
  const items = job.items.edges.map((e) => e.node).sort((a, b) => Number(b.status === 'failed') - Number(a.status === 'failed') || a.position - b.position);
  const percent = job.progress?.percent ?? (job.status === 'completed' ? 100 : 0);
  return (
    <>
      <h1>
        Job <span class="mono">{job.runId}</span> <StatusBadge status={job.status} />
      </h1>
      <p class="muted">
        #{job.databaseId} · {job.kind} in <a href={`#/jobs?queue=${encodeURIComponent(job.queueName)}`}>{job.queueName}</a> · attempt {job.attempts} of{' '}
        {job.maxAttempts} · created {ago(job.createdAt)} by {job.createdBy}
        {job.lease && ` · leased by ${job.lease.workerId}`}
        {job.controlRequest && ` · ${job.controlRequest} requested`}
      </p>
      <Actions job={job} />
      <Section title="Progress">
        <label class="progress">
          {Math.round(percent)}% {job.progress?.stage ?? ''} {job.progress?.message ?? ''}
          <progress max={100} value={percent} />
        </label>
        {job.stages.length > 0 && (
          <ol class="stages">
            {job.stages.map((stage) => (
              <li key={stage.name} class={`stage-${stage.status}`}>
                {stage.name}: {stage.status}
                {stage.finishedAt && ` (${time(stage.finishedAt)})`}
              </li>
            ))}
          </ol>
        )}
        {job.lastCheckpoint && (
          <p>
            Last checkpoint: <strong>{job.lastCheckpoint.stage}</strong> {ago(job.lastCheckpoint.at)} <code>{JSON.stringify(job.lastCheckpoint.data)}</code>
          </p>
        )}
      </Section>
      <Section title="Attempts and errors">
        {job.errorLog.length === 0 ? (
          <p class="muted">No error.</p>
        ) : (
          <ul>
            {job.errorLog.map((error, index) => (
              <li key={index}>
                Attempt {error.attempt}, {time(error.at)}, {error.class}
                {error.item && ` (item ${error.item})`}: <span class="error-text">{error.message}</span>
              </li>
            ))}
          </ul>
        )}
      </Section>
      {job.itemsTotal > 0 && (
        <Section title={`Items (${job.itemsProcessed} processed, ${job.itemsFailed} failed of ${job.itemsTotal})`}>
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Key</th>
                <th scope="col">Status</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.position}>
                  <td>{item.position}</td>
                  <th scope="row">{item.key}</th>
                  <td>
                    <StatusBadge status={item.status} />
                  </td>
                  <td class="error-text">{item.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
      <div class="columns">
        <Section title="Payload">
          <Json value={job.payload} label="payload" />
        </Section>
        <Section title="Result">
          <Json value={job.result} label="result" />
        </Section>
        <Section title="Metrics">
          <Json value={job.metrics} label="metrics" />
        </Section>
      </div>
      <Section title="History">
        <ol class="timeline" aria-label="History, newest first">
          {job.history.edges.map(({ node }) => (
            <li key={node.id} data-operation={node.operation}>
              <time dateTime={node.at}>{time(node.at)}</time> <strong>{node.operation}</strong> by {node.actor}
              {node.reason && <> — “{node.reason}”</>}
            </li>
          ))}
        </ol>
      </Section>
    </>
  );
}
