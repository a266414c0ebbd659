import { z } from 'zod';
import { figureKeys } from '../domain/figure-definitions.js';

/**
 * What model-card.json holds, parsed once wherever a card enters: from the worker, from the store and from a
 * folder on disk. Fields added after the first cards were written are optional, so every card the workbench
 * ever wrote still reads; the readers say "not recorded" for what an old card lacks.
 */

const count = z.number().int().nonnegative();
const fraction = z.number().min(0).max(1);

/** Which test images the run's figures are measured on. */
export const testEvaluationSchema = z.object({ images: count, splitImages: count });

/** How the teacher's accuracy came about. */
export const teacherMeasurementSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('trained'), evaluation: testEvaluationSchema.nullable() }),
  z.object({ source: z.literal('imported'), images: count, splitImages: count.nullable() }),
  z.object({ source: z.literal('unmeasured') }),
]);

/** One hyperparameter the run used, with where its value came from. */
export const resolvedHyperparameterSchema = z.object({
  key: z.string(),
  label: z.string(),
  value: z.union([z.number(), z.string()]).nullable(),
  shown: z.string(),
  source: z.enum(['set', 'default', 'derived']),
  rule: z.string().nullable(),
});

/** The training recipe of the run, in the units the experiment was written in. */
export const trainingRecipeSchema = z.object({
  epochs: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  learningRate: z.number(),
  momentum: z.number(),
  weightDecay: z.number(),
  /** The learning-rate schedule in words, e.g. "cosine to 0". */
  learningRateSchedule: z.string(),
  warmupEpochs: z.number().int().nonnegative(),
  /** The augmentation in words, e.g. "random crop (padding 4), horizontal flip". */
  augmentation: z.string(),
  /** Training images the run used, and how many the training split holds. */
  trainImages: count,
  trainSplitImages: count,
});

/** The imported teacher a student learned from. */
export const importedTeacherFactsSchema = z.object({
  name: z.string(),
  file: z.string(),
  format: z.string(),
  fingerprint: z.string(),
  /** Its test top-1 measured at import, in percent. */
  testTop1: z.number(),
});

/** How the student was trained, as the run and its experiment record it. */
export const modelCardTrainingSchema = z.object({
  runId: z.string().nullable(),
  datasetName: z.string(),
  teacher: z.string().nullable(),
  method: z.string(),
  /**
   * The values the losses were computed with, defaults included. Cards written before the resolved values were
   * recorded hold only the values set by hand here, and no `resolvedHyperparameters`.
   */
  hyperparameters: z.record(z.string(), z.union([z.number(), z.string()])),
  resolvedHyperparameters: z.array(resolvedHyperparameterSchema).optional(),
  seed: z.number().int().nullable(),
  epochs: z.number().int().nullable(),
  /** Top-1 after the final epoch on the run's test images, 0..1. */
  testTop1: fraction.nullable(),
  testEvaluation: testEvaluationSchema.nullable().optional(),
  recipe: trainingRecipeSchema.nullable().optional(),
  /** The teacher's test top-1 (0..1) and how it was measured; null without a teacher. */
  teacherAccuracy: z
    .object({ top1: fraction.nullable(), measurement: teacherMeasurementSchema })
    .nullable()
    .optional(),
  importedTeacher: importedTeacherFactsSchema.nullable().optional(),
});
export type ModelCardTraining = z.infer<typeof modelCardTrainingSchema>;
export type TrainingRecipe = z.infer<typeof trainingRecipeSchema>;

/** One latency figure: median and 90th percentile of timed batch-1 runs in one engine. */
export const latencyFiguresSchema = z.object({
  medianMilliseconds: z.number().nonnegative(),
  p90Milliseconds: z.number().nonnegative(),
  runs: z.number().int().positive(),
  /** What ran it: `onnxruntime-node (cpu)` or `tfjs (<backend>)`. */
  engine: z.string(),
  batchSize: z.number().int().positive().optional(),
  /** Threads the engine computed with; null when the engine decides. */
  threads: z.number().int().positive().nullable().optional(),
  warmupRuns: z.number().int().nonnegative().optional(),
});

/** How an exported model's logits compare with the in-app model's on the same images. */
export const parityFiguresSchema = z.object({
  images: z.number().int().positive(),
  /** How many test images the run's own figures use; missing on older cards. */
  runTestImages: z.number().int().positive().nullable().optional(),
  maxAbsLogitDifference: z.number(),
  /** Share of images on which both models pick the same class. */
  top1Agreement: fraction,
  exportedAccuracy: fraction,
  inAppAccuracy: fraction,
  /** exportedAccuracy − inAppAccuracy. */
  accuracyChange: z.number().min(-1).max(1),
});

/** A figure's definition as the card stores it for readers outside the workbench. */
export const figureDefinitionSchema = z.object({
  key: z.enum(figureKeys),
  label: z.string(),
  definition: z.string(),
  facts: z.array(z.object({ name: z.string(), value: z.string() })),
});

/** Everything model-card.json holds. */
export const modelCardSchema = z.object({
  workbenchVersion: z.string(),
  createdAt: z.string(),
  backbone: z.string(),
  format: z.enum(['tfjs', 'onnx']),
  precision: z.enum(['float32', 'float16', 'uint8']),
  classNames: z.array(z.string()),
  input: z.object({
    height: z.number().int().positive(),
    width: z.number().int().positive(),
    channels: z.number().int().positive(),
    /** Layout of the ONNX input; the TFJS model always takes NHWC. */
    onnxLayout: z.enum(['NCHW', 'NHWC']).nullable(),
    /** The ONNX input's name; missing on older cards. */
    name: z.string().optional(),
    preprocessing: z.string(),
    mean: z.array(z.number()),
    std: z.array(z.number()),
  }),
  outputs: z.array(z.string()),
  datasetFingerprint: z.string(),
  training: modelCardTrainingSchema,
  parameterCount: count,
  macsPerImage: count,
  peakActivationBytes: count,
  files: z.array(z.object({ path: z.string(), bytes: count })),
  modelBytes: count,
  preset: z
    .object({
      name: z.string(),
      label: z.string(),
      sizeBudgetBytes: count,
      withinBudget: z.boolean(),
    })
    .nullable(),
  latency: z.record(z.string(), latencyFiguresSchema),
  parity: z.record(z.string(), parityFiguresSchema),
  /** The definitions of the card's figures; missing on older cards. */
  definitions: z.array(figureDefinitionSchema).optional(),
});
export type ModelCard = z.infer<typeof modelCardSchema>;
export type ParityFigures = z.infer<typeof parityFiguresSchema>;
export type CardLatencyFigures = z.infer<typeof latencyFiguresSchema>;

/** Parses a model card's JSON text, saying what is wrong and where (`source` names the file or record). */
export function parseModelCard(text: string, source: string): ModelCard {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON: ${error instanceof Error ? error.message : String(error)}.`, {
      cause: error,
    });
  }
  const parsed = modelCardSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.length === 0 ? '(the card)' : issue.path.join('.')}: ${issue.message}`);
    throw new Error(`${source} is not a model card of this workbench: ${problems.join('; ')}.`);
  }
  return parsed.data;
}
