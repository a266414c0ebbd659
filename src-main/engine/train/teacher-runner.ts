import * as tf from '@tensorflow/tfjs';
import { requestedWasmThreads } from '../backends/wasm-threads.js';
import { teacherBatchOf, type TeacherBatch, type TeacherNeed } from '../distill/distiller.js';
import { runBackbone } from '../models/index.js';
import type { Backbone, FeatureTap } from '../models/types.js';
import { OnnxTeacher } from './onnx-teacher.js';

/** Runs the frozen teacher on each training batch and returns what the method needs of it. */
export interface TeacherRunner {
  /** Which engine runs the teacher and, when it is not the usual one, why; for run records and the bench. */
  readonly engine: string;
  /**
   * The teacher's outputs for one batch, given both as the tensor the student trains on and as the
   * normalised NHWC floats it was made from; the caller disposes the returned tensors.
   */
  run(input: tf.Tensor4D, images: Float32Array): Promise<TeacherBatch>;
  dispose(): Promise<void>;
}

/**
 * A frozen teacher that is not one of our tfjs backbones (an imported ONNX graph, or an imported checkpoint
 * with its own input contract): what the trainer needs to know of it, and how to run it for a method.
 */
export interface ExternalTeacher {
  readonly kind: 'external';
  readonly name: string;
  readonly classes: number;
  readonly taps: readonly FeatureTap[];
  /** A runner giving what `need` asks for, from batches as the student sees them. */
  createRunner(need: Exclude<TeacherNeed, 'nothing'>): Promise<TeacherRunner>;
  /** Frees what the teacher holds (not its runners, which dispose themselves). */
  dispose(): void;
}

/** Whether a teacher is an external one rather than a tfjs backbone. */
export function isExternalTeacher(teacher: Backbone | ExternalTeacher): teacher is ExternalTeacher {
  return 'kind' in teacher && teacher.kind === 'external';
}

/** The environment variable that picks the teacher's engine: onnxruntime, tensorflow or auto (default). */
export const teacherEngineEnvironmentVariable = 'RTK_TEACHER_ENGINE';

const teacherEngineChoices = ['auto', 'onnxruntime', 'tensorflow'] as const;
type TeacherEngineChoice = (typeof teacherEngineChoices)[number];

function requestedTeacherEngine(environment: NodeJS.ProcessEnv): TeacherEngineChoice {
  const raw = environment[teacherEngineEnvironmentVariable]?.trim() ?? '';
  if (raw === '') return 'auto';
  const choice = teacherEngineChoices.find((candidate) => candidate === raw);
  if (choice === undefined) {
    throw new Error(
      `The ${teacherEngineEnvironmentVariable} variable is '${raw}'; it must be one of ${teacherEngineChoices.join(', ')}.`,
    );
  }
  return choice;
}

/** The teacher in TensorFlow.js on the active backend, in inference mode and outside any gradient tape. */
export function tensorflowTeacherRunner(
  teacher: Backbone,
  need: Exclude<TeacherNeed, 'nothing'>,
  note = '',
): TeacherRunner {
  return {
    engine: `TensorFlow.js (${tf.getBackend()})${note === '' ? '' : `: ${note}`}`,
    run: (input) => {
      const tensors = tf.tidy(() => {
        const outputs = runBackbone(teacher, input, false);
        return [...outputs.taps, outputs.logits];
      });
      const logits = tensors[tensors.length - 1] as tf.Tensor2D;
      const batch = teacherBatchOf({ taps: tensors.slice(0, -1) as tf.Tensor4D[], logits }, need);
      tf.dispose(tensors);
      return Promise.resolve(batch);
    },
    dispose: () => Promise.resolve(),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The runner for a frozen teacher. On the CPU backends (wasm, cpu) the teacher runs in onnxruntime-node,
 * which does its forward pass 3 to 4 times cheaper per CPU-second than TensorFlow.js wasm here (bench) and
 * returns the taps' summaries instead of the taps; on a GPU or native TensorFlow it stays in TensorFlow.js.
 * A teacher ONNX Runtime cannot take falls back to TensorFlow.js with the reason in `engine`.
 * RTK_TEACHER_ENGINE forces one engine.
 */
export async function createTeacherRunner(
  teacher: Backbone,
  need: Exclude<TeacherNeed, 'nothing'>,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<TeacherRunner> {
  const choice = requestedTeacherEngine(environment);
  const backend = tf.getBackend();
  if (choice === 'tensorflow')
    return tensorflowTeacherRunner(teacher, need, `${teacherEngineEnvironmentVariable} asks for it`);
  if (choice === 'auto' && backend !== 'wasm' && backend !== 'cpu')
    return tensorflowTeacherRunner(teacher, need);
  const threads = requestedWasmThreads(environment);
  let onnxTeacher: OnnxTeacher;
  try {
    onnxTeacher = await OnnxTeacher.create(teacher, { threads, need });
  } catch (error) {
    if (choice === 'onnxruntime') throw error;
    return tensorflowTeacherRunner(teacher, need, messageOf(error));
  }
  return {
    engine: `ONNX Runtime (CPU, ${threads} ${threads === 1 ? 'thread' : 'threads'})`,
    run: (input, images) => onnxTeacher.run(images, input.shape[0]),
    dispose: () => onnxTeacher.dispose(),
  };
}
