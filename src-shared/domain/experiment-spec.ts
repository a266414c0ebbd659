import { z } from 'zod';
import { backboneNameSchema } from './backbone-catalog.js';
import { distillationMethods, methodCatalog } from './method-catalog.js';
import type { DistillationMethod } from './method-catalog.js';
import { parseStoredJson } from '../contracts/stored-json.js';

/** The presets a new experiment starts from. */
export const experimentPresets = ['quick', 'standard', 'paper', 'custom'] as const;
export type ExperimentPreset = (typeof experimentPresets)[number];

const positiveInteger = z.number().int().positive();

const learningRateScheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  z
    .object({
      kind: z.literal('step'),
      milestones: z
        .array(positiveInteger)
        .refine((values) => values.every((value, index) => index === 0 || value > (values[index - 1] ?? 0)), {
          message: 'milestones must be increasing epoch numbers',
        }),
      gamma: z.number().positive().max(1),
    })
    .strict(),
  z.object({ kind: z.literal('cosine'), minimum: z.number().nonnegative().default(0) }).strict(),
]);

const scheduleSchema = z
  .object({
    epochs: positiveInteger.max(10_000),
    batchSize: positiveInteger.max(4096).default(64),
    learningRate: z.number().positive().max(10).default(0.05),
    momentum: z.number().min(0).max(0.999).default(0.9),
    weightDecay: z.number().min(0).max(0.1).default(5e-4),
    learningRateSchedule: learningRateScheduleSchema.default({
      kind: 'step',
      milestones: [150, 180, 210],
      gamma: 0.1,
    }),
    warmupEpochs: z.number().int().min(0).default(0),
  })
  .strict()
  .refine((schedule) => schedule.warmupEpochs < schedule.epochs, {
    message: 'warm-up must be shorter than the whole run',
    path: ['warmupEpochs'],
  });

const teacherSchema = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('train'),
      backbone: backboneNameSchema,
      /** Epochs of the teacher's own run; the experiment's schedule when left out. */
      epochs: positiveInteger.max(10_000).optional(),
    })
    .strict(),
  z.object({ source: z.literal('run'), runId: z.string().min(1) }).strict(),
  z.object({ source: z.literal('import'), modelJsonPath: z.string().min(1) }).strict(),
  z
    .object({
      source: z.literal('imported'),
      /** A teacher imported with `teacher import` (or the wizard's "Use a teacher I already have"). */
      teacherId: z.string().min(1),
      /** The teacher's taps to distil from, by index; all of them when left out. */
      taps: z
        .array(z.number().int().nonnegative())
        .min(1, 'choose at least one tap')
        .refine((taps) => new Set(taps).size === taps.length, { message: 'taps must not repeat' })
        .optional(),
    })
    .strict(),
]);

const hyperparameterValues = z.record(z.string(), z.union([z.number(), z.string()]));

const methodsSchema = z
  .array(z.enum(distillationMethods))
  .min(1, 'choose at least one method')
  .transform((methods) => {
    const unique = [...new Set(methods)];
    // Every result needs its baseline, so the student alone always runs.
    return unique.includes('none') ? unique : [...unique, 'none' as const];
  });

/** Version 1 of the experiment spec: what to train, how, and with which seeds. */
export const experimentSpecSchema = z
  .object({
    specVersion: z.literal(1).default(1),
    name: z.string().trim().min(1, 'give the experiment a name').max(200),
    preset: z.enum(experimentPresets).default('custom'),
    datasetId: z.string().min(1),
    teacher: teacherSchema,
    student: z.object({ backbone: backboneNameSchema }).strict(),
    methods: methodsSchema,
    /** Per method, the hyperparameters that differ from the defaults of method.md. */
    hyperparameters: z
      .object(
        Object.fromEntries(
          distillationMethods.map((method) => [method, hyperparameterValues.optional()]),
        ) as Record<DistillationMethod, z.ZodOptional<typeof hyperparameterValues>>,
      )
      .strict()
      .default({}),
    schedule: scheduleSchema,
    augmentation: z
      .object({
        randomCrop: z.boolean().default(true),
        padding: z.number().int().min(0).max(16).default(4),
        /** 'auto' flips unless the dataset holds digits (SVHN, MNIST-style), where a mirror changes the class. */
        horizontalFlip: z.union([z.boolean(), z.literal('auto')]).default('auto'),
      })
      .strict()
      .default({ randomCrop: true, padding: 4, horizontalFlip: 'auto' }),
    seeds: z
      .array(
        z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1),
      )
      .min(1, 'give at least one seed')
      .max(20)
      .refine((seeds) => new Set(seeds).size === seeds.length, { message: 'seeds must not repeat' }),
    /** Train and test on a seeded subset, for quick looks. */
    subset: z
      .object({ trainImages: positiveInteger.optional(), testImages: positiveInteger.optional() })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((spec, context) => {
    for (const method of distillationMethods) {
      const given = spec.hyperparameters[method];
      if (given === undefined) continue;
      const known = new Set(methodCatalog[method].hyperparameters.map((parameter) => parameter.key));
      for (const key of Object.keys(given)) {
        if (!known.has(key)) {
          context.addIssue({
            code: 'custom',
            path: ['hyperparameters', method, key],
            message: `${methodCatalog[method].label} has no hyperparameter "${key}" (it has: ${[...known].join(', ') || 'none'})`,
          });
        }
      }
    }
  });

/** An experiment spec as a user or a file gives it (defaults may be left out). */
export type ExperimentSpecInput = z.input<typeof experimentSpecSchema>;
/** An experiment spec with every default filled in. */
export type ExperimentSpec = z.output<typeof experimentSpecSchema>;

/**
 * The spec as the store keeps it (`experiments.spec_json`): the schema's own output, so it reads through the
 * same schema again. A spec stored before a field with a default existed gets that default, so every spec the
 * workbench ever stored still reads.
 */
export const storedExperimentSpecSchema = experimentSpecSchema;

/** Reads a stored experiment spec (JSON text), or throws naming `source` and its first problems by field. */
export function parseStoredExperimentSpec(text: string, source: string): ExperimentSpec {
  return parseStoredJson(storedExperimentSpecSchema, { text }, source, 'an experiment spec');
}

/** Every problem of an invalid spec, one line each, with its JSON path. */
export function describeSpecProblems(error: z.ZodError): string[] {
  return error.issues.map(
    (issue) => `${issue.path.length > 0 ? `$.${issue.path.join('.')}` : '$'}: ${issue.message}`,
  );
}

/** The schedule and sizes each preset fills in; `paper` is the reference recipe of method.md §3. */
export const presetDefaults: Readonly<
  Record<Exclude<ExperimentPreset, 'custom'>, Pick<ExperimentSpecInput, 'schedule' | 'subset' | 'seeds'>>
> = {
  quick: {
    schedule: {
      epochs: 3,
      batchSize: 64,
      learningRate: 0.05,
      learningRateSchedule: { kind: 'cosine', minimum: 0 },
    },
    subset: { trainImages: 2_000, testImages: 500 },
    seeds: [1],
  },
  standard: {
    schedule: {
      epochs: 30,
      batchSize: 64,
      learningRate: 0.05,
      learningRateSchedule: { kind: 'step', milestones: [15, 22, 27], gamma: 0.1 },
    },
    seeds: [1, 2, 3],
  },
  paper: {
    schedule: {
      epochs: 240,
      batchSize: 64,
      learningRate: 0.05,
      momentum: 0.9,
      weightDecay: 5e-4,
      learningRateSchedule: { kind: 'step', milestones: [150, 180, 210], gamma: 0.1 },
    },
    seeds: [1, 2, 3],
  },
};
