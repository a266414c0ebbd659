import { z } from 'zod';
import { distillationMethods } from '../domain/method-catalog.js';
import { backendNameSchema, engineStatusSchema } from './engine-status.js';
import { datasetManifestSchema, healthReportSchema } from './dataset-manifest.js';
import { modelCardSchema, modelCardTrainingSchema } from './model-card.js';
import { modelProfileSchema } from './model-profile.js';
import { epochRecordSchema } from './run-types.js';
import { teacherContractRequestSchema, teacherRecordSchema } from './teacher-types.js';

const learningRateScheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }),
  z.object({ kind: z.literal('step'), milestones: z.array(z.number().int()), gamma: z.number() }),
  z.object({ kind: z.literal('cosine'), minimum: z.number() }),
]);

/** Everything the worker needs to train one run; the main process resolves it from the experiment spec. */
export const trainRunJobSchema = z.object({
  type: z.literal('train-run'),
  runId: z.string(),
  forcedBackend: backendNameSchema.nullable(),
  datasetDirectory: z.string(),
  /** Where the run keeps the checkpoint it resumes from. */
  checkpointDirectory: z.string(),
  /** Where the trained model goes when the run completes. */
  modelDirectory: z.string(),
  student: z.object({ backbone: z.string() }),
  teacher: z
    .discriminatedUnion('source', [
      z.object({ source: z.literal('run'), backbone: z.string(), modelDirectory: z.string() }),
      z.object({ source: z.literal('import'), modelJsonPath: z.string() }),
      z.object({
        source: z.literal('imported'),
        teacherId: z.string(),
        /** The teacher's folder in the workbench home. */
        directory: z.string(),
        /** The chosen taps by index; null for all. */
        taps: z.array(z.number().int().nonnegative()).nullable(),
      }),
    ])
    .nullable(),
  method: z.enum(distillationMethods),
  hyperparameters: z.record(z.string(), z.union([z.number(), z.string()])),
  epochs: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  learningRate: z.number().positive(),
  momentum: z.number(),
  weightDecay: z.number(),
  learningRateSchedule: learningRateScheduleSchema,
  warmupEpochs: z.number().int().nonnegative(),
  seed: z.number().int(),
  /** The last epoch the store has on record; a checkpoint ahead of it has its later epochs reported again. */
  recordedEpochs: z.number().int().nonnegative(),
  augmentation: z.object({ randomCrop: z.boolean(), padding: z.number().int(), horizontalFlip: z.boolean() }),
  subset: z.object({
    trainImages: z.number().int().positive().nullable(),
    testImages: z.number().int().positive().nullable(),
  }),
});
export type TrainRunJob = z.infer<typeof trainRunJobSchema>;

/** An import of a dataset into the workbench home's cache. */
export const importDatasetJobSchema = z.object({
  type: z.literal('import-dataset'),
  source: z.string(),
  target: z.string(),
  format: z.enum(['auto', 'cifar10', 'cifar100', 'svhn', 'cinic10', 'folder', 'idx']),
  name: z.string().optional(),
  size: z.number().int().positive().optional(),
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  validationFraction: z.number().min(0).lt(1).optional(),
  seed: z.number().int().optional(),
  cifar100Labels: z.enum(['fine', 'coarse']).optional(),
});
export type ImportDatasetJob = z.infer<typeof importDatasetJobSchema>;

/** Draws the built-in demo dataset and writes it as a dataset cache into `target`, as an import would. */
export const generateDemoDatasetJobSchema = z.object({
  type: z.literal('generate-demo-dataset'),
  target: z.string(),
  name: z.string().min(1),
  trainCount: z.number().int().positive(),
  testCount: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
});
export type GenerateDemoDatasetJob = z.infer<typeof generateDemoDatasetJobSchema>;

/** An export of a finished run's student to TFJS or ONNX, verified against the in-app model. */
export const exportRunJobSchema = z.object({
  type: z.literal('export-run'),
  forcedBackend: backendNameSchema.nullable(),
  modelDirectory: z.string(),
  datasetDirectory: z.string(),
  outDirectory: z.string(),
  format: z.enum(['tfjs', 'onnx']).optional(),
  precision: z.enum(['float32', 'float16', 'uint8']).optional(),
  preset: z.string().optional(),
  layout: z.enum(['NCHW', 'NHWC']),
  probabilities: z.boolean(),
  force: z.boolean(),
  training: modelCardTrainingSchema,
  /** The experiment's test-image limit: verification uses the run's own test images. */
  testImageLimit: z.number().int().positive().nullable(),
  workbenchVersion: z.string(),
});
export type ExportRunJob = z.infer<typeof exportRunJobSchema>;

/** A profile (size, cost, latency on this machine) of a trained student or of an untrained backbone. */
export const profileJobSchema = z.object({
  type: z.literal('profile'),
  forcedBackend: backendNameSchema.nullable(),
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('model'), modelDirectory: z.string() }),
    z.object({
      kind: z.literal('backbone'),
      backbone: z.string(),
      classes: z.number().int(),
      inputShape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
    }),
  ]),
  workbenchVersion: z.string(),
});
export type ProfileJob = z.infer<typeof profileJobSchema>;

/** An import of a teacher file (ONNX, PyTorch checkpoint, safetensors) for a dataset, measured on its test split. */
export const importTeacherJobSchema = z.object({
  type: z.literal('import-teacher'),
  forcedBackend: backendNameSchema.nullable(),
  id: z.string(),
  source: z.string(),
  /** The teacher's folder to create in the workbench home. */
  target: z.string(),
  datasetId: z.string(),
  datasetDirectory: z.string(),
  name: z.string().optional(),
  contract: teacherContractRequestSchema,
  labelsPath: z.string().optional(),
  architecture: z.string().optional(),
});
export type ImportTeacherJob = z.infer<typeof importTeacherJobSchema>;

/** Progress of an import-teacher job: reading the file, measuring it on the test split, writing its folder. */
export const teacherImportProgressSchema = z.object({
  phase: z.enum(['reading', 'measuring', 'writing']),
  done: z.number(),
  total: z.number(),
});
export type TeacherImportProgressReport = z.infer<typeof teacherImportProgressSchema>;

/** Jobs the compute worker runs. */
export const workerJobSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('doctor'), forcedBackend: backendNameSchema.nullable() }),
  trainRunJobSchema,
  importDatasetJobSchema,
  exportRunJobSchema,
  profileJobSchema,
  importTeacherJobSchema,
  generateDemoDatasetJobSchema,
]);
export type WorkerJob = z.infer<typeof workerJobSchema>;

/** How a train-run job ended. */
export const trainRunResultSchema = z.object({
  status: z.enum(['completed', 'stopped']),
  completedEpochs: z.number().int(),
  resumedFromEpoch: z.number().int(),
  backend: z.string(),
  modelDirectory: z.string().nullable(),
});

/** What an import-dataset job produced: the cache folder (renamed into place), its manifest and health report. */
export const importDatasetResultSchema = z.object({
  directory: z.string(),
  format: z.string(),
  manifest: datasetManifestSchema,
  health: healthReportSchema,
  seconds: z.number(),
});

/** What a generate-demo-dataset job wrote: the cache folder and its manifest (with the fingerprint). */
export const generateDemoDatasetResultSchema = z.object({
  directory: z.string(),
  manifest: datasetManifestSchema,
  seconds: z.number(),
});

/** What an export-run job wrote: the folder and its model card (model-card.json's content). */
export const exportRunResultSchema = z.object({ directory: z.string(), card: modelCardSchema });

/** A profile job's figures. */
export const profileResultSchema = z.object({ profile: modelProfileSchema });

/** Progress the worker reports while a train-run job runs. */
export const trainProgressSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('preparing'), message: z.string() }),
  z.object({
    kind: z.literal('batch'),
    epoch: z.number().int(),
    batch: z.number().int(),
    batches: z.number().int(),
    learningRate: z.number(),
    loss: z.object({ total: z.number(), ce: z.number(), kd: z.number(), feature: z.number() }),
    imagesPerSecond: z.number(),
  }),
  z.object({ kind: z.literal('epoch'), record: epochRecordSchema, checkpointPath: z.string().nullable() }),
]);
export type TrainProgress = z.infer<typeof trainProgressSchema>;

/** Progress of an import-dataset job. */
export const importProgressSchema = z.object({
  phase: z.string(),
  done: z.number(),
  total: z.number(),
  unit: z.string(),
  perSecond: z.number(),
  etaSeconds: z.number().nullable(),
  elapsedSeconds: z.number(),
});
export type ImportProgressReport = z.infer<typeof importProgressSchema>;

/** What each job type resolves to. */
export interface WorkerJobResults {
  doctor: z.infer<typeof engineStatusSchema>;
  'train-run': z.infer<typeof trainRunResultSchema>;
  'import-dataset': z.infer<typeof importDatasetResultSchema>;
  'export-run': z.infer<typeof exportRunResultSchema>;
  profile: z.infer<typeof profileResultSchema>;
  'import-teacher': z.infer<typeof teacherRecordSchema>;
  'generate-demo-dataset': z.infer<typeof generateDemoDatasetResultSchema>;
}

/** Messages from the main process to the worker. */
export const toWorkerMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('run'), sequence: z.number().int().nonnegative(), job: workerJobSchema }),
  z.object({ kind: z.literal('stop'), sequence: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('shutdown') }),
]);
export type ToWorkerMessage = z.infer<typeof toWorkerMessageSchema>;

/** Messages from the worker to the main process. */
export const fromWorkerMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready'), pid: z.number().int() }),
  z.object({ kind: z.literal('result'), sequence: z.number().int().nonnegative(), result: z.unknown() }),
  z.object({ kind: z.literal('error'), sequence: z.number().int().nonnegative(), message: z.string() }),
  z.object({ kind: z.literal('progress'), sequence: z.number().int().nonnegative(), progress: z.unknown() }),
]);
export type FromWorkerMessage = z.infer<typeof fromWorkerMessageSchema>;

/** Result schemas, so the main process never trusts a worker payload unchecked. */
export const workerJobResultSchemas = {
  doctor: engineStatusSchema,
  'train-run': trainRunResultSchema,
  'import-dataset': importDatasetResultSchema,
  'export-run': exportRunResultSchema,
  profile: profileResultSchema,
  'import-teacher': teacherRecordSchema,
  'generate-demo-dataset': generateDemoDatasetResultSchema,
} as const satisfies { [Type in WorkerJob['type']]: z.ZodType<WorkerJobResults[Type]> };
