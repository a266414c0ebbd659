import { z } from 'zod';
import { parseStoredJson } from './stored-json.js';

/** One latency figure measured on this machine (batch 1). */
export interface LatencyFigures {
  readonly medianMilliseconds: number;
  readonly p90Milliseconds: number;
  readonly runs: number;
  /** What ran it: `onnxruntime-node (cpu)` or `tfjs (<backend>)`. */
  readonly engine: string;
  readonly batchSize: number;
  /** Threads the engine computed with; null where the engine decides (TensorFlow's own pool, a GPU). */
  readonly threads: number | null;
  /** Untimed runs before the timed ones. */
  readonly warmupRuns: number;
}

/** Size, cost and measured latency of a backbone or trained student. */
export interface ModelProfile {
  readonly backbone: string;
  readonly classes: number;
  readonly inputShape: readonly [number, number, number];
  readonly parameterCount: number;
  readonly macsPerImage: number;
  readonly fileBytes: {
    readonly float32: number;
    readonly float16: number;
    readonly uint8: number;
    readonly onnx: number;
  };
  readonly peakActivationBytes: number;
  readonly latency: { readonly onnxRuntime: LatencyFigures; readonly tfjs: LatencyFigures };
}

const count = z.number().int().nonnegative();

const latencyFiguresSchema = z.object({
  medianMilliseconds: z.number().nonnegative(),
  p90Milliseconds: z.number().nonnegative(),
  runs: count,
  engine: z.string(),
  batchSize: z.number().int().positive(),
  threads: z.number().int().positive().nullable(),
  warmupRuns: count,
});

/** A profile as the worker sends it and the exports store it. */
export const modelProfileSchema: z.ZodType<ModelProfile> = z.object({
  backbone: z.string(),
  classes: z.number().int().positive(),
  inputShape: z.tuple([
    z.number().int().positive(),
    z.number().int().positive(),
    z.number().int().positive(),
  ]),
  parameterCount: count,
  macsPerImage: count,
  fileBytes: z.object({ float32: count, float16: count, uint8: count, onnx: count }),
  peakActivationBytes: count,
  latency: z.object({ onnxRuntime: latencyFiguresSchema, tfjs: latencyFiguresSchema }),
});

/** Reads a model profile (JSON text or a decoded value), or throws naming `source` and its first problems. */
export function parseModelProfile(
  input: { readonly text: string } | { readonly value: unknown },
  source: string,
): ModelProfile {
  return parseStoredJson(modelProfileSchema, input, source, 'a model profile');
}
