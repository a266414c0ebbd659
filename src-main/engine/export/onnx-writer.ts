import type * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

import {
  channelsFirst,
  emitLayer,
  OnnxGraphBuilder,
  onnxInputName,
  type InputLayout,
  type LayerInfo,
  type OnnxValue,
} from './onnx-layer-emitters.js';
import { intAttribute, intsAttribute, valueInfo } from './onnx-proto-parts.js';

export { onnxInputName, type InputLayout, type LayerInfo } from './onnx-layer-emitters.js';

/** Oldest and newest opset the writer emits; Debian's python3-onnx 1.12 checker accepts up to 17. */
export const minimumOpset = 13;
export const maximumOpset = 17;
/** IR version 8 is what onnx 1.12 (and ONNX Runtime ≥ 1.10) read. */
export const onnxIrVersion = 8;

export const onnxLogitsName = 'logits';
export const onnxProbabilitiesName = 'probabilities';

/** How to write the ONNX model. */
export interface OnnxWriteOptions {
  readonly layout: InputLayout;
  /** Adds a softmax output named `probabilities` beside the logits. */
  readonly probabilities: boolean;
  /** Strings stored in the model's metadata_props. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly opset?: number;
  readonly producerVersion: string;
  /**
   * Adds every feature tap (all model outputs but the last) as an NHWC float32 output named `tap-0`,
   * `tap-1`, ... after the logits; off by default.
   */
  readonly featureTaps?: boolean;
  /**
   * Adds, for every feature tap, its channel means (batch, C) as `tap-<i>-channel-means` and its energy map,
   * the channel mean of its squares flattened to (batch, H·W), as `tap-<i>-energy`: all that AFD and RTK
   * read of a teacher, a few kilobytes per batch instead of the taps' megabytes. Off by default.
   */
  readonly tapSummaries?: boolean;
}

/** Name of the ONNX output that holds feature tap `index` (NHWC), written when `featureTaps` is on. */
export function onnxTapName(index: number): string {
  return `tap-${index}`;
}

/** Names of the ONNX outputs that hold feature tap `index`'s summaries, written when `tapSummaries` is on. */
export function onnxTapSummaryNames(index: number): { channelMeans: string; energy: string } {
  return { channelMeans: `tap-${index}-channel-means`, energy: `tap-${index}-energy` };
}

/** What the writer produced: the serialised ModelProto and a summary of the graph. */
export interface OnnxModelBytes {
  readonly bytes: Uint8Array;
  readonly nodeCount: number;
  readonly foldedBatchNorms: number;
  readonly opTypes: readonly string[];
}

/**
 * The layers the logits (the last output) depend on, in graph order, each with the names of its input
 * layers. Taps and any other output are left out.
 */
export function logitsGraph(model: tf.LayersModel): LayerInfo[] {
  const outputs = model.outputs;
  const logits = outputs[outputs.length - 1];
  if (logits === undefined) throw new Error(`Model "${model.name}" has no outputs.`);
  const needed = new Set<string>();
  const pending: tf.layers.Layer[] = [logits.sourceLayer];
  for (let layer = pending.pop(); layer !== undefined; layer = pending.pop()) {
    if (needed.has(layer.name)) continue;
    needed.add(layer.name);
    for (const inbound of layer.inboundNodes[0]?.inboundLayers ?? []) pending.push(inbound);
  }
  return model.layers
    .filter((layer) => needed.has(layer.name))
    .map((layer) => {
      const node = layer.inboundNodes[0];
      if (layer.inboundNodes.length > 1) {
        throw new Error(
          `Layer "${layer.name}" is shared between several inputs; the ONNX writer cannot convert it.`,
        );
      }
      return { layer, inputs: (node?.inboundLayers ?? []).map((inbound) => inbound.name) };
    });
}

/** A feature tap to write: the layer whose output it is and the shape of one sample's map (H, W, C). */
interface TapOutput {
  readonly layerName: string;
  readonly shape: readonly [number, number, number];
}

/**
 * The feature taps of a model (every output but the last), checked to be the single output of a layer
 * the logits depend on, with a fixed NHWC shape.
 */
function featureTapOutputs(model: tf.LayersModel, graph: readonly LayerInfo[]): TapOutput[] {
  const converted = new Set(graph.map((info) => info.layer.name));
  return model.outputs.slice(0, -1).map((output, index) => {
    const layer = output.sourceLayer;
    if (output.nodeIndex !== 0 || output.tensorIndex !== 0) {
      throw new Error(
        `Feature tap ${index} of model "${model.name}" is not the single output of layer "${layer.name}"; ` +
          'the ONNX writer can only tap a layer applied once with one output.',
      );
    }
    if (!converted.has(layer.name)) {
      throw new Error(
        `Feature tap ${index} of model "${model.name}" is the output of layer "${layer.name}", which the ` +
          'logits do not depend on; the ONNX writer converts only the logits path, so it cannot output this tap.',
      );
    }
    const [batch, height, width, channels] = output.shape;
    if (
      output.shape.length !== 4 ||
      batch !== null ||
      typeof height !== 'number' ||
      typeof width !== 'number' ||
      typeof channels !== 'number'
    ) {
      throw new Error(
        `Feature tap ${index} of model "${model.name}" (layer "${layer.name}") must be a [batch, height, ` +
          `width, channels] map with a fixed height, width and channels, found ${JSON.stringify(output.shape)}.`,
      );
    }
    return { layerName: layer.name, shape: [height, width, channels] };
  });
}

/**
 * Converts the logits path of a tfjs-layers CNN (Conv2D, DepthwiseConv2D, BatchNormalization, ReLU, Add,
 * Concatenate, ZeroPadding2D, MaxPooling2D, Reshape, Permute, Cropping2D, GlobalAveragePooling2D, Dense;
 * one emitter each in onnx-layer-emitters.ts) to an ONNX ModelProto: BatchNorm folded into the preceding convolution
 * where that convolution feeds only it, otherwise a per-channel Mul+Add; explicit zero padding folded into
 * the convolution it feeds; dynamic batch. With `featureTaps` a tapped layer is never folded away (a
 * convolution keeps its BatchNorm as Mul+Add, a padding layer becomes a Pad), so each tap is exactly that
 * layer's output, transposed to NHWC.
 */
export function writeOnnxModel(model: tf.LayersModel, options: OnnxWriteOptions): OnnxModelBytes {
  const opset = checkedOpset(options.opset ?? maximumOpset);
  const graph = logitsGraph(model);
  const taps =
    options.featureTaps === true || options.tapSummaries === true ? featureTapOutputs(model, graph) : [];
  const builder = new OnnxGraphBuilder(graph, options.layout, new Set(taps.map((tap) => tap.layerName)));
  for (const info of graph) emitLayer(info, builder);
  const inputShape = checkedLogitsEnd(model, graph, builder);
  const outputs = emitLogitsOutputs(builder, options.probabilities);
  taps.forEach((tap, index) => {
    outputs.push(...emitTapOutputs(builder, tap, index, options));
  });
  const proto = onnx.ModelProto.create({
    irVersion: onnxIrVersion,
    producerName: 'RTK Workbench',
    producerVersion: options.producerVersion,
    modelVersion: 1,
    opsetImport: [{ domain: '', version: opset }],
    metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: model.name.replace(/[^A-Za-z0-9_]/g, '_'),
      node: builder.nodes,
      initializer: builder.initializers,
      input: [valueInfo(onnxInputName, inputDimensions(inputShape, options.layout))],
      output: outputs,
    },
  });
  return {
    bytes: onnx.ModelProto.encode(proto).finish(),
    nodeCount: builder.nodes.length,
    foldedBatchNorms: builder.foldedBatchNorms,
    opTypes: [...new Set(builder.nodes.map((node) => node.opType ?? ''))].sort(),
  };
}

/** Every graph input and output has a dynamic batch dimension of this name. */
const batchDimension: OnnxTypes.TensorShapeProto.IDimension = { dimParam: 'batch' };

function checkedOpset(opset: number): number {
  if (!Number.isInteger(opset) || opset < minimumOpset || opset > maximumOpset) {
    throw new Error(
      `ONNX opset must be between ${minimumOpset} and ${maximumOpset}, found ${String(opset)}.`,
    );
  }
  return opset;
}

/** The converted graph must start at an input and end in the Dense logits layer; returns the input's H, W, C. */
function checkedLogitsEnd(
  model: tf.LayersModel,
  graph: readonly LayerInfo[],
  builder: OnnxGraphBuilder,
): [number, number, number] {
  const { inputShape, logitsTensor, classes } = builder;
  const last = graph[graph.length - 1];
  if (
    inputShape === null ||
    last === undefined ||
    builder.outputOf(last.layer.name)?.name !== logitsTensor ||
    classes === 0
  ) {
    throw new Error(
      `Model "${model.name}" does not end in a Dense logits layer; it cannot be exported to ONNX.`,
    );
  }
  return inputShape;
}

/** The `logits` output and, when asked, its softmax as `probabilities`. */
function emitLogitsOutputs(builder: OnnxGraphBuilder, probabilities: boolean): OnnxTypes.IValueInfoProto[] {
  const { nodes, logitsTensor, classes } = builder;
  // The logits tensor gets its public name through an Identity, so node names stay the layer names.
  nodes.push({ opType: 'Identity', name: 'logits_output', input: [logitsTensor], output: [onnxLogitsName] });
  const outputs: OnnxTypes.IValueInfoProto[] = [
    valueInfo(onnxLogitsName, [batchDimension, { dimValue: classes }]),
  ];
  if (probabilities) {
    nodes.push({
      opType: 'Softmax',
      name: 'probabilities_softmax',
      input: [onnxLogitsName],
      output: [onnxProbabilitiesName],
      attribute: [intAttribute('axis', 1)],
    });
    outputs.push(valueInfo(onnxProbabilitiesName, [batchDimension, { dimValue: classes }]));
  }
  return outputs;
}

/** Feature tap `index` as an NHWC output with `featureTaps`, and its channel means and energy with `tapSummaries`. */
function emitTapOutputs(
  builder: OnnxGraphBuilder,
  tap: TapOutput,
  index: number,
  options: OnnxWriteOptions,
): OnnxTypes.IValueInfoProto[] {
  const value = builder.outputOf(tap.layerName);
  if (value === undefined) {
    throw new Error(`Feature tap ${index} reads layer "${tap.layerName}", which the writer did not convert.`);
  }
  return [
    ...(options.featureTaps === true ? emitTapInNhwc(builder, tap, value, index) : []),
    ...(options.tapSummaries === true ? emitTapSummaries(builder, tap, value, index) : []),
  ];
}

function emitTapInNhwc(
  builder: OnnxGraphBuilder,
  tap: TapOutput,
  value: OnnxValue,
  index: number,
): OnnxTypes.IValueInfoProto[] {
  const [tapHeight, tapWidth, tapChannels] = tap.shape;
  builder.nodes.push({
    opType: 'Transpose',
    name: `tap_${index}_to_nhwc`,
    input: [value.name],
    output: [onnxTapName(index)],
    attribute: [
      intsAttribute(
        'perm',
        [0, 1, 2, 3].map((axis) => value.order.indexOf(axis)),
      ),
    ],
  });
  return [
    valueInfo(onnxTapName(index), [
      batchDimension,
      { dimValue: tapHeight },
      { dimValue: tapWidth },
      { dimValue: tapChannels },
    ]),
  ];
}

function emitTapSummaries(
  builder: OnnxGraphBuilder,
  tap: TapOutput,
  value: OnnxValue,
  index: number,
): OnnxTypes.IValueInfoProto[] {
  const [tapHeight, tapWidth, tapChannels] = tap.shape;
  const names = onnxTapSummaryNames(index);
  const source = builder.inOrder(value, channelsFirst);
  builder.nodes.push(
    {
      opType: 'ReduceMean',
      name: `tap_${index}_channel_means`,
      input: [source],
      output: [names.channelMeans],
      attribute: [intsAttribute('axes', [2, 3]), intAttribute('keepdims', 0)],
    },
    {
      opType: 'Mul',
      name: `tap_${index}_squares`,
      input: [source, source],
      output: [`tap_${index}_squares`],
    },
    {
      opType: 'ReduceMean',
      name: `tap_${index}_energy_map`,
      input: [`tap_${index}_squares`],
      output: [`tap_${index}_energy_map`],
      attribute: [intsAttribute('axes', [1]), intAttribute('keepdims', 0)],
    },
    {
      opType: 'Flatten',
      name: `tap_${index}_energy`,
      input: [`tap_${index}_energy_map`],
      output: [names.energy],
      attribute: [intAttribute('axis', 1)],
    },
  );
  return [
    valueInfo(names.channelMeans, [batchDimension, { dimValue: tapChannels }]),
    valueInfo(names.energy, [batchDimension, { dimValue: tapHeight * tapWidth }]),
  ];
}

function inputDimensions(
  [height, width, channels]: readonly [number, number, number],
  layout: InputLayout,
): OnnxTypes.TensorShapeProto.IDimension[] {
  return layout === 'NCHW'
    ? [batchDimension, { dimValue: channels }, { dimValue: height }, { dimValue: width }]
    : [batchDimension, { dimValue: height }, { dimValue: width }, { dimValue: channels }];
}
