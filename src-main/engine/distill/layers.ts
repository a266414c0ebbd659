import * as tf from '@tensorflow/tfjs';
import type { Random } from '../train/random.js';

/** Reference BatchNorm constants (method.md §1): epsilon 1e-5, running statistics momentum 0.1. */
export const batchNormEpsilon = 1e-5;
const batchNormMomentum = 0.1;

/** A variable of the distillation module with a stable name, for checkpoints. */
export interface NamedVariable {
  readonly name: string;
  readonly variable: tf.Variable;
  readonly trainable: boolean;
}

function uniform(shape: readonly number[], bound: number, random: Random): tf.Tensor {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  const values = new Float32Array(size);
  for (let index = 0; index < size; index += 1) values[index] = (random.nextFloat() * 2 - 1) * bound;
  return tf.tensor(values, [...shape]);
}

/** Glorot (Xavier) normal initial values, as torch.nn.init.xavier_normal_ on a (rows, columns) matrix. */
export function glorotNormal(rows: number, columns: number, random: Random): tf.Tensor2D {
  const deviation = Math.sqrt(2 / (rows + columns));
  const values = new Float32Array(rows * columns);
  for (let index = 0; index < values.length; index += 1) values[index] = random.nextNormal() * deviation;
  return tf.tensor2d(values, [rows, columns]);
}

/** A fully connected layer initialised as torch.nn.Linear (uniform ±1/√fan-in), from a seeded generator. */
export class Dense {
  readonly name: string;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;

  constructor(name: string, inputs: number, outputs: number, random: Random) {
    this.name = name;
    const bound = 1 / Math.sqrt(inputs);
    this.kernel = tf.tidy(() => tf.variable(uniform([inputs, outputs], bound, random), true));
    this.bias = tf.tidy(() => tf.variable(uniform([outputs], bound, random), true));
  }

  /** (N, inputs) → (N, outputs). */
  apply(input: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(input, this.kernel), this.bias);
  }

  get namedVariables(): NamedVariable[] {
    return [
      { name: `${this.name}/kernel`, variable: this.kernel, trainable: true },
      { name: `${this.name}/bias`, variable: this.bias, trainable: true },
    ];
  }
}

/**
 * BatchNorm over the rows of a (N, C) matrix with the reference conventions: biased batch variance to
 * normalise, unbiased variance into the running estimate, as torch.nn.BatchNorm1d.
 */
export class BatchNorm {
  readonly name: string;
  readonly gamma: tf.Variable<tf.Rank.R1>;
  readonly beta: tf.Variable<tf.Rank.R1>;
  readonly movingMean: tf.Variable<tf.Rank.R1>;
  readonly movingVariance: tf.Variable<tf.Rank.R1>;

  constructor(name: string, channels: number) {
    this.name = name;
    this.gamma = tf.tidy(() => tf.variable(tf.ones<tf.Rank.R1>([channels]), true));
    this.beta = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([channels]), true));
    this.movingMean = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R1>([channels]), false));
    this.movingVariance = tf.tidy(() => tf.variable(tf.ones<tf.Rank.R1>([channels]), false));
  }

  /** Normalises with batch statistics (and updates the running ones) when training, else with the running ones. */
  apply(input: tf.Tensor2D, training: boolean): tf.Tensor2D {
    if (!training) {
      return tf.batchNorm2d(
        input,
        this.movingMean,
        this.movingVariance,
        this.beta,
        this.gamma,
        batchNormEpsilon,
      );
    }
    return this.normalizeBatch(input);
  }

  /**
   * Training-mode normalisation as one operation with the textbook gradient,
   * ∂x = γ/σ·(∂y − mean(∂y) − x̂·mean(∂y·x̂)), ∂γ = Σ∂y·x̂, ∂β = Σ∂y: composed from moments and a batch norm,
   * the tape records a dozen operations and their saved inputs for these small matrices, several times
   * the arithmetic.
   */
  private normalizeBatch(input: tf.Tensor2D): tf.Tensor2D {
    const rows = input.shape[0];
    return tf.customGrad((x, gamma, beta, save) => {
      const { mean, variance } = tf.moments(x as tf.Tensor2D, 0);
      this.updateStatistics(mean as tf.Tensor1D, variance as tf.Tensor1D, rows);
      const reciprocalDeviation = tf.rsqrt(tf.add(variance, batchNormEpsilon));
      const normalized = tf.mul(tf.sub(x as tf.Tensor2D, mean), reciprocalDeviation);
      (save as tf.GradSaveFunc)([normalized, reciprocalDeviation, gamma as tf.Tensor1D]);
      return {
        value: tf.add<tf.Tensor2D>(tf.mul(normalized, gamma as tf.Tensor1D), beta as tf.Tensor1D),
        gradFunc: (gradient: tf.Tensor2D, saved: tf.Tensor[]) => {
          const [savedNormalized, savedReciprocal, savedGamma] = saved;
          if (savedNormalized === undefined || savedReciprocal === undefined || savedGamma === undefined) {
            throw new Error(`${this.name} lost the tensors of its gradient.`);
          }
          const betaGradient = tf.sum(gradient, 0);
          const gammaGradient = tf.sum(tf.mul(gradient, savedNormalized), 0);
          const centered = tf.sub(
            tf.sub(gradient, tf.div(betaGradient, rows)),
            tf.mul(savedNormalized, tf.div(gammaGradient, rows)),
          );
          return [tf.mul(centered, tf.mul(savedGamma, savedReciprocal)), gammaGradient, betaGradient];
        },
      };
    })(input, this.gamma, this.beta);
  }

  /** Moves the running statistics towards a batch's mean and biased variance over `rows` rows. */
  updateStatistics(mean: tf.Tensor1D, variance: tf.Tensor1D, rows: number): void {
    tf.tidy(() => {
      const unbiased = rows > 1 ? tf.mul(variance, rows / (rows - 1)) : variance;
      this.movingMean.assign(
        tf.add(tf.mul(this.movingMean, 1 - batchNormMomentum), tf.mul(mean, batchNormMomentum)),
      );
      this.movingVariance.assign(
        tf.add(tf.mul(this.movingVariance, 1 - batchNormMomentum), tf.mul(unbiased, batchNormMomentum)),
      );
    });
  }

  get namedVariables(): NamedVariable[] {
    return [
      { name: `${this.name}/gamma`, variable: this.gamma, trainable: true },
      { name: `${this.name}/beta`, variable: this.beta, trainable: true },
      { name: `${this.name}/moving_mean`, variable: this.movingMean, trainable: false },
      { name: `${this.name}/moving_variance`, variable: this.movingVariance, trainable: false },
    ];
  }
}
