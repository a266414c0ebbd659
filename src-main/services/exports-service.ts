import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CallArguments, ExportRecord, ModelProfile } from '../../src-shared/contracts/api.js';
import type { BackendName } from '../../src-shared/contracts/engine-status.js';
import { describeBackbone } from '../../src-shared/domain/backbone-catalog.js';
import { exportFolderName } from '../../src-shared/domain/export-naming.js';
import { hyperparameterValues } from '../../src-shared/domain/resolved-hyperparameters.js';
import { trainingRecipeOf } from '../../src-shared/domain/training-recipe.js';
import type { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import { homeLayout } from '../store/home-layout.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import { checkExportDestination } from './export-destination.js';
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

/** Exports a finished run's student in the worker, then records the export in the store. */
export async function exportRun(
  context: ExportsContext,
  request: CallArguments<'exportRun'>,
  onProgress: (message: string) => void = () => undefined,
): Promise<ExportRecord> {
  const run = context.store.runs.get(request.runId);
  if (run === undefined) throw new Error(`There is no run ${request.runId}.`);
  if (run.status !== 'done') {
    throw new Error(
      `Run ${run.id} is ${run.status}; only a run that finished training has a model to export.`,
    );
  }
  const experiment = context.store.experiments.get(run.experimentId);
  if (experiment === undefined) throw new Error(`Run ${run.id} belongs to a missing experiment.`);
  const spec = experiment.spec;
  const dataset = context.store.datasets.get(spec.datasetId);
  if (dataset === undefined) throw new Error(`The dataset of run ${run.id} is no longer in the workbench.`);
  const teacherRun = run.teacherRunId === null ? undefined : context.store.runs.get(run.teacherRunId);
  const teacherRecord =
    spec.teacher.source === 'imported'
      ? context.store.teachers.get(spec.teacher.teacherId)?.record
      : undefined;
  const teacher =
    run.role === 'teacher' || run.method === 'none'
      ? null
      : spec.teacher.source === 'import'
        ? spec.teacher.modelJsonPath
        : spec.teacher.source === 'imported'
          ? `imported ${teacherRecord?.name ?? spec.teacher.teacherId} (${teacherRecord?.format ?? 'missing'})`
          : (teacherRun?.backbone ?? null);
  const exportId = randomUUID();
  const { classCount: classes, imageHeight, imageWidth, channels } = dataset;
  const parameterBytes =
    4 *
    describeBackbone(run.backbone, { classes, inputShape: [imageHeight, imageWidth, channels] })
      .parameterCount;
  // The TFJS copy (which the demo page runs) always, the ONNX file when asked, the page's scripts and the card.
  const neededBytes =
    parameterBytes * (request.format === 'onnx' || request.preset?.startsWith('onnx') ? 2 : 1) + 16e6;
  const destination =
    request.outDirectory === undefined
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
  const outDirectory = destination.directory;
  const hyperparameters = methodHyperparameters(context.store, spec, dataset)[run.method] ?? [];
  const teacherTop1 =
    teacher === null
      ? null
      : teacherRecord !== undefined
        ? teacherRecord.testTop1 / 100
        : (teacherRun?.lastTestTop1 ?? null);
  const result = await runExportJob(outDirectory, () =>
    context.supervisor.run(
      {
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
        training: {
          runId: run.id,
          datasetName: dataset.name,
          teacher,
          method: run.method,
          hyperparameters: hyperparameterValues(hyperparameters),
          resolvedHyperparameters: [...hyperparameters],
          seed: run.seed,
          epochs: run.epochsDone,
          testTop1: run.lastTestTop1,
          testEvaluation: testEvaluationOfExperiment(spec, dataset),
          recipe: trainingRecipeOf(spec, dataset, run.epochsTotal),
          teacherAccuracy:
            teacher === null
              ? null
              : { top1: teacherTop1, measurement: teacherMeasurementOf(context.store, spec, dataset) },
          importedTeacher:
            teacherRecord === undefined || teacher === null
              ? null
              : {
                  name: teacherRecord.name,
                  file: teacherRecord.sourcePath,
                  format: teacherRecord.format,
                  fingerprint: teacherRecord.fingerprint,
                  testTop1: teacherRecord.testTop1,
                },
        },
        testImageLimit: spec.subset?.testImages ?? null,
        workbenchVersion,
      },
      (progress) => {
        if (typeof progress === 'object' && progress !== null && 'message' in progress) {
          onProgress(String(progress.message));
        }
      },
    ),
  );
  for (const replaced of destination.replacedExportIds) context.store.exports.remove(replaced);
  return context.store.exports.insert({
    id: exportId,
    name: basename(result.directory),
    runId: run.id,
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
