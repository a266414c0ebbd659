import * as tf from '@tensorflow/tfjs';

/** Mean softmax cross-entropy of logits (B, classes) against integer labels (B). */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const classes = logits.shape[1];
  const target = tf.oneHot(tf.cast(labels, 'int32'), classes);
  return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1)));
}

/**
 * Hinton's KD term T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)), KL summed over classes and averaged over the
 * batch (the weight is applied by the caller).
 */
export function distillationKl(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  temperature: number,
): tf.Scalar {
  const studentLog = tf.logSoftmax(tf.div(studentLogits, temperature));
  const teacherLog = tf.logSoftmax(tf.div(teacherLogits, temperature));
  const divergence = tf.sum(tf.mul(tf.exp(teacherLog), tf.sub(teacherLog, studentLog)), 1);
  return tf.mul(tf.mean(divergence), temperature * temperature);
}
