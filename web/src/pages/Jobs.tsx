// Jobs: filters held in the URL, a counted keyset-paged table, live updates on the first page
// (paused while rows are selected), and bulk actions on a selection or on everything matching.
import { useEffect, useState } from 'preact/hooks';
import { failureOf, mutate } from '../api.ts';
import { can, useCaller } from '../caller.ts';
import { askReason } from '../dialog.tsx';
import { ago } from '../format.ts';
import { graphql, type ResultOf } from '../graphql.ts';
import { navigate, useQuery, useSubscription, type Route } from '../hooks.ts';
import { JOB_ACTIONS, type JobAction } from '../jobActions.ts';
import { filterOf, formFromParams, isEmpty, JobsCount, paramsFromForm, STATUSES, type FilterForm, type JobFilterInput } from '../jobFilter.ts';
import { Notice, Section, StatusBadge } from '../ui.tsx';

const PAGE = 50;

const JobRow = graphql(`
  fragment JobRow on Job { id databaseId runId kind queueName status attempts maxAttempts createdAt updatedAt progress { percent stage } lastError { message } }
`);

const JobsQuery = graphql(
  `query Jobs($filter: JobFilter, $first: Int, $after: String) {
    jobs(filter: $filter, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { ...JobRow } }
    }
  }`,
  [JobRow],
);

const JobsLive = graphql(
  `subscription JobsLive($filter: JobFilter, $first: Int) {
    jobs(filter: $filter, first: $first) { snapshot jobs { ...JobRow } removed { id } }
  }`,
  [JobRow],
);

const RetryJobs = graphql(`mutation RetryJobs($filter: JobFilter!, $reason: String) { result: retryJobs(filter: $filter, reason: $reason) { __typename ... on BulkResult { matched changed skipped job { databaseId runId } } ... on Error { code message } } }`);
const CancelJobs = graphql(`mutation CancelJobs($filter: JobFilter!, $reason: String) { result: cancelJobs(filter: $filter, reason: $reason) { __typename ... on BulkResult { matched changed skipped job { databaseId runId } } ... on Error { code message } } }`);
const DeleteJobs = graphql(`mutation DeleteJobs($filter: JobFilter!, $reason: String) { result: deleteJobs(filter: $filter, reason: $reason) { __typename ... on BulkResult { matched changed skipped job { databaseId runId } } ... on Error { code message } } }`);

type Row = ResultOf<typeof JobRow>;
type Message = { kind: 'ok' | 'error'; message: string } | null;

const BULK = [
  { key: 'retry', label: 'Retry', role: 'operator', document: RetryJobs },
  { key: 'cancel', label: 'Cancel', role: 'operator', document: CancelJobs },
  { key: 'delete', label: 'Delete', role: 'admin', document: DeleteJobs },
] as const;

function Filters({ form }: { form: FilterForm }) {
  const [draft, setDraft] = useState(form);
  useEffect(() => setDraft(form), [JSON.stringify(form)]);
  const text = (key: Exclude<keyof FilterForm, 'status'>, label: string, type = 'text') => (
    <label>
      {label}
      <input type={type} name={key} value={draft[key]} onInput={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })} />
    </label>
  );
  return (
    <form
      class="filters"
      aria-label="Filter jobs"
      onSubmit={(event) => {
        event.preventDefault();
        navigate('/jobs', paramsFromForm(draft));
      }}
    >
      <fieldset>
        <legend>Status</legend>
        {STATUSES.map((status) => (
          <label key={status} class="check">
            <input
              type="checkbox"
              name="status"
              value={status}
              checked={draft.status.includes(status)}
              onChange={(e) =>
                setDraft({ ...draft, status: e.currentTarget.checked ? [...draft.status, status] : draft.status.filter((s) => s !== status) })
              }
            />
            {status}
          </label>
        ))}
      </fieldset>
      {text('kind', 'Kind')}
      {text('queue', 'Queue')}
      {text('createdAfter', 'Created after', 'datetime-local')}
      {text('createdBefore', 'Created before', 'datetime-local')}
      {text('runIdPrefix', 'Run id starts with')}
      {text('payloadText', 'Payload contains')}
      <div class="buttons">
        <button type="submit" class="primary">
          Apply filter
        </button>
        <button type="button" onClick={() => navigate('/jobs')}>
          Clear
        </button>
      </div>
    </form>
  );
}

/** Applies a live update to the rows of the first page, newest first. */
function merge(rows: Row[], update: ResultOf<typeof JobsLive>['jobs']): Row[] {
  if (update.snapshot) return update.jobs.slice(0, PAGE);
  const removed = new Set(update.removed.map((r) => r.id));
  const byId = new Map(rows.filter((row) => !removed.has(row.id)).map((row) => [row.id, row]));
  for (const job of update.jobs) byId.set(job.id, job);
  return [...byId.values()].sort((a, b) => b.databaseId - a.databaseId).slice(0, PAGE);
}

export function JobsPage({ route }: { route: Route }) {
  const caller = useCaller();
  const form = formFromParams(route.params);
  const filter: JobFilterInput = filterOf(form);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors.at(-1) ?? null;
  const page = useQuery(JobsQuery, { filter, first: PAGE, after });
  const counted = useQuery(JobsCount, { filter });
  const [rows, setRows] = useState<Row[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState<Message>(null);
  const filterKey = JSON.stringify(filter);

  useEffect(() => {
    setCursors([null]);
    setSelected(new Set());
  }, [filterKey]);
  useEffect(() => {
    if (page.data) setRows(page.data.jobs.edges.map((edge) => edge.node));
  }, [page.data]);
  const firstPage = after === null;
  const live = firstPage && selected.size === 0;
  useSubscription(JobsLive, { filter, first: PAGE }, (data) => setRows((current) => merge(current, data.jobs)), live);

  const actOnSelection = async (name: keyof typeof JOB_ACTIONS, action: JobAction) => {
    const targets = rows.filter((row) => selected.has(row.id) && action.from.includes(row.status));
    const reason = await askReason({
      title: `${action.label} ${targets.length} selected job${targets.length === 1 ? '' : 's'}`,
      detail: targets.length < selected.size ? `${selected.size - targets.length} selected jobs are in a status that does not allow it and are left out.` : undefined,
      confirmLabel: action.label,
      danger: action.danger,
    });
    if (reason === null) return;
    const failures = (await Promise.all(targets.map((row) => action.run(row.id, reason)))).filter(Boolean);
    setMessage(failures.length ? { kind: 'error', message: `${failures.length} of ${targets.length} refused: ${failures[0]}` } : { kind: 'ok', message: `${action.label}: ${targets.length} jobs (${name}).` });
    setSelected(new Set());
    page.refetch();
    counted.refetch();
  };

  const actOnFilter = async (bulk: (typeof BULK)[number]) => {
    const total = counted.data?.jobs;
    const count = total ? `${total.totalCount.toLocaleString()}${total.totalCountExact ? '' : '+'}` : 'all';
    const reason = await askReason({
      title: `${bulk.label} every job matching this filter`,
      detail: `${count} jobs match the filter now; those whose status allows it will be changed.`,
      confirmLabel: `${bulk.label} ${count} jobs`,
      danger: true,
    });
    if (reason === null) return;
    const outcome = await mutate(bulk.document, { filter, reason });
    const result = outcome.data?.result;
    const failure = outcome.error ?? failureOf(result);
    if (failure) setMessage({ kind: 'error', message: failure });
    else if (result && 'matched' in result) {
      // Over 10,000 matching jobs the server runs the operation as a job of its own.
      setMessage({
        kind: 'ok',
        message: result.job
          ? `${bulk.label}: running as job ${result.job.runId} (#${result.job.databaseId}); its progress is on its page.`
          : `${bulk.label}: ${result.changed} changed, ${result.skipped} skipped of ${result.matched} matched.`,
      });
    }
    page.refetch();
    counted.refetch();
  };

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (!next.delete(id)) next.add(id);
    setSelected(next);
  };
  const actions = Object.entries(JOB_ACTIONS).filter(([, action]) => can(caller, action.role));
  const total = counted.data?.jobs;
  const pageInfo = page.data?.jobs.pageInfo;

  return (
    <>
      <h1>Jobs</h1>
      <Filters form={form} />
      <Notice kind={message?.kind ?? 'ok'} message={message?.message} />
      <Notice kind="error" message={page.error} />
      <Section
        title="Matching jobs"
        actions={
          <p class="muted" data-testid="total">
            {total ? `${total.totalCount.toLocaleString()}${total.totalCountExact ? '' : '+'} jobs` : 'counting…'}
            {' · '}
            {live ? 'live' : selected.size > 0 ? 'live updates paused while rows are selected' : 'not live (an older page)'}
          </p>
        }
      >
        {actions.length > 0 && (
          <div class="toolbar" role="toolbar" aria-label="Bulk actions">
            {selected.size > 0 &&
              actions.map(([name, action]) => (
                <button type="button" key={name} class={action.danger ? 'danger' : ''} onClick={() => actOnSelection(name as keyof typeof JOB_ACTIONS, action)}>
                  {action.label} selected ({selected.size})
                </button>
              ))}
            {!isEmpty(form) &&
              BULK.filter((bulk) => can(caller, bulk.role)).map((bulk) => (
                <button type="button" key={bulk.key} class="danger" onClick={() => actOnFilter(bulk)}>
                  {bulk.label} all matching…
                </button>
              ))}
          </div>
        )}
        <div class="table-wrap">
          <table class="jobs">
            <thead>
              <tr>
                {actions.length > 0 && (
                  <th scope="col">
                    <span class="visually-hidden">Select</span>
                  </th>
                )}
                <th scope="col">Run id</th>
                <th scope="col">Status</th>
                <th scope="col">Kind</th>
                <th scope="col">Queue</th>
                <th scope="col">Attempts</th>
                <th scope="col">Progress</th>
                <th scope="col">Created</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-run-id={row.runId} data-status={row.status}>
                  {actions.length > 0 && (
                    <td>
                      <input type="checkbox" aria-label={`Select ${row.runId}`} checked={selected.has(row.id)} onChange={() => toggle(row.id)} />
                    </td>
                  )}
                  <th scope="row">
                    <a href={`#/jobs/${row.databaseId}`}>{row.runId}</a>
                  </th>
                  <td>
                    <StatusBadge status={row.status} />
                  </td>
                  <td>{row.kind}</td>
                  <td>{row.queueName}</td>
                  <td>
                    {row.attempts}/{row.maxAttempts}
                  </td>
                  <td>{row.progress ? `${Math.round(row.progress.percent)}%${row.progress.stage ? ` ${row.progress.stage}` : ''}` : '–'}</td>
                  <td>{ago(row.createdAt)}</td>
                  <td class="error-text">{row.lastError?.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {rows.length === 0 && !page.loading && <p class="muted">No job matches.</p>}
        <nav class="pager" aria-label="Pages">
          <button type="button" disabled={firstPage} onClick={() => setCursors([null])}>
            First page
          </button>
          <button type="button" disabled={firstPage} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous page
          </button>
          <button
            type="button"
            disabled={!pageInfo?.hasNextPage}
            onClick={() => pageInfo?.endCursor && setCursors([...cursors, pageInfo.endCursor])}
          >
            Next page
          </button>
        </nav>
      </Section>
    </>
  );
}
