import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs';
import type { MethodHyperparameters } from '../../../src-shared/domain/method-catalog.js';
import { BatchAssembler, type AugmentationOptions } from '../data/augment.js';
import type { ChannelStatistics, ImageSplit } from '../data/types.js';
import {
  createDistiller,
  teacherBatchTensors,
  type Distiller,
  type TeacherBatch,
} from '../distill/distiller.js';
import { runBackbone } from '../models/index.js';
import type { Backbone } from '../models/types.js';
import { readCheckpoint, writeCheckpoint, type CheckpointTensor } from './checkpoint.js';
import { evaluate, type EvaluationMetrics } from './evaluate.js';
import { SgdMomentum } from './optimizer.js';
import { Random, type RandomState } from './random.js';
import { learningRateAt, type LearningRateSchedule } from './schedule.js';
import {
  createTeacherRunner,
  isExternalTeacher,
  type ExternalTeacher,
  type TeacherRunner,
} from './teacher-runner.js';

/** Everything that defines a training run; a plain object that can be stored and compared. */
export interface TrainConfig {
  /** Method and fully resolved hyperparameters (see resolveHyperparameters in the method catalog). */
  readonly hyperparameters: MethodHyperparameters;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly schedule: LearningRateSchedule;
  readonly warmupEpochs: number;
  /** Seeds shuffling, augmentation and the distillation module's initial weights. */
  readonly seed: number;
  readonly augmentation: AugmentationOptions;
  /** Batch size of the per-epoch evaluation. */
  readonly evaluationBatchSize: number;
  /** Where a checkpoint is written after every epoch; null for none. */
  readonly checkpointDirectory: string | null;
  /** Continue from the checkpoint in checkpointDirectory when there is one. */
  readonly resume: boolean;
}

/** Reference recipe of method.md §3 (the caller adds the method, epochs it wants, seed and directory). */
export const referenceRecipe = {
  epochs: 240,
  batchSize: 64,
  learningRate: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  schedule: { kind: 'step', milestones: [150, 180, 210], gamma: 0.1 },
  warmupEpochs: 0,
  evaluationBatchSize: 256,
} as const satisfies Partial<TrainConfig>;

/**
 * The networks of a run: the student to train and, for every method but none, the frozen teacher: one of
 * our backbones, or an imported teacher that brings its own runner.
 */
export interface TrainModels {
  readonly student: Backbone;
  readonly teacher: Backbone | ExternalTeacher | null;
}

/** The images of a run; the statistics normalise both splits. */
export interface TrainData {
  readonly train: ImageSplit;
  readonly test: ImageSplit;
  readonly statistics: ChannelStatistics;
}

/** Loss parts of a batch or an epoch mean; kd and feature are already weighted, total = ce + kd + feature. */
export interface LossParts {
  readonly total: number;
  readonly ce: number;
  readonly kd: number;
  readonly feature: number;
}

/** Reported after every training batch. */
export interface BatchProgress {
  /** 1-based. */
  readonly epoch: number;
  /** 1-based, out of `batches`. */
  readonly batch: number;
  readonly batches: number;
  readonly learningRate: number;
  readonly loss: LossParts;
  /** Training throughput of this batch alone. */
  readonly imagesPerSecond: number;
}

/** Reported after every epoch and kept in the run's history. */
export interface EpochMetrics {
  /** 1-based. */
  readonly epoch: number;
  /** Learning rate of the epoch's first batch. */
  readonly learningRate: number;
  /** Sample-weighted means over the epoch's batches, and top-1 on the augmented training batches. */
  readonly train: LossParts & { readonly top1: number };
  readonly test: EvaluationMetrics;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  /**
   * afd/rtk: mean attention weight, rows = student taps, columns = teacher taps. For afd each column sums to
   * 1 (a teacher tap's weights over student taps), for rtk each row does.
   */
  readonly attention: readonly (readonly number[])[] | null;
  /** rtk: fraction of samples in which each teacher tap (column) was kept for each student tap (row). */
  readonly selection: readonly (readonly number[])[] | null;
}

/** Optional observers and the stop signal of a run. */
export interface TrainHooks {
  /** Called once the teacher is ready, with the engine that runs it (see TeacherRunner.engine). */
  readonly onTeacherReady?: (engine: string) => void;
  readonly onBatch?: (progress: BatchProgress) => void;
  /** Called after the epoch's checkpoint has been written; awaited. */
  readonly onEpoch?: (metrics: EpochMetrics) => void | Promise<void>;
  /** Checked between batches: once aborted the run stops before the next batch and returns. */
  readonly signal?: AbortSignal;
  /**
   * The last epoch the caller has on record. A checkpoint can be ahead of that record (the process died, or
   * the record could not be written, after the checkpoint was saved): on resume, the checkpoint's later
   * epochs are reported again through onEpoch, so the record catches up before training goes on.
   */
  readonly recordedEpochs?: number;
}

/** How a run ended. */
export interface TrainResult {
  /**
   * 'stopped' when the signal ended it early; with a checkpoint folder the batches done so far are
   * checkpointed, so resuming continues with the next batch.
   */
  readonly status: 'completed' | 'stopped';
  /** Completed epochs, counting those restored from a checkpoint. */
  readonly completedEpochs: number;
  /** Epoch the run started at: 0 for a fresh run, the checkpoint's epoch when resumed. */
  readonly resumedFromEpoch: number;
  readonly history: readonly EpochMetrics[];
}

/** Where a run stopped inside an epoch: enough to continue with the next batch as if it never stopped. */
interface PartialEpoch {
  readonly nextBatch: number;
  readonly order: readonly number[];
  readonly sums: readonly number[];
  readonly attentionSum: readonly number[];
  readonly selectionSum: readonly number[];
  readonly seen: number;
  readonly trainSeconds: number;
}

interface CheckpointState {
  readonly completedEpochs: number;
  readonly random: RandomState;
  readonly history: readonly EpochMetrics[];
  readonly config: Omit<TrainConfig, 'epochs' | 'resume' | 'checkpointDirectory'>;
  /** Set when the run was stopped between two batches of epoch completedEpochs + 1. */
  readonly partialEpoch?: PartialEpoch;
}

function validateConfig(config: TrainConfig, models: TrainModels, data: TrainData): void {
  const positiveIntegers: [string, number][] = [
    ['epochs', config.epochs],
    ['batchSize', config.batchSize],
    ['evaluationBatchSize', config.evaluationBatchSize],
  ];
  for (const [name, value] of positiveIntegers) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`Training setting ${name} must be a positive integer; got ${value}.`);
  }
  if (!(config.learningRate > 0))
    throw new Error(`The learning rate must be positive; got ${config.learningRate}.`);
  if (!(config.momentum >= 0 && config.momentum < 1))
    throw new Error(`Momentum must be in [0, 1); got ${config.momentum}.`);
  if (!(config.weightDecay >= 0))
    throw new Error(`Weight decay must be zero or positive; got ${config.weightDecay}.`);
  if (!(config.warmupEpochs >= 0))
    throw new Error(`Warm-up epochs must be zero or positive; got ${config.warmupEpochs}.`);
  const schedule = config.schedule;
  if (schedule.kind === 'step' && !(schedule.gamma > 0 && schedule.milestones.every(Number.isInteger))) {
    throw new Error('A step schedule needs whole-epoch milestones and a positive gamma.');
  }
  if (schedule.kind === 'cosine' && !(schedule.minimum >= 0 && schedule.minimum <= config.learningRate)) {
    throw new Error(
      `The cosine schedule's minimum must lie between 0 and the learning rate; got ${schedule.minimum}.`,
    );
  }
  if (config.resume && config.checkpointDirectory === null) {
    throw new Error('Resuming needs a checkpoint directory.');
  }
  const teacher = models.teacher;
  if (config.hyperparameters.method !== 'none') {
    if (teacher === null) throw new Error(`Method ${config.hyperparameters.method} needs a teacher network.`);
    if (teacher.classes !== models.student.classes) {
      throw new Error(
        `The teacher has ${teacher.classes} classes but the student has ${models.student.classes}.`,
      );
    }
    if (!isExternalTeacher(teacher) && teacher.inputShape.join('x') !== models.student.inputShape.join('x')) {
      throw new Error(
        `The teacher expects ${teacher.inputShape.join('x')} images but the student ${models.student.inputShape.join('x')}.`,
      );
    }
  }
  for (const [name, split] of [
    ['training', data.train],
    ['test', data.test],
  ] as const) {
    if (split.shape.join('x') !== models.student.inputShape.join('x')) {
      throw new Error(
        `The ${name} images are ${split.shape.join('x')} but the student expects ${models.student.inputShape.join('x')}.`,
      );
    }
    const largest = split.labels.reduce((maximum, label) => Math.max(maximum, label), 0);
    if (largest >= models.student.classes) {
      throw new Error(
        `The ${name} split has label ${largest} but the student has ${models.student.classes} classes.`,
      );
    }
  }
  if (data.train.count < 2)
    throw new Error(`Training needs at least 2 images; the split has ${data.train.count}.`);
}

/** The settings a resumed run must share with the checkpoint (only the epoch count may grow). */
function comparableConfig(config: TrainConfig): CheckpointState['config'] {
  return {
    hyperparameters: config.hyperparameters,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    momentum: config.momentum,
    weightDecay: config.weightDecay,
    schedule: config.schedule,
    warmupEpochs: config.warmupEpochs,
    seed: config.seed,
    augmentation: config.augmentation,
    evaluationBatchSize: config.evaluationBatchSize,
  };
}

function toMatrix(values: Float64Array, rows: number, columns: number, divisor: number): number[][] {
  return Array.from({ length: rows }, (_, row) =>
    Array.from(values.subarray(row * columns, (row + 1) * columns), (value) => value / divisor),
  );
}

async function readVariables(
  entries: readonly { name: string; variable: tf.Variable }[],
): Promise<CheckpointTensor[]> {
  return Promise.all(
    entries.map(async ({ name, variable }) => ({
      name,
      shape: variable.shape,
      values: (await variable.data()) as Float32Array,
    })),
  );
}

function restoreVariables(
  group: string,
  entries: readonly { name: string; variable: tf.Variable }[],
  storedGroup: readonly CheckpointTensor[] | undefined,
): void {
  // A group with no tensors (no distillation module) is not written at all.
  const stored = storedGroup ?? [];
  if (stored.length !== entries.length) {
    throw new Error(
      `The checkpoint holds ${stored.length} ${group} tensors but this run has ${entries.length}; it was ` +
        `written for a different network or method.`,
    );
  }
  entries.forEach(({ name, variable }, index) => {
    const tensor = stored[index];
    if (tensor === undefined || tensor.shape.join('x') !== variable.shape.join('x')) {
      throw new Error(
        `Checkpoint ${group} tensor ${index} (${tensor?.name ?? 'missing'}) has shape ` +
          `${tensor?.shape.join('x') ?? '-'}, but ${name} is ${variable.shape.join('x')}.`,
      );
    }
    tf.tidy(() => variable.assign(tf.tensor(tensor.values, [...tensor.shape])));
  });
}

function isVariable(tensor: tf.Tensor): tensor is tf.Variable {
  return tensor instanceof tf.Variable;
}

function variableOf(weight: { read(): tf.Tensor; originalName: string }): tf.Variable {
  const value = weight.read();
  if (!isVariable(value)) throw new Error(`Weight ${weight.originalName} is not a variable.`);
  return value;
}

/** The mutable state of one run: the student, the distillation module, the optimiser and the generator. */
export class RunState {
  readonly studentVariables: { name: string; variable: tf.Variable }[];
  readonly distiller: Distiller;
  readonly optimizer: SgdMomentum;
  random: Random;

  constructor(config: TrainConfig, models: TrainModels) {
    this.studentVariables = models.student.model.weights.map((weight) => ({
      name: weight.originalName,
      variable: variableOf(weight),
    }));
    this.distiller = createDistiller({
      hyperparameters: config.hyperparameters,
      teacherTaps: models.teacher?.taps ?? [],
      studentTaps: models.student.taps,
      seed: config.seed + 1,
    });
    const trainable = [
      ...models.student.model.trainableWeights.map(variableOf),
      ...this.distiller.trainableVariables,
    ];
    this.optimizer = new SgdMomentum(trainable, config.momentum, config.weightDecay);
    this.random = new Random(config.seed);
  }

  get optimizerVariables(): { name: string; variable: tf.Variable }[] {
    return this.optimizer.buffers.map((variable, index) => ({ name: `momentum-${index}`, variable }));
  }

  async save(directory: string, state: CheckpointState): Promise<void> {
    const epochName = `epoch-${String(state.completedEpochs).padStart(4, '0')}`;
    const name =
      state.partialEpoch === undefined
        ? epochName
        : `${epochName}-batch-${String(state.partialEpoch.nextBatch).padStart(5, '0')}`;
    await writeCheckpoint(directory, name, {
      state,
      groups: {
        student: await readVariables(this.studentVariables),
        module: await readVariables(this.distiller.variables),
        optimizer: await readVariables(this.optimizerVariables),
      },
    });
  }

  async restore(directory: string, config: TrainConfig): Promise<CheckpointState | null> {
    const checkpoint = await readCheckpoint<CheckpointState>(directory);
    if (checkpoint === null) return null;
    const expected = JSON.stringify(comparableConfig(config));
    if (JSON.stringify(checkpoint.state.config) !== expected) {
      throw new Error(
        `The checkpoint in ${directory} was written with different settings; resume needs the same ` +
          `method, hyperparameters, recipe and seed (only the number of epochs may change).`,
      );
    }
    restoreVariables('student', this.studentVariables, checkpoint.groups['student']);
    restoreVariables('module', this.distiller.variables, checkpoint.groups['module']);
    restoreVariables('optimizer', this.optimizerVariables, checkpoint.groups['optimizer']);
    this.random = Random.fromState(checkpoint.state.random);
    return checkpoint.state;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.distiller.dispose();
  }
}

/** What one training step reports, read back from the device. */
export interface StepOutcome {
  /** total, ce, kd, feature, correct predictions. */
  readonly values: Float32Array;
  readonly attentionSum: Float32Array | null;
  readonly selectionSum: Float32Array | null;
}

/**
 * One training step of the student (and the distillation module) on a batch, given what the frozen teacher
 * gave for it (null for 'none'): loss and gradients, then the optimiser update.
 */
export function trainStep(
  student: Backbone,
  run: RunState,
  input: tf.Tensor4D,
  labels: tf.Tensor1D,
  learningRate: number,
  teacher: TeacherBatch | null,
): { summary: tf.Tensor1D; attentionSum: tf.Tensor2D | null; selectionSum: tf.Tensor2D | null } {
  let summary: tf.Tensor1D | null = null;
  let attentionSum: tf.Tensor2D | null = null;
  let selectionSum: tf.Tensor2D | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const outputs = runBackbone(student, input, true);
    const loss = run.distiller.loss({ student: outputs, teacher, labels, training: true });
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(outputs.logits, 1), labels), 'float32'));
    summary = tf.keep(tf.stack([loss.total, loss.ce, loss.kd, loss.feature, correct]) as tf.Tensor1D);
    attentionSum = loss.attentionSum === null ? null : tf.keep(loss.attentionSum);
    selectionSum = loss.selectionSum === null ? null : tf.keep(loss.selectionSum);
    return loss.total;
  }, [...run.optimizer.variables]);
  value.dispose();
  run.optimizer.apply(grads, learningRate);
  if (summary === null) throw new Error('The training step produced no loss.');
  return { summary, attentionSum, selectionSum };
}

/**
 * Runs the teacher on the batch (when the method needs it), then one training step; frees the teacher's
 * outputs whatever happens.
 */
export async function distillationStep(
  student: Backbone,
  run: RunState,
  teacher: TeacherRunner | null,
  batch: { readonly input: tf.Tensor4D; readonly images: Float32Array; readonly labels: tf.Tensor1D },
  learningRate: number,
): Promise<StepOutcome> {
  const teacherBatch = teacher === null ? null : await teacher.run(batch.input, batch.images);
  try {
    return await readStep(trainStep(student, run, batch.input, batch.labels, learningRate, teacherBatch));
  } finally {
    if (teacherBatch !== null) tf.dispose(teacherBatchTensors(teacherBatch));
  }
}

/**
 * The teacher runner a run needs: none for 'none', or when no teacher is given (validateConfig refuses
 * that for the methods that need one).
 */
export async function teacherRunnerFor(
  models: TrainModels,
  distiller: Distiller,
): Promise<TeacherRunner | null> {
  const need = distiller.teacherNeed;
  const teacher = models.teacher;
  if (teacher === null || need === 'nothing') return null;
  return isExternalTeacher(teacher) ? teacher.createRunner(need) : createTeacherRunner(teacher, need);
}

/** Reads a step's figures back (asynchronously) and frees its tensors. */
export async function readStep(step: ReturnType<typeof trainStep>): Promise<StepOutcome> {
  const values = (await step.summary.data()) as Float32Array;
  const attentionSum = step.attentionSum === null ? null : ((await step.attentionSum.data()) as Float32Array);
  const selectionSum = step.selectionSum === null ? null : ((await step.selectionSum.data()) as Float32Array);
  tf.dispose([
    step.summary,
    ...(step.attentionSum === null ? [] : [step.attentionSum]),
    ...(step.selectionSum === null ? [] : [step.selectionSum]),
  ]);
  return { values, attentionSum, selectionSum };
}

/** Where a run starts: the epochs a checkpoint holds and the epoch a stop interrupted, if any. */
interface RunStart {
  readonly history: readonly EpochMetrics[];
  readonly startEpoch: number;
  readonly partial: PartialEpoch | null;
}

/** Restores the checkpoint when the run resumes and one exists; else a fresh start. */
async function resumeFromCheckpoint(config: TrainConfig, run: RunState): Promise<RunStart> {
  if (config.resume && config.checkpointDirectory !== null) {
    const restored = await run.restore(config.checkpointDirectory, config);
    if (restored !== null) {
      return {
        history: [...restored.history],
        startEpoch: restored.completedEpochs,
        partial: restored.partialEpoch ?? null,
      };
    }
  }
  return { history: [], startEpoch: 0, partial: null };
}

/** Reports again the checkpointed epochs the caller has no record of, so its record catches up. */
async function replayUnrecordedEpochs(start: RunStart, hooks: TrainHooks): Promise<void> {
  for (const metrics of start.history) {
    if (metrics.epoch > (hooks.recordedEpochs ?? start.startEpoch)) await hooks.onEpoch?.(metrics);
  }
}

/** The buffers and batch count every epoch reuses, and the order of the training images. */
interface Batching {
  readonly trainAssembler: BatchAssembler;
  readonly testAssembler: BatchAssembler;
  readonly batches: number;
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly order: Uint32Array;
}

function prepareBatching(config: TrainConfig, data: TrainData): Batching {
  const trainAssembler = new BatchAssembler(data.train, data.statistics);
  const batchSize = config.batchSize;
  // A last batch of one image would break batch statistics, so it is dropped (as drop_last for it).
  const batches =
    data.train.count % batchSize === 1
      ? Math.floor(data.train.count / batchSize)
      : Math.ceil(data.train.count / batchSize);
  return {
    trainAssembler,
    testAssembler: new BatchAssembler(data.test, data.statistics),
    batches,
    images: new Float32Array(batchSize * trainAssembler.imageSize),
    labels: new Int32Array(batchSize),
    order: new Uint32Array(data.train.count),
  };
}

/** What every phase of a run reads. */
interface RunContext {
  readonly config: TrainConfig;
  readonly models: TrainModels;
  readonly data: TrainData;
  readonly hooks: TrainHooks;
  readonly run: RunState;
  readonly teacherRunner: TeacherRunner | null;
  readonly batching: Batching;
}

/** One epoch's running sums: loss parts and correct predictions, attention and selection, images seen. */
interface EpochTally {
  readonly sums: Float64Array;
  readonly attentionSum: Float64Array;
  readonly selectionSum: Float64Array;
  seen: number;
  readonly firstBatch: number;
  /** performance.now() at the epoch's start, moved back by the time a stopped epoch had already trained. */
  readonly startedAt: number;
}

/** Starts an epoch: fresh sums and a new shuffle, or the sums and order of the epoch a stop interrupted. */
function beginEpoch(context: RunContext, partial: PartialEpoch | null): EpochTally {
  const startedAt = performance.now();
  const { order } = context.batching;
  const [students, teachers] = context.run.distiller.matrixShape;
  const tally: EpochTally = {
    sums: new Float64Array(5),
    attentionSum: new Float64Array(students * teachers),
    selectionSum: new Float64Array(students * teachers),
    seen: partial?.seen ?? 0,
    firstBatch: partial?.nextBatch ?? 0,
    startedAt: partial === null ? startedAt : startedAt - partial.trainSeconds * 1000,
  };
  if (partial === null) {
    order.forEach((_, index) => (order[index] = index));
    context.run.random.shuffle(order);
  } else {
    order.set(partial.order);
    tally.sums.set(partial.sums);
    tally.attentionSum.set(partial.attentionSum);
    tally.selectionSum.set(partial.selectionSum);
  }
  return tally;
}

/** Checkpoints the batches done so far of a stopped epoch, so resuming continues with the next batch. */
async function saveStoppedEpoch(
  context: RunContext,
  epoch: number,
  nextBatch: number,
  tally: EpochTally,
  history: readonly EpochMetrics[],
): Promise<void> {
  const { config, run } = context;
  if (config.checkpointDirectory === null || nextBatch <= tally.firstBatch) return;
  await run.save(config.checkpointDirectory, {
    completedEpochs: epoch,
    random: run.random.state,
    history,
    config: comparableConfig(config),
    partialEpoch: {
      nextBatch,
      order: Array.from(context.batching.order),
      sums: Array.from(tally.sums),
      attentionSum: Array.from(tally.attentionSum),
      selectionSum: Array.from(tally.selectionSum),
      seen: tally.seen,
      trainSeconds: (performance.now() - tally.startedAt) / 1000,
    },
  });
}

/** Assembles one batch of `size` images from the shuffled order (augmented) and takes one step on it. */
async function stepOnBatch(
  context: RunContext,
  start: number,
  size: number,
  learningRate: number,
): Promise<StepOutcome> {
  const { config, data, run } = context;
  const { trainAssembler, images, labels, order } = context.batching;
  const [height, width, channels] = data.train.shape;
  trainAssembler.assemble(
    order.subarray(start, start + size),
    images,
    labels,
    config.augmentation,
    run.random,
  );
  const input = tf.tensor4d(images.subarray(0, size * trainAssembler.imageSize), [
    size,
    height,
    width,
    channels,
  ]);
  const target = tf.tensor1d(labels.subarray(0, size), 'int32');
  try {
    return await distillationStep(
      context.models.student,
      run,
      context.teacherRunner,
      { input, images: images.subarray(0, size * trainAssembler.imageSize), labels: target },
      learningRate,
    );
  } finally {
    tf.dispose([input, target]);
  }
}

/** One training batch: the step, the divergence check, the epoch's sums and the batch report. */
async function trainBatch(
  context: RunContext,
  epoch: number,
  batch: number,
  tally: EpochTally,
): Promise<void> {
  const { config, data } = context;
  const { batches } = context.batching;
  const batchStart = performance.now();
  const start = batch * config.batchSize;
  const size = Math.min(config.batchSize, data.train.count - start);
  const learningRate = learningRateAt(config, epoch, batch, batches);
  const outcome = await stepOnBatch(context, start, size, learningRate);
  const [total = 0, ce = 0, kd = 0, feature = 0, correct = 0] = outcome.values;
  if (!Number.isFinite(total)) {
    throw new Error(
      `Training diverged in epoch ${epoch + 1}, batch ${batch + 1}: the loss is ${total}. ` +
        `Try a lower learning rate or feature weight β.`,
    );
  }
  const { sums, attentionSum, selectionSum } = tally;
  sums[0] = (sums[0] ?? 0) + total * size;
  sums[1] = (sums[1] ?? 0) + ce * size;
  sums[2] = (sums[2] ?? 0) + kd * size;
  sums[3] = (sums[3] ?? 0) + feature * size;
  sums[4] = (sums[4] ?? 0) + correct;
  outcome.attentionSum?.forEach((value, index) => (attentionSum[index] = (attentionSum[index] ?? 0) + value));
  outcome.selectionSum?.forEach((value, index) => (selectionSum[index] = (selectionSum[index] ?? 0) + value));
  tally.seen += size;
  context.hooks.onBatch?.({
    epoch: epoch + 1,
    batch: batch + 1,
    batches,
    learningRate,
    loss: { total, ce, kd, feature },
    imagesPerSecond: size / ((performance.now() - batchStart) / 1000),
  });
  await yieldToEventLoop();
}

/** The epoch's batches from where it starts; 'stopped' (after saving them) when the signal ends it early. */
async function trainEpochBatches(
  context: RunContext,
  epoch: number,
  tally: EpochTally,
  history: readonly EpochMetrics[],
): Promise<TrainResult['status']> {
  for (let batch = tally.firstBatch; batch < context.batching.batches; batch += 1) {
    if (context.hooks.signal?.aborted === true) {
      await saveStoppedEpoch(context, epoch, batch, tally, history);
      return 'stopped';
    }
    await trainBatch(context, epoch, batch, tally);
  }
  return 'completed';
}

/** Evaluates the student on the test split and sums the epoch up. */
async function evaluateEpoch(context: RunContext, epoch: number, tally: EpochTally): Promise<EpochMetrics> {
  const { config, models, run } = context;
  const { sums, attentionSum, selectionSum, seen } = tally;
  const [students, teachers] = run.distiller.matrixShape;
  const trainSeconds = (performance.now() - tally.startedAt) / 1000;
  const test = await evaluate(models.student, context.batching.testAssembler, config.evaluationBatchSize);
  return {
    epoch: epoch + 1,
    learningRate: learningRateAt(config, epoch, 0, context.batching.batches),
    train: {
      total: (sums[0] ?? 0) / seen,
      ce: (sums[1] ?? 0) / seen,
      kd: (sums[2] ?? 0) / seen,
      feature: (sums[3] ?? 0) / seen,
      top1: (sums[4] ?? 0) / seen,
    },
    test,
    seconds: (performance.now() - tally.startedAt) / 1000,
    imagesPerSecond: seen / trainSeconds,
    attention: students * teachers === 0 ? null : toMatrix(attentionSum, students, teachers, seen),
    selection:
      config.hyperparameters.method === 'rtk' ? toMatrix(selectionSum, students, teachers, seen) : null,
  };
}

/** The epochs from where the run starts to the last, each trained, evaluated, checkpointed and reported. */
async function trainEpochs(context: RunContext, start: RunStart): Promise<TrainResult> {
  const { config, run, hooks } = context;
  let history: EpochMetrics[] = [...start.history];
  let partial = start.partial;
  for (let epoch = start.startEpoch; epoch < config.epochs; epoch += 1) {
    const tally = beginEpoch(context, partial);
    partial = null;
    if ((await trainEpochBatches(context, epoch, tally, history)) === 'stopped') {
      return { status: 'stopped', completedEpochs: epoch, resumedFromEpoch: start.startEpoch, history };
    }
    const metrics = await evaluateEpoch(context, epoch, tally);
    history = [...history, metrics];
    if (config.checkpointDirectory !== null) {
      await run.save(config.checkpointDirectory, {
        completedEpochs: epoch + 1,
        random: run.random.state,
        history,
        config: comparableConfig(config),
      });
    }
    await hooks.onEpoch?.(metrics);
  }
  return { status: 'completed', completedEpochs: config.epochs, resumedFromEpoch: start.startEpoch, history };
}

/**
 * Trains `models.student` (with `models.teacher` frozen) on `data` as `config` says: seeded shuffles and
 * augmentation, SGD with momentum, evaluation and a checkpoint after every epoch, per-batch and per-epoch
 * reports through `hooks`, and a cooperative stop between batches. With `config.resume` it continues from
 * the checkpoint in `config.checkpointDirectory` and then matches an uninterrupted run exactly (same
 * backend). The student's weights are trained in place.
 */
export async function trainRun(
  config: TrainConfig,
  models: TrainModels,
  data: TrainData,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  validateConfig(config, models, data);
  const run = new RunState(config, models);
  let teacherRunner: TeacherRunner | null = null;
  try {
    teacherRunner = await teacherRunnerFor(models, run.distiller);
    if (teacherRunner !== null) hooks.onTeacherReady?.(teacherRunner.engine);
    const start = await resumeFromCheckpoint(config, run);
    await replayUnrecordedEpochs(start, hooks);
    const batching = prepareBatching(config, data);
    return await trainEpochs({ config, models, data, hooks, run, teacherRunner, batching }, start);
  } finally {
    run.dispose();
    await teacherRunner?.dispose();
  }
}
