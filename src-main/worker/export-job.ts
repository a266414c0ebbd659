import type {
  ExportRunJob,
  ProfileJob,
  WorkerJobResults,
} from '../../src-shared/contracts/worker-protocol.js';
import { exportStudent } from '../engine/export/export-student.js';
import { profileModel } from '../engine/export/profile.js';
import { logitsModel, readStoredStudent } from '../engine/export/student-model.js';
import { buildBackbone } from '../engine/models/index.js';

/** Exports a finished run's student in the worker; progress messages are plain sentences. */
export async function runExportJob(
  job: ExportRunJob,
  report: (progress: { readonly message: string }) => void,
): Promise<WorkerJobResults['export-run']> {
  const result = await exportStudent({
    modelDirectory: job.modelDirectory,
    datasetDirectory: job.datasetDirectory,
    outDirectory: job.outDirectory,
    ...(job.format === undefined ? {} : { format: job.format }),
    ...(job.precision === undefined ? {} : { precision: job.precision }),
    ...(job.preset === undefined ? {} : { preset: job.preset }),
    layout: job.layout,
    probabilities: job.probabilities,
    force: job.force,
    training: job.training,
    testImageLimit: job.testImageLimit,
    workbenchVersion: job.workbenchVersion,
    onProgress: (message) => report({ message }),
  });
  return { directory: result.directory, card: result.card };
}

/** Profiles a trained student (from its model folder) or an untrained backbone built for a class count and input. */
export async function runProfileJob(job: ProfileJob): Promise<WorkerJobResults['profile']> {
  if (job.source.kind === 'model') {
    const student = await readStoredStudent(job.source.modelDirectory);
    try {
      const profile = await profileModel(logitsModel(student.model), student.backbone, {
        producerVersion: job.workbenchVersion,
      });
      return { profile };
    } finally {
      student.model.dispose();
    }
  }
  const backbone = buildBackbone(job.source.backbone, {
    classes: job.source.classes,
    inputShape: job.source.inputShape,
    seed: 0,
  });
  try {
    const profile = await profileModel(logitsModel(backbone.model), backbone.name, {
      producerVersion: job.workbenchVersion,
    });
    return { profile };
  } finally {
    backbone.model.dispose();
  }
}
