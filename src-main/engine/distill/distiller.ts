import * as tf from '@tensorflow/tfjs';
import type { MethodHyperparameters } from '../../../src-shared/domain/method-catalog.js';
import type { BackboneOutputs, FeatureTap } from '../models/types.js';
import { Random } from '../train/random.js';
import { channelMeans, energyMap, tapSummary } from './attention-map.js';
import { AttentionModule, afdFeatureLoss, rtkFeatureLoss } from './attention-module.js';
import { attentionTransferLoss, requireAttentionTransferLinks } from './attention-transfer.js';
import type { NamedVariable } from './layers.js';
import { crossEntropy, distillationKl } from './logit-losses.js';
import { maskToFloat, selectRepresentativeKeys, type SelectionRule } from './rtk-selection.js';

/**
 * What a method reads of the frozen teacher for each batch: nothing, the logits (KD), the logits and the
 * full taps (AT), or the logits and each tap's channel means and energy map (AFD, RTK). The summaries are
 * a few kilobytes where the taps are megabytes, and a teacher run outside TensorFlow.js computes them itself.
 */
export type TeacherNeed = 'nothing' | 'logits' | 'taps' | 'summaries';

/** The frozen teacher's outputs for one batch, as much of them as the method's TeacherNeed asks for. */
export interface TeacherBatch {
  readonly logits: tf.Tensor2D;
  /** Every feature tap (B, H, W, C); empty unless the need is 'taps'. */
  readonly taps: readonly tf.Tensor4D[];
  /** Per tap, channelMeans (B, C); empty unless the need is 'summaries'. */
  readonly channelMeans: readonly tf.Tensor2D[];
  /** Per tap, energyMap (B, H·W); empty unless the need is 'summaries'. */
  readonly energyMaps: readonly tf.Tensor2D[];
}

/** What method needs of the teacher (see TeacherNeed). */
export function teacherNeedOf(method: MethodHyperparameters['method']): TeacherNeed {
  switch (method) {
    case 'none':
      return 'nothing';
    case 'kd':
      return 'logits';
    case 'at':
      return 'taps';
    case 'afd':
    case 'rtk':
      return 'summaries';
  }
}

/** Cuts a teacher forward pass computed in TensorFlow.js down to what `need` asks for (new tensors). */
export function teacherBatchOf(
  outputs: BackboneOutputs,
  need: Exclude<TeacherNeed, 'nothing'>,
): TeacherBatch {
  const count = outputs.taps.length;
  const tensors = tf.tidy(() => [
    tf.clone(outputs.logits),
    ...(need === 'taps' ? outputs.taps.map((tap) => tf.clone(tap)) : []),
    ...(need === 'summaries' ? [...outputs.taps.map(channelMeans), ...outputs.taps.map(energyMap)] : []),
  ]);
  return {
    logits: tensors[0] as tf.Tensor2D,
    taps: need === 'taps' ? (tensors.slice(1) as tf.Tensor4D[]) : [],
    channelMeans: need === 'summaries' ? (tensors.slice(1, 1 + count) as tf.Tensor2D[]) : [],
    energyMaps: need === 'summaries' ? (tensors.slice(1 + count) as tf.Tensor2D[]) : [],
  };
}

/** Every tensor of a TeacherBatch, to dispose it. */
export function teacherBatchTensors(batch: TeacherBatch): tf.Tensor[] {
  return [batch.logits, ...batch.taps, ...batch.channelMeans, ...batch.energyMaps];
}

/** One batch as a loss sees it: the student's outputs, what the teacher gave and the labels. */
export interface DistillationBatch {
  readonly student: BackboneOutputs;
  /** The frozen teacher's outputs (inference mode, computed outside the gradient tape); null for 'none'. */
  readonly teacher: TeacherBatch | null;
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
  readonly teacherNeed: TeacherNeed;
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

function requireTeacher(batch: DistillationBatch, method: MethodHyperparameters['method']): TeacherBatch {
  const teacher = batch.teacher;
  if (teacher === null) throw new Error(`Method ${method} needs the teacher's outputs for every batch.`);
  const need = teacherNeedOf(method);
  const missing =
    (need === 'taps' && teacher.taps.length === 0) ||
    (need === 'summaries' && (teacher.channelMeans.length === 0 || teacher.energyMaps.length === 0));
  if (missing) throw new Error(`Method ${method} needs the teacher's ${need} for every batch.`);
  return teacher;
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
  const links =
    hyperparameters.method === 'at' ? requireAttentionTransferLinks(teacherTaps, studentTaps) : [];
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
    const student = batch.student.taps.map(tapSummary);
    const studentEnergy = student.map((summary) => summary.energy);
    const logits = module.logits(
      student.map((summary) => summary.means),
      teacher.channelMeans,
      batch.training,
    );
    let term: { loss: tf.Scalar; attention: tf.Tensor3D };
    let selectionSum: tf.Tensor2D | null = null;
    if (hyperparameters.method === 'afd') {
      term = afdFeatureLoss(logits, module.distances(studentEnergy, teacher.energyMaps, 'mean'));
    } else {
      const keep = selectRepresentativeKeys(logits, selectionRule(hyperparameters, teacherTaps));
      selectionSum = tf.sum<tf.Tensor2D>(maskToFloat(keep), 0);
      term = rtkFeatureLoss(
        logits,
        module.distances(studentEnergy, teacher.energyMaps, hyperparameters.rtkDistance),
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
    teacherNeed: teacherNeedOf(hyperparameters.method),
    variables,
    trainableVariables: variables.filter((entry) => entry.trainable).map((entry) => entry.variable),
    matrixShape,
    loss,
    dispose: () => {
      for (const entry of variables) entry.variable.dispose();
    },
  };
}
