// The API bench on its own:
//   npx tsx bench/api/main.ts                                        (1,000,000 jobs, 10,000,000 history entries)
//   BENCH_API_JOBS=100000 BENCH_API_HISTORY=1000000 npx tsx bench/api/main.ts
//   BENCH_API_RELOAD=1 loads again; BENCH_API_DATABASE (pressroom_bench_api), BENCH_API_SECONDS (10) per query;
//   DATABASE_URL (default postgres://root@127.0.0.1:5432/root).
import { DEFAULT_LOAD, runApiBench } from './index.ts';

const { consoleLines, markdown } = await runApiBench({
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/root',
  database: process.env.BENCH_API_DATABASE,
  jobs: Number(process.env.BENCH_API_JOBS ?? 1_000_000),
  history: Number(process.env.BENCH_API_HISTORY ?? 10_000_000),
  reload: process.env.BENCH_API_RELOAD === '1',
  durationSeconds: Number(process.env.BENCH_API_SECONDS ?? DEFAULT_LOAD.durationSeconds),
  log: (line) => console.log(line),
});
console.log(['', ...consoleLines, '', ...markdown].join('\n'));
