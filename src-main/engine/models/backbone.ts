import * as tf from '@tensorflow/tfjs';
import {
  describeBackbone,
  parseBackboneName,
  validateBackboneSize,
} from '../../../src-shared/domain/backbone-catalog.js';
import type { BackboneArchitecture } from '../../../src-shared/domain/backbone-catalog.js';
import type { ImageShape } from '../data/types.js';
import { SeedSequence } from './graph-layers.js';
import { buildMobileNetV2Graph } from './mobilenetv2.js';
import { buildResnetGraph } from './resnet.js';
import { buildShuffleNetV2Graph } from './shufflenetv2.js';
import type { Backbone, BackboneGraph, BackboneOptions, BackboneOutputs, FeatureTap } from './types.js';
import { buildVggGraph } from './vgg.js';
import { buildWrnGraph } from './wrn.js';

function buildGraph(
  input: tf.SymbolicTensor,
  architecture: BackboneArchitecture,
  classes: number,
  seeds: SeedSequence,
): BackboneGraph {
  switch (architecture.family) {
    case 'resnet':
      return buildResnetGraph(input, architecture, classes, seeds);
    case 'wrn':
      return buildWrnGraph(input, architecture, classes, seeds);
    case 'mobilenetv2':
      return buildMobileNetV2Graph(input, architecture, classes, seeds);
    case 'shufflenetv2':
      return buildShuffleNetV2Graph(input, architecture, classes, seeds);
    case 'vgg':
      return buildVggGraph(input, architecture, classes, seeds);
  }
}

/**
 * Builds a backbone by name (`resnet20`, `resnet32x4`, `wrn-40-2`, `mobilenetv2-0.5`, `shufflenetv2`,
 * `vgg8`, ...) as a functional model whose
 * outputs are its feature taps in order, then the logits.
 */
export function buildBackbone(name: string, options: BackboneOptions): Backbone {
  const architecture = parseBackboneName(name);
  validateBackboneSize(architecture.name, options);
  if (!Number.isSafeInteger(options.seed)) {
    throw new Error(
      `Backbone "${architecture.name}": seed must be an integer, found ${String(options.seed)}.`,
    );
  }
  const { classes } = options;
  const inputShape: ImageShape = [options.inputShape[0], options.inputShape[1], options.inputShape[2]];
  const description = describeBackbone(architecture.name, { classes, inputShape });

  const seeds = new SeedSequence(options.seed);
  const input = tf.input({ shape: [...inputShape], name: 'input' });
  const graph = buildGraph(input, architecture, classes, seeds);
  const model = tf.model({ inputs: input, outputs: [...graph.taps, graph.logits], name: architecture.name });

  if (graph.taps.length !== description.taps.length) {
    throw new Error(
      `Backbone "${architecture.name}": built ${graph.taps.length} taps, the catalog expects ` +
        `${description.taps.length}.`,
    );
  }
  const taps: FeatureTap[] = description.taps.map((tap, index) => {
    const built = graph.taps[index];
    const expected = [null, ...tap.shape];
    if (built === undefined || JSON.stringify(built.shape) !== JSON.stringify(expected)) {
      throw new Error(
        `Backbone "${architecture.name}": tap ${tap.name} was built with shape ` +
          `${JSON.stringify(built?.shape)}, the catalog expects ${JSON.stringify(expected)}.`,
      );
    }
    return { index: tap.index, name: tap.name, stage: tap.stage, shape: tap.shape };
  });

  return {
    name: architecture.name,
    model,
    taps,
    inputShape,
    classes,
    parameterCount: countTrainableParameters(model),
  };
}

/** Number of trainable scalars of a model (BN moving statistics are not trainable). */
export function countTrainableParameters(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((total, weight) => total + weight.read().size, 0);
}

/**
 * Runs a backbone on a batch. With `training: true` BatchNorm normalises with the batch statistics and
 * updates its moving statistics once; with `false` it uses the moving statistics and changes nothing.
 * Call it inside the function given to `tf.variableGrads` / `optimizer.minimize` to train.
 */
export function runBackbone(backbone: Backbone, input: tf.Tensor4D, training: boolean): BackboneOutputs {
  const [, height, width, channels] = input.shape;
  const [expectedHeight, expectedWidth, expectedChannels] = backbone.inputShape;
  if (
    input.rank !== 4 ||
    height !== expectedHeight ||
    width !== expectedWidth ||
    channels !== expectedChannels
  ) {
    throw new Error(
      `Backbone "${backbone.name}" expects a batch of shape [batch, ${expectedHeight}, ${expectedWidth}, ` +
        `${expectedChannels}], found ${JSON.stringify(input.shape)}.`,
    );
  }
  if (input.dtype !== 'float32') {
    throw new Error(`Backbone "${backbone.name}" expects float32 input, found ${input.dtype}.`);
  }
  const applied = backbone.model.apply(input, { training });
  // A model with a single output (a teacher that gives only logits) yields a tensor, not a list.
  const outputs = Array.isArray(applied) ? applied : [applied];
  if (outputs.length !== backbone.taps.length + 1) {
    throw new Error(`Backbone "${backbone.name}" should yield ${backbone.taps.length} taps and the logits.`);
  }
  const tensors = outputs.map((output) => {
    if (!(output instanceof tf.Tensor)) {
      throw new Error(`Backbone "${backbone.name}" yielded a symbolic tensor for a concrete input.`);
    }
    return output;
  });
  const logits = tensors[tensors.length - 1];
  if (logits === undefined || logits.rank !== 2) {
    throw new Error(`Backbone "${backbone.name}" yielded logits that are not a [batch, classes] matrix.`);
  }
  return {
    // Ranks are fixed by the graph built above: every tap output is NHWC, the head output is 2-D.
    taps: tensors.slice(0, -1).map((tap) => tap as tf.Tensor4D),
    logits: logits as tf.Tensor2D,
  };
}
