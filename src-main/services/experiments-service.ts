import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { z } from 'zod';
import type { ExperimentDetails } from '../../src-shared/contracts/api.js';
import { parseStoredJson } from '../../src-shared/contracts/stored-json.js';
import type {
  ExperimentResults,
  MeanAndSpread,
  MethodResult,
  RunSummary,
} from '../../src-shared/contracts/run-types.js';
import { describeBackbone, isBackboneName } from '../../src-shared/domain/backbone-catalog.js';
import { describeSpecProblems, experimentSpecSchema } from '../../src-shared/domain/experiment-spec.js';
import type { ExperimentSpec, ExperimentSpecInput } from '../../src-shared/domain/experiment-spec.js';
import {
  distillationMethods,
  methodCatalog,
  resolveHyperparameters,
} from '../../src-shared/domain/method-catalog.js';
import type { DistillationMethod } from '../../src-shared/domain/method-catalog.js';
import { recommendStudent } from '../../src-shared/domain/recommendation.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import type { NewRun } from '../store/repositories/runs-repository.js';
import type { StoredTeacher } from '../store/repositories/teachers-repository.js';
import {
  methodHyperparameters,
  teacherMeasurementOf,
  testEvaluationOfExperiment,
} from './experiment-facts.js';

/** Raised for an experiment that cannot be created; `problems` lists each with its JSON path. */
export class ExperimentSpecError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The experiment cannot be created:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ExperimentSpecError';
  }
}

/** The parts of a TensorFlow.js model.json the teacher check reads; every other field is left alone. */
const importedModelJsonSchema = z.object({
  modelTopology: z
    .object({
      config: z
        .object({
          name: z.string().optional(),
          layers: z
            .array(
              z.object({
                config: z
                  .object({
                    batch_input_shape: z.array(z.number().int().nullable()).optional(),
                    units: z.number().int().optional(),
                  })
                  .optional(),
              }),
            )
            .optional(),
        })
        .optional(),
    })
    .optional(),
  weightsManifest: z
    .array(
      z.object({ weights: z.array(z.object({ shape: z.array(z.number().int()).optional() })).optional() }),
    )
    .optional(),
});

const featureMethods: ReadonlySet<string> = new Set(['at', 'afd', 'rtk']);

/**
 * Checks an imported teacher's model.json against the dataset and the methods: its input shape and class
 * count must match, and only a model that is one of our backbones exposes the feature maps AT, AFD and RTK
 * need. Returns the problems and, for one of our backbones, its name.
 */
function checkImportedTeacher(
  path: string,
  dataset: { imageHeight: number; imageWidth: number; channels: number; classCount: number },
  methods: readonly string[],
): { problems: string[]; backbone: string | null; weightCount: number } {
  const fail = (problem: string) => ({
    problems: [`$.teacher.modelJsonPath: ${problem}`],
    backbone: null,
    weightCount: 0,
  });
  if (!existsSync(path)) return fail(`${path} does not exist`);
  let parsed: z.infer<typeof importedModelJsonSchema>;
  try {
    parsed = parseStoredJson(
      importedModelJsonSchema,
      { text: readFileSync(path, 'utf8') },
      path,
      'a TensorFlow.js layers model',
    );
  } catch (error) {
    return fail(error instanceof Error ? error.message.replace(/\.$/, '') : String(error));
  }
  const layers = parsed.modelTopology?.config?.layers;
  if (!Array.isArray(layers) || layers.length === 0) {
    return fail(`${path} is not a TensorFlow.js layers model (no modelTopology.config.layers)`);
  }
  const problems: string[] = [];
  const inputShape = layers[0]?.config?.batch_input_shape?.slice(1);
  const expected = [dataset.imageHeight, dataset.imageWidth, dataset.channels];
  if (inputShape === undefined || inputShape.join('x') !== expected.join('x')) {
    problems.push(
      `the teacher takes ${inputShape?.join('x') ?? 'an unknown'} input but the dataset's images are ${expected.join('x')}`,
    );
  }
  const units = layers.at(-1)?.config?.units;
  if (units !== dataset.classCount) {
    problems.push(
      `the teacher predicts ${units ?? 'an unknown number of'} classes but the dataset has ${dataset.classCount}`,
    );
  }
  const name = parsed.modelTopology?.config?.name ?? '';
  const backbone = isBackboneName(name) ? name : null;
  const needingFeatures = methods.filter((method) => featureMethods.has(method));
  if (backbone === null && needingFeatures.length > 0) {
    problems.push(
      `${needingFeatures.map((method) => method.toUpperCase()).join(', ')} need the teacher's feature maps, which ` +
        `only an RTK Workbench backbone exposes; this model ("${name}") can teach with KD only`,
    );
  }
  const weightCount = (parsed.weightsManifest ?? [])
    .flatMap((group) => group.weights ?? [])
    .reduce((total, weight) => total + (weight.shape ?? []).reduce((product, size) => product * size, 1), 0);
  return {
    problems: problems.map((problem) => `$.teacher.modelJsonPath: ${problem}`),
    backbone,
    weightCount,
  };
}

/**
 * Checks an imported teacher of the store against the dataset: its classes and image size, and the taps the
 * spec chooses. Returns the problems, what the teacher is called and how many taps it gives.
 */
function checkImportedTeacherRecord(
  store: WorkbenchStore,
  teacher: Extract<ExperimentSpec['teacher'], { source: 'imported' }>,
  dataset: { classCount: number; imageHeight: number; imageWidth: number; channels: number },
): { problems: string[]; backbone: string; taps: number } {
  const stored = store.teachers.get(teacher.teacherId);
  if (stored === undefined) {
    return {
      problems: [`$.teacher.teacherId: there is no imported teacher "${teacher.teacherId}"`],
      backbone: 'imported',
      taps: 0,
    };
  }
  const record = stored.record;
  const problems: string[] = [];
  const [height, width] =
    record.layout === 'NCHW'
      ? [record.inputShape[1], record.inputShape[2]]
      : [record.inputShape[0], record.inputShape[1]];
  if (
    record.classes !== dataset.classCount ||
    height !== dataset.imageHeight ||
    width !== dataset.imageWidth
  ) {
    problems.push(
      `$.teacher.teacherId: teacher "${record.name}" takes ${height}x${width} images of ${record.classes} classes, ` +
        `but this dataset has ${dataset.imageHeight}x${dataset.imageWidth} images of ${dataset.classCount}`,
    );
  }
  const outOfRange = (teacher.taps ?? []).filter((index) => index >= record.taps.length);
  if (outOfRange.length > 0) {
    problems.push(
      `$.teacher.taps: teacher "${record.name}" has taps 0 to ${record.taps.length - 1}; ${outOfRange.join(', ')} do not exist`,
    );
  }
  return {
    problems,
    backbone: record.backbone ?? `imported ${record.name}`,
    taps: teacher.taps?.length ?? record.taps.length,
  };
}

type StoredDataset = NonNullable<ReturnType<WorkbenchStore['datasets']['get']>>;
type BackboneSizes = Parameters<typeof describeBackbone>[1];

/** What the spec's teacher turned out to be, with every problem found on the way. */
interface ResolvedTeacher {
  readonly problems: string[];
  readonly backbone: string;
  readonly taps: number;
  readonly importedWeightCount: number;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The spec parsed against the schema; throws ExperimentSpecError listing each schema problem. */
function parseExperimentSpec(input: ExperimentSpecInput | ExperimentSpec): ExperimentSpec {
  const parsed = experimentSpecSchema.safeParse(input);
  if (!parsed.success) throw new ExperimentSpecError(describeSpecProblems(parsed.error));
  return parsed.data;
}

function requireSpecDataset(store: WorkbenchStore, spec: ExperimentSpec): StoredDataset {
  const dataset = store.datasets.get(spec.datasetId);
  if (dataset === undefined)
    throw new ExperimentSpecError([`$.datasetId: there is no dataset "${spec.datasetId}" in this workbench`]);
  return dataset;
}

/** A teacher trained in this experiment: one of our backbones, which must suit the dataset's images. */
function resolveTeacherTrainedHere(backbone: string, sizes: BackboneSizes): ResolvedTeacher {
  try {
    return {
      problems: [],
      backbone,
      taps: describeBackbone(backbone, sizes).taps.length,
      importedWeightCount: 0,
    };
  } catch (error) {
    return {
      problems: [`$.teacher.backbone: ${errorMessage(error)}`],
      backbone,
      taps: 0,
      importedWeightCount: 0,
    };
  }
}

/** A teacher trained earlier: a finished run whose dataset has the same classes and image shape. */
function resolveTeacherTrainedEarlier(
  store: WorkbenchStore,
  runId: string,
  dataset: StoredDataset,
  sizes: BackboneSizes,
): ResolvedTeacher {
  const unresolved = (problem: string): ResolvedTeacher => ({
    problems: [problem],
    backbone: 'imported',
    taps: 0,
    importedWeightCount: 0,
  });
  const teacherRun = store.runs.get(runId);
  if (teacherRun === undefined) return unresolved(`$.teacher.runId: there is no run "${runId}"`);
  if (teacherRun.status !== 'done') {
    return unresolved(
      `$.teacher.runId: run ${teacherRun.id} is ${teacherRun.status}; a teacher must be a finished run`,
    );
  }
  const problems: string[] = [];
  const teacherExperiment = store.experiments.get(teacherRun.experimentId);
  const teacherSpec = teacherExperiment === undefined ? undefined : teacherExperiment.spec;
  const teacherDataset = teacherSpec === undefined ? undefined : store.datasets.get(teacherSpec.datasetId);
  if (
    teacherDataset === undefined ||
    teacherDataset.classCount !== dataset.classCount ||
    teacherDataset.imageHeight !== dataset.imageHeight ||
    teacherDataset.imageWidth !== dataset.imageWidth ||
    teacherDataset.channels !== dataset.channels
  ) {
    problems.push(
      `$.teacher.runId: run ${teacherRun.id} was trained on ${teacherDataset === undefined ? 'an unknown dataset' : `${teacherDataset.classCount} classes of ${teacherDataset.imageHeight}x${teacherDataset.imageWidth}x${teacherDataset.channels} images`}, but this dataset has ${dataset.classCount} classes of ${dataset.imageHeight}x${dataset.imageWidth}x${dataset.channels}`,
    );
  }
  return {
    problems,
    backbone: teacherRun.backbone,
    taps: describeBackbone(teacherRun.backbone, sizes).taps.length,
    importedWeightCount: 0,
  };
}

/** A TensorFlow.js model.json named by path: its backbone and taps are known only when it is one of ours. */
function resolveTeacherFromModelJson(
  modelJsonPath: string,
  spec: ExperimentSpec,
  dataset: StoredDataset,
  sizes: BackboneSizes,
): ResolvedTeacher {
  const imported = checkImportedTeacher(modelJsonPath, dataset, spec.methods);
  const backbone = imported.problems.length === 0 ? imported.backbone : null;
  return {
    problems: imported.problems,
    backbone: backbone ?? 'imported',
    taps: backbone === null ? 0 : describeBackbone(backbone, sizes).taps.length,
    importedWeightCount: imported.weightCount,
  };
}

/** Resolves the spec's teacher from wherever it comes: trained here, a run trained earlier, or imported. */
function resolveTeacher(
  store: WorkbenchStore,
  spec: ExperimentSpec,
  dataset: StoredDataset,
  sizes: BackboneSizes,
): ResolvedTeacher {
  const teacher = spec.teacher;
  switch (teacher.source) {
    case 'train':
      return resolveTeacherTrainedHere(teacher.backbone, sizes);
    case 'run':
      return resolveTeacherTrainedEarlier(store, teacher.runId, dataset, sizes);
    case 'imported': {
      const imported = checkImportedTeacherRecord(store, teacher, dataset);
      return { ...imported, importedWeightCount: 0 };
    }
    case 'import':
      return resolveTeacherFromModelJson(teacher.modelJsonPath, spec, dataset, sizes);
  }
}

/** The taps of the student's backbone, or the problem when that backbone does not suit the dataset's images. */
function resolveStudentTaps(
  spec: ExperimentSpec,
  sizes: BackboneSizes,
): { problems: string[]; taps: number } {
  try {
    return { problems: [], taps: describeBackbone(spec.student.backbone, sizes).taps.length };
  } catch (error) {
    return { problems: [`$.student.backbone: ${errorMessage(error)}`], taps: 0 };
  }
}

/** Checks each method's hyperparameters against the taps the teacher and the student give. */
function checkHyperparameters(spec: ExperimentSpec, teacherTaps: number, studentTaps: number): string[] {
  const problems: string[] = [];
  for (const method of spec.methods) {
    try {
      resolveHyperparameters(method, spec.hyperparameters[method] ?? {}, {
        teacher: Math.max(teacherTaps, 1),
        student: Math.max(studentTaps, 1),
      });
    } catch (error) {
      problems.push(`$.hyperparameters.${method}: ${errorMessage(error)}`);
    }
  }
  return problems;
}

/**
 * Validates a spec against the schema and the store: the dataset, the student's and the teacher's backbones
 * for the dataset's images, and each method's hyperparameters. Throws ExperimentSpecError listing every problem.
 */
function validateExperimentSpec(
  store: WorkbenchStore,
  input: ExperimentSpecInput | ExperimentSpec,
): { spec: ExperimentSpec; dataset: StoredDataset; teacher: ResolvedTeacher } {
  const spec = parseExperimentSpec(input);
  const dataset = requireSpecDataset(store, spec);
  const sizes = {
    classes: dataset.classCount,
    inputShape: [dataset.imageHeight, dataset.imageWidth, dataset.channels] as const,
  };
  const student = resolveStudentTaps(spec, sizes);
  const teacher = resolveTeacher(store, spec, dataset, sizes);
  const problems = [
    ...student.problems,
    ...teacher.problems,
    ...checkHyperparameters(spec, teacher.taps, student.taps),
  ];
  if (problems.length > 0) throw new ExperimentSpecError(problems);
  return { spec, dataset, teacher };
}

/** The experiment's runs: the teacher's first when it is trained here and needed, then methods × seeds students. */
function planRuns(spec: ExperimentSpec, experimentId: string, teacherBackbone: string): NewRun[] {
  const runs: NewRun[] = [];
  let teacherRunId: string | null = spec.teacher.source === 'run' ? spec.teacher.runId : null;
  if (spec.teacher.source === 'train' && spec.methods.some((method) => methodCatalog[method].needsTeacher)) {
    teacherRunId = randomUUID();
    runs.push({
      id: teacherRunId,
      experimentId,
      role: 'teacher',
      method: 'none',
      backbone: teacherBackbone,
      seed: spec.seeds[0] ?? 0,
      teacherRunId: null,
      configJson: JSON.stringify({ role: 'teacher' }),
      epochsTotal: spec.teacher.epochs ?? spec.schedule.epochs,
    });
  }
  for (const method of distillationMethods.filter((known) => spec.methods.includes(known))) {
    for (const seed of spec.seeds) {
      runs.push({
        id: randomUUID(),
        experimentId,
        role: 'student',
        method,
        backbone: spec.student.backbone,
        seed,
        teacherRunId:
          methodCatalog[method].needsTeacher && spec.teacher.source !== 'import' ? teacherRunId : null,
        teacherId:
          methodCatalog[method].needsTeacher && spec.teacher.source === 'imported'
            ? spec.teacher.teacherId
            : null,
        configJson: JSON.stringify({ method, hyperparameters: spec.hyperparameters[method] ?? {} }),
        epochsTotal: spec.schedule.epochs,
      });
    }
  }
  return runs;
}

/** Records the experiment, its runs and, for a model.json teacher, that model, in one transaction. */
function recordExperiment(
  store: WorkbenchStore,
  experimentId: string,
  planned: { spec: ExperimentSpec; dataset: StoredDataset; teacher: ResolvedTeacher; runs: NewRun[] },
): void {
  const { spec, dataset, teacher, runs } = planned;
  store.experiments.transaction(() => {
    store.experiments.insert({
      id: experimentId,
      name: spec.name,
      datasetId: spec.datasetId,
      spec,
    });
    store.runs.createMany(runs);
    if (spec.teacher.source === 'import') {
      store.models.insert({
        id: randomUUID(),
        name: `Imported teacher (${basename(dirname(spec.teacher.modelJsonPath))})`,
        source: 'import',
        runId: null,
        backbone: teacher.backbone === 'imported' ? null : teacher.backbone,
        path: spec.teacher.modelJsonPath,
        classCount: dataset.classCount,
        imageHeight: dataset.imageHeight,
        imageWidth: dataset.imageWidth,
        channels: dataset.channels,
        parameterCount: teacher.importedWeightCount,
        testTop1: null,
      });
    }
  });
}

/**
 * Validates a spec against the schema and the store (dataset, teacher, backbones for the dataset's images),
 * then records the experiment and its runs in one transaction: the teacher's run first when the teacher is
 * trained here, then methods × seeds student runs. Throws ExperimentSpecError listing every problem.
 */
export function createExperiment(
  store: WorkbenchStore,
  input: ExperimentSpecInput | ExperimentSpec,
): ExperimentDetails {
  const { spec, dataset, teacher } = validateExperimentSpec(store, input);
  const experimentId = randomUUID();
  const runs = planRuns(spec, experimentId, teacher.backbone);
  recordExperiment(store, experimentId, { spec, dataset, teacher, runs });
  return requireExperimentDetails(store, experimentId);
}

/** An experiment with its spec and runs; throws a readable error for an unknown id. */
export function requireExperimentDetails(store: WorkbenchStore, experimentId: string): ExperimentDetails {
  const experiment = store.experiments.get(experimentId);
  if (experiment === undefined) throw new Error(`There is no experiment ${experimentId}.`);
  const { spec, ...summary } = experiment;
  const dataset = store.datasets.get(spec.datasetId);
  return {
    experiment: summary,
    spec,
    runs: store.runs.listOfExperiment(experimentId),
    hyperparameters: methodHyperparameters(store, spec, dataset),
    measurement: {
      test: testEvaluationOfExperiment(spec, dataset),
      teacher: teacherMeasurementOf(store, spec, dataset),
    },
  };
}

function meanAndSpread(values: readonly number[]): MeanAndSpread | null {
  if (values.length === 0) return null;
  const mean = values.reduce((total, value) => total + value, 0) / values.length;
  const variance =
    values.length > 1
      ? values.reduce((total, value) => total + (value - mean) ** 2, 0) / (values.length - 1)
      : 0;
  return { mean, std: Math.sqrt(variance), count: values.length };
}

function lastPerClass(store: WorkbenchStore, run: RunSummary): (number | null)[] | null {
  return store.runs.epochs(run.id).at(-1)?.perClass ?? null;
}

function meanPerClass(rows: readonly (readonly (number | null)[])[]): (number | null)[] | null {
  if (rows.length === 0) return null;
  const width = Math.max(...rows.map((row) => row.length));
  return Array.from({ length: width }, (_, classIndex) => {
    const values = rows
      .map((row) => row[classIndex])
      .filter((value): value is number => typeof value === 'number');
    return values.length === 0 ? null : values.reduce((total, value) => total + value, 0) / values.length;
  });
}

/** One method's runs and what its finished runs reached, before comparing with the student alone. */
interface MethodSummary {
  readonly method: DistillationMethod;
  readonly runs: readonly RunSummary[];
  readonly best: MeanAndSpread | null;
  readonly last: MeanAndSpread | null;
  readonly perClass: (number | null)[] | null;
  readonly finished: number;
}

function summariseMethod(
  store: WorkbenchStore,
  method: DistillationMethod,
  students: readonly RunSummary[],
): MethodSummary {
  const methodRuns = students.filter((run) => run.method === method);
  const finished = methodRuns.filter((run) => run.status === 'done');
  return {
    method,
    runs: methodRuns,
    best: meanAndSpread(finished.flatMap((run) => (run.bestTestTop1 === null ? [] : [run.bestTestTop1]))),
    last: meanAndSpread(finished.flatMap((run) => (run.lastTestTop1 === null ? [] : [run.lastTestTop1]))),
    perClass: meanPerClass(
      finished.flatMap((run) => {
        const row = lastPerClass(store, run);
        return row === null ? [] : [row];
      }),
    ),
    finished: finished.length,
  };
}

/** A method's results with its gains over the student alone (none for the student alone itself). */
function compareWithBaseline(entry: MethodSummary, baseline: MethodSummary | undefined): MethodResult {
  const isBaseline = entry.method === 'none';
  const gain = (value: MeanAndSpread | null, reference: MeanAndSpread | null | undefined): number | null =>
    isBaseline || value === null || reference === null || reference === undefined
      ? null
      : value.mean - reference.mean;
  const baselineClasses = baseline?.perClass ?? null;
  return {
    method: entry.method,
    runIds: entry.runs.map((run) => run.id),
    seeds: entry.runs.map((run) => run.seed),
    finishedRuns: entry.finished,
    best: entry.best,
    last: entry.last,
    gainBest: gain(entry.best, baseline?.best),
    gainLast: gain(entry.last, baseline?.last),
    perClassDelta:
      isBaseline || entry.perClass === null || baselineClasses === null
        ? null
        : entry.perClass.map((value, index) => {
            const reference = baselineClasses[index];
            return value === null || reference === null || reference === undefined ? null : value - reference;
          }),
  };
}

/** The teacher row of the results: an imported teacher, the teacher's run, or a model.json by its folder. */
function describeResultsTeacher(
  spec: ExperimentSpec,
  teacherRun: RunSummary | undefined,
  importedTeacher: StoredTeacher | undefined,
): ExperimentResults['teacher'] {
  if (importedTeacher !== undefined) {
    return {
      runId: null,
      backbone: `imported ${importedTeacher.record.name} (${importedTeacher.record.format})`,
      bestTop1: importedTeacher.record.testTop1 / 100,
      lastTop1: importedTeacher.record.testTop1 / 100,
    };
  }
  if (teacherRun !== undefined) {
    return {
      runId: teacherRun.id,
      backbone: teacherRun.backbone,
      bestTop1: teacherRun.bestTestTop1,
      lastTop1: teacherRun.lastTestTop1,
    };
  }
  if (spec.teacher.source === 'import') {
    return {
      runId: null,
      backbone: `imported model (${basename(dirname(spec.teacher.modelJsonPath))})`,
      bestTop1: null,
      lastTop1: null,
    };
  }
  return null;
}

/** The student to recommend, weighing the teacher's accuracy only when some method learns from it. */
function recommendFromRuns(
  spec: ExperimentSpec,
  classes: number,
  students: readonly RunSummary[],
  teacherRun: RunSummary | undefined,
  importedTeacher: StoredTeacher | undefined,
): ExperimentResults['recommendation'] {
  const teacherTop1 =
    importedTeacher !== undefined
      ? importedTeacher.record.testTop1 / 100
      : teacherRun === undefined
        ? null
        : teacherRun.lastTestTop1;
  return recommendStudent({
    classes,
    teacherTop1: spec.methods.some((method) => methodCatalog[method].needsTeacher) ? teacherTop1 : null,
    students: students.map((run) => ({
      runId: run.id,
      method: run.method,
      seed: run.seed,
      finished: run.status === 'done',
      testTop1: run.lastTestTop1,
    })),
  });
}

/** The results table of an experiment: per method mean ± std over seeds, gains over the student alone. */
export function experimentResults(store: WorkbenchStore, experimentId: string): ExperimentResults {
  const { spec, runs } = requireExperimentDetails(store, experimentId);
  const dataset = store.datasets.get(spec.datasetId);
  const classNames = dataset === undefined ? [] : [...dataset.manifest.classNames];
  const teacherRun =
    runs.find((run) => run.role === 'teacher') ??
    (spec.teacher.source === 'run' ? store.runs.get(spec.teacher.runId) : undefined);
  const importedTeacher =
    spec.teacher.source === 'imported' ? store.teachers.get(spec.teacher.teacherId) : undefined;
  const students = runs.filter((run) => run.role === 'student');
  const perMethod = distillationMethods
    .filter((method) => spec.methods.includes(method))
    .map((method) => summariseMethod(store, method, students));
  const baseline = perMethod.find((entry) => entry.method === 'none');
  const classes = dataset?.classCount ?? classNames.length;
  return {
    experimentId,
    classNames,
    recommendation: recommendFromRuns(spec, classes, students, teacherRun, importedTeacher),
    teacher: describeResultsTeacher(spec, teacherRun, importedTeacher),
    studentBackbone: spec.student.backbone,
    methods: perMethod.map((entry) => compareWithBaseline(entry, baseline)),
  };
}
