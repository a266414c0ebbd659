/** How the learning rate changes over a run. */
export type LearningRateSchedule =
  | { readonly kind: 'constant' }
  /** Multiplied by `gamma` once each milestone epoch has been completed (reference: 150, 180, 210 and 0.1). */
  | { readonly kind: 'step'; readonly milestones: readonly number[]; readonly gamma: number }
  /** Cosine decay from the base rate to `minimum` over the whole run, evaluated per step. */
  | { readonly kind: 'cosine'; readonly minimum: number };

/** Learning-rate settings of a run. */
export interface LearningRateSettings {
  readonly learningRate: number;
  readonly schedule: LearningRateSchedule;
  /** Epochs of linear warm-up from near zero to the scheduled rate; 0 for none. */
  readonly warmupEpochs: number;
  readonly epochs: number;
}

/** The learning rate of step `batch` (0-based) of epoch `epoch` (0-based), out of `batches` per epoch. */
export function learningRateAt(
  settings: LearningRateSettings,
  epoch: number,
  batch: number,
  batches: number,
): number {
  const progress = epoch + batch / Math.max(batches, 1);
  let rate = settings.learningRate;
  const schedule = settings.schedule;
  if (schedule.kind === 'step') {
    const passed = schedule.milestones.filter((milestone) => epoch >= milestone).length;
    rate *= schedule.gamma ** passed;
  } else if (schedule.kind === 'cosine') {
    const fraction = Math.min(progress / Math.max(settings.epochs, 1), 1);
    rate = schedule.minimum + ((rate - schedule.minimum) * (1 + Math.cos(Math.PI * fraction))) / 2;
  }
  if (settings.warmupEpochs > 0) {
    const warmupSteps = settings.warmupEpochs * batches;
    const step = epoch * batches + batch + 1;
    rate *= Math.min(1, step / warmupSteps);
  }
  return rate;
}
