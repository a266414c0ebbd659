import * as tf from '@tensorflow/tfjs';
import { teacherBatchOf, type TeacherBatch, type TeacherNeed } from '../distill/distiller.js';
import { runBackbone } from '../models/index.js';
import type { Backbone } from '../models/types.js';

/** Runs the frozen teacher on each training batch and returns what the method needs of it. */
export interface TeacherRunner {
  /** Which engine runs the teacher, for run records and the benchmark. */
  readonly engine: string;
  /**
   * The teacher's outputs for one batch, given both as the tensor the student trains on and as the
   * normalised NHWC floats it was made from; the caller disposes the returned tensors.
   */
  run(input: tf.Tensor4D, images: Float32Array): Promise<TeacherBatch>;
  dispose(): Promise<void>;
}

/** The teacher in TensorFlow.js on the active backend, in inference mode and outside any gradient tape. */
export function tensorflowTeacherRunner(
  teacher: Backbone,
  need: Exclude<TeacherNeed, 'nothing'>,
): TeacherRunner {
  return {
    engine: `TensorFlow.js (${tf.getBackend()})`,
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
