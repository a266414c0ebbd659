import { basename, dirname } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { isBackboneName } from '../../src-shared/domain/backbone-catalog.js';
import type {
  TrainProgress,
  TrainRunJob,
  WorkerJobResults,
} from '../../src-shared/contracts/worker-protocol.js';
import { resolveHyperparameters } from '../../src-shared/domain/method-catalog.js';
import { loadCachedSplit, readManifest, type DatasetManifest } from '../engine/data/cache.js';
import { takeSubset, takeTestSubset } from '../engine/data/subset.js';
import { readLayersModel, writeLayersModel } from '../engine/export/layers-model-files.js';
import {
  activeWebGpuAdapter,
  checkGpuMemory,
  estimateTrainingMemory,
  preparingGpuKernelsMessage,
} from '../engine/backends/webgpu.js';
import { buildBackbone, countTrainableParameters } from '../engine/models/index.js';
import type { Backbone } from '../engine/models/types.js';
import { openImportedTeacher } from '../engine/teachers/teacher-folder.js';
import { isExternalTeacher, type ExternalTeacher } from '../engine/train/teacher-runner.js';
import { trainRun } from '../engine/train/trainer.js';
import type { EpochMetrics } from '../engine/train/trainer.js';

const progressInterval = 200;

/**
 * An imported classifier that is not one of our backbones can still teach with KD, which needs only its
 * logits: it is used as a backbone without feature taps.
 */
function logitsOnlyTeacher(model: tf.LayersModel, student: Backbone, source: string): Backbone {
  const outputShape = model.outputs[0]?.shape ?? [];
  const classes = outputShape[outputShape.length - 1];
  if (model.outputs.length !== 1 || outputShape.length !== 2 || classes !== student.classes) {
    throw new Error(
      `The teacher model ${source} should give one output of ${student.classes} class scores; it gives ` +
        `${model.outputs.map((output) => JSON.stringify(output.shape)).join(', ')}.`,
    );
  }
  return {
    name: model.name,
    model,
    taps: [],
    inputShape: student.inputShape,
    classes,
    parameterCount: countTrainableParameters(model),
  };
}

async function loadTeacher(
  job: TrainRunJob,
  student: Backbone,
  manifest: DatasetManifest,
): Promise<Backbone | ExternalTeacher | null> {
  const teacher = job.teacher;
  if (teacher === null || job.method === 'none') return null;
  if (teacher.source === 'imported') {
    return openImportedTeacher(teacher.directory, manifest.shape, manifest.statistics, teacher.taps);
  }
  const source = teacher.source === 'run' ? teacher.modelDirectory : teacher.modelJsonPath;
  const stored =
    teacher.source === 'run'
      ? await readLayersModel(teacher.modelDirectory)
      : await readLayersModel(dirname(teacher.modelJsonPath), basename(teacher.modelJsonPath));
  let keepStored = false;
  try {
    const backboneName =
      teacher.source === 'run' ? teacher.backbone : isBackboneName(stored.name) ? stored.name : null;
    if (backboneName === null) {
      if (job.method === 'kd') {
        keepStored = true;
        return logitsOnlyTeacher(stored, student, source);
      }
      throw new Error(
        `The teacher model ${source} is not an RTK Workbench backbone (its name is "${stored.name}"), so its ` +
          `feature maps cannot be found: it can teach with KD only.`,
      );
    }
    const built = buildBackbone(backboneName, {
      inputShape: student.inputShape,
      classes: student.classes,
      seed: 0,
    });
    const weights = stored.getWeights();
    if (weights.length !== built.model.weights.length) {
      throw new Error(
        `The teacher model ${source} has ${weights.length} weight tensors; a ${backboneName} ` +
          `for ${student.classes} classes at ${student.inputShape.join('x')} has ${built.model.weights.length}.`,
      );
    }
    built.model.setWeights(weights);
    return built;
  } finally {
    if (!keepStored) stored.dispose();
  }
}

function toRecord(metrics: EpochMetrics): Extract<TrainProgress, { kind: 'epoch' }>['record'] {
  return {
    epoch: metrics.epoch,
    learningRate: metrics.learningRate,
    trainLoss: metrics.train.total,
    trainCe: metrics.train.ce,
    trainKd: metrics.train.kd,
    trainFeature: metrics.train.feature,
    trainTop1: metrics.train.top1,
    testLoss: metrics.test.loss,
    testTop1: metrics.test.top1,
    testTop5: metrics.test.top5,
    seconds: metrics.seconds,
    imagesPerSecond: metrics.imagesPerSecond,
    perClass: [...metrics.test.perClass],
    attention: metrics.attention === null ? null : metrics.attention.map((row) => [...row]),
    selection: metrics.selection === null ? null : metrics.selection.map((row) => [...row]),
  };
}

/**
 * Trains one run in the worker: loads the cached dataset, builds the student (and the trained teacher),
 * trains with a checkpoint after every epoch (resuming from the last one when there is one), and saves the
 * trained student as a TFJS layers model in the run's folder.
 */
export async function runTrainJob(
  job: TrainRunJob,
  backend: string,
  report: (progress: TrainProgress) => void,
  signal: AbortSignal,
): Promise<WorkerJobResults['train-run']> {
  report({ kind: 'preparing', message: 'Loading the dataset' });
  const manifest = readManifest(job.datasetDirectory);
  const train = takeSubset(loadCachedSplit(job.datasetDirectory, 'train'), job.subset.trainImages, job.seed);
  const test = takeTestSubset(loadCachedSplit(job.datasetDirectory, 'test'), job.subset.testImages);
  report({ kind: 'preparing', message: 'Building the networks' });
  const student = buildBackbone(job.student.backbone, {
    inputShape: manifest.shape,
    classes: manifest.classNames.length,
    seed: job.seed,
  });
  const teacher = await loadTeacher(job, student, manifest);
  try {
    const hyperparameters = resolveHyperparameters(job.method, job.hyperparameters, {
      teacher: teacher?.taps.length ?? 0,
      student: student.taps.length,
    });
    let lastBatchReport = 0;
    if (backend === 'webgpu') {
      const adapter = activeWebGpuAdapter();
      if (adapter !== null) {
        const estimate = estimateTrainingMemory({
          student: job.student.backbone,
          teacher: teacher === null || isExternalTeacher(teacher) ? null : teacher.name,
          sizes: { inputShape: manifest.shape, classes: manifest.classNames.length },
          batchSize: job.batchSize,
        });
        checkGpuMemory(estimate, job.batchSize, adapter);
      }
    }
    report({
      kind: 'preparing',
      message: backend === 'webgpu' ? preparingGpuKernelsMessage : 'Preparing the compute kernels',
    });
    const result = await trainRun(
      {
        hyperparameters,
        epochs: job.epochs,
        batchSize: job.batchSize,
        learningRate: job.learningRate,
        momentum: job.momentum,
        weightDecay: job.weightDecay,
        schedule: job.learningRateSchedule,
        warmupEpochs: job.warmupEpochs,
        seed: job.seed,
        augmentation: job.augmentation,
        evaluationBatchSize: 256,
        checkpointDirectory: job.checkpointDirectory,
        resume: true,
      },
      { student, teacher },
      { train, test, statistics: manifest.statistics },
      {
        signal,
        recordedEpochs: job.recordedEpochs,
        onTeacherReady: (engine) => report({ kind: 'preparing', message: `The teacher runs in ${engine}` }),
        onBatch: (progress) => {
          const now = performance.now();
          if (now - lastBatchReport < progressInterval && progress.batch !== progress.batches) return;
          lastBatchReport = now;
          report({ kind: 'batch', ...progress, loss: { ...progress.loss } });
        },
        onEpoch: (metrics) =>
          report({ kind: 'epoch', record: toRecord(metrics), checkpointPath: job.checkpointDirectory }),
      },
    );
    const completed = result.status === 'completed';
    if (completed) {
      await writeLayersModel(student.model, job.modelDirectory, {
        precision: 'float32',
        replace: true,
        userDefinedMetadata: { rtkWorkbench: { backbone: student.name, runId: job.runId } },
      });
    }
    return {
      status: result.status,
      completedEpochs: result.completedEpochs,
      resumedFromEpoch: result.resumedFromEpoch,
      backend,
      modelDirectory: completed ? job.modelDirectory : null,
    };
  } finally {
    student.model.dispose();
    if (teacher !== null) {
      if (isExternalTeacher(teacher)) teacher.dispose();
      else teacher.model.dispose();
    }
  }
}
