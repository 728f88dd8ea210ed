// The dashboard: a shell (navigation, connection indicator, who you are) around hash-routed pages.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { query } from './api.ts';
import { CallerContext, CallerQuery, type Caller } from './caller.ts';
import { ReasonDialog } from './dialog.tsx';
import { useRoute } from './hooks.ts';
import { AccessPage } from './pages/Access.tsx';
import { AuditPage } from './pages/Audit.tsx';
import { JobDetailPage } from './pages/JobDetail.tsx';
import { JobsPage } from './pages/Jobs.tsx';
import { OverviewPage } from './pages/Overview.tsx';
import { QueuesPage } from './pages/Queues.tsx';
import { ConnectionIndicator, Notice } from './ui.tsx';
import './styles.css';

const PAGES = [
  { path: '/', label: 'Overview' },
  { path: '/jobs', label: 'Jobs' },
  { path: '/queues', label: 'Queues' },
  { path: '/audit', label: 'Audit' },
  { path: '/access', label: 'Access' },
] as const;

function Page({ caller }: { caller: Caller }) {
  const route = useRoute();
  const jobId = /^\/jobs\/(.+)$/.exec(route.path)?.[1];
  useEffect(() => {
    const page = PAGES.find((p) => p.path === route.path)?.label ?? (jobId ? `Job ${jobId}` : 'Pressroom');
    document.title = `${page} · Pressroom`;
  }, [route.path]);
  if (!caller.role && route.path !== '/access') return <AccessPage />;
  if (jobId) return <JobDetailPage id={decodeURIComponent(jobId)} />;
  switch (route.path) {
    case '/jobs':
      return <JobsPage route={route} />;
    case '/queues':
      return <QueuesPage />;
    case '/audit':
      return <AuditPage route={route} />;
    case '/access':
      return <AccessPage />;
    default:
      return <OverviewPage />;
  }
}

function Nav({ caller }: { caller: Caller }) {
  const route = useRoute();
  const current = (path: string) => (path === '/' ? route.path === '/' : route.path.startsWith(path));
  return (
    <header class="top">
      <a class="brand" href="#/">
        Pressroom
      </a>
      <nav aria-label="Pages">
        <ul>
          {PAGES.map((page) => (
            <li key={page.path}>
              <a href={`#${page.path}`} aria-current={current(page.path) ? 'page' : undefined}>
                {page.label}
              </a>
            </li>
          ))}
          <li>
            <a href="/graphql">GraphiQL</a>
          </li>
        </ul>
      </nav>
      <ConnectionIndicator />
      <p class="who">{caller.role ? `${caller.name} (${caller.role})` : 'no key'}</p>
    </header>
  );
}

function App() {
  const [caller, setCaller] = useState<Caller | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void query(CallerQuery, {}).then((outcome) => {
      if (outcome.data) setCaller(outcome.data.caller);
      // No key (off this machine, or once keys exist) or a wrong one: the Access page says why.
      else if (outcome.code === 'UNAUTHENTICATED') setCaller({ name: 'anonymous', role: null, refusal: outcome.error });
      else setError(outcome.error ?? 'The API did not answer.');
    });
  }, []);
  if (!caller) return <main>{error ? <Notice kind="error" message={error} /> : <p aria-busy="true">Connecting…</p>}</main>;
  return (
    <CallerContext.Provider value={caller}>
      <Nav caller={caller} />
      <main id="main">
        <Page caller={caller} />
      </main>
      <ReasonDialog />
    </CallerContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
