// The live fan-out benchmark on its own:
//   npx tsx bench/fanout/main.ts
//   BENCH_FANOUT_SIZES=1000,5000,10000 (default), DATABASE_URL, REDIS_URL
//   BENCH_FANOUT_PROFILE=<dir>: also writes a CPU profile of the API while streaming, per size
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from '../engine/system.ts';
import { runFanoutBench } from './index.ts';

const sizes = (process.env.BENCH_FANOUT_SIZES ?? '1000,5000,10000').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('BENCH_FANOUT_SIZES: comma-separated whole numbers');

const { consoleLines, markdown } = await runFanoutBench({
  sizes,
  databaseUrl: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
  redisUrl: process.env.REDIS_URL ?? DEFAULT_REDIS_URL,
  profileDir: process.env.BENCH_FANOUT_PROFILE,
  log: (line) => console.log(line),
});
console.log(['', ...consoleLines, '', ...markdown].join('\n'));
