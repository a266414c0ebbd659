import type * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '../data/types.js';

/** One feature tap of a backbone (method.md §1): where it sits and the shape of one sample's map. */
export interface FeatureTap {
  readonly index: number;
  readonly name: string;
  /** 0-based stage; taps of one stage share a spatial resolution. */
  readonly stage: number;
  readonly shape: ImageShape;
}

/**
 * A built backbone. `model` is a tfjs-layers functional model whose outputs are the feature taps in
 * order followed by the logits, so `model.outputs.length === taps.length + 1`.
 */
export interface Backbone {
  readonly name: string;
  readonly model: tf.LayersModel;
  readonly taps: readonly FeatureTap[];
  readonly inputShape: ImageShape;
  readonly classes: number;
  /** Trainable parameters (BN moving statistics excluded), as in method.md's table. */
  readonly parameterCount: number;
}

/** What one forward pass of a backbone yields. */
export interface BackboneOutputs {
  readonly taps: tf.Tensor4D[];
  readonly logits: tf.Tensor2D;
}

/** How to build a backbone. */
export interface BackboneOptions {
  readonly inputShape: ImageShape;
  readonly classes: number;
  /** Seed of the weight initialisers; the same seed gives the same initial weights. */
  readonly seed: number;
}

/** The symbolic feature taps and logits of a backbone graph, before they become a model. */
export interface BackboneGraph {
  readonly taps: tf.SymbolicTensor[];
  readonly logits: tf.SymbolicTensor;
}
