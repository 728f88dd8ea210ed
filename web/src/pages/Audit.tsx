// The audit log: who did what, when and why — the operation history, filtered by actor,
// operation, target and time, counted and paged; the filter is in the URL.
import { useEffect, useState } from 'preact/hooks';
import { time } from '../format.ts';
import { graphql } from '../graphql.ts';
import { navigate, useQuery, type Route } from '../hooks.ts';
import { Json, Notice } from '../ui.tsx';

const PAGE = 50;
const KEYS = ['actor', 'operation', 'targetType', 'targetId', 'from', 'to'] as const;
type Form = Record<(typeof KEYS)[number], string>;

const HistoryQuery = graphql(`
  query Audit($filter: HistoryFilter, $first: Int, $after: String) {
    history(filter: $filter, first: $first, after: $after) {
      totalCount totalCountExact
      pageInfo { hasNextPage endCursor }
      edges { node { id at actor operation targetType targetId reason before after } }
    }
  }
`);

const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

export function AuditPage({ route }: { route: Route }) {
  const form = Object.fromEntries(KEYS.map((key) => [key, route.params.get(key) ?? ''])) as Form;
  const [draft, setDraft] = useState(form);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const formKey = JSON.stringify(form);
  useEffect(() => {
    setDraft(form);
    setCursors([null]);
  }, [formKey]);
  const filter = {
    actor: form.actor || undefined,
    operation: form.operation || undefined,
    targetType: form.targetType || undefined,
    targetId: form.targetId || undefined,
    from: iso(form.from),
    to: iso(form.to),
  };
  const page = useQuery(HistoryQuery, { filter, first: PAGE, after: cursors.at(-1) ?? null });
  const history = page.data?.history;
  const field = (key: keyof Form, label: string, type = 'text') => (
    <label>
      {label}
      <input type={type} name={key} value={draft[key]} onInput={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })} />
    </label>
  );
  return (
    <>
      <h1>Audit</h1>
      <form
        class="filters"
        aria-label="Filter the history"
        onSubmit={(event) => {
          event.preventDefault();
          navigate('/audit', new URLSearchParams(Object.entries(draft).filter(([, v]) => v)));
        }}
      >
        {field('actor', 'Actor')}
        {field('operation', 'Operation')}
        {field('targetType', 'Target type')}
        {field('targetId', 'Target id')}
        {field('from', 'From', 'datetime-local')}
        {field('to', 'To', 'datetime-local')}
        <div class="buttons">
          <button type="submit" class="primary">
            Apply filter
          </button>
          <button type="button" onClick={() => navigate('/audit')}>
            Clear
          </button>
        </div>
      </form>
      <Notice kind="error" message={page.error} />
      <p class="muted">{history ? `${history.totalCount.toLocaleString()}${history.totalCountExact ? '' : '+'} entries` : '…'}</p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Operation</th>
              <th scope="col">Target</th>
              <th scope="col">Reason</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {history?.edges.map(({ node }) => (
              <tr key={node.id} data-operation={node.operation}>
                <td>{time(node.at)}</td>
                <td>{node.actor}</td>
                <th scope="row">{node.operation}</th>
                <td>
                  {node.targetType === 'job' ? <a href={`#/jobs/${node.targetId}`}>job {node.targetId}</a> : `${node.targetType} ${node.targetId}`}
                </td>
                <td>{node.reason ?? ''}</td>
                <td>
                  <details>
                    <summary>before / after</summary>
                    <Json value={node.before} label="before" />
                    <Json value={node.after} label="after" />
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" disabled={!history?.pageInfo.hasNextPage} onClick={() => history?.pageInfo.endCursor && setCursors([...cursors, history.pageInfo.endCursor])}>
          Next page
        </button>
      </nav>
    </>
  );
}
