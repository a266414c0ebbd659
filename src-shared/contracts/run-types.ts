import { z } from 'zod';
import { distillationMethods } from '../domain/method-catalog.js';
import type { Recommendation } from '../domain/recommendation.js';

export const runStatuses = [
  'queued',
  'running',
  'paused',
  'interrupted',
  'failed',
  'done',
  'cancelled',
] as const;
export type RunStatus = (typeof runStatuses)[number];

/** A run as lists and the monitor show it. */
export const runSummarySchema = z.object({
  id: z.string(),
  experimentId: z.string(),
  role: z.enum(['teacher', 'student']),
  method: z.enum(distillationMethods),
  backbone: z.string(),
  seed: z.number().int(),
  status: z.enum(runStatuses),
  queuePosition: z.number().int(),
  teacherRunId: z.string().nullable(),
  epochsTotal: z.number().int(),
  epochsDone: z.number().int(),
  bestTestTop1: z.number().nullable(),
  lastTestTop1: z.number().nullable(),
  backend: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** The metrics of one finished epoch. */
export const epochRecordSchema = z.object({
  epoch: z.number().int().positive(),
  learningRate: z.number(),
  trainLoss: z.number(),
  trainCe: z.number(),
  trainKd: z.number(),
  trainFeature: z.number(),
  trainTop1: z.number(),
  testLoss: z.number(),
  testTop1: z.number(),
  testTop5: z.number(),
  seconds: z.number(),
  imagesPerSecond: z.number(),
  perClass: z.array(z.number().nullable()),
  attention: z.array(z.array(z.number())).nullable(),
  selection: z.array(z.array(z.number())).nullable(),
});
export type EpochRecord = z.infer<typeof epochRecordSchema>;

/** Live progress of the run being trained. */
export const runProgressSchema = z.object({
  runId: z.string(),
  phase: z.enum(['preparing', 'training']),
  message: z.string().nullable(),
  epoch: z.number().int(),
  epochs: z.number().int(),
  batch: z.number().int(),
  batches: z.number().int(),
  loss: z.object({ total: z.number(), ce: z.number(), kd: z.number(), feature: z.number() }).nullable(),
  imagesPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
});
export type RunProgress = z.infer<typeof runProgressSchema>;

/** A finished epoch of a run, as an event. */
export const runEpochEventSchema = z.object({ runId: z.string(), record: epochRecordSchema });
export type RunEpochEvent = z.infer<typeof runEpochEventSchema>;

/** Mean and sample standard deviation over seeds (std 0 for a single seed). */
export interface MeanAndSpread {
  readonly mean: number;
  readonly std: number;
  readonly count: number;
}

/** One method's results over its seeds. */
export interface MethodResult {
  readonly method: z.infer<typeof runSummarySchema>['method'];
  readonly runIds: readonly string[];
  readonly seeds: readonly number[];
  readonly finishedRuns: number;
  readonly best: MeanAndSpread | null;
  readonly last: MeanAndSpread | null;
  /** Mean best/last top-1 minus the student alone's; null for none itself or when either is missing. */
  readonly gainBest: number | null;
  readonly gainLast: number | null;
  /** Per class: mean last-epoch accuracy minus the student alone's; null when either is missing. */
  readonly perClassDelta: readonly (number | null)[] | null;
}

/** The results table of an experiment. */
export interface ExperimentResults {
  readonly experimentId: string;
  readonly classNames: readonly string[];
  readonly teacher: {
    readonly runId: string | null;
    readonly backbone: string;
    readonly bestTop1: number | null;
    readonly lastTop1: number | null;
  } | null;
  readonly studentBackbone: string;
  readonly methods: readonly MethodResult[];
  /** The student to export and the warnings about this run set (see domain/recommendation.ts); null before any student finished. */
  readonly recommendation: Recommendation | null;
}
