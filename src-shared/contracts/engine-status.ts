import { z } from 'zod';

/** The TensorFlow.js backends the engine can run on, in the order it tries them. */
export const backendNames = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const backendNameSchema = z.enum(backendNames);
export type BackendName = z.infer<typeof backendNameSchema>;

/** One rung of the backend ladder: whether it loaded and, if not, why. */
export const backendAttemptSchema = z.object({
  name: backendNameSchema,
  label: z.string(),
  loaded: z.boolean(),
  chosen: z.boolean(),
  reason: z.string(),
});
export type BackendAttempt = z.infer<typeof backendAttemptSchema>;

/** The WebGPU adapter the webgpu rung found: who made it, whether it is software, the limits that matter. */
export const gpuAdapterSchema = z.object({
  vendor: z.string(),
  architecture: z.string(),
  device: z.string(),
  description: z.string(),
  isFallback: z.boolean(),
  maxBufferSize: z.number().nonnegative(),
  maxStorageBufferBindingSize: z.number().nonnegative(),
});
export type GpuAdapter = z.infer<typeof gpuAdapterSchema>;

/** What the compute worker's `doctor` job reports about this machine. */
export const engineStatusSchema = z.object({
  chosenBackend: backendNameSchema,
  forcedBackend: backendNameSchema.nullable(),
  attempts: z.array(backendAttemptSchema),
  /** The WebGPU adapter when one was found (used or not); absent or null when there is none. */
  gpuAdapter: gpuAdapterSchema.nullable().optional(),
  wasmSimd: z.boolean(),
  /** The threads the wasm backend computes with; null when another backend was chosen. */
  wasmThreads: z.number().int().positive().nullable(),
  cpuCores: z.number().int().positive(),
  cpuModel: z.string(),
  totalMemoryBytes: z.number().nonnegative(),
  freeMemoryBytes: z.number().nonnegative(),
  platform: z.string(),
  nodeVersion: z.string(),
  tfjsVersion: z.string(),
  checkedAt: z.string(),
});
export type EngineStatus = z.infer<typeof engineStatusSchema>;
