import { z } from 'zod';
import { defineCall, defineEvent } from './define.js';
import type { AppInfo, DatasetSummary, ExperimentSummary } from './domain-types.js';
import { workerStateSchema } from './domain-types.js';
import type { WorkerState } from './domain-types.js';
import { demoStatusSchema } from './demo-types.js';
import type { DemoStatus } from './demo-types.js';
import { engineStatusSchema } from './engine-status.js';
import { runEpochEventSchema, runProgressSchema, runSummarySchema } from './run-types.js';
import type { EpochRecord, ExperimentResults, RunSummary } from './run-types.js';
import { importProgressSchema, teacherImportProgressSchema } from './worker-protocol.js';
import { teacherContractRequestSchema } from './teacher-types.js';
import type { TeacherRecord } from './teacher-types.js';
import {
  deletionArgumentsSchema,
  deletionPreviewArgumentsSchema,
  renameArgumentsSchema,
  workbenchChangeSchema,
} from './deletion-types.js';
import type { DeletionOutcome, DeletionPlan } from './deletion-types.js';
import { experimentSpecSchema } from '../domain/experiment-spec.js';
import type { ExperimentSpec } from '../domain/experiment-spec.js';
import type { TeacherMeasurement, TestEvaluation } from '../domain/figure-definitions.js';
import type { MethodHyperparameterTable } from '../domain/resolved-hyperparameters.js';
import type { EngineStatus } from './engine-status.js';
import type { ModelCard } from './model-card.js';
import type { DatasetManifest, HealthReport } from './dataset-manifest.js';
import type { ModelProfile } from './model-profile.js';

/** What the home screen shows in one round trip. */
export interface HomeData {
  readonly app: AppInfo;
  readonly engine: EngineStatus | null;
  readonly engineError: string | null;
  readonly worker: WorkerState;
  readonly datasets: readonly DatasetSummary[];
  readonly experiments: readonly ExperimentSummary[];
}

const noArguments = z.object({}).strict();
const byId = z.object({ id: z.string().min(1) }).strict();

/** A dataset with its manifest and health report. */
export interface DatasetDetails {
  readonly dataset: DatasetSummary;
  readonly manifest: DatasetManifest;
  readonly health: HealthReport;
}

/** The result of an import: the dataset, and whether identical content was already imported. */
export interface ImportOutcome {
  readonly dataset: DatasetSummary;
  readonly alreadyImported: boolean;
  readonly seconds: number;
}

/** An experiment with its spec and runs. */
export interface ExperimentDetails {
  readonly experiment: ExperimentSummary;
  readonly spec: ExperimentSpec;
  readonly runs: readonly RunSummary[];
  /** Per method, every hyperparameter its runs use: set in the spec, a default, or derived from the taps. */
  readonly hyperparameters: MethodHyperparameterTable;
  /** Which images the runs' figures, and the teacher's, are measured on. */
  readonly measurement: {
    readonly test: TestEvaluation | null;
    readonly teacher: TeacherMeasurement;
  };
}

/** A run with every recorded epoch. */
export interface RunDetails {
  readonly run: RunSummary;
  readonly epochs: readonly EpochRecord[];
}

/** Sample thumbnails of a dataset, per class index, as PNG data: URLs. */
export interface DatasetThumbnails {
  readonly classNames: readonly string[];
  readonly thumbnails: readonly (readonly string[])[];
}

/** How long an experiment is expected to train on this machine. */
export interface ExperimentEstimate {
  readonly seconds: number;
  /** Runs the experiment would create: the teacher's own (if trained) and methods × seeds. */
  readonly runCount: number;
  /** True when the speed comes from epochs this machine trained; false for the fixed conservative figure. */
  readonly measured: boolean;
}

/** The arguments of a dataset import. */
export const importDatasetArgumentsSchema = z
  .object({
    source: z.string().min(1, 'pick a file or folder'),
    format: z.enum(['auto', 'cifar10', 'cifar100', 'svhn', 'cinic10', 'folder', 'idx']).default('auto'),
    name: z
      .string()
      .trim()
      .min(1, 'a name cannot be empty or blank; leave it out to use the folder name')
      .max(200)
      .optional(),
    size: z.number().int().min(8).max(1024).optional(),
    channels: z.union([z.literal(1), z.literal(3)]).optional(),
    validationFraction: z.number().min(0).lt(1).optional(),
    seed: z.number().int().min(0).optional(),
    cifar100Labels: z.enum(['fine', 'coarse']).optional(),
  })
  .strict();

export type { LatencyFigures, ModelProfile } from './model-profile.js';

/** A verified export of a run's student, with its model card (model-card.json). */
export interface ExportRecord {
  readonly id: string;
  /** What the lists call it: the folder's name unless the user renamed it. */
  readonly name: string;
  readonly runId: string;
  readonly format: 'tfjs' | 'onnx';
  readonly precision: 'float32' | 'float16' | 'uint8';
  readonly directory: string;
  readonly createdAt: string;
  readonly card: ModelCard;
}

/** One entry of a folder listing. */
export interface PathEntry {
  readonly name: string;
  readonly path: string;
  readonly kind: 'file' | 'folder';
  /** Size in bytes; null for folders. */
  readonly sizeBytes: number | null;
}

/** A folder's contents for the lab-mode path browser, which serves only paths under its roots. */
export interface PathListing {
  /** The folder listed, symlinks resolved. */
  readonly path: string;
  /** The folder above, or null when that is outside every root. */
  readonly parent: string | null;
  /** The folders that may be browsed. */
  readonly roots: readonly string[];
  /** Folders first, then files, each sorted by name; hidden (dot) entries left out. */
  readonly entries: readonly PathEntry[];
  /** True when the folder holds more entries than are listed. */
  readonly truncated: boolean;
  /** Entries left out because their name is not valid UTF-8 or they could not be read. */
  readonly unreadable: number;
}

/** The arguments of an export. */
export const exportRunArgumentsSchema = z
  .object({
    runId: z.string().min(1),
    /** Where to write the export; left out, it goes to the workbench home's exports folder. */
    outDirectory: z.string().min(1, 'pick a folder').optional(),
    format: z.enum(['tfjs', 'onnx']).optional(),
    precision: z.enum(['float32', 'float16', 'uint8']).optional(),
    preset: z.enum(['browser', 'node', 'onnx-desktop', 'onnx-mobile', 'microcontroller']).optional(),
    layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
    probabilities: z.boolean().default(false),
    force: z.boolean().default(false),
  })
  .strict();

/** What to profile: a run's trained student, or a backbone before training. */
export const profileModelArgumentsSchema = z.union([
  z.object({ runId: z.string().min(1) }).strict(),
  z
    .object({
      backbone: z.string().min(1),
      classes: z.number().int().min(2),
      inputShape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
    })
    .strict(),
]);

/** The arguments of a teacher import: the file, the dataset it teaches, and how it wants its pixels. */
export const importTeacherArgumentsSchema = z
  .object({
    source: z.string().min(1, 'pick the teacher file'),
    datasetId: z.string().min(1, 'pick the dataset the teacher was trained for'),
    name: z.string().trim().min(1).max(200).optional(),
    contract: teacherContractRequestSchema.default({}),
    /** A text file with one class name per line, in the teacher's output order. */
    labelsPath: z.string().min(1).optional(),
    /** For checkpoints: the catalog backbone it must be (inferred from its keys when left out). */
    architecture: z.string().min(1).optional(),
  })
  .strict();
export type ImportTeacherArguments = z.output<typeof importTeacherArgumentsSchema>;

/**
 * Every call the UI can make. The key is the function name the preload and the lab client expose; the channel
 * is the name on the wire (IPC channel, HTTP path).
 */
export const workbenchCalls = {
  /** Everything the home screen needs: app facts, engine status, datasets and experiments. */
  getHome: defineCall<HomeData>()('home:get', noArguments),
  /** The compute engine's status from the worker's doctor job; `refresh` runs doctor again. */
  getEngineStatus: defineCall<EngineStatus>()(
    'engine:status',
    z.object({ refresh: z.boolean().default(false) }).strict(),
  ),
  /** The datasets in the store, newest first. */
  listDatasets: defineCall<DatasetSummary[]>()('datasets:list', noArguments),
  /** The experiments in the store, newest first. */
  listExperiments: defineCall<ExperimentSummary[]>()(
    'experiments:list',
    z.object({ datasetId: z.string().min(1).optional() }).strict(),
  ),
  /** Imports a dataset file or folder; progress arrives as onImportProgress events. */
  importDataset: defineCall<ImportOutcome>()('datasets:import', importDatasetArgumentsSchema),
  /** One dataset with its manifest and health report. */
  getDataset: defineCall<DatasetDetails>()('datasets:get', byId),
  /** Stops the dataset import in flight; nothing is added. A run that trains meanwhile is not touched. */
  cancelImport: defineCall<{ stopped: boolean }>()('datasets:cancel-import', noArguments),
  /** The sample thumbnails the import saved, per class. */
  getDatasetThumbnails: defineCall<DatasetThumbnails>()('datasets:thumbnails', byId),
  /** Generates the demo dataset (shapes and textures) into the cache, or returns it if it is already there. */
  createDemoDataset: defineCall<DatasetSummary>()('datasets:demo', noArguments),
  /**
   * Starts the one-click demo (demo dataset, a teacher, students with RTK, KD and alone, export of the
   * recommended student) and resolves once its experiment exists; while a demo runs, returns that one.
   */
  startDemo: defineCall<DemoStatus>()('demo:start', noArguments),
  /** The demo this workbench process started last (running or ended), or null. */
  getDemo: defineCall<{ demo: DemoStatus | null }>()('demo:get', noArguments),
  /** Validates an experiment spec, creates its runs (methods × seeds, plus the teacher) and queues them. */
  createExperiment: defineCall<ExperimentDetails>()(
    'experiments:create',
    z.object({ spec: experimentSpecSchema }).strict(),
  ),
  /** The expected training time of a spec, from the speed this machine measured on the same backbones. */
  estimateExperiment: defineCall<ExperimentEstimate>()(
    'experiments:estimate',
    z.object({ spec: experimentSpecSchema }).strict(),
  ),
  /** One experiment with its spec and runs. */
  getExperiment: defineCall<ExperimentDetails>()('experiments:get', byId),
  /** Mean ± std over seeds per method, gains over the student alone, per-class deltas. */
  getExperimentResults: defineCall<ExperimentResults>()('experiments:results', byId),
  /** Runs, most recently queued first, optionally of one experiment. */
  listRuns: defineCall<RunSummary[]>()(
    'runs:list',
    z.object({ experimentId: z.string().min(1).optional() }).strict(),
  ),
  /** One run with every recorded epoch. */
  getRun: defineCall<RunDetails>()('runs:get', byId),
  /** Pauses a running run after its current batch, or holds a queued one. */
  pauseRun: defineCall<RunSummary>()('runs:pause', byId),
  /** Queues a paused, interrupted or failed run again; it continues from its last checkpoint. */
  resumeRun: defineCall<RunSummary>()('runs:resume', byId),
  /** Cancels a run. */
  cancelRun: defineCall<RunSummary>()('runs:cancel', byId),
  /** Exports a finished run's student (TFJS or ONNX), verified against the in-app model, with a model card. */
  exportRun: defineCall<ExportRecord>()('exports:create', exportRunArgumentsSchema),
  /** The exports made so far, newest first, optionally of one run. */
  listExports: defineCall<ExportRecord[]>()(
    'exports:list',
    z.object({ runId: z.string().min(1).optional() }).strict(),
  ),
  /** Opens an export's folder in the system file manager; desktop app only (lab mode shows the path). */
  openExportFolder: defineCall<{ opened: boolean }>()('exports:open-folder', byId),
  /** Asks for a file or folder with the desktop app's native dialog; null when the user cancels. */
  pickPath: defineCall<{ path: string | null }>()(
    'dialog:pick-path',
    z.object({ kind: z.enum(['file', 'folder']) }).strict(),
  ),
  /**
   * Lists a folder under the browse roots (the first root when no path is given; a file's own folder for a
   * file) for lab mode, where there is no native dialog. `kind: 'folder'` lists folders only.
   */
  browsePath: defineCall<PathListing>()(
    'files:browse',
    z.object({ path: z.string().optional(), kind: z.enum(['file', 'folder']) }).strict(),
  ),
  /** Parameters, MACs, file sizes, peak activation memory and measured latency of a run's student or a backbone. */
  profileModel: defineCall<ModelProfile>()('models:profile', profileModelArgumentsSchema),
  /** Imports a teacher file (ONNX, PyTorch, safetensors) and measures it on the dataset's test split. */
  importTeacher: defineCall<TeacherRecord>()('teachers:import', importTeacherArgumentsSchema),
  /** The imported teachers, newest first, optionally of one dataset. */
  listTeachers: defineCall<TeacherRecord[]>()(
    'teachers:list',
    z.object({ datasetId: z.string().min(1).optional() }).strict(),
  ),
  /** One imported teacher. */
  getTeacher: defineCall<TeacherRecord>()('teachers:get', byId),
  /** Exactly what deleting a thing would remove and keep, and whether it may go with these options. */
  describeDeletion: defineCall<DeletionPlan>()('deletions:describe', deletionPreviewArgumentsSchema),
  /** Deletes a dataset and its imported copy; its experiments and teachers only with `withDependents`. */
  deleteDataset: defineCall<DeletionOutcome>()('datasets:delete', deletionArgumentsSchema),
  /** Renames a dataset. */
  renameDataset: defineCall<DatasetSummary>()('datasets:rename', renameArgumentsSchema),
  /** Deletes an experiment with its runs, their checkpoints, models and export records. */
  deleteExperiment: defineCall<DeletionOutcome>()('experiments:delete', deletionArgumentsSchema),
  /** Renames an experiment. */
  renameExperiment: defineCall<ExperimentSummary>()('experiments:rename', renameArgumentsSchema),
  /** Deletes a run that is not training, with its folder and export records. */
  deleteRun: defineCall<DeletionOutcome>()('runs:delete', deletionArgumentsSchema),
  /** Deletes an export's record and, when the workbench wrote it and it holds nothing else, its folder. */
  deleteExport: defineCall<DeletionOutcome>()('exports:delete', deletionArgumentsSchema),
  /** Renames an export (its folder keeps its name). */
  renameExport: defineCall<ExportRecord>()('exports:rename', renameArgumentsSchema),
  /** Deletes an imported teacher and its converted files; the user's own teacher file is never touched. */
  deleteTeacher: defineCall<DeletionOutcome>()('teachers:delete', deletionArgumentsSchema),
  /** Renames an imported teacher. */
  renameTeacher: defineCall<TeacherRecord>()('teachers:rename', renameArgumentsSchema),
} as const;

/** Every event the UI can receive. */
export const workbenchEvents = {
  /** The engine status changed (doctor ran again, or the worker restarted). */
  onEngineStatus: defineEvent('engine:status-changed', engineStatusSchema),
  /** The compute worker changed state: started, crashed and restarted, stopped. */
  onWorkerState: defineEvent('worker:state-changed', workerStateSchema),
  /** A run changed status (queued, running, paused, interrupted, failed, done, cancelled) or finished an epoch. */
  onRunStatus: defineEvent('runs:status-changed', runSummarySchema),
  /** Live training progress of the running run, a few times a second at most. */
  onRunProgress: defineEvent('runs:progress', runProgressSchema),
  /** A run finished an epoch; its metrics. */
  onRunEpoch: defineEvent('runs:epoch', runEpochEventSchema),
  /** Progress of the dataset import in flight. */
  onImportProgress: defineEvent('datasets:import-progress', importProgressSchema),
  /** The demo moved on: its phase, runs done, the export once written, or why it stopped. */
  onDemoStatus: defineEvent('demo:status-changed', demoStatusSchema),
  /** Progress of the teacher import in flight: reading, measuring on the test split, writing. */
  onTeacherImportProgress: defineEvent('teachers:import-progress', teacherImportProgressSchema),
  /** Things were deleted or renamed: lists that show them reload. */
  onWorkbenchChanged: defineEvent('workbench:changed', workbenchChangeSchema),
} as const;

export type WorkbenchCalls = typeof workbenchCalls;
export type CallName = keyof WorkbenchCalls;
export type EventName = keyof typeof workbenchEvents;

/** The arguments a caller passes (defaults may be left out). */
export type CallInput<Name extends CallName> = z.input<WorkbenchCalls[Name]['arguments']>;
/** The arguments a handler receives (after validation and defaults). */
export type CallArguments<Name extends CallName> = z.output<WorkbenchCalls[Name]['arguments']>;
/** What a call resolves to. */
export type CallResult<Name extends CallName> = NonNullable<WorkbenchCalls[Name]['result']>;
/** The payload of an event. */
export type EventPayload<Name extends EventName> = z.output<(typeof workbenchEvents)[Name]['payload']>;

/** The API as the renderer sees it: one named async function per call and one subscriber per event. */
export type WorkbenchApi = {
  readonly [Name in CallName]: (argumentsValue?: CallInput<Name>) => Promise<CallResult<Name>>;
} & {
  readonly [Name in EventName]: (listener: (payload: EventPayload<Name>) => void) => () => void;
};

/** The services side: one handler per call, receiving validated arguments. */
export type WorkbenchHandlers = {
  readonly [Name in CallName]: (argumentsValue: CallArguments<Name>) => Promise<CallResult<Name>>;
};

export const callNames = Object.keys(workbenchCalls) as CallName[];
export const eventNames = Object.keys(workbenchEvents) as EventName[];

/** Finds the call name for a wire channel, or undefined for a channel that is not ours. */
export function callNameForChannel(channel: string): CallName | undefined {
  return callNames.find((name) => workbenchCalls[name].channel === channel);
}
