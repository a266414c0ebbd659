import { z } from 'zod';
import { backendNameSchema, engineStatusSchema } from './engine-status.js';

/** Jobs the compute worker runs. Each has a type; later issues add more. */
export const workerJobSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('doctor'), forcedBackend: backendNameSchema.nullable() }),
]);
export type WorkerJob = z.infer<typeof workerJobSchema>;

/** What each job type resolves to. */
export interface WorkerJobResults {
  doctor: z.infer<typeof engineStatusSchema>;
}

/** Messages from the main process to the worker. */
export const toWorkerMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('run'), sequence: z.number().int().nonnegative(), job: workerJobSchema }),
  z.object({ kind: z.literal('stop'), sequence: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('shutdown') }),
]);
export type ToWorkerMessage = z.infer<typeof toWorkerMessageSchema>;

/** Messages from the worker to the main process. */
export const fromWorkerMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready'), pid: z.number().int() }),
  z.object({ kind: z.literal('result'), sequence: z.number().int().nonnegative(), result: z.unknown() }),
  z.object({ kind: z.literal('error'), sequence: z.number().int().nonnegative(), message: z.string() }),
  z.object({ kind: z.literal('progress'), sequence: z.number().int().nonnegative(), progress: z.unknown() }),
]);
export type FromWorkerMessage = z.infer<typeof fromWorkerMessageSchema>;

/** Result schemas, so the main process never trusts a worker payload unchecked. */
export const workerJobResultSchemas = {
  doctor: engineStatusSchema,
} as const satisfies { [Type in WorkerJob['type']]: z.ZodType<WorkerJobResults[Type]> };
