// The overview: queues with live counts and metrics, charts, workers, governors, the supervisor
// and open alerts. One subscription (the API process's shared overview); the day chart is a query.
import { useMemo, useState } from 'preact/hooks';
import { failureOf, mutate } from '../api.ts';
import { can, useCaller } from '../caller.ts';
import { TimeChart } from '../chart.tsx';
import { askReason } from '../dialog.tsx';
import { ago, duration, rate, time } from '../format.ts';
import { graphql, type ResultOf } from '../graphql.ts';
import { MetricsFields, OverviewSubscription } from '../operations/overview.ts';
import { useQuery, useSubscription, useTicker } from '../hooks.ts';
import { Notice, Section, Table } from '../ui.tsx';

const DayMetrics = graphql(
  `query DayMetrics($from: DateTime!) { jobMetrics(from: $from, stepMinutes: 15) { ...Metrics } }`,
  [MetricsFields],
);

const AcknowledgeAlert = graphql(`
  mutation AcknowledgeAlert($id: ID!, $reason: String) {
    acknowledgeAlert(id: $id, reason: $reason) { __typename ... on Alert { id acknowledgedAt } ... on Error { code message } }
  }
`);

type OverviewData = ResultOf<typeof OverviewSubscription>['overview'];
type Point = { at: string; completed: number; failed: number; waitP95Ms: number | null; runP95Ms: number | null; minutes: number };

function Charts({ points, perMinute }: { points: Point[]; perMinute: boolean }) {
  const times = useMemo(() => points.map((p) => new Date(p.at).getTime() / 1000), [points]);
  const per = (n: number, p: Point) => (perMinute ? n : n / p.minutes);
  return (
    <div class="charts">
      <TimeChart
        title="Jobs finished per minute"
        unit="jobs/min"
        times={times}
        series={[
          { label: 'completed', color: '#1f6f3f', values: points.map((p) => per(p.completed, p)) },
          { label: 'failed', color: '#b3261e', values: points.map((p) => per(p.failed, p)) },
        ]}
      />
      <TimeChart
        title="Wait and run time, p95"
        unit="ms"
        times={times}
        series={[
          { label: 'wait p95', color: '#6b4fa0', values: points.map((p) => p.waitP95Ms) },
          { label: 'run p95', color: '#8a5a00', values: points.map((p) => p.runP95Ms) },
        ]}
      />
    </div>
  );
}

function DayCharts() {
  // Fixed when the day view opens; "Refresh" reads again.
  const [from] = useState(() => new Date(Date.now() - 24 * 3_600_000).toISOString());
  const day = useQuery(DayMetrics, { from });
  if (day.error) return <Notice kind="error" message={day.error} />;
  return day.data ? <Charts points={day.data.jobMetrics as Point[]} perMinute={false} /> : <p aria-busy="true">Loading…</p>;
}

function Queues({ overview }: { overview: OverviewData }) {
  const metrics = new Map(overview.queueMetrics.map((m) => [m.queue, m]));
  return (
    <Section title="Queues">
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Queues with live counts; rates and times over the last 15 minutes</caption>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Queued</th>
              <th scope="col">Running</th>
              <th scope="col">Paused jobs</th>
              <th scope="col">Completed</th>
              <th scope="col">Failed</th>
              <th scope="col">Oldest waiting</th>
              <th scope="col">Done / min</th>
              <th scope="col">Failed / min</th>
              <th scope="col">Wait p50 / p95</th>
              <th scope="col">Run p50 / p95</th>
            </tr>
          </thead>
          <tbody>
            {overview.queues.map((queue) => {
              const m = metrics.get(queue.name);
              return (
                <tr key={queue.name} data-queue={queue.name}>
                  <th scope="row">
                    <a href={`#/jobs?queue=${encodeURIComponent(queue.name)}`}>{queue.name}</a>
                    {queue.paused && <span class="badge status-paused" title={queue.pausedReason ?? ''}>paused</span>}
                  </th>
                  <td data-count="queued">{queue.stats.queued}</td>
                  <td data-count="running">{queue.stats.running}</td>
                  <td>{queue.stats.paused}</td>
                  <td data-count="completed">{queue.stats.completed}</td>
                  <td>{queue.stats.failed}</td>
                  <td>{queue.stats.queued > 0 ? duration(queue.stats.oldestWaitingSeconds * 1000) : '–'}</td>
                  <td>{m ? rate(m.completedPerMinute) : '0'}</td>
                  <td>{m ? rate(m.failedPerMinute) : '0'}</td>
                  <td>
                    {duration(m?.waitP50Ms)} / {duration(m?.waitP95Ms)}
                  </td>
                  <td>
                    {duration(m?.runP50Ms)} / {duration(m?.runP95Ms)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {overview.queues.length === 0 && <p class="muted">No queue yet: enqueue a job.</p>}
    </Section>
  );
}

function Alerts({ overview }: { overview: OverviewData }) {
  const caller = useCaller();
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; message: string } | null>(null);
  const acknowledge = async (id: string, message: string) => {
    const reason = await askReason({ title: 'Acknowledge alert', detail: message, confirmLabel: 'Acknowledge' });
    if (reason === null) return;
    const outcome = await mutate(AcknowledgeAlert, { id, reason });
    const failure = outcome.error ?? failureOf(outcome.data?.acknowledgeAlert);
    setNotice(failure ? { kind: 'error', message: failure } : { kind: 'ok', message: 'Alert acknowledged.' });
  };
  return (
    <Section title="Open alerts">
      <Notice kind={notice?.kind ?? 'ok'} message={notice?.message} />
      {overview.openAlerts.length === 0 ? (
        <p class="muted">No open alert.</p>
      ) : (
        <ul class="alerts">
          {overview.openAlerts.map((alert) => (
            <li key={alert.id} class={`alert severity-${alert.severity}`}>
              <strong>{alert.severity}</strong> {alert.message}{' '}
              <span class="muted">
                ({alert.kind}, raised {ago(alert.raisedAt)}
                {alert.acknowledgedAt ? `, acknowledged by ${alert.acknowledgedBy}` : ''})
              </span>
              {alert.targetType === 'job' && <a href={`#/jobs/${alert.targetId}`}>job {alert.targetId}</a>}
              {can(caller, 'operator') && !alert.acknowledgedAt && (
                <button type="button" onClick={() => acknowledge(alert.id, alert.message)}>
                  Acknowledge
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function Processes({ overview }: { overview: OverviewData }) {
  return (
    <div class="columns">
      <Section title="Workers">
        <Table label="Workers" head={['Worker', 'Host / pid', 'Queues', 'Kinds', 'Concurrency', 'Last seen']}>
            {overview.workers.map((w) => (
              <tr key={w.id}>
                <th scope="row">
                  {w.id} <span class="muted">{w.status}</span>
                </th>
                <td>
                  {w.host} / {w.pid}
                </td>
                <td>{w.queues?.join(', ') ?? 'all'}</td>
                <td>
                  <details>
                    <summary>{w.kinds.length} kinds</summary>
                    {w.kinds.join(', ')}
                  </details>
                </td>
                <td>{w.concurrency}</td>
                <td>{ago(w.lastSeenAt)}</td>
              </tr>
            ))}
        </Table>
        {overview.workers.length === 0 && <p class="muted">No worker is running.</p>}
      </Section>
      <Section title="Governors">
        <Table label="Governors" head={['Governor', 'Holder', 'Pending', 'Lease until']}>
            {overview.governors.map((g) => (
              <tr key={g.name}>
                <th scope="row">{g.name}</th>
                <td>{g.holderJobId ? <a href={`#/jobs/${g.holderJobId}`}>{g.holder}</a> : (g.holder ?? 'free')}</td>
                <td>{g.pending ? 'yes' : 'no'}</td>
                <td>{time(g.leaseExpiresAt)}</td>
              </tr>
            ))}
        </Table>
      </Section>
      <Section title="Supervisor">
        <p>
          {overview.supervisorHolder ? (
            <>
              Held by <strong>{overview.supervisorHolder}</strong>, next tick {time(overview.supervisorNextTickAt)}, lease until{' '}
              {time(overview.supervisorLeaseExpiresAt)}.
            </>
          ) : (
            <strong class="warn">No process supervises: nothing recovers leases or fires schedules.</strong>
          )}
        </p>
        <ul class="ticks" aria-label="Last supervisor ticks">
          {overview.lastTicks.map((tick) => (
            <li key={tick.id}>
              {ago(tick.startedAt)} by {tick.holder} ({tick.trigger}, {tick.durationMs} ms)
              {tick.failedTasks.length > 0 && <strong class="warn"> failed: {tick.failedTasks.join(', ')}</strong>}
            </li>
          ))}
        </ul>
      </Section>
    </div>
  );
}

export function OverviewPage() {
  const [overview, setOverview] = useState<OverviewData | null>(null);
  const [range, setRange] = useState<'hour' | 'day'>('hour');
  useSubscription(OverviewSubscription, {}, (data) => setOverview(data.overview));
  useTicker(5_000);
  if (!overview) return <p aria-busy="true">Loading the overview…</p>;
  return (
    <>
      <h1>Overview</h1>
      <p class="muted">As of {time(overview.at)}.</p>
      <Alerts overview={overview} />
      <Queues overview={overview} />
      <Section
        title="Throughput and times"
        actions={
          <div role="group" aria-label="Chart range" class="toggle">
            <button type="button" aria-pressed={range === 'hour'} onClick={() => setRange('hour')}>
              Last hour
            </button>
            <button type="button" aria-pressed={range === 'day'} onClick={() => setRange('day')}>
              Last day
            </button>
          </div>
        }
      >
        {range === 'hour' ? <Charts points={overview.lastHour as Point[]} perMinute /> : <DayCharts />}
      </Section>
      <Processes overview={overview} />
    </>
  );
}
