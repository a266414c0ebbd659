import type { ExperimentEstimate } from '../../src-shared/contracts/api.js';
import { describeBackbone } from '../../src-shared/domain/backbone-catalog.js';
import type { ExperimentSpec } from '../../src-shared/domain/experiment-spec.js';
import type { WorkbenchStore } from '../store/workbench-store.js';

/**
 * Multiply-accumulates per second that training sustains when this machine has no measurement yet: a slow
 * two-core WebAssembly machine, so the first estimate errs long rather than short. Training costs about three
 * forward passes per image.
 */
export const fallbackTrainingMacsPerSecond = 1.5e9;
const trainingPassesPerImage = 3;

/** The median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((first, second) => first - second);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Median training images per second of the finished epochs of every run of each backbone. */
function measuredSpeeds(store: WorkbenchStore): Map<string, number> {
  const perBackbone = new Map<string, number[]>();
  for (const run of store.runs.list()) {
    if (run.epochsDone === 0) continue;
    const speeds = perBackbone.get(run.backbone) ?? [];
    for (const epoch of store.runs.epochs(run.id)) {
      if (epoch.imagesPerSecond > 0) speeds.push(epoch.imagesPerSecond);
    }
    perBackbone.set(run.backbone, speeds);
  }
  const medians = new Map<string, number>();
  for (const [backbone, speeds] of perBackbone) if (speeds.length > 0) medians.set(backbone, median(speeds));
  return medians;
}

/**
 * Estimates the training time of a spec: every run trains its images for its epochs at the speed this
 * machine measured for that backbone, or at a fixed conservative speed derived from the backbone's cost.
 */
export function estimateExperiment(store: WorkbenchStore, spec: ExperimentSpec): ExperimentEstimate {
  const dataset = store.datasets.get(spec.datasetId);
  if (dataset === undefined) throw new Error(`There is no dataset ${spec.datasetId}.`);
  const sizes = {
    classes: dataset.classCount,
    inputShape: [dataset.imageHeight, dataset.imageWidth, dataset.channels] as const,
  };
  const speeds = measuredSpeeds(store);
  let measured = true;
  const imagesPerSecond = (backbone: string): number => {
    const known = speeds.get(backbone);
    if (known !== undefined) return known;
    measured = false;
    const macs = describeBackbone(backbone, sizes).macsPerImage;
    return fallbackTrainingMacsPerSecond / (macs * trainingPassesPerImage);
  };
  const trainImages = Math.min(spec.subset?.trainImages ?? dataset.trainCount, dataset.trainCount);
  const testImages = Math.min(spec.subset?.testImages ?? dataset.testCount, dataset.testCount);
  // Testing is a forward pass only, about a third of a training step.
  const imagesPerEpoch = trainImages + testImages / trainingPassesPerImage;
  let seconds = 0;
  let runCount = 0;
  if (spec.teacher.source === 'train') {
    const epochs = spec.teacher.epochs ?? spec.schedule.epochs;
    seconds += (imagesPerEpoch * epochs) / imagesPerSecond(spec.teacher.backbone);
    runCount += 1;
  }
  const studentSpeed = imagesPerSecond(spec.student.backbone);
  const studentRuns = spec.methods.length * spec.seeds.length;
  seconds += (studentRuns * imagesPerEpoch * spec.schedule.epochs) / studentSpeed;
  runCount += studentRuns;
  return { seconds: Math.round(seconds), runCount, measured };
}
