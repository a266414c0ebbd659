import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CallArguments, ExportRecord, ModelProfile } from '../../src-shared/contracts/api.js';
import type { BackendName } from '../../src-shared/contracts/engine-status.js';
import type { RunSummary } from '../../src-shared/contracts/run-types.js';
import type { ExportRunJob } from '../../src-shared/contracts/worker-protocol.js';
import { describeBackbone } from '../../src-shared/domain/backbone-catalog.js';
import type { ExperimentSpec } from '../../src-shared/domain/experiment-spec.js';
import { exportFolderName } from '../../src-shared/domain/export-naming.js';
import { hyperparameterValues } from '../../src-shared/domain/resolved-hyperparameters.js';
import { trainingRecipeOf } from '../../src-shared/domain/training-recipe.js';
import type { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import { homeLayout } from '../store/home-layout.js';
import type { StoredTeacher } from '../store/repositories/teachers-repository.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import { checkExportDestination } from './export-destination.js';
import type { CheckedDestination } from './export-destination.js';
import {
  methodHyperparameters,
  teacherMeasurementOf,
  testEvaluationOfExperiment,
} from './experiment-facts.js';
import { describeStorageFailure, isDiskFull } from './storage-failure.js';
import { workbenchVersion } from './version.js';

/** What the export use cases need. */
export interface ExportsContext {
  readonly store: WorkbenchStore;
  readonly supervisor: WorkerSupervisor;
  readonly homeDirectory: string;
  readonly forcedBackend: BackendName | null;
}

/** Runs an export job, saying in plain words when the destination's disk filled up during it. */
async function runExportJob<Result>(outDirectory: string, job: () => Promise<Result>): Promise<Result> {
  try {
    return await job();
  } catch (error) {
    if (!isDiskFull(error)) throw error;
    throw new Error(`${describeStorageFailure(error, outDirectory) ?? String(error)} Nothing was written.`, {
      cause: error,
    });
  }
}

/**
 * Where an export goes when the user names no folder: a new folder called `name` in the workbench home's own
 * exports folder, numbered when that name is taken.
 */
export function managedExportDirectory(homeDirectory: string, name: string): string {
  const { exportsFolder } = homeLayout(homeDirectory);
  for (let number = 1; ; number += 1) {
    const candidate = join(exportsFolder, number === 1 ? name : `${name}-${number}`);
    if (!existsSync(candidate)) return candidate;
  }
}

type StoredDataset = NonNullable<ReturnType<WorkbenchStore['datasets']['get']>>;
type StoredExperiment = NonNullable<ReturnType<WorkbenchStore['experiments']['get']>>;

/** A finished run with the experiment and the dataset it was trained in. */
interface ExportedRun {
  readonly run: RunSummary;
  readonly experiment: StoredExperiment;
  readonly dataset: StoredDataset;
}

/** Who taught the run, as the model card names it, and how accurate that teacher was. */
interface ExportTeacher {
  /** Null for a teacher's own run and for the student alone. */
  readonly name: string | null;
  readonly run: RunSummary | undefined;
  readonly record: StoredTeacher['record'] | undefined;
  readonly top1: number | null;
}

/** The run to export with its experiment and dataset; throws a readable error when any is missing or unfinished. */
function resolveExportedRun(store: WorkbenchStore, runId: string): ExportedRun {
  const run = store.runs.get(runId);
  if (run === undefined) throw new Error(`There is no run ${runId}.`);
  if (run.status !== 'done') {
    throw new Error(
      `Run ${run.id} is ${run.status}; only a run that finished training has a model to export.`,
    );
  }
  const experiment = store.experiments.get(run.experimentId);
  if (experiment === undefined) throw new Error(`Run ${run.id} belongs to a missing experiment.`);
  const dataset = store.datasets.get(experiment.spec.datasetId);
  if (dataset === undefined) throw new Error(`The dataset of run ${run.id} is no longer in the workbench.`);
  return { run, experiment, dataset };
}

function resolveExportTeacher(store: WorkbenchStore, run: RunSummary, spec: ExperimentSpec): ExportTeacher {
  const teacherRun = run.teacherRunId === null ? undefined : store.runs.get(run.teacherRunId);
  const teacherRecord =
    spec.teacher.source === 'imported' ? store.teachers.get(spec.teacher.teacherId)?.record : undefined;
  const name =
    run.role === 'teacher' || run.method === 'none'
      ? null
      : spec.teacher.source === 'import'
        ? spec.teacher.modelJsonPath
        : spec.teacher.source === 'imported'
          ? `imported ${teacherRecord?.name ?? spec.teacher.teacherId} (${teacherRecord?.format ?? 'missing'})`
          : (teacherRun?.backbone ?? null);
  const top1 =
    name === null
      ? null
      : teacherRecord !== undefined
        ? teacherRecord.testTop1 / 100
        : (teacherRun?.lastTestTop1 ?? null);
  return { name, run: teacherRun, record: teacherRecord, top1 };
}

/**
 * Where the export goes: a new numbered folder in the home's exports folder when the user names none, else the
 * named folder once checked (with room for the export, and previous exports it replaces when forced).
 */
function chooseExportDestination(
  context: ExportsContext,
  request: CallArguments<'exportRun'>,
  { run, experiment, dataset }: ExportedRun,
): CheckedDestination {
  const { classCount: classes, imageHeight, imageWidth, channels } = dataset;
  const parameterBytes =
    4 *
    describeBackbone(run.backbone, { classes, inputShape: [imageHeight, imageWidth, channels] })
      .parameterCount;
  // The TFJS copy (which the demo page runs) always, the ONNX file when asked, the page's scripts and the card.
  const neededBytes =
    parameterBytes * (request.format === 'onnx' || request.preset?.startsWith('onnx') ? 2 : 1) + 16e6;
  return request.outDirectory === undefined
    ? {
        directory: managedExportDirectory(
          context.homeDirectory,
          exportFolderName({
            experimentName: experiment.name,
            method: run.method,
            seed: run.seed,
            target: request.preset ?? `${request.format ?? 'tfjs'}-${request.precision ?? 'float32'}`,
          }),
        ),
        replacedExportIds: [],
      }
    : checkExportDestination({
        store: context.store,
        homeDirectory: context.homeDirectory,
        outDirectory: request.outDirectory,
        force: request.force,
        neededBytes,
      });
}

/** What the model card says about how the run was trained and by which teacher. */
function trainingFactsOf(
  store: WorkbenchStore,
  { run, experiment, dataset }: ExportedRun,
  teacher: ExportTeacher,
): ExportRunJob['training'] {
  const spec = experiment.spec;
  const hyperparameters = methodHyperparameters(store, spec, dataset)[run.method] ?? [];
  return {
    runId: run.id,
    datasetName: dataset.name,
    teacher: teacher.name,
    method: run.method,
    hyperparameters: hyperparameterValues(hyperparameters),
    resolvedHyperparameters: [...hyperparameters],
    seed: run.seed,
    epochs: run.epochsDone,
    testTop1: run.lastTestTop1,
    testEvaluation: testEvaluationOfExperiment(spec, dataset),
    recipe: trainingRecipeOf(spec, dataset, run.epochsTotal),
    teacherAccuracy:
      teacher.name === null
        ? null
        : { top1: teacher.top1, measurement: teacherMeasurementOf(store, spec, dataset) },
    importedTeacher:
      teacher.record === undefined || teacher.name === null
        ? null
        : {
            name: teacher.record.name,
            file: teacher.record.sourcePath,
            format: teacher.record.format,
            fingerprint: teacher.record.fingerprint,
            testTop1: teacher.record.testTop1,
          },
  };
}

/** The worker's export job for the run, writing into `outDirectory`. */
function exportJobOf(
  context: ExportsContext,
  request: CallArguments<'exportRun'>,
  exported: ExportedRun,
  teacher: ExportTeacher,
  outDirectory: string,
): ExportRunJob {
  const { run, experiment, dataset } = exported;
  return {
    type: 'export-run',
    forcedBackend: context.forcedBackend,
    modelDirectory: homeLayout(context.homeDirectory).runModelFolder(run.id),
    datasetDirectory: dataset.cachePath,
    outDirectory,
    ...(request.format === undefined ? {} : { format: request.format }),
    ...(request.precision === undefined ? {} : { precision: request.precision }),
    ...(request.preset === undefined ? {} : { preset: request.preset }),
    layout: request.layout,
    probabilities: request.probabilities,
    force: request.force,
    training: trainingFactsOf(context.store, exported, teacher),
    testImageLimit: experiment.spec.subset?.testImages ?? null,
    workbenchVersion,
  };
}

/** Exports a finished run's student in the worker, then records the export in the store. */
export async function exportRun(
  context: ExportsContext,
  request: CallArguments<'exportRun'>,
  onProgress: (message: string) => void = () => undefined,
): Promise<ExportRecord> {
  const exported = resolveExportedRun(context.store, request.runId);
  const teacher = resolveExportTeacher(context.store, exported.run, exported.experiment.spec);
  const exportId = randomUUID();
  const destination = chooseExportDestination(context, request, exported);
  const outDirectory = destination.directory;
  const result = await runExportJob(outDirectory, () =>
    context.supervisor.run(exportJobOf(context, request, exported, teacher, outDirectory), (progress) => {
      if (typeof progress === 'object' && progress !== null && 'message' in progress) {
        onProgress(String(progress.message));
      }
    }),
  );
  for (const replaced of destination.replacedExportIds) context.store.exports.remove(replaced);
  return context.store.exports.insert({
    id: exportId,
    name: basename(result.directory),
    runId: exported.run.id,
    format: result.card.format,
    precision: result.card.precision,
    directory: result.directory,
    createdAt: new Date().toISOString(),
    card: result.card,
  });
}

/** The recorded exports, newest first, optionally of one run. */
export function listExports(context: ExportsContext, runId: string | undefined): ExportRecord[] {
  return context.store.exports.list(runId);
}

/** Profiles a run's trained student or an untrained backbone in the worker. */
export async function profileModel(
  context: ExportsContext,
  request: CallArguments<'profileModel'>,
): Promise<ModelProfile> {
  let source:
    | { kind: 'model'; modelDirectory: string }
    | {
        kind: 'backbone';
        backbone: string;
        classes: number;
        inputShape: [number, number, number];
      };
  if ('runId' in request) {
    const run = context.store.runs.get(request.runId);
    if (run === undefined) throw new Error(`There is no run ${request.runId}.`);
    if (run.status !== 'done') {
      throw new Error(
        `Run ${run.id} is ${run.status}; profile its backbone (${run.backbone}) before training instead.`,
      );
    }
    source = { kind: 'model', modelDirectory: homeLayout(context.homeDirectory).runModelFolder(run.id) };
  } else {
    source = {
      kind: 'backbone',
      backbone: request.backbone,
      classes: request.classes,
      inputShape: request.inputShape,
    };
  }
  const result = await context.supervisor.run({
    type: 'profile',
    forcedBackend: context.forcedBackend,
    source,
    workbenchVersion,
  });
  return result.profile;
}
