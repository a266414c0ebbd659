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
 * Links the last tap of each teacher stage to the last tap of the student stage of the same resolution
 * (method.md §2, AT). Catalog pairs share every stage's resolution; an imported teacher may share only some,
 * or none, and then has that many links.
 */
export function attentionTransferLinks(
  teacherTaps: readonly FeatureTap[],
  studentTaps: readonly FeatureTap[],
): AttentionLink[] {
  const resolution = (tap: FeatureTap): string => `${tap.shape[0]}x${tap.shape[1]}`;
  const studentEnds = new Map(lastTapOfEachStage(studentTaps).map((tap) => [resolution(tap), tap]));
  return lastTapOfEachStage(teacherTaps).flatMap((teacher) => {
    const student = studentEnds.get(resolution(teacher));
    return student === undefined ? [] : [{ teacher: teacher.index, student: student.index }];
  });
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
  return terms.length === 0 ? tf.scalar(0) : (tf.addN(terms) as tf.Scalar);
}
