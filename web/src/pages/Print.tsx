// The print pipeline (seed 000): both lanes (paused? counts), the print governor and the current
// cycle's progress, scans → slices → batches → rows as a drill-down, failed rows with their errors
// and requeue, a print cycle on request, and the recovery tools with their guard rails.
import { useState } from 'preact/hooks';
import { failureOf, mutate } from '../api.ts';
import { can, useCaller } from '../caller.ts';
import { askReason } from '../dialog.tsx';
import { ago, time } from '../format.ts';
import { graphql, type ResultOf } from '../graphql.ts';
import { useQuery, useSubscription } from '../hooks.ts';
import { PrintGovernorSubscription, PrintLanesSubscription } from '../operations/print.ts';
import { Notice, Section, StatusBadge, Table } from '../ui.tsx';

const Scans = graphql(`
  query PrintScans($first: Int) {
    printScans(first: $first) { edges { node { id lane scopeName status documentsTotal slicesTotal createdAt finishedAt error counts { rows { status count } } } } }
  }
`);
const Slices = graphql(`query PrintSlices($scanId: ID!) { printSlices(scanId: $scanId, first: 100) { edges { node { id position status documentsTotal batchesTotal } } } }`);
const Batches = graphql(`query PrintBatches($sliceId: ID!) { printBatches(sliceId: $sliceId, first: 100) { edges { node { id status rowsTotal rowCounts { status count } } } } }`);
const Rows = graphql(`
  query PrintRows($filter: PrintExportRowFilter) {
    printExportRows(filter: $filter, first: 100) { edges { node { id lane documentKey status attempts errorMessage lastAttemptAt } } }
  }
`);

const PauseLane = graphql(`mutation PausePrintLane($lane: String!, $reason: String!) { result: pausePrintLane(lane: $lane, reason: $reason) { __typename ... on Error { code message } } }`);
const ResumeLane = graphql(`mutation ResumePrintLane($lane: String!, $reason: String!) { result: resumePrintLane(lane: $lane, reason: $reason) { __typename ... on Error { code message } } }`);
const RequestCycle = graphql(`mutation RequestPrintCycle($reason: String) { result: requestPrintCycle(reason: $reason) { __typename ... on PrintCycleRequest { pending job { runId } } ... on Error { code message } } }`);
const Requeue = graphql(`mutation RequeueExportRows($reason: String!) { result: requeueExportRows(reason: $reason) { __typename ... on RequeueExportRowsReport { requeued } ... on Error { code message } } }`);
const DetectStuck = graphql(`mutation DetectStuckPrinter($dryRun: Boolean, $reason: String!) { result: detectStuckPrinter(dryRun: $dryRun, reason: $reason) { __typename ... on Error { code message } } }`);
const HealLocks = graphql(`mutation HealPrintLocks($reason: String!) { result: healPrintLocks(reason: $reason) { __typename ... on PrintLockHealReport { released reason } ... on Error { code message } } }`);
const Maintenance = graphql(`mutation RunPrintMaintenance($reason: String!) { result: runPrintMaintenance(reason: $reason) { __typename ... on PrintMaintenanceReport { findings { kind message } } ... on Error { code message } } }`);
const ClearAll = graphql(`
  mutation ClearAllExportTables($confirmation: String!, $reason: String!) {
    result: clearAllExportTables(confirmation: $confirmation, reason: $reason) { __typename ... on ClearAllExportTablesReport { rows scans } ... on Error { code message } }
  }
`);

/** The confirmation clearAllExportTables asks for (docs/print.md). */
const CLEAR_ALL = 'DELETE ALL PRINT EXPORT STATE';

type Lane = ResultOf<typeof PrintLanesSubscription>['printLanes'][number];
type GovernorState = ResultOf<typeof PrintGovernorSubscription>['printGovernor'];
type Message = { kind: 'ok' | 'error'; message: string } | null;

const counts = (list: readonly { status: string; count: number }[]) => list.map((c) => `${c.count} ${c.status}`).join(', ') || 'none';

function Pick({ label, selected, onClick }: { label: string; selected: boolean; onClick: () => void }) {
  return (
    <button type="button" aria-pressed={selected} onClick={onClick}>
      {label}
    </button>
  );
}

function SliceList({ scanId, sliceId, onPick }: { scanId: string; sliceId: string | null; onPick: (id: string) => void }) {
  const slices = useQuery(Slices, { scanId });
  return (
    <Table label={`Slices of scan ${scanId}`} head={['Slice', 'Status', 'Documents', 'Batches']}>
      {slices.data?.printSlices.edges.map(({ node }) => (
        <tr key={node.id}>
          <th scope="row">
            <Pick label={`Slice ${node.position}`} selected={node.id === sliceId} onClick={() => onPick(node.id)} />
          </th>
          <td>
            <StatusBadge status={node.status} />
          </td>
          <td>{node.documentsTotal}</td>
          <td>{node.batchesTotal}</td>
        </tr>
      ))}
    </Table>
  );
}

function BatchList({ sliceId, batchId, onPick }: { sliceId: string; batchId: string | null; onPick: (id: string) => void }) {
  const batches = useQuery(Batches, { sliceId });
  return (
    <Table label={`Batches of slice ${sliceId}`} head={['Batch', 'Status', 'Rows']}>
      {batches.data?.printBatches.edges.map(({ node }) => (
        <tr key={node.id}>
          <th scope="row">
            <Pick label={`Batch ${node.id}`} selected={node.id === batchId} onClick={() => onPick(node.id)} />
          </th>
          <td>
            <StatusBadge status={node.status} />
          </td>
          <td>{counts(node.rowCounts)}</td>
        </tr>
      ))}
    </Table>
  );
}

function BatchRows({ batchId }: { batchId: string }) {
  const rows = useQuery(Rows, { filter: { batchId } });
  return <RowsTable label={`Rows of batch ${batchId}`} rows={rows.data?.printExportRows.edges.map((e) => e.node) ?? []} />;
}

function DrillDown() {
  const [scanId, setScanId] = useState<string | null>(null);
  const [sliceId, setSliceId] = useState<string | null>(null);
  const [batchId, setBatchId] = useState<string | null>(null);
  const scans = useQuery(Scans, { first: 20 });
  return (
    <Section title="Scans, slices, batches, rows" actions={<button type="button" class="view" onClick={scans.refetch}>Refresh scans</button>}>
      <Table label="Scans" head={['Scan', 'Lane', 'Scope', 'Status', 'Documents', 'Rows', 'Created']}>
        {scans.data?.printScans.edges.map(({ node }) => (
          <tr key={node.id}>
            <th scope="row">
              <Pick label={`Scan ${node.id}`} selected={node.id === scanId} onClick={() => (setScanId(node.id), setSliceId(null), setBatchId(null))} />
            </th>
            <td>{node.lane}</td>
            <td>{node.scopeName}</td>
            <td>
              <StatusBadge status={node.status} /> {node.error && <span class="error-text">{node.error}</span>}
            </td>
            <td>{node.documentsTotal}</td>
            <td>{counts(node.counts.rows)}</td>
            <td>{ago(node.createdAt)}</td>
          </tr>
        ))}
      </Table>
      {scans.data?.printScans.edges.length === 0 && <p class="muted">No scan yet.</p>}
      {scanId && <SliceList scanId={scanId} sliceId={sliceId} onPick={(id) => (setSliceId(id), setBatchId(null))} />}
      {sliceId && <BatchList sliceId={sliceId} batchId={batchId} onPick={setBatchId} />}
      {batchId && <BatchRows batchId={batchId} />}
    </Section>
  );
}

function RowsTable({ label, rows }: { label: string; rows: ResultOf<typeof Rows>['printExportRows']['edges'][number]['node'][] }) {
  return (
    <Table label={label} head={['Row', 'Document', 'Lane', 'Status', 'Attempts', 'Error', 'Last attempt']}>
      {rows.map((row) => (
        <tr key={row.id}>
          <th scope="row">{row.id}</th>
          <td>{row.documentKey}</td>
          <td>{row.lane}</td>
          <td>
            <StatusBadge status={row.status} />
          </td>
          <td>{row.attempts}</td>
          <td class="error-text">{row.errorMessage ?? ''}</td>
          <td>{time(row.lastAttemptAt)}</td>
        </tr>
      ))}
    </Table>
  );
}

export function PrintPage() {
  const caller = useCaller();
  const [lanes, setLanes] = useState<Lane[] | null>(null);
  const [governor, setGovernor] = useState<GovernorState | null>(null);
  const [message, setMessage] = useState<Message>(null);
  const failed = useQuery(Rows, { filter: { status: ['failed_export'] } });
  useSubscription(PrintLanesSubscription, {}, (data) => setLanes(data.printLanes));
  useSubscription(PrintGovernorSubscription, {}, (data) => setGovernor(data.printGovernor));

  /** Asks for a reason (and whatever else), runs the mutation, says what happened. */
  const act = async (title: string, run: (reason: string) => Promise<{ error?: string; data?: { result: unknown } }>, done: string, options: { danger?: boolean; typeToConfirm?: string } = {}) => {
    const reason = await askReason({ title, confirmLabel: title, ...options });
    if (reason === null) return;
    const outcome = await run(reason);
    const failure = outcome.error ?? failureOf(outcome.data?.result);
    setMessage(failure ? { kind: 'error', message: failure } : { kind: 'ok', message: done });
    failed.refetch();
  };
  const operator = can(caller, 'operator');
  const cycle = governor?.currentCycle;
  return (
    <>
      <h1>Print pipeline</h1>
      <Notice kind={message?.kind ?? 'ok'} message={message?.message} />
      <div class="columns">
        <Section title="Lanes">
          <Table label="Print lanes" head={['Lane', 'State', 'Queued', 'Processing', 'Exported', 'Failed', ...(operator ? ['Action'] : [])]}>
            {lanes?.map((lane) => (
              <tr key={lane.lane} data-lane={lane.lane}>
                <th scope="row">{lane.lane}</th>
                <td>{lane.paused ? `paused by ${lane.pausedBy}: ${lane.pausedReason ?? ''}` : 'running'}</td>
                <td>{lane.counts.queued}</td>
                <td>{lane.counts.processing}</td>
                <td>{lane.counts.exported}</td>
                <td>{lane.counts.failedExport}</td>
                {operator && (
                  <td>
                    <button
                      type="button"
                      onClick={() =>
                        act(`${lane.paused ? 'Resume' : 'Pause'} lane ${lane.lane}`, (reason) => mutate(lane.paused ? ResumeLane : PauseLane, { lane: lane.lane, reason }), `${lane.lane}: done.`)
                      }
                    >
                      {lane.paused ? 'Resume' : 'Pause'} {lane.lane}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </Table>
        </Section>
        <Section title="Print governor">
          {governor && (
            <>
              <p>
                {governor.isPrinting ? <strong>Printing</strong> : 'Idle'}
                {governor.holder && ` · held by ${governor.holder} until ${time(governor.leaseExpiresAt)}`}
                {governor.pendingPrintCycle && ' · one more cycle pending'} · last scheduled {ago(governor.lastPrintScheduleAt)}
              </p>
              {cycle && (
                <label class="progress">
                  Cycle <a href={`#/jobs/${cycle.databaseId}`}>{cycle.runId}</a>: {cycle.itemsProcessed} of {cycle.itemsTotal} {cycle.progress?.message ?? ''}
                  <progress max={100} value={cycle.progress?.percent ?? 0} />
                </label>
              )}
            </>
          )}
          {operator && (
            <div class="toolbar" role="toolbar" aria-label="Print actions">
              <button type="button" class="primary" onClick={() => act('Request a print cycle', (reason) => mutate(RequestCycle, { reason }), 'Print cycle requested.')}>
                Request a print cycle
              </button>
            </div>
          )}
        </Section>
      </div>
      <Section
        title="Failed rows"
        actions={
          operator && (
            <button type="button" onClick={() => act('Requeue every failed row', (reason) => mutate(Requeue, { reason }), 'Failed rows requeued.')}>
              Requeue failed rows
            </button>
          )
        }
      >
        <RowsTable label="Failed rows" rows={failed.data?.printExportRows.edges.map((e) => e.node) ?? []} />
        {failed.data?.printExportRows.edges.length === 0 && <p class="muted">No failed row.</p>}
      </Section>
      <DrillDown />
      {operator && (
        <Section title="Recovery">
          <p class="muted">Each tool is recorded in the history with your reason. See docs/print.md before using them.</p>
          <div class="toolbar" role="toolbar" aria-label="Recovery tools">
            <button type="button" onClick={() => act('Detect a stuck printer', (reason) => mutate(DetectStuck, { dryRun: false, reason }), 'Stuck-printer check done: see the history.')}>
              Detect a stuck printer
            </button>
            <button type="button" onClick={() => act('Heal print locks', (reason) => mutate(HealLocks, { reason }), 'Print locks healed.')}>
              Heal print locks
            </button>
            <button type="button" onClick={() => act('Run print maintenance', (reason) => mutate(Maintenance, { reason }), 'Maintenance done: see the alerts.')}>
              Run print maintenance
            </button>
            {can(caller, 'admin') && (
              <button
                type="button"
                class="danger"
                onClick={() =>
                  act('Clear all export tables', (reason) => mutate(ClearAll, { confirmation: CLEAR_ALL, reason }), 'Every scan, slice, batch and row was deleted.', {
                    danger: true,
                    typeToConfirm: CLEAR_ALL,
                  })
                }
              >
                Clear all export tables…
              </button>
            )}
          </div>
        </Section>
      )}
    </>
  );
}
