import { startCluster } from './cluster.ts';
import { runWorkerKills } from './workerKills.ts';
const cluster = await startCluster('chaos_try');
try {
  console.log(await runWorkerKills(cluster, 3, console.log));
} finally {
  await cluster.close();
}
