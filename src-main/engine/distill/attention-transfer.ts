import * as tf from '@tensorflow/tfjs';
import type { FeatureTap } from '../models/types.js';
import { attentionMap, poolTap } from './attention-map.js';

/** One AT link: a student tap and the teacher tap it imitates. */
export interface AttentionLink {
  readonly student: number;
  readonly teacher: number;
}

function lastTapOfEachStage(taps: readonly FeatureTap[]): FeatureTap[] {
  const last = new Map<number, FeatureTap>();
  for (const tap of taps) last.set(tap.stage, tap);
  return [...last.entries()].sort(([left], [right]) => left - right).map(([, tap]) => tap);
}

/**
 * Links the last tap of each teacher stage to the last tap of the same student stage (method.md §2, AT).
 * When the networks have different numbers of stages (an imported teacher), the side with more stages links
 * the ends of evenly spread stages, always including its last: stage round((i + 1)·more/fewer) − 1 for the
 * i-th stage of the other side [ours].
 */
export function attentionTransferLinks(
  teacherTaps: readonly FeatureTap[],
  studentTaps: readonly FeatureTap[],
): AttentionLink[] {
  const teacherEnds = lastTapOfEachStage(teacherTaps);
  const studentEnds = lastTapOfEachStage(studentTaps);
  const links = Math.min(teacherEnds.length, studentEnds.length);
  const spread = (ends: readonly FeatureTap[], position: number): FeatureTap | undefined =>
    ends[Math.round(((position + 1) * ends.length) / links) - 1];
  return Array.from({ length: links }, (_, position) => ({
    teacher: spread(teacherEnds, position)?.index ?? 0,
    student: spread(studentEnds, position)?.index ?? 0,
  }));
}

/**
 * Σ over links of mean_{batch, positions}((A_s − A_t)²); when resolutions differ the larger feature map is
 * average-pooled to the smaller before its attention map is taken, as the reference does.
 */
export function attentionTransferLoss(
  studentTaps: readonly tf.Tensor4D[],
  teacherTaps: readonly tf.Tensor4D[],
  links: readonly AttentionLink[],
): tf.Scalar {
  const terms = links.map((link) => {
    let student = studentTaps[link.student];
    let teacher = teacherTaps[link.teacher];
    if (student === undefined || teacher === undefined) {
      throw new Error(`AT link ${link.student}→${link.teacher} refers to a tap the networks do not produce.`);
    }
    const studentSize = student.shape[1] * student.shape[2];
    const teacherSize = teacher.shape[1] * teacher.shape[2];
    if (studentSize > teacherSize) student = poolTap(student, [teacher.shape[1], teacher.shape[2]]);
    if (teacherSize > studentSize) teacher = poolTap(teacher, [student.shape[1], student.shape[2]]);
    return tf.mean(tf.squaredDifference(attentionMap(student), attentionMap(teacher)));
  });
  return tf.addN(terms) as tf.Scalar;
}
