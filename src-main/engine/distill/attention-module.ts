import * as tf from '@tensorflow/tfjs';
import type { FeatureTap } from '../models/types.js';
import type { Random } from '../train/random.js';
import { l2NormalizeRows, poolMapStack, shrinkFactors, type Resolution } from './attention-map.js';
import { BatchNorm, batchNormEpsilon, Dense, glorotNormal, type NamedVariable } from './layers.js';

/** How a student map and a teacher map are compared (method.md §2, AFD step 6 and RTK step 3). */
export type MapDistance = 'mean' | 'normalized';

function uniformValues(count: number, bound: number, random: Random): Float32Array {
  const values = new Float32Array(count);
  for (let index = 0; index < count; index += 1) values[index] = (random.nextFloat() * 2 - 1) * bound;
  return values;
}

/** A maximal run of consecutive taps that agree on a key (channel count or resolution). */
interface TapRun {
  readonly first: number;
  readonly count: number;
}

function runsOf(taps: readonly FeatureTap[], key: (tap: FeatureTap) => string): TapRun[] {
  const runs: { first: number; count: number }[] = [];
  taps.forEach((tap, index) => {
    const last = runs[runs.length - 1];
    const previous = taps[index - 1];
    if (last !== undefined && previous !== undefined && key(previous) === key(tap)) last.count += 1;
    else runs.push({ first: index, count: 1 });
  });
  return runs;
}

/** Tensors joined along an axis; a single one is returned as it is, with no copy. */
function joined<T extends tf.Tensor>(parts: readonly T[], axis: number): T {
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : tf.concat(parts as T[], axis);
}

function tapsOf<T>(values: readonly T[], run: TapRun): T[] {
  return values.slice(run.first, run.first + run.count);
}

/**
 * The Dense + BatchNorm projections of a run of taps with the same channel count, one per tap, computed
 * together: a batched product over the run and one BatchNorm over all their outputs side by side. Each tap
 * keeps its own weights (initialised in tap order, as separate torch.nn.Linear layers would be); the run
 * only saves TensorFlow.js a dozen small operations per tap, forward, backward and in the optimiser.
 */
class ProjectionRun {
  readonly run: TapRun;
  /** (taps, channels, qkDim). */
  readonly kernel: tf.Variable;
  /** (taps, 1, qkDim). */
  readonly bias: tf.Variable;
  /** Over taps × qkDim outputs, tap-major. */
  readonly batchNorm: BatchNorm;
  private readonly name: string;

  constructor(name: string, run: TapRun, channels: number, qkDim: number, random: Random) {
    this.name = name;
    this.run = run;
    const bound = 1 / Math.sqrt(channels);
    const kernels = new Float32Array(run.count * channels * qkDim);
    const biases = new Float32Array(run.count * qkDim);
    for (let member = 0; member < run.count; member += 1) {
      kernels.set(uniformValues(channels * qkDim, bound, random), member * channels * qkDim);
      biases.set(uniformValues(qkDim, bound, random), member * qkDim);
    }
    this.kernel = tf.tidy(() => tf.variable(tf.tensor3d(kernels, [run.count, channels, qkDim]), true));
    this.bias = tf.tidy(() => tf.variable(tf.tensor3d(biases, [run.count, 1, qkDim]), true));
    this.batchNorm = new BatchNorm(`${name}/batch-norm`, run.count * qkDim);
  }

  /** Pooled features (batch, channels) of the run's taps → projected vectors (batch, taps, qkDim). */
  apply(pooled: readonly tf.Tensor2D[], training: boolean): tf.Tensor3D {
    const [count, , qkDim] = this.kernel.shape as [number, number, number];
    const batch = pooled[0]?.shape[0] ?? 0;
    // One plain product per tap: the wasm backend multiplies single matrices with XNNPACK but batched
    // ones about ten times slower, which outweighs the few operations a single batched product would save.
    // TensorFlow.js loses the gradient of a one-way unstack, so a single tap reshapes its kernel instead.
    const kernels =
      count === 1 ? [tf.reshape(this.kernel, this.kernel.shape.slice(1))] : tf.unstack(this.kernel);
    const products = pooled.map((input, member) => {
      const kernel = kernels[member];
      if (kernel === undefined) throw new Error(`${this.name} has no kernel for its tap ${member}.`);
      return tf.matMul(input, kernel);
    });
    const sideBySide = tf.add<tf.Tensor2D>(joined(products, 1), tf.reshape(this.bias, [count * qkDim]));
    return tf.reshape(this.batchNorm.apply(sideBySide, training), [batch, count, qkDim]);
  }

  get namedVariables(): NamedVariable[] {
    return [
      { name: `${this.name}/dense/kernel`, variable: this.kernel, trainable: true },
      { name: `${this.name}/dense/bias`, variable: this.bias, trainable: true },
      ...this.batchNorm.namedVariables,
    ];
  }
}

/**
 * wᵀΣw for every column w of `kernel` (d, n), the variances of the product's columns for inputs of
 * covariance Σ (d, d). Its gradient is written out, since Σ is symmetric: ∂Σ = W diag(∂v) Wᵀ and
 * ∂W = 2·ΣW diag(∂v), one product fewer than the tape would take.
 */
function columnVariances(covariance: tf.Tensor2D, kernel: tf.Tensor2D): tf.Tensor1D {
  return tf.customGrad((sigma, weights, save) => {
    const product = tf.matMul(sigma as tf.Tensor2D, weights as tf.Tensor2D);
    // Rounding can leave a tiny negative where a column's variance is zero.
    const value = tf.relu(tf.sum<tf.Tensor1D>(tf.mul(weights as tf.Tensor2D, product), 0));
    (save as tf.GradSaveFunc)([weights as tf.Tensor2D, product, value]);
    return {
      value,
      gradFunc: (gradient: tf.Tensor1D, saved: tf.Tensor[]) => {
        const [savedWeights, savedProduct, savedValue] = saved;
        if (savedWeights === undefined || savedProduct === undefined || savedValue === undefined) {
          throw new Error('The column variance gradient lost its inputs.');
        }
        const kept = tf.mul(gradient, tf.step(savedValue));
        return [
          tf.matMul(tf.mul(savedWeights, kept), savedWeights, false, true),
          tf.mul(tf.mul(savedProduct, kept), 2),
        ];
      },
    };
  })(covariance, kernel);
}

/**
 * AFD's shared bilinear map: Dense(d → d·T) → BatchNorm(d·T) over every (sample, student tap) row, whose
 * t-th block of d is dotted with teacher vector t. The (B·S, d·T) output itself, the largest product of
 * an RTK step, is never formed: with x̄ the batch mean of the rows and Σ their covariance, a block of the
 * normalised output dotted with a key k is (x − x̄)·W_t(scale_t ⊙ k) + β_t·k, where scale = γ/√(var + ε) and
 * the batch variance of an output column w is wᵀΣw. The numbers, gradients included, are the layers'.
 */
export class BilinearMap {
  readonly dense: Dense;
  readonly batchNorm: BatchNorm;
  private readonly teacherCount: number;

  constructor(qkDim: number, teacherCount: number, random: Random) {
    this.dense = new Dense('bilinear/dense', qkDim, qkDim * teacherCount, random);
    this.batchNorm = new BatchNorm('bilinear/batch-norm', qkDim * teacherCount);
    this.teacherCount = teacherCount;
  }

  /** Student vectors (B, S, d), teacher vectors (B, T, d) → ⟨BN(Dense(student s))[t], teacher t⟩ (B, S, T). */
  scores(studentVectors: tf.Tensor3D, teacherVectors: tf.Tensor3D, training: boolean): tf.Tensor3D {
    const [batch, studentCount, qkDim] = studentVectors.shape;
    const teacherCount = this.teacherCount;
    const rows = tf.reshape<tf.Rank.R2>(studentVectors, [batch * studentCount, qkDim]);
    const { gamma, beta, movingMean, movingVariance } = this.batchNorm;
    const kernel = this.dense.kernel as tf.Tensor2D;
    let inputs: tf.Tensor2D;
    let scale: tf.Tensor1D;
    let shift: tf.Tensor1D;
    if (training) {
      const mean = tf.mean<tf.Tensor1D>(rows, 0);
      inputs = tf.sub(rows, mean);
      const covariance = tf.div<tf.Tensor2D>(tf.matMul(inputs, inputs, true, false), rows.shape[0]);
      const variance = columnVariances(covariance, kernel);
      this.batchNorm.updateStatistics(
        tf.add<tf.Tensor1D>(tf.squeeze(tf.matMul(tf.expandDims(mean, 0), kernel), [0]), this.dense.bias),
        variance,
        rows.shape[0],
      );
      scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, batchNormEpsilon)));
      shift = beta;
    } else {
      inputs = rows;
      scale = tf.mul(gamma, tf.rsqrt(tf.add(movingVariance, batchNormEpsilon)));
      shift = tf.add(beta, tf.mul(scale, tf.sub(this.dense.bias, movingMean)));
    }
    // u_t = W_t(scale_t ⊙ k_t) per teacher tap, (B, d) by (d, d): one plain product per tap, since the wasm
    // backend multiplies batched matrices an order of magnitude slower.
    const scaledKeys = tf.unstack(
      tf.transpose(
        tf.reshape(tf.mul(tf.reshape(teacherVectors, [batch, teacherCount * qkDim]), scale), [
          batch,
          teacherCount,
          qkDim,
        ]),
        [1, 0, 2],
      ),
      0,
    );
    const kernelBlocks = tf.unstack(tf.reshape(tf.transpose(kernel), [teacherCount, qkDim, qkDim]), 0);
    const weighted = tf.stack(
      scaledKeys.map((keys, tap) => {
        const block = kernelBlocks[tap];
        if (block === undefined) throw new Error(`The bilinear map has no block for teacher tap ${tap}.`);
        return tf.matMul(keys, block);
      }),
      0,
    );
    const products = tf.matMul(
      tf.reshape<tf.Rank.R3>(inputs, [batch, studentCount, qkDim]),
      tf.transpose(weighted, [1, 2, 0]),
    );
    const offsets = tf.sum(tf.mul(teacherVectors, tf.reshape(shift, [teacherCount, qkDim])), 2);
    return tf.add(products, tf.expandDims(offsets, 1));
  }

  /**
   * The dense bias cancels in a BatchNorm over batch statistics, so its gradient in training is exactly
   * zero: it is kept, since scores over running statistics use it, but the optimiser does not move it.
   */
  get namedVariables(): NamedVariable[] {
    return [
      ...this.dense.namedVariables.map((entry) =>
        entry.variable === this.dense.bias ? { ...entry, trainable: false } : entry,
      ),
      ...this.batchNorm.namedVariables,
    ];
  }
}

function resolutionOf(tap: FeatureTap): Resolution {
  return [tap.shape[0], tap.shape[1]];
}

function projectionRuns(
  prefix: string,
  taps: readonly FeatureTap[],
  qkDim: number,
  random: Random,
): ProjectionRun[] {
  return runsOf(taps, (tap) => String(tap.shape[2])).map(
    (run) =>
      new ProjectionRun(
        `${prefix}-${run.first}-${run.first + run.count - 1}`,
        run,
        taps[run.first]?.shape[2] ?? 0,
        qkDim,
        random,
      ),
  );
}

/**
 * The learned part shared by AFD and RTK: per-tap projections of globally pooled features, the shared
 * bilinear map that gives one student vector per (student tap, teacher tap), and the layer embeddings.
 * It yields logits e[b,s,t] = (⟨bilinear(student s)[t], teacher t⟩ + ⟨P_s[s], P_t[t]⟩)/√d, which AFD reads as
 * teacher queries against student keys and RTK as student queries against teacher keys.
 */
export class AttentionModule {
  readonly teacherTaps: readonly FeatureTap[];
  readonly studentTaps: readonly FeatureTap[];
  readonly qkDim: number;
  /** Mean of H_t·W_t over the teacher taps: the constant Ā of RTK's normalized distance. */
  readonly meanTeacherArea: number;
  private readonly teacherProjections: ProjectionRun[];
  private readonly studentProjections: ProjectionRun[];
  private readonly bilinear: BilinearMap;
  private readonly teacherEmbedding: tf.Variable;
  private readonly studentEmbedding: tf.Variable;
  private readonly teacherResolutionRuns: TapRun[];
  private readonly studentResolutionRuns: TapRun[];

  constructor(
    teacherTaps: readonly FeatureTap[],
    studentTaps: readonly FeatureTap[],
    qkDim: number,
    random: Random,
  ) {
    if (teacherTaps.length === 0 || studentTaps.length === 0) {
      throw new Error(
        `Attention-based distillation needs feature taps on both networks; the teacher has ` +
          `${teacherTaps.length} and the student ${studentTaps.length}.`,
      );
    }
    this.teacherTaps = teacherTaps;
    this.studentTaps = studentTaps;
    this.qkDim = qkDim;
    this.meanTeacherArea =
      teacherTaps.reduce((sum, tap) => sum + tap.shape[0] * tap.shape[1], 0) / teacherTaps.length;
    this.teacherProjections = projectionRuns('teacher-projections', teacherTaps, qkDim, random);
    this.studentProjections = projectionRuns('student-projections', studentTaps, qkDim, random);
    this.bilinear = new BilinearMap(qkDim, teacherTaps.length, random);
    this.teacherEmbedding = tf.tidy(() => tf.variable(glorotNormal(teacherTaps.length, qkDim, random), true));
    this.studentEmbedding = tf.tidy(() => tf.variable(glorotNormal(studentTaps.length, qkDim, random), true));
    const byResolution = (tap: FeatureTap): string => resolutionOf(tap).join('x');
    this.teacherResolutionRuns = runsOf(teacherTaps, byResolution);
    this.studentResolutionRuns = runsOf(studentTaps, byResolution);
  }

  /** Every variable in a fixed order with stable names (trainable ones and BN running statistics). */
  get namedVariables(): NamedVariable[] {
    return [
      ...this.teacherProjections.flatMap((projection) => projection.namedVariables),
      ...this.studentProjections.flatMap((projection) => projection.namedVariables),
      ...this.bilinear.namedVariables,
      { name: 'teacher-embedding', variable: this.teacherEmbedding, trainable: true },
      { name: 'student-embedding', variable: this.studentEmbedding, trainable: true },
    ];
  }

  /**
   * Attention logits laid out (B, S, T) from the student and teacher taps' channel means (B, C) as
   * channelMeans or tapSummary gives them.
   */
  logits(
    studentMeans: readonly tf.Tensor2D[],
    teacherMeans: readonly tf.Tensor2D[],
    training: boolean,
  ): tf.Tensor3D {
    this.checkTaps(studentMeans, teacherMeans);
    const project = (runs: readonly ProjectionRun[], pooled: readonly tf.Tensor2D[]): tf.Tensor3D => {
      const vectors = runs.map((projection) => projection.apply(tapsOf(pooled, projection.run), training));
      return joined(vectors, 1);
    };
    const teacherVectors = project(this.teacherProjections, teacherMeans);
    const studentVectors = tf.relu(project(this.studentProjections, studentMeans));
    const products = this.bilinear.scores(studentVectors, teacherVectors, training);
    const embedding = tf.matMul(this.studentEmbedding, this.teacherEmbedding, false, true);
    return tf.div<tf.Tensor3D>(tf.add(products, embedding), Math.sqrt(this.qkDim));
  }

  /**
   * Distances (B, S, T) between each student tap's map, pooled to the teacher tap's resolution and
   * unit-normalised, and the teacher tap's attention map, from the student and teacher taps' energy maps
   * (B, H·W) as energyMap or tapSummary gives them. The squared differences are expanded as
   * |s|² + |t|² − 2⟨s, t⟩, so each pair of a student and a teacher resolution needs one batched product.
   * A unit map's |s|² is 1, and 0 for an all-zero map, pooled or not: it is read off the student's own map.
   */
  distances(
    studentEnergy: readonly tf.Tensor2D[],
    teacherEnergy: readonly tf.Tensor2D[],
    distance: MapDistance,
  ): tf.Tensor3D {
    this.checkTaps(studentEnergy, teacherEnergy);
    const teacherGroups = this.teacherResolutionRuns.map((run) => ({
      resolution: resolutionOf(this.teacherTap(run.first)),
      maps: l2NormalizeRows(tf.stack(tapsOf(teacherEnergy, run), 1) as tf.Tensor3D),
    }));
    const studentGroups = this.studentResolutionRuns.map((run) => {
      const resolution = resolutionOf(this.studentTap(run.first));
      const maps = tf.stack(tapsOf(studentEnergy, run), 1) as tf.Tensor3D;
      const normalized = l2NormalizeRows(maps);
      const products = teacherGroups.map((teacher) =>
        this.products(maps, normalized, resolution, teacher.maps, teacher.resolution),
      );
      return {
        products: joined(products, 2),
        norms: tf.sum<tf.Tensor3D>(tf.square(normalized), 2, true),
      };
    });
    const products = joined(
      studentGroups.map((group) => group.products),
      1,
    );
    const studentNorms = joined(
      studentGroups.map((group) => group.norms),
      1,
    );
    const teacherNorms = tf.expandDims(
      tf.concat(
        teacherGroups.map((teacher) => tf.sum(tf.square(teacher.maps), 2)),
        1,
      ),
      1,
    );
    // Rounding can leave a tiny negative where the maps agree; a squared distance is never below zero.
    const squared = tf.relu(tf.sub(tf.add(studentNorms, teacherNorms), tf.mul(products, 2)));
    const divisors = this.teacherTaps.map((tap) =>
      distance === 'mean' ? tap.shape[0] * tap.shape[1] : this.meanTeacherArea,
    );
    return tf.div(squared, tf.tensor1d(divisors));
  }

  /**
   * ⟨v̂, v_t⟩ (B, S_g, T_r) for a group of student maps of one resolution, v̂ being a student map pooled to
   * the teacher's resolution and unit-normalised, against unit teacher maps of one resolution. Where the
   * teacher's resolution is finer by whole factors f_h·f_w, pooling the student repeats each value over a
   * block, so |pooled| = √(f_h·f_w)·|s| and ⟨pooled, v_t⟩ = f_h·f_w·⟨s, block mean of v_t⟩: the product
   * runs at the student's resolution instead, against the constant teacher maps shrunk.
   */
  private products(
    studentMaps: tf.Tensor3D,
    normalizedStudentMaps: tf.Tensor3D,
    studentResolution: Resolution,
    teacherMaps: tf.Tensor3D,
    teacherResolution: Resolution,
  ): tf.Tensor3D {
    const factors = shrinkFactors(teacherResolution, studentResolution);
    if (factors !== null) {
      const shrunk = tf.mul(
        poolMapStack(teacherMaps, teacherResolution, studentResolution),
        Math.sqrt(factors[0] * factors[1]),
      );
      return tf.matMul(normalizedStudentMaps, shrunk, false, true);
    }
    const pooled = l2NormalizeRows(poolMapStack(studentMaps, studentResolution, teacherResolution));
    return tf.matMul(pooled, teacherMaps, false, true);
  }

  private checkTaps(studentTaps: readonly tf.Tensor[], teacherTaps: readonly tf.Tensor[]): void {
    if (studentTaps.length !== this.studentTaps.length || teacherTaps.length !== this.teacherTaps.length) {
      throw new Error(
        `The distillation module was built for ${this.studentTaps.length} student and ${this.teacherTaps.length} ` +
          `teacher taps but got ${studentTaps.length} and ${teacherTaps.length}.`,
      );
    }
  }

  private teacherTap(index: number): FeatureTap {
    const tap = this.teacherTaps[index];
    if (tap === undefined) throw new Error(`No teacher tap ${index}.`);
    return tap;
  }

  private studentTap(index: number): FeatureTap {
    const tap = this.studentTaps[index];
    if (tap === undefined) throw new Error(`No student tap ${index}.`);
    return tap;
  }
}

/**
 * AFD's term: for each teacher tap a softmax over student taps, L = Σ_t mean_b Σ_s α·D. Inputs are laid
 * out (B, S, T); the attention is returned laid out (B, S, T) too.
 */
export function afdFeatureLoss(
  logits: tf.Tensor3D,
  distances: tf.Tensor3D,
): { loss: tf.Scalar; attention: tf.Tensor3D } {
  const attention = tf.transpose<tf.Tensor3D>(tf.softmax(tf.transpose(logits, [0, 2, 1])), [0, 2, 1]);
  return { loss: tf.div(tf.sum(tf.mul(attention, distances)), logits.shape[0]), attention };
}

/**
 * RTK's term: for each student tap a softmax over its kept teacher keys only,
 * L = Σ_s mean_b Σ_{t kept} α̃·D. `keep` is a (B, S, T) boolean mask.
 */
export function rtkFeatureLoss(
  logits: tf.Tensor3D,
  distances: tf.Tensor3D,
  keep: tf.Tensor3D,
): { loss: tf.Scalar; attention: tf.Tensor3D } {
  const masked = tf.where(keep, logits, tf.fill(logits.shape, -Infinity));
  const attention = tf.softmax<tf.Tensor3D>(masked);
  return { loss: tf.div(tf.sum(tf.mul(attention, distances)), logits.shape[0]), attention };
}
