// Production tracking (seed 001): find a production job, its operations as a grid (done,
// partial, aborted; when; by which source) and its update history; ingestion lag per source;
// rejected records with their reasons, and reprocessing them. The job in the URL: #/tracking?job=4604_5889.
import { useState } from 'preact/hooks';
import { failureOf, mutate } from '../api.ts';
import { can, useCaller } from '../caller.ts';
import { askReason } from '../dialog.tsx';
import { ago, duration, time } from '../format.ts';
import { graphql, type ResultOf } from '../graphql.ts';
import { navigate, useQuery, useSubscription, type Route } from '../hooks.ts';
import { TrackingProgressSubscription } from '../operations/tracking.ts';
import { Notice, Section, StatusBadge, Table } from '../ui.tsx';

const JobLive = graphql(`
  subscription ProductionJobLive($jobId: String!) {
    productionJob(jobId: $jobId) {
      jobId versionTag name dueDate done updatedAt
      operations { operationId name required sequenceOrder status done completedAt completedBy sourceId notes updatedAt }
      updates(first: 50) { edges { node { id operationId status sourceType sourceId eventAt applied notes } } }
    }
  }
`);
const Rejects = graphql(`
  query TrackingRejects {
    printOsEvents(first: 20, filter: { state: REJECTED }) { edges { node { id impositionId device completeTime outcome { reason attempts } } } }
    scans(first: 20, filter: { state: REJECTED }) { edges { node { id codeText scannedAt outcome { reason attempts } } } }
  }
`);
const Reprocess = graphql(`
  mutation ReprocessRejects($source: TrackingSource, $reason: String) {
    result: reprocessRejects(source: $source, reason: $reason) { __typename ... on TrackingReprocessResult { queued } ... on Error { code message } }
  }
`);

type ProductionJob = NonNullable<ResultOf<typeof JobLive>['productionJob']>;
type Marker = ResultOf<typeof TrackingProgressSubscription>['trackingProgress'][number];

function JobView({ jobId }: { jobId: string }) {
  const [job, setJob] = useState<ProductionJob | null | undefined>(undefined);
  useSubscription(JobLive, { jobId }, (data) => setJob(data.productionJob));
  if (job === undefined) return <p aria-busy="true">Looking for {jobId}…</p>;
  if (job === null) return <Notice kind="error" message={`No production job ${jobId}.`} />;
  return (
    <>
      <Section title={`Production job ${job.jobId}${job.versionTag ? ` (${job.versionTag})` : ''}`}>
        <p>
          {job.name ?? ''} {job.done ? <StatusBadge status="completed" /> : <span class="muted">not done</span>} · due {time(job.dueDate)} · updated {ago(job.updatedAt)}
        </p>
        <Table label="Operations" head={['Operation', 'Required', 'Status', 'When', 'By', 'Notes']}>
          {job.operations.map((op) => (
            <tr key={op.operationId} data-operation={op.name}>
              <th scope="row">{op.name}</th>
              <td>{op.required ? 'yes' : 'no'}</td>
              <td>{op.status ? <StatusBadge status={op.status.toLowerCase()} /> : <span class="muted">not yet</span>}</td>
              <td>{time(op.completedAt ?? (op.status ? op.updatedAt : null))}</td>
              <td>{op.completedBy ? `${op.completedBy} ${op.sourceId ?? ''}` : ''}</td>
              <td>{op.notes ?? ''}</td>
            </tr>
          ))}
        </Table>
      </Section>
      <Section title="Update history">
        <Table label="Update history" head={['When', 'Operation', 'Status', 'Source', 'Applied', 'Notes']}>
          {job.updates.edges.map(({ node }) => (
            <tr key={node.id}>
              <td>{time(node.eventAt)}</td>
              <th scope="row">{node.operationId}</th>
              <td>{node.status}</td>
              <td>
                {node.sourceType} {node.sourceId}
              </td>
              <td>{node.applied ? 'yes' : 'no (an older or weaker event)'}</td>
              <td>{node.notes ?? ''}</td>
            </tr>
          ))}
        </Table>
      </Section>
    </>
  );
}

export function TrackingPage({ route }: { route: Route }) {
  const caller = useCaller();
  const jobId = route.params.get('job') ?? '';
  const [draft, setDraft] = useState(jobId);
  const [markers, setMarkers] = useState<Marker[] | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; message: string } | null>(null);
  const rejects = useQuery(Rejects, {});
  useSubscription(TrackingProgressSubscription, {}, (data) => setMarkers(data.trackingProgress));
  const reprocess = async () => {
    const reason = await askReason({ title: 'Reprocess every rejected record', detail: 'After the reference data was fixed: each is processed again, in order.', confirmLabel: 'Reprocess' });
    if (reason === null) return;
    const outcome = await mutate(Reprocess, { reason });
    const result = outcome.data?.result;
    const failure = outcome.error ?? failureOf(result);
    setMessage(failure ? { kind: 'error', message: failure } : { kind: 'ok', message: `${result && 'queued' in result ? result.queued : 0} records wait to be processed again.` });
    rejects.refetch();
  };
  return (
    <>
      <h1>Production tracking</h1>
      <form
        class="filters"
        aria-label="Find a production job"
        onSubmit={(event) => {
          event.preventDefault();
          navigate('/tracking', new URLSearchParams(draft.trim() ? { job: draft.trim() } : {}));
        }}
      >
        <label>
          Production job id (e.g. 4604_5889)
          <input name="job" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
        </label>
        <div class="buttons">
          <button type="submit" class="primary">
            Find
          </button>
        </div>
      </form>
      <Notice kind={message?.kind ?? 'ok'} message={message?.message} />
      {jobId && <JobView jobId={jobId} />}
      <Section title="Ingestion per source">
        <Table label="Ingestion per source" head={['Source', 'Waiting', 'Lag', 'Oldest waiting', 'Last processed', 'Processed', 'Rejects open']}>
          {markers?.map((m) => (
            <tr key={m.source} data-source={m.source}>
              <th scope="row">{m.source}</th>
              <td>{m.waiting}</td>
              <td>{duration(m.lagSeconds * 1000)}</td>
              <td>{time(m.oldestWaitingAt)}</td>
              <td>{ago(m.lastProcessedAt)}</td>
              <td>{m.processedCount}</td>
              <td>{m.rejectsOpen}</td>
            </tr>
          ))}
        </Table>
      </Section>
      <Section
        title="Rejected records"
        actions={
          can(caller, 'operator') && (
            <button type="button" onClick={reprocess}>
              Reprocess rejects
            </button>
          )
        }
      >
        <Table label="Rejected records" head={['Source', 'Record', 'When', 'Reason', 'Attempts']}>
          {rejects.data?.printOsEvents.edges.map(({ node }) => (
            <tr key={`p${node.id}`}>
              <td>PRINT_OS</td>
              <th scope="row">
                {node.impositionId} on {node.device}
              </th>
              <td>{time(node.completeTime)}</td>
              <td class="error-text">{node.outcome?.reason ?? ''}</td>
              <td>{node.outcome?.attempts ?? 0}</td>
            </tr>
          ))}
          {rejects.data?.scans.edges.map(({ node }) => (
            <tr key={`s${node.id}`}>
              <td>SCANNER</td>
              <th scope="row">{node.codeText}</th>
              <td>{time(node.scannedAt)}</td>
              <td class="error-text">{node.outcome?.reason ?? ''}</td>
              <td>{node.outcome?.attempts ?? 0}</td>
            </tr>
          ))}
        </Table>
        {rejects.data && rejects.data.printOsEvents.edges.length + rejects.data.scans.edges.length === 0 && <p class="muted">No rejected record.</p>}
      </Section>
    </>
  );
}
