import * as tf from '@tensorflow/tfjs';
import type { MethodHyperparameters } from '../../../src-shared/domain/method-catalog.js';
import type { BackboneOutputs, FeatureTap } from '../models/types.js';
import { Random } from '../train/random.js';
import { AttentionModule, afdFeatureLoss, rtkFeatureLoss } from './attention-module.js';
import { attentionTransferLinks, attentionTransferLoss } from './attention-transfer.js';
import type { NamedVariable } from './layers.js';
import { crossEntropy, distillationKl } from './logit-losses.js';
import { maskToFloat, selectRepresentativeKeys, type SelectionRule } from './rtk-selection.js';

/** One batch as a loss sees it: both networks' outputs and the labels. */
export interface DistillationBatch {
  readonly student: BackboneOutputs;
  /** The frozen teacher's outputs (inference mode, computed outside the gradient tape); null for 'none'. */
  readonly teacher: BackboneOutputs | null;
  readonly labels: tf.Tensor1D;
  /** Whether the distillation module's BatchNorms use (and update) batch statistics. */
  readonly training: boolean;
}

/**
 * The loss of one batch. `kd` and `feature` are already weighted (kdWeight, β), so
 * total = ce + kd + feature.
 */
export interface DistillationLoss {
  readonly total: tf.Scalar;
  readonly ce: tf.Scalar;
  readonly kd: tf.Scalar;
  readonly feature: tf.Scalar;
  /** afd/rtk: attention weights summed over the batch, laid out S×T (student rows, teacher columns). */
  readonly attentionSum: tf.Tensor2D | null;
  /** rtk: how many samples of the batch kept each teacher tap for each student tap, S×T. */
  readonly selectionSum: tf.Tensor2D | null;
}

/** A distillation method with its trainable module, built for one teacher/student pair. */
export interface Distiller {
  readonly hyperparameters: MethodHyperparameters;
  readonly needsTeacher: boolean;
  /** Module variables in a fixed order with stable names (trainable weights and BN running statistics). */
  readonly variables: readonly NamedVariable[];
  /** The module's trainable variables, trained with the student by the same optimiser. */
  readonly trainableVariables: readonly tf.Variable[];
  /** Student taps × teacher taps, the layout of the attention and selection matrices (0 × 0 when none). */
  readonly matrixShape: readonly [students: number, teachers: number];
  /** The loss of one batch; call inside tf.tidy or a gradient function. */
  loss(batch: DistillationBatch): DistillationLoss;
  /** Frees the module's variables. */
  dispose(): void;
}

/** What a distiller is built from. */
export interface DistillerOptions {
  readonly hyperparameters: MethodHyperparameters;
  readonly teacherTaps: readonly FeatureTap[];
  readonly studentTaps: readonly FeatureTap[];
  /** Seed of the module's initial weights. */
  readonly seed: number;
}

function zero(): tf.Scalar {
  return tf.scalar(0);
}

function requireTeacher(batch: DistillationBatch, method: string): BackboneOutputs {
  if (batch.teacher === null)
    throw new Error(`Method ${method} needs the teacher's outputs for every batch.`);
  return batch.teacher;
}

function selectionRule(
  hyperparameters: Extract<MethodHyperparameters, { method: 'rtk' }>,
  teacherTaps: readonly FeatureTap[],
): SelectionRule {
  switch (hyperparameters.rtkSelection) {
    case 'topk':
      return { rule: 'topk', k: hyperparameters.rtkK };
    case 'threshold':
      return { rule: 'threshold', tau: hyperparameters.rtkTau };
    case 'perStage':
      return { rule: 'perStage', teacherStages: teacherTaps.map((tap) => tap.stage) };
  }
}

/** Builds the distiller of a method (method.md §2) for the given teacher and student taps. */
export function createDistiller(options: DistillerOptions): Distiller {
  const { hyperparameters, teacherTaps, studentTaps } = options;
  const random = new Random(options.seed);
  const module =
    hyperparameters.method === 'afd' || hyperparameters.method === 'rtk'
      ? new AttentionModule(teacherTaps, studentTaps, hyperparameters.qkDim, random)
      : null;
  const links = hyperparameters.method === 'at' ? attentionTransferLinks(teacherTaps, studentTaps) : [];
  const variables = module?.namedVariables ?? [];
  const matrixShape: readonly [number, number] =
    module === null ? [0, 0] : [studentTaps.length, teacherTaps.length];

  const loss = (batch: DistillationBatch): DistillationLoss => {
    const ce = crossEntropy(batch.student.logits, batch.labels);
    if (hyperparameters.method === 'none') {
      return { total: ce, ce, kd: zero(), feature: zero(), attentionSum: null, selectionSum: null };
    }
    const teacher = requireTeacher(batch, hyperparameters.method);
    if (hyperparameters.method === 'at') {
      const feature = tf.mul<tf.Scalar>(
        attentionTransferLoss(batch.student.taps, teacher.taps, links),
        hyperparameters.beta,
      );
      return {
        total: tf.add(ce, feature),
        ce,
        kd: zero(),
        feature,
        attentionSum: null,
        selectionSum: null,
      };
    }
    const kd = tf.mul<tf.Scalar>(
      distillationKl(batch.student.logits, teacher.logits, hyperparameters.temperature),
      hyperparameters.kdWeight,
    );
    if (hyperparameters.method === 'kd' || module === null) {
      return { total: tf.add(ce, kd), ce, kd, feature: zero(), attentionSum: null, selectionSum: null };
    }
    const logits = module.logits(batch.student.taps, teacher.taps, batch.training);
    let term: { loss: tf.Scalar; attention: tf.Tensor3D };
    let selectionSum: tf.Tensor2D | null = null;
    if (hyperparameters.method === 'afd') {
      term = afdFeatureLoss(logits, module.distances(batch.student.taps, teacher.taps, 'mean'));
    } else {
      const keep = selectRepresentativeKeys(logits, selectionRule(hyperparameters, teacherTaps));
      selectionSum = tf.sum<tf.Tensor2D>(maskToFloat(keep), 0);
      term = rtkFeatureLoss(
        logits,
        module.distances(batch.student.taps, teacher.taps, hyperparameters.rtkDistance),
        keep,
      );
    }
    const feature = tf.mul<tf.Scalar>(term.loss, hyperparameters.beta);
    return {
      total: tf.addN<tf.Scalar>([ce, kd, feature]),
      ce,
      kd,
      feature,
      attentionSum: tf.sum<tf.Tensor2D>(term.attention, 0),
      selectionSum,
    };
  };

  return {
    hyperparameters,
    needsTeacher: hyperparameters.method !== 'none',
    variables,
    trainableVariables: variables.filter((entry) => entry.trainable).map((entry) => entry.variable),
    matrixShape,
    loss,
    dispose: () => {
      for (const entry of variables) entry.variable.dispose();
    },
  };
}
