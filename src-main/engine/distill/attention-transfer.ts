import * as tf from '@tensorflow/tfjs';
import {
  attentionTransferLinks,
  stageResolutions,
  type AttentionTransferLink,
} from '../../../src-shared/domain/attention-transfer-links.js';
import type { FeatureTap } from '../models/types.js';
import { attentionMap } from './attention-map.js';

/** The AT links of a pair (see attentionTransferLinks); throws when the two share no stage resolution. */
export function requireAttentionTransferLinks(
  teacherTaps: readonly FeatureTap[],
  studentTaps: readonly FeatureTap[],
): AttentionTransferLink[] {
  const links = attentionTransferLinks(teacherTaps, studentTaps);
  if (links.length === 0) {
    throw new Error(
      `AT has no matching stages: it links stages of equal resolution, and the teacher's stages are ` +
        `${stageResolutions(teacherTaps)} where the student's are ${stageResolutions(studentTaps)}. ` +
        `Use AFD or RTK, which link taps of any resolution.`,
    );
  }
  return links;
}

/** Σ over links of mean_{batch, positions}((A_s − A_t)²); linked taps have the same resolution. */
export function attentionTransferLoss(
  studentTaps: readonly tf.Tensor4D[],
  teacherTaps: readonly tf.Tensor4D[],
  links: readonly AttentionTransferLink[],
): tf.Scalar {
  const terms = links.map((link) => {
    const student = studentTaps[link.student];
    const teacher = teacherTaps[link.teacher];
    if (student === undefined || teacher === undefined) {
      throw new Error(`AT link ${link.student}→${link.teacher} refers to a tap the networks do not produce.`);
    }
    if (student.shape[1] !== teacher.shape[1] || student.shape[2] !== teacher.shape[2]) {
      throw new Error(
        `AT link ${link.student}→${link.teacher} joins maps of ${student.shape[1]}x${student.shape[2]} and ` +
          `${teacher.shape[1]}x${teacher.shape[2]}; linked taps must have the same resolution.`,
      );
    }
    return tf.mean(tf.squaredDifference(attentionMap(student), attentionMap(teacher)));
  });
  return terms.length === 0 ? tf.scalar(0) : (tf.addN(terms) as tf.Scalar);
}
