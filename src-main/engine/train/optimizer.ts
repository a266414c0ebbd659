import * as tf from '@tensorflow/tfjs';

/**
 * SGD with momentum and weight decay added to the gradient as an L2 term, as torch.optim.SGD:
 * g ← ∇ + λ·w; b ← μ·b + g; w ← w − lr·b.
 */
export class SgdMomentum {
  readonly variables: readonly tf.Variable[];
  readonly momentum: number;
  readonly weightDecay: number;
  /** One momentum buffer per variable, in the same order. */
  readonly buffers: readonly tf.Variable[];

  constructor(variables: readonly tf.Variable[], momentum: number, weightDecay: number) {
    this.variables = variables;
    this.momentum = momentum;
    this.weightDecay = weightDecay;
    this.buffers = variables.map((variable) => tf.tidy(() => tf.variable(tf.zerosLike(variable), false)));
  }

  /** Applies one step with the given gradients (keyed by variable name) and disposes them. */
  apply(gradients: tf.NamedTensorMap, learningRate: number): void {
    tf.tidy(() => {
      this.variables.forEach((variable, index) => {
        const gradient = gradients[variable.name];
        const buffer = this.buffers[index];
        if (gradient === undefined || buffer === undefined) {
          throw new Error(`No gradient reached variable ${variable.name}; it is not part of the loss.`);
        }
        const decayed =
          this.weightDecay > 0 ? tf.add(gradient, tf.mul(variable, this.weightDecay)) : gradient;
        buffer.assign(tf.add(tf.mul(buffer, this.momentum), decayed));
        variable.assign(tf.sub(variable, tf.mul(buffer, learningRate)));
      });
    });
    tf.dispose(gradients);
  }

  /** Frees the momentum buffers. */
  dispose(): void {
    tf.dispose([...this.buffers]);
  }
}
