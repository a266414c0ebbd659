import type { DatasetSummary } from '../../src-shared/contracts/domain-types.js';
import { describeBackbone } from '../../src-shared/domain/backbone-catalog.js';
import type { ExperimentSpec } from '../../src-shared/domain/experiment-spec.js';
import { testEvaluationOf } from '../../src-shared/domain/figure-definitions.js';
import type { TeacherMeasurement, TestEvaluation } from '../../src-shared/domain/figure-definitions.js';
import { distillationMethods } from '../../src-shared/domain/method-catalog.js';
import { resolvedHyperparameters } from '../../src-shared/domain/resolved-hyperparameters.js';
import type {
  MethodHyperparameterTable,
  ResolvedHyperparameter,
} from '../../src-shared/domain/resolved-hyperparameters.js';
import type { WorkbenchStore } from '../store/workbench-store.js';

/**
 * Facts of an experiment that its figures and settings depend on, worked out once in the main process for the
 * UI, the CLI and the model card alike: the tap counts that derived hyperparameters come from, the values each
 * method used, and which test images the figures are measured on.
 */

function tapsOf(backbone: string, dataset: DatasetSummary): number | null {
  try {
    return describeBackbone(backbone, {
      classes: dataset.classCount,
      inputShape: [dataset.imageHeight, dataset.imageWidth, dataset.channels],
    }).taps.length;
  } catch {
    return null;
  }
}

/**
 * The teacher's and the student's tap counts, by the same rules the experiment was validated with; null when
 * the teacher's cannot be known here (a model file of an unknown architecture, a teacher no longer stored).
 */
export function tapCountsOf(
  store: WorkbenchStore,
  spec: ExperimentSpec,
  dataset: DatasetSummary,
): { readonly teacher: number; readonly student: number } | null {
  const student = tapsOf(spec.student.backbone, dataset);
  let teacher: number | null = null;
  switch (spec.teacher.source) {
    case 'train':
      teacher = tapsOf(spec.teacher.backbone, dataset);
      break;
    case 'run': {
      const run = store.runs.get(spec.teacher.runId);
      teacher = run === undefined ? null : tapsOf(run.backbone, dataset);
      break;
    }
    case 'imported': {
      const record = store.teachers.get(spec.teacher.teacherId)?.record;
      teacher = record === undefined ? null : (spec.teacher.taps?.length ?? record.taps.length);
      break;
    }
    case 'import': {
      const path = spec.teacher.modelJsonPath;
      const backbone = store.models.list().find((model) => model.path === path)?.backbone ?? null;
      teacher = backbone === null ? null : tapsOf(backbone, dataset);
      break;
    }
  }
  return student === null || teacher === null
    ? null
    : { teacher: Math.max(teacher, 1), student: Math.max(student, 1) };
}

/** The hyperparameters of every method of the experiment: set, default or derived, as its runs use them. */
export function methodHyperparameters(
  store: WorkbenchStore,
  spec: ExperimentSpec,
  dataset: DatasetSummary | undefined,
): MethodHyperparameterTable {
  const taps = dataset === undefined ? null : tapCountsOf(store, spec, dataset);
  const table: Partial<Record<(typeof distillationMethods)[number], readonly ResolvedHyperparameter[]>> = {};
  for (const method of distillationMethods.filter((known) => spec.methods.includes(known))) {
    const input = spec.hyperparameters[method] ?? {};
    try {
      table[method] = resolvedHyperparameters(method, input, taps);
    } catch {
      // The experiment was validated when it was made; a value its teacher no longer allows shows unresolved.
      table[method] = resolvedHyperparameters(method, input, null);
    }
  }
  return table;
}

/** The test images the experiment's runs are measured on; null when its dataset is gone. */
export function testEvaluationOfExperiment(
  spec: ExperimentSpec,
  dataset: DatasetSummary | undefined,
): TestEvaluation | null {
  return dataset === undefined ? null : testEvaluationOf(spec.subset?.testImages, dataset.testCount);
}

/** How the experiment's teacher accuracy was measured. */
export function teacherMeasurementOf(
  store: WorkbenchStore,
  spec: ExperimentSpec,
  dataset: DatasetSummary | undefined,
): TeacherMeasurement {
  switch (spec.teacher.source) {
    case 'train':
      return { source: 'trained', evaluation: testEvaluationOfExperiment(spec, dataset) };
    case 'run': {
      // A reused teacher was measured in its own experiment, on that experiment's test images.
      const run = store.runs.get(spec.teacher.runId);
      const experiment = run === undefined ? undefined : store.experiments.get(run.experimentId);
      if (experiment === undefined) return { source: 'trained', evaluation: null };
      const teacherSpec = experiment.spec;
      return {
        source: 'trained',
        evaluation: testEvaluationOfExperiment(teacherSpec, store.datasets.get(teacherSpec.datasetId)),
      };
    }
    case 'imported': {
      const record = store.teachers.get(spec.teacher.teacherId)?.record;
      return record === undefined
        ? { source: 'unmeasured' }
        : { source: 'imported', images: record.testImages, splitImages: dataset?.testCount ?? null };
    }
    case 'import':
      return { source: 'unmeasured' };
  }
}
