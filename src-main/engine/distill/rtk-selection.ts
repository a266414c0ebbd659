import * as tf from '@tensorflow/tfjs';

/** How RTK keeps representative teacher keys for one student query (method.md §2, RTK step 2). */
export type SelectionRule =
  | { readonly rule: 'topk'; readonly k: number }
  | { readonly rule: 'threshold'; readonly tau: number }
  | { readonly rule: 'perStage'; readonly teacherStages: readonly number[] };

/**
 * A boolean mask as 0/1 floats. Made with a select, not a cast: the WebGPU backend of TensorFlow.js 4.22
 * keeps a bool-to-float cast's integer storage, and a later reduction over it reads zeros.
 */
export function maskToFloat(mask: tf.Tensor3D): tf.Tensor3D {
  return tf.where(mask, tf.ones(mask.shape), tf.zeros(mask.shape));
}

/** A 0/1 float mask with a one at the largest entry of every row (compared with the row maximum). */
function bestOf(logits: tf.Tensor3D): tf.Tensor3D {
  return maskToFloat(tf.greaterEqual(logits, tf.max(logits, 2, true)));
}

/** Whether any of the 0/1 float masks has a one there. */
function union(masks: readonly tf.Tensor3D[]): tf.Tensor3D {
  return tf.greaterEqual(tf.addN([...masks]), 1);
}

/**
 * Picks the kept teacher keys of every (sample, student query) row of `logits` (batch, students, teachers)
 * and returns a boolean mask of the same shape. It stays on the device, so no backend has to read the
 * logits back in the middle of a step (WebGPU under Node cannot read synchronously at all). The selection
 * itself is not trained: to backprop it is one operation with a zero gradient.
 */
export function selectRepresentativeKeys(logits: tf.Tensor3D, selection: SelectionRule): tf.Tensor3D {
  return tf.greaterEqual(
    withoutGradient(logits, (values) => maskToFloat(selectedKeys(values, selection))),
    1,
  );
}

/**
 * f(x) as one operation whose gradient is zero: the operations inside it are not recorded, so backprop
 * does not walk back through a selection whose every gradient is zero anyway (a max's gradient alone costs
 * a broadcast comparison over the logits).
 */
function withoutGradient(x: tf.Tensor3D, f: (x: tf.Tensor3D) => tf.Tensor3D): tf.Tensor3D {
  return tf.customGrad((input) => ({
    value: f(input as tf.Tensor3D),
    gradFunc: (gradient: tf.Tensor3D) => tf.zerosLike(gradient),
  }))(x);
}

function selectedKeys(logits: tf.Tensor3D, selection: SelectionRule): tf.Tensor3D {
  return tf.tidy((): tf.Tensor3D => {
    const teachers = logits.shape[2];
    if (selection.rule === 'topk') {
      const picked: tf.Tensor3D[] = [];
      let remaining = logits;
      for (let index = 0; index < Math.min(selection.k, teachers); index += 1) {
        const best = bestOf(remaining);
        picked.push(best);
        remaining = tf.where(tf.greaterEqual(best, 1), tf.fill(logits.shape, -Infinity), remaining);
      }
      return union(picked);
    }
    if (selection.rule === 'threshold') {
      const above = maskToFloat(tf.greaterEqual(tf.softmax(logits), selection.tau));
      return union([above, bestOf(logits)]);
    }
    const stages = [...new Set(selection.teacherStages)];
    return union(
      stages.map((stage) => {
        const inStage = tf.broadcastTo(
          tf.tensor1d(
            selection.teacherStages.map((value) => (value === stage ? 1 : 0)),
            'bool',
          ),
          logits.shape,
        );
        return bestOf(tf.where(inStage, logits, tf.fill(logits.shape, -Infinity)));
      }),
    );
  });
}
