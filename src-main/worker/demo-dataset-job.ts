import type { GenerateDemoDatasetJob, WorkerJobResults } from '../../src-shared/contracts/worker-protocol.js';
import { generateDemoDataset, writeDemoCache } from '../engine/data/demo-dataset.js';

/** Draws the demo dataset and writes its cache folder in the worker; the main process records it. */
export async function runGenerateDemoDatasetJob(
  job: GenerateDemoDatasetJob,
): Promise<WorkerJobResults['generate-demo-dataset']> {
  const started = performance.now();
  const options = { trainCount: job.trainCount, testCount: job.testCount, seed: job.seed };
  const manifest = await writeDemoCache(generateDemoDataset(options), job.target, options, job.name);
  return {
    directory: job.target,
    manifest,
    seconds: (performance.now() - started) / 1000,
  };
}
