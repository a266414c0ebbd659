import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import {
  backendNames,
  type BackendName,
  type GpuAdapter,
} from '../../../src-shared/contracts/engine-status.js';
import {
  distillationMethods,
  resolveHyperparameters,
  type DistillationMethod,
  type MethodHyperparameters,
} from '../../../src-shared/domain/method-catalog.js';
import { initializeBackend, probeBackends, type BackendProbe } from '../backends/backend-ladder.js';
import { describeAdapter, isSoftwareAdapter, requestWebGpuAdapter } from '../backends/webgpu.js';
import { BatchAssembler, referenceAugmentation } from '../data/augment.js';
import type { ImageShape, ImageSplit } from '../data/types.js';
import { teacherBatchTensors } from '../distill/distiller.js';
import { buildBackbone, runBackbone } from '../models/index.js';
import type { Backbone } from '../models/types.js';
import { requestedWasmThreads } from '../backends/wasm-threads.js';
import { writeOnnxModel } from '../export/onnx-writer.js';
import { TeacherInputPreparer } from '../teachers/input-contract.js';
import { analyseOnnxTeacher } from '../teachers/onnx-teacher-graph.js';
import { externalOnnxTeacher } from '../teachers/teacher-folder.js';
import { Random } from '../train/random.js';
import { createTeacherRunner, type TeacherRunner } from '../train/teacher-runner.js';
import {
  distillationStep,
  referenceRecipe,
  RunState,
  teacherRunnerFor,
  type TrainConfig,
  type TrainModels,
} from '../train/trainer.js';

/** tf.memory() figures taken before and after a measurement, so that leaks show. */
export interface MemorySnapshot {
  readonly numTensors: number;
  readonly numBytes: number;
}

/** A goal from the issue and whether the measured figure reached it. */
export interface BenchmarkTarget {
  readonly description: string;
  readonly met: boolean;
}

export type MeasurementKind =
  'student-training' | 'teacher-inference' | 'distillation-step' | 'batch-assembly';

/** One timed loop of identical steps. */
export interface EngineMeasurement {
  /** null for the batch assembly, which runs in plain JavaScript without TensorFlow.js. */
  readonly backend: BackendName | null;
  readonly kind: MeasurementKind;
  /** What was timed, e.g. `wrn-40-2 → resnet20, rtk step`. */
  readonly what: string;
  readonly network: string | null;
  readonly teacher: string | null;
  readonly method: DistillationMethod | null;
  readonly batchSize: number;
  readonly steps: number;
  readonly images: number;
  readonly wallSeconds: number;
  /** User + system CPU seconds of the whole process (all threads) during the loop. */
  readonly cpuSeconds: number;
  readonly imagesPerSecond: number;
  /** Images per CPU second: steadier than the wall-clock rate on a machine shared with other work. */
  readonly imagesPerCpuSecond: number;
  readonly memoryBefore: MemorySnapshot;
  readonly memoryAfter: MemorySnapshot;
  readonly target: BenchmarkTarget | null;
}

/** The cost of an RTK step relative to a KD step for one pair on one backend. */
export interface StepRatio {
  readonly backend: BackendName;
  readonly teacher: string;
  readonly student: string;
  /** rtk step time / kd step time by the wall clock. */
  readonly wallRatio: number;
  /** The same ratio by process CPU time; the target is judged on this one (see imagesPerCpuSecond). */
  readonly cpuRatio: number;
  /** How many pairs of a kd and an rtk step, taken back to back, the ratios are the medians of. */
  readonly pairs: number;
  readonly limit: number;
  readonly met: boolean;
}

/** Whether a backend could be benchmarked here, and why not. */
export interface BackendOutcome {
  readonly name: BackendName;
  readonly measured: boolean;
  readonly reason: string;
  /** webgpu: the adapter it ran on, to tell a real GPU from a software one before trusting a figure. */
  readonly gpuAdapter?: GpuAdapter;
  /** The engine that ran the teacher in the distillation steps, as the trainer picks it on this backend. */
  readonly teacherEngine?: string;
}

/** Everything `runEngineBenchmark` measured, with the conditions it measured them in. */
export interface EngineBenchmarkReport {
  readonly startedAt: string;
  readonly seconds: number;
  readonly machine: {
    readonly cpuModel: string;
    readonly cpuCores: number;
    /** One-, five- and fifteen-minute load averages at the start and at the end. */
    readonly loadAverageAtStart: readonly number[];
    readonly loadAverageAtEnd: readonly number[];
    readonly nodeVersion: string;
    readonly tfjsVersion: string;
  };
  readonly settings: {
    readonly batchSize: number;
    readonly warmupSteps: number;
    readonly measuredSteps: number;
    readonly inputShape: ImageShape;
    readonly teacher: string;
    readonly students: readonly string[];
    readonly trainingOnly: readonly string[];
  };
  readonly backends: readonly BackendOutcome[];
  readonly measurements: readonly EngineMeasurement[];
  readonly ratios: readonly StepRatio[];
}

/** How to run the engine benchmark. */
export interface EngineBenchmarkOptions {
  /** Backends to measure; default every one that `probeBackends` finds (cpu only when no other loads). */
  readonly backends?: readonly BackendName[] | undefined;
  readonly batchSize: number;
  readonly warmupSteps: number;
  readonly measuredSteps: number;
  /**
   * Teacher and students (training, every method and the rtk/kd ratio), and students timed training only;
   * default WRN-40-2, [resnet20, WRN-16-2, MobileNetV2-0.5] and [ShuffleNetV2] (tests pass smaller ones).
   */
  readonly networks?: BenchmarkNetworks | undefined;
  /** Pairs of a kd and an rtk step taken back to back for each pair's step ratio (default 16). */
  readonly ratioPairs?: number | undefined;
  /** Batches timed for the assembly rate (default 300). */
  readonly assemblyBatches?: number | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

/** The networks a benchmark times. */
export interface BenchmarkNetworks {
  readonly teacher: string;
  readonly students: readonly string[];
  readonly trainingOnly?: readonly string[];
}

/** Largest acceptable rtk step time / kd step time (issue "Speed"). */
export const rtkOverKdLimit = 1.15;
/** Smallest acceptable student training rates on wasm, batch 64 of 32x32x3 (issue "Benchmark"). */
export const wasmTrainingTargets: Readonly<Record<string, number>> = { resnet20: 45, 'wrn-16-2': 25 };

function trainingTarget(
  backend: BackendName,
  network: string,
  batchSize: number,
): ((imagesPerSecond: number) => BenchmarkTarget) | null {
  const target = backend === 'wasm' && batchSize === 64 ? wasmTrainingTargets[network] : undefined;
  if (target === undefined) return null;
  return (rate) => ({ description: `≥ ${target} img/s`, met: rate >= target });
}

/** Smallest acceptable batch assembly rate in images per second (issue "Speed"). */
export const assemblyTarget = 20_000;

const inputShape: ImageShape = [32, 32, 3];
const classes = 10;
const defaultNetworks: BenchmarkNetworks = {
  teacher: 'wrn-40-2',
  students: ['resnet20', 'wrn-16-2', 'mobilenetv2-0.5'],
  trainingOnly: ['shufflenetv2'],
};
// Plain JavaScript trains a 32x32 batch orders of magnitude slower than wasm; the ladder never picks it
// when another backend loads, so the default run does not spend tens of minutes on it.
const cpuFallbackReason =
  'the plain-JavaScript backend is only the last fallback and a faster backend was measured; ' +
  'ask for it by name (--backend cpu) to time it';
function memory(): MemorySnapshot {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes };
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Warm-up and measured step counts, and the batch size each step takes. */
interface StepCounts {
  readonly warmup: number;
  readonly measured: number;
  readonly batchSize: number;
}

/** The one batch every training and teacher step of a backend's measurements reuses. */
interface BenchBatch {
  readonly input: tf.Tensor4D;
  readonly images: Float32Array;
  readonly labels: tf.Tensor1D;
}

interface MeasurementLabel {
  readonly backend: BackendName | null;
  readonly kind: MeasurementKind;
  readonly what: string;
  readonly network: string | null;
  readonly teacher: string | null;
  readonly method: DistillationMethod | null;
}

async function timeSteps(
  label: MeasurementLabel,
  step: () => Promise<void>,
  counts: StepCounts,
  target: ((imagesPerSecond: number) => BenchmarkTarget) | null,
): Promise<EngineMeasurement> {
  for (let index = 0; index < counts.warmup; index += 1) await step();
  const memoryBefore = memory();
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let index = 0; index < counts.measured; index += 1) await step();
  const wallSeconds = (performance.now() - wallStart) / 1000;
  const cpuSeconds = cpuSecondsSince(cpuStart);
  const images = counts.measured * counts.batchSize;
  const imagesPerSecond = images / wallSeconds;
  return {
    ...label,
    batchSize: counts.batchSize,
    steps: counts.measured,
    images,
    wallSeconds,
    cpuSeconds,
    imagesPerSecond,
    imagesPerCpuSecond: cpuSeconds > 0 ? images / cpuSeconds : imagesPerSecond,
    memoryBefore,
    memoryAfter: memory(),
    target: target === null ? null : target(imagesPerSecond),
  };
}

function stepConfig(hyperparameters: MethodHyperparameters): TrainConfig {
  return {
    ...referenceRecipe,
    hyperparameters,
    epochs: 1,
    seed: 1,
    augmentation: referenceAugmentation,
    checkpointDirectory: null,
    resume: false,
  };
}

/** One trainer step per call (teacher included), read back to the CPU as the trainer's loop does. */
async function timeTrainerSteps(
  label: MeasurementLabel,
  models: TrainModels,
  hyperparameters: MethodHyperparameters,
  batch: BenchBatch,
  counts: StepCounts,
  target: ((imagesPerSecond: number) => BenchmarkTarget) | null = null,
): Promise<EngineMeasurement> {
  const run = new RunState(stepConfig(hyperparameters), models);
  let teacher: TeacherRunner | null = null;
  try {
    teacher = await teacherRunnerFor(models, run.distiller);
    return await timeSteps(
      label,
      async () => {
        await distillationStep(models.student, run, teacher, batch, referenceRecipe.learningRate);
      },
      counts,
      target,
    );
  } finally {
    run.dispose();
    await teacher?.dispose();
  }
}

function syntheticSplit(count: number): ImageSplit {
  const random = new Random(3);
  const images = new Uint8Array(count * inputShape[0] * inputShape[1] * inputShape[2]);
  for (let index = 0; index < images.length; index += 1) images[index] = random.nextInt(256);
  const labels = Uint16Array.from({ length: count }, (_, index) => index % classes);
  return {
    images,
    labels,
    count,
    shape: inputShape,
    classNames: Array.from({ length: classes }, (_, index) => `class ${index}`),
  };
}

/** Crop + flip + normalise of 32x32x3 batches by the trainer's BatchAssembler. */
async function measureAssembly(batchSize: number, batches: number): Promise<EngineMeasurement> {
  const split = syntheticSplit(Math.max(batchSize * 16, 1024));
  const assembler = new BatchAssembler(split, { mean: [125.3, 123.0, 113.9], std: [63.0, 62.1, 66.7] });
  const random = new Random(5);
  const images = new Float32Array(batchSize * assembler.imageSize);
  const labels = new Int32Array(batchSize);
  const order = Uint32Array.from({ length: split.count }, (_, index) => index);
  const batchesPerPass = Math.floor(split.count / batchSize);
  let next = 0;
  const step = (): Promise<void> => {
    const start = (next % batchesPerPass) * batchSize;
    next += 1;
    assembler.assemble(
      order.subarray(start, start + batchSize),
      images,
      labels,
      referenceAugmentation,
      random,
    );
    return Promise.resolve();
  };
  return timeSteps(
    {
      backend: null,
      kind: 'batch-assembly',
      what: `batch assembly (crop + flip + normalise, ${inputShape.join('x')})`,
      network: null,
      teacher: null,
      method: null,
    },
    step,
    { warmup: Math.min(batches, 20), measured: batches, batchSize },
    (rate) => ({
      description: `≥ ${assemblyTarget.toLocaleString('en-US')} img/s`,
      met: rate >= assemblyTarget,
    }),
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/**
 * The rtk/kd step ratio of one pair: the median over `pairs` of the time of an rtk step over that of a kd
 * step taken right next to it, the two in alternating order. A machine whose speed drifts by tens of
 * percent from one minute to the next (a shared virtual machine) slows the two steps of a pair alike; the
 * medians of two separate series, or of interleaved ones, still mix the spells each step fell in.
 */
async function interleavedStepRatio(
  backend: BackendName,
  models: { readonly student: Backbone; readonly teacher: Backbone },
  batch: BenchBatch,
  pairs: number,
): Promise<StepRatio> {
  const [kd, rtk] = (['kd', 'rtk'] as const).map((method) => {
    const hyperparameters = resolveHyperparameters(
      method,
      {},
      { teacher: models.teacher.taps.length, student: models.student.taps.length },
    );
    return { run: new RunState(stepConfig(hyperparameters), models), runner: null as TeacherRunner | null };
  });
  if (kd === undefined || rtk === undefined) throw new Error('The step ratio needs a kd and an rtk run.');
  const wallRatios: number[] = [];
  const cpuRatios: number[] = [];
  try {
    kd.runner = await teacherRunnerFor(models, kd.run.distiller);
    rtk.runner = await teacherRunnerFor(models, rtk.run.distiller);
    const timedStep = async (entry: typeof kd): Promise<{ wall: number; cpu: number }> => {
      const cpuStart = process.cpuUsage();
      const wallStart = performance.now();
      await distillationStep(models.student, entry.run, entry.runner, batch, referenceRecipe.learningRate);
      return { wall: performance.now() - wallStart, cpu: cpuSecondsSince(cpuStart) };
    };
    // The first pair warms both up and is not counted.
    for (let pair = -1; pair < pairs; pair += 1) {
      const rtkFirst = pair % 2 === 1;
      const first = await timedStep(rtkFirst ? rtk : kd);
      const second = await timedStep(rtkFirst ? kd : rtk);
      if (pair < 0) continue;
      const [kdTime, rtkTime] = rtkFirst ? [second, first] : [first, second];
      wallRatios.push(rtkTime.wall / kdTime.wall);
      cpuRatios.push(rtkTime.cpu / kdTime.cpu);
    }
  } finally {
    for (const entry of [kd, rtk]) {
      entry.run.dispose();
      await entry.runner?.dispose();
    }
  }
  const cpuRatio = median(cpuRatios);
  return {
    backend,
    teacher: models.teacher.name,
    student: models.student.name,
    wallRatio: median(wallRatios),
    cpuRatio,
    pairs,
    limit: rtkOverKdLimit,
    met: cpuRatio <= rtkOverKdLimit,
  };
}

/** What every measurement on one backend shares: the backend, the step counts, the batch, the record. */
interface BackendBench {
  readonly backend: BackendName;
  readonly counts: StepCounts;
  readonly batch: BenchBatch;
  /** Keeps a measurement and logs its rates and tensor counts. */
  readonly record: (measurement: EngineMeasurement) => void;
}

/** The teacher alone: in TensorFlow.js, and as AFD and RTK steps run it when the trainer picks another engine. */
async function measureTeacherInference(bench: BackendBench, teacher: Backbone): Promise<string> {
  const { backend, batch, counts, record } = bench;
  record(
    await timeSteps(
      {
        backend,
        kind: 'teacher-inference',
        what: `${teacher.name} inference, TensorFlow.js`,
        network: teacher.name,
        teacher: null,
        method: null,
      },
      async () => {
        const logits = tf.tidy(() => runBackbone(teacher, batch.input, false).logits);
        await logits.data();
        logits.dispose();
      },
      counts,
      null,
    ),
  );
  // The teacher as an AFD or RTK step runs it: through the engine the trainer picks on this backend,
  // returning the taps' summaries.
  const runner = await createTeacherRunner(teacher, 'summaries');
  try {
    if (!runner.engine.startsWith('TensorFlow.js')) {
      record(
        await timeSteps(
          {
            backend,
            kind: 'teacher-inference',
            what: `${teacher.name} inference with tap summaries, ${runner.engine}`,
            network: teacher.name,
            teacher: null,
            method: null,
          },
          async () => {
            tf.dispose(teacherBatchTensors(await runner.run(batch.input, batch.images)));
          },
          counts,
          null,
        ),
      );
    }
    return runner.engine;
  } finally {
    await runner.dispose();
  }
}

/** A training step of each student alone (method none), judged against the wasm targets where they apply. */
async function measureStudentTraining(bench: BackendBench, students: readonly Backbone[]): Promise<void> {
  for (const student of students) {
    bench.record(
      await timeTrainerSteps(
        {
          backend: bench.backend,
          kind: 'student-training',
          what: `${student.name} training`,
          network: student.name,
          teacher: null,
          method: null,
        },
        { student, teacher: null },
        { method: 'none' },
        bench.batch,
        bench.counts,
        trainingTarget(bench.backend, student.name, bench.counts.batchSize),
      ),
    );
  }
}

/** One distillation step of every method for a teacher and student pair. */
async function measureDistillationSteps(
  bench: BackendBench,
  teacher: Backbone,
  student: Backbone,
): Promise<void> {
  for (const method of distillationMethods) {
    const hyperparameters = resolveHyperparameters(
      method,
      {},
      { teacher: teacher.taps.length, student: student.taps.length },
    );
    bench.record(
      await timeTrainerSteps(
        {
          backend: bench.backend,
          kind: 'distillation-step',
          what: `${teacher.name} → ${student.name}, ${method} step`,
          network: student.name,
          teacher: teacher.name,
          method,
        },
        { student, teacher },
        hyperparameters,
        bench.batch,
        bench.counts,
      ),
    );
  }
}

/** The same network as an imported ONNX teacher must cost no more per step than as a workbench teacher. */
async function measureImportedTeacherStep(
  bench: BackendBench,
  teacher: Backbone,
  student: Backbone,
): Promise<void> {
  const imported = await importedOnnxTeacher(teacher);
  bench.record(
    await timeTrainerSteps(
      {
        backend: bench.backend,
        kind: 'distillation-step',
        what: `${imported.name} → ${student.name}, rtk step`,
        network: student.name,
        teacher: imported.name,
        method: 'rtk',
      },
      { student, teacher: imported },
      resolveHyperparameters('rtk', {}, { teacher: imported.taps.length, student: student.taps.length }),
      bench.batch,
      bench.counts,
    ),
  );
}

/** The networks a backend is timed on, built with fixed seeds for its inputs. */
function buildBenchNetworks(networks: BenchmarkNetworks): {
  teacher: Backbone;
  students: Backbone[];
  trainingOnly: Backbone[];
} {
  return {
    teacher: buildBackbone(networks.teacher, { inputShape, classes, seed: 11 }),
    students: networks.students.map((name, index) =>
      buildBackbone(name, { inputShape, classes, seed: 21 + index }),
    ),
    trainingOnly: (networks.trainingOnly ?? []).map((name, index) =>
      buildBackbone(name, { inputShape, classes, seed: 41 + index }),
    ),
  };
}

async function benchBatch(batchSize: number): Promise<BenchBatch> {
  const input = tf.randomNormal<tf.Rank.R4>([batchSize, ...inputShape], 0, 1, 'float32', 7);
  return {
    input,
    images: Float32Array.from(await input.data()),
    labels: tf.tensor1d(
      Array.from({ length: batchSize }, (_, index) => index % classes),
      'int32',
    ),
  };
}

/**
 * Everything timed on one backend, in order: the teacher's inference, each student's training, then for
 * each student every method's step (the first also with the teacher imported as ONNX) and the rtk/kd ratio.
 */
async function measureBackend(
  backend: BackendName,
  options: EngineBenchmarkOptions,
  networks: BenchmarkNetworks,
  log: (line: string) => void,
): Promise<{ measurements: EngineMeasurement[]; ratios: StepRatio[]; teacherEngine: string }> {
  const measurements: EngineMeasurement[] = [];
  const ratios: StepRatio[] = [];
  const record = (measurement: EngineMeasurement): void => {
    measurements.push(measurement);
    log(
      `${backend}: ${measurement.what}: ${measurement.imagesPerSecond.toFixed(1)} img/s ` +
        `(${measurement.imagesPerCpuSecond.toFixed(1)} img/CPU-s), tensors ` +
        `${measurement.memoryBefore.numTensors} → ${measurement.memoryAfter.numTensors}`,
    );
  };
  const { teacher, students, trainingOnly } = buildBenchNetworks(networks);
  const batch = await benchBatch(options.batchSize);
  const counts = {
    warmup: options.warmupSteps,
    measured: options.measuredSteps,
    batchSize: options.batchSize,
  };
  const bench: BackendBench = { backend, counts, batch, record };
  try {
    const teacherEngine = await measureTeacherInference(bench, teacher);
    await measureStudentTraining(bench, [...students, ...trainingOnly]);
    for (const student of students) {
      await measureDistillationSteps(bench, teacher, student);
      if (student === students[0]) await measureImportedTeacherStep(bench, teacher, student);
      const ratio = await interleavedStepRatio(
        backend,
        { student, teacher },
        batch,
        options.ratioPairs ?? 10,
      );
      ratios.push(ratio);
      log(
        `${backend}: ${teacher.name} → ${student.name}, rtk/kd step ${ratio.cpuRatio.toFixed(3)} (CPU), ` +
          `${ratio.wallRatio.toFixed(3)} (wall), medians over ${ratio.pairs} pairs of steps taken back to back`,
      );
    }
    return { measurements, ratios, teacherEngine };
  } finally {
    tf.dispose([batch.input, batch.labels]);
    for (const backbone of [teacher, ...students, ...trainingOnly]) backbone.model.dispose();
  }
}

/**
 * The bench's teacher as a user would import it: written to ONNX the way PyTorch exports (NCHW, BatchNorm
 * folded), its taps found in the graph, and run through the imported-teacher path with an input contract
 * that leaves the batch as it is.
 */
async function importedOnnxTeacher(teacher: Backbone): Promise<ReturnType<typeof externalOnnxTeacher>> {
  const bytes = writeOnnxModel(teacher.model, {
    layout: 'NCHW',
    probabilities: false,
    metadata: {},
    producerVersion: 'bench',
  }).bytes;
  const { facts, bytes: stored } = await analyseOnnxTeacher(
    bytes,
    teacher.name,
    inputShape,
    requestedWasmThreads(),
  );
  const preparer = new TeacherInputPreparer(
    inputShape,
    { mean: [0, 0, 0], std: [1, 1, 1] },
    { preset: 'none', scale: 255, mean: [0, 0, 0], std: [1, 1, 1], channelOrder: 'RGB' },
    facts.layout,
    facts.channels,
  );
  return externalOnnxTeacher(
    {
      name: `${teacher.name} (imported ONNX)`,
      bytes: stored,
      inputName: facts.inputName,
      logitsName: facts.logitsName,
      layout: facts.layout,
      height: inputShape[0],
      width: inputShape[1],
      fixedBatch: facts.fixedBatch,
      classes: facts.classes,
      classOrder: Array.from({ length: facts.classes }, (_, index) => index),
      taps: facts.taps,
    },
    facts.taps.map((tap) => ({ index: tap.index, name: tap.name, stage: tap.stage, shape: tap.shape })),
    preparer,
  );
}

function validateBenchmarkOptions(options: EngineBenchmarkOptions): void {
  for (const [name, value] of [
    ['batchSize', options.batchSize],
    ['measuredSteps', options.measuredSteps],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a whole number ≥ 1, found ${value}.`);
  }
  if (!Number.isInteger(options.warmupSteps) || options.warmupSteps < 0) {
    throw new Error(`warmupSteps must be a whole number ≥ 0, found ${options.warmupSteps}.`);
  }
}

/**
 * Why a backend is passed over without being asked for by name, or null: it does not load here, it is the
 * plain-JavaScript fallback after a faster one was measured, or WebGPU has no adapter or only a software
 * one. `logged` is the reason as the log line gives it.
 */
async function reasonToSkip(
  name: BackendName,
  options: EngineBenchmarkOptions,
  probes: ReadonlyMap<BackendName, BackendProbe>,
  outcomes: readonly BackendOutcome[],
): Promise<{ reason: string; logged: string } | null> {
  if (options.backends !== undefined) return null;
  const probe = probes.get(name);
  if (probe !== undefined && !probe.available) return { reason: probe.reason, logged: probe.reason };
  if (name === 'cpu' && outcomes.some((outcome) => outcome.measured)) {
    return { reason: cpuFallbackReason, logged: cpuFallbackReason };
  }
  if (name === 'webgpu') {
    const adapter = await requestWebGpuAdapter().catch(() => null);
    if (adapter === null || isSoftwareAdapter(adapter)) {
      const reason = adapter === null ? 'no WebGPU adapter' : `software adapter: ${describeAdapter(adapter)}`;
      return { reason, logged: `${reason}; ask for it by name (--backend webgpu) to time it` };
    }
  }
  return null;
}

/** Switches to a backend and times it; a backend that does not initialise is reported as skipped. */
async function benchmarkBackend(
  name: BackendName,
  options: EngineBenchmarkOptions,
  networks: BenchmarkNetworks,
  log: (line: string) => void,
): Promise<{ outcome: BackendOutcome; measurements: EngineMeasurement[]; ratios: StepRatio[] }> {
  let gpuAdapter: GpuAdapter | null = null;
  try {
    const status = await initializeBackend({ forced: name });
    if (name === 'webgpu') gpuAdapter = status.gpuAdapter ?? null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log(`${name}: skipped (${reason})`);
    return { outcome: { name, measured: false, reason }, measurements: [], ratios: [] };
  }
  if (gpuAdapter !== null) log(`${name}: adapter ${describeAdapter(gpuAdapter)}`);
  log(
    `${name}: measuring (batch ${options.batchSize}, ${options.measuredSteps} steps after ${options.warmupSteps} warm-up)`,
  );
  const measured = await measureBackend(name, options, networks, log);
  const outcome: BackendOutcome = {
    name,
    measured: true,
    reason: 'measured',
    ...(gpuAdapter === null ? {} : { gpuAdapter }),
    teacherEngine: measured.teacherEngine,
  };
  return { outcome, measurements: measured.measurements, ratios: measured.ratios };
}

/** Every backend wanted, skipped or timed in turn; the backend active before is restored afterwards. */
async function benchmarkBackends(
  options: EngineBenchmarkOptions,
  networks: BenchmarkNetworks,
  log: (line: string) => void,
): Promise<{ outcomes: BackendOutcome[]; measurements: EngineMeasurement[]; ratios: StepRatio[] }> {
  // getBackend() is undefined until a backend has been chosen, despite its declared type.
  const previousBackend = tf.getBackend() as string | undefined;
  const probes = new Map(probeBackends().map((probe) => [probe.name, probe]));
  const outcomes: BackendOutcome[] = [];
  const measurements: EngineMeasurement[] = [];
  const ratios: StepRatio[] = [];
  try {
    for (const name of options.backends ?? backendNames) {
      const skip = await reasonToSkip(name, options, probes, outcomes);
      if (skip !== null) {
        outcomes.push({ name, measured: false, reason: skip.reason });
        log(`${name}: skipped (${skip.logged})`);
        continue;
      }
      const timed = await benchmarkBackend(name, options, networks, log);
      measurements.push(...timed.measurements);
      ratios.push(...timed.ratios);
      outcomes.push(timed.outcome);
    }
  } finally {
    if (previousBackend !== undefined && previousBackend !== tf.getBackend())
      await tf.setBackend(previousBackend);
  }
  return { outcomes, measurements, ratios };
}

/**
 * Times, on every backend that loads here (or those asked for): student training steps, teacher
 * inference and one distillation step per method and pair, exactly as the trainer runs them, with wall and
 * process CPU time and tf.memory() around each loop; then the batch assembly rate. Restores the backend
 * that was active before.
 */
export async function runEngineBenchmark(options: EngineBenchmarkOptions): Promise<EngineBenchmarkReport> {
  validateBenchmarkOptions(options);
  const log = options.log ?? (() => undefined);
  const networks = options.networks ?? defaultNetworks;
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  const { outcomes, measurements, ratios } = await benchmarkBackends(options, networks, log);
  const assembly = await measureAssembly(options.batchSize, options.assemblyBatches ?? 300);
  measurements.push(assembly);
  log(`${assembly.what}: ${assembly.imagesPerSecond.toFixed(0)} img/s`);
  const cpus = os.cpus();
  return {
    startedAt: startedAt.toISOString(),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    machine: {
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      cpuCores: Math.max(1, os.availableParallelism()),
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg(),
      nodeVersion: process.versions.node,
      tfjsVersion: tf.version.tfjs,
    },
    settings: {
      batchSize: options.batchSize,
      warmupSteps: options.warmupSteps,
      measuredSteps: options.measuredSteps,
      inputShape,
      teacher: networks.teacher,
      students: [...networks.students],
      trainingOnly: [...(networks.trainingOnly ?? [])],
    },
    backends: outcomes,
    measurements,
    ratios,
  };
}
