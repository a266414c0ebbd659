import * as tf from '@tensorflow/tfjs';
import type { FeatureTap } from '../models/types.js';
import type { Random } from '../train/random.js';
import { attentionMap, energyMap, l2NormalizeRows, poolMaps, type Resolution } from './attention-map.js';
import { BatchNorm, Dense, glorotNormal, type NamedVariable } from './layers.js';

/** How a student map and a teacher map are compared (method.md §2, AFD step 6 and RTK step 3). */
export type MapDistance = 'mean' | 'normalized';

class Projection {
  readonly dense: Dense;
  readonly batchNorm: BatchNorm;

  constructor(name: string, inputs: number, outputs: number, random: Random) {
    this.dense = new Dense(`${name}/dense`, inputs, outputs, random);
    this.batchNorm = new BatchNorm(`${name}/batch-norm`, outputs);
  }

  apply(input: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return this.batchNorm.apply(this.dense.apply(input), training);
  }

  get namedVariables(): NamedVariable[] {
    return [...this.dense.namedVariables, ...this.batchNorm.namedVariables];
  }
}

function resolutionOf(tap: FeatureTap): Resolution {
  return [tap.shape[0], tap.shape[1]];
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
  private readonly teacherProjections: Projection[];
  private readonly studentProjections: Projection[];
  private readonly bilinear: Projection;
  private readonly teacherEmbedding: tf.Variable;
  private readonly studentEmbedding: tf.Variable;

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
    this.teacherProjections = teacherTaps.map(
      (tap, index) => new Projection(`teacher-projection-${index}`, tap.shape[2], qkDim, random),
    );
    this.studentProjections = studentTaps.map(
      (tap, index) => new Projection(`student-projection-${index}`, tap.shape[2], qkDim, random),
    );
    this.bilinear = new Projection('bilinear', qkDim, qkDim * teacherTaps.length, random);
    this.teacherEmbedding = tf.tidy(() => tf.variable(glorotNormal(teacherTaps.length, qkDim, random), true));
    this.studentEmbedding = tf.tidy(() => tf.variable(glorotNormal(studentTaps.length, qkDim, random), true));
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

  /** Attention logits laid out (B, S, T). */
  logits(
    studentTaps: readonly tf.Tensor4D[],
    teacherTaps: readonly tf.Tensor4D[],
    training: boolean,
  ): tf.Tensor3D {
    const batch = this.checkTaps(studentTaps, teacherTaps);
    const teacherCount = this.teacherTaps.length;
    const studentCount = this.studentTaps.length;
    const teacherVectors = tf.stack(
      teacherTaps.map((tap, index) =>
        this.projection(this.teacherProjections, index).apply(tf.mean(tap, [1, 2]), training),
      ),
      1,
    );
    const studentVectors = tf.stack(
      studentTaps.map((tap, index) =>
        tf.relu(this.projection(this.studentProjections, index).apply(tf.mean(tap, [1, 2]), training)),
      ),
      1,
    );
    const perTeacher = tf.reshape(
      this.bilinear.apply(tf.reshape(studentVectors, [batch * studentCount, this.qkDim]), training),
      [batch, studentCount, teacherCount, this.qkDim],
    );
    const products = tf.sum(tf.mul(perTeacher, tf.expandDims(teacherVectors, 1)), 3);
    const embedding = tf.matMul(this.studentEmbedding, this.teacherEmbedding, false, true);
    return tf.div<tf.Tensor3D>(tf.add(products, embedding), Math.sqrt(this.qkDim));
  }

  /**
   * Distances (B, S, T) between each student tap's map, pooled to the teacher tap's resolution and
   * unit-normalised, and the teacher tap's attention map.
   */
  distances(
    studentTaps: readonly tf.Tensor4D[],
    teacherTaps: readonly tf.Tensor4D[],
    distance: MapDistance,
  ): tf.Tensor3D {
    this.checkTaps(studentTaps, teacherTaps);
    const studentEnergy = studentTaps.map(energyMap);
    const pooledByResolution = new Map<string, tf.Tensor3D>();
    const studentValues = (resolution: Resolution): tf.Tensor3D => {
      const key = resolution.join('x');
      let values = pooledByResolution.get(key);
      if (values === undefined) {
        values = tf.stack(
          studentEnergy.map((energy, index) =>
            l2NormalizeRows(poolMaps(energy, resolutionOf(this.studentTap(index)), resolution)),
          ),
          1,
        ) as tf.Tensor3D;
        pooledByResolution.set(key, values);
      }
      return values;
    };
    const columns = teacherTaps.map((tap, index) => {
      const squared = tf.square(
        tf.sub(studentValues(resolutionOf(this.teacherTap(index))), tf.expandDims(attentionMap(tap), 1)),
      );
      return distance === 'mean' ? tf.mean(squared, 2) : tf.div(tf.sum(squared, 2), this.meanTeacherArea);
    });
    return tf.stack(columns, 2) as tf.Tensor3D;
  }

  private checkTaps(studentTaps: readonly tf.Tensor4D[], teacherTaps: readonly tf.Tensor4D[]): number {
    if (studentTaps.length !== this.studentTaps.length || teacherTaps.length !== this.teacherTaps.length) {
      throw new Error(
        `The distillation module was built for ${this.studentTaps.length} student and ${this.teacherTaps.length} ` +
          `teacher taps but got ${studentTaps.length} and ${teacherTaps.length}.`,
      );
    }
    return studentTaps[0]?.shape[0] ?? 0;
  }

  private projection(projections: readonly Projection[], index: number): Projection {
    const projection = projections[index];
    if (projection === undefined) throw new Error(`No projection for tap ${index}.`);
    return projection;
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
