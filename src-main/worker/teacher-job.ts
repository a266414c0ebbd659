import type { ImportTeacherJob, WorkerJobResults } from '../../src-shared/contracts/worker-protocol.js';
import { teacherImportProgressSchema } from '../../src-shared/contracts/worker-protocol.js';
import { requestedWasmThreads } from '../engine/backends/wasm-threads.js';
import { importTeacher } from '../engine/teachers/import-teacher.js';

/** Imports a teacher file into its folder in the worker, reporting the measurement's progress. */
export async function runImportTeacherJob(
  job: ImportTeacherJob,
  reportProgress: (progress: unknown) => void,
  signal: AbortSignal,
): Promise<WorkerJobResults['import-teacher']> {
  return importTeacher(
    {
      id: job.id,
      source: job.source,
      target: job.target,
      datasetId: job.datasetId,
      datasetDirectory: job.datasetDirectory,
      name: job.name,
      contract: job.contract,
      labelsPath: job.labelsPath,
      architecture: job.architecture,
      threads: requestedWasmThreads(),
    },
    { onProgress: (progress) => reportProgress(teacherImportProgressSchema.parse(progress)), signal },
  );
}
