import type { WorkerJob, WorkerJobResults } from '../../src-shared/contracts/worker-protocol.js';
import { initializeBackend } from '../engine/backends/backend-ladder.js';

/** Reports progress of the job in flight to the main process. */
export type ProgressReporter = (progress: unknown) => void;

/** Runs one job inside the worker and resolves to its result. */
export function runJob(
  job: WorkerJob,
  _reportProgress: ProgressReporter,
  _signal: AbortSignal,
): Promise<WorkerJobResults[WorkerJob['type']]> {
  switch (job.type) {
    case 'doctor':
      return initializeBackend({ forced: job.forcedBackend });
  }
}
