import type { BackendName, EngineStatus } from '../../src-shared/contracts/engine-status.js';
import { trainProgressSchema } from '../../src-shared/contracts/worker-protocol.js';
import type { WorkerJob, WorkerJobResults } from '../../src-shared/contracts/worker-protocol.js';
import { initializeBackend } from '../engine/backends/backend-ladder.js';
import { runGenerateDemoDatasetJob } from './demo-dataset-job.js';
import { runExportJob, runProfileJob } from './export-job.js';
import { runImportJob } from './import-job.js';
import { runImportTeacherJob } from './teacher-job.js';
import { runTrainJob } from './train-job.js';

/** Reports progress of the job in flight to the main process. */
export type ProgressReporter = (progress: unknown) => void;

let engine: { forced: BackendName | null; status: Promise<EngineStatus> } | null = null;

/** The engine's backend, initialised once per worker and again only when a job forces another one. */
function ensureBackend(forced: BackendName | null, refresh: boolean): Promise<EngineStatus> {
  if (engine === null || engine.forced !== forced || refresh) {
    engine = { forced, status: initializeBackend({ forced }) };
  }
  return engine.status;
}

/**
 * Exports read model weights and outputs synchronously, which the WebGPU backend cannot do under Node, so
 * they run on the WebAssembly engine when WebGPU was chosen.
 */
async function ensureSynchronousBackend(forced: BackendName | null): Promise<void> {
  const status = await ensureBackend(forced, false);
  if (status.chosenBackend === 'webgpu') await ensureBackend('wasm', false);
}

/** Runs one job inside the worker and resolves to its result. */
export async function runJob(
  job: WorkerJob,
  reportProgress: ProgressReporter,
  signal: AbortSignal,
): Promise<WorkerJobResults[WorkerJob['type']]> {
  switch (job.type) {
    case 'doctor':
      return ensureBackend(job.forcedBackend, true);
    case 'train-run': {
      const status = await ensureBackend(job.forcedBackend, false);
      return runTrainJob(
        job,
        status.chosenBackend,
        (progress) => reportProgress(trainProgressSchema.parse(progress)),
        signal,
      );
    }
    case 'import-dataset':
      return runImportJob(job, reportProgress, signal);
    case 'export-run':
      await ensureSynchronousBackend(job.forcedBackend);
      return runExportJob(job, reportProgress);
    case 'profile':
      await ensureSynchronousBackend(job.forcedBackend);
      return runProfileJob(job);
    case 'import-teacher':
      // A checkpoint teacher is converted through synchronous reads of its weights, as exports are.
      await ensureSynchronousBackend(job.forcedBackend);
      return runImportTeacherJob(job, reportProgress, signal);
    case 'generate-demo-dataset':
      return runGenerateDemoDatasetJob(job);
  }
}
