import { z } from 'zod';

/** A dataset as the lists show it. */
export const datasetSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  format: z.string(),
  imageHeight: z.number().int(),
  imageWidth: z.number().int(),
  channels: z.number().int(),
  classCount: z.number().int(),
  trainCount: z.number().int(),
  testCount: z.number().int(),
  createdAt: z.string(),
});
export type DatasetSummary = z.infer<typeof datasetSummarySchema>;

export const experimentStatuses = [
  'draft',
  'queued',
  'running',
  'paused',
  'done',
  'failed',
  'cancelled',
] as const;

/** An experiment as the lists show it. */
export const experimentSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  datasetId: z.string(),
  datasetName: z.string(),
  status: z.enum(experimentStatuses),
  runCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ExperimentSummary = z.infer<typeof experimentSummarySchema>;

/** How the workbench was started. */
export const appModes = ['desktop', 'lab'] as const;
export type AppMode = (typeof appModes)[number];

/** Facts about this installation that the home screen shows. */
export interface AppInfo {
  readonly name: string;
  readonly version: string;
  readonly mode: AppMode;
  readonly homeDirectory: string;
  readonly databaseSchemaVersion: number;
}

/** The state of the compute worker as the UI shows it. */
export const workerStateSchema = z.object({
  state: z.enum(['starting', 'ready', 'crashed', 'stopped']),
  pid: z.number().int().nullable(),
  restarts: z.number().int(),
  lastCrash: z.string().nullable(),
});
export type WorkerState = z.infer<typeof workerStateSchema>;
