import type { ImportDatasetJob, WorkerJobResults } from '../../src-shared/contracts/worker-protocol.js';
import { importDataset } from '../engine/data/import/index.js';

/** Imports a dataset into its cache folder in the worker, reporting progress. */
export async function runImportJob(
  job: ImportDatasetJob,
  reportProgress: (progress: unknown) => void,
  signal: AbortSignal,
): Promise<WorkerJobResults['import-dataset']> {
  const result = await importDataset(
    {
      source: job.source,
      target: job.target,
      format: job.format,
      name: job.name,
      size: job.size,
      channels: job.channels,
      validationFraction: job.validationFraction,
      seed: job.seed,
      cifar100Labels: job.cifar100Labels,
    },
    { onProgress: (progress) => reportProgress({ ...progress }), signal },
  );
  return {
    directory: result.directory,
    format: result.manifest.format,
    manifest: result.manifest,
    health: result.health,
    seconds: result.seconds,
  };
}
