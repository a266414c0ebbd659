import type * as tf from '@tensorflow/tfjs';
import type { onnx as OnnxTypes } from 'onnx-proto';
import {
  batchNormAffine,
  configValue,
  floatTensor,
  int64Tensor,
  intAttribute,
  intsAttribute,
  pair,
  samePadding,
  spatialShape,
  weightsByName,
  zeroPadding,
} from './onnx-proto-parts.js';

/** Layout of the ONNX model's image input. */
export type InputLayout = 'NCHW' | 'NHWC';

export const onnxInputName = 'input';

/** One layer of a graph with the names of the layers whose outputs it reads. */
export interface LayerInfo {
  readonly layer: tf.layers.Layer;
  readonly inputs: readonly string[];
}

type Pads = [top: number, bottom: number, left: number, right: number];

/**
 * An ONNX tensor holding a tfjs layer's output with its axes in some order: ONNX axis k is tfjs axis
 * `order[k]`. Image maps are channels-first ([0, 3, 1, 2]) as ONNX operators want them; a tensor that a
 * reshape or permute made keeps whatever order let it be written without moving data.
 */
export interface OnnxValue {
  readonly name: string;
  readonly order: readonly number[];
}

/** The axis order of an NHWC map held as NCHW. */
export const channelsFirst: readonly number[] = [0, 3, 1, 2];

function sameOrder(left: readonly number[], right: readonly number[]): boolean {
  return left.length === right.length && left.every((axis, index) => axis === right[index]);
}

/** The identity order of a rank. */
export function tfjsOrder(rank: number): number[] {
  return Array.from({ length: rank }, (_, axis) => axis);
}

/**
 * The ONNX graph as the emitters build it, layer by layer in graph order: nodes, initializers, which ONNX
 * value holds each layer's output, and the folds one layer leaves for the next to apply.
 */
export class OnnxGraphBuilder {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly initializers: OnnxTypes.ITensorProto[] = [];
  /** Padding layers folded into the convolution that reads them, by convolution name. */
  readonly foldedPadding = new Map<string, Pads>();
  /** BatchNorms folded into the convolution before them. */
  readonly foldedIntoConvolution = new Set<string>();
  foldedBatchNorms = 0;
  inputShape: [number, number, number] | null = null;
  logitsTensor = '';
  classes = 0;
  private readonly valueOf = new Map<string, OnnxValue>();
  /** Transposed copies already written, by source tensor and order. */
  private readonly reordered = new Map<string, string>();
  private readonly consumers = new Map<string, string[]>();
  private readonly byName: Map<string, LayerInfo>;

  constructor(
    graph: readonly LayerInfo[],
    readonly layout: InputLayout,
    private readonly tapped: ReadonlySet<string>,
  ) {
    for (const info of graph) {
      for (const input of info.inputs) {
        this.consumers.set(input, [...(this.consumers.get(input) ?? []), info.layer.name]);
      }
    }
    this.byName = new Map(graph.map((info) => [info.layer.name, info]));
  }

  /** The ONNX value that holds a layer's output, or undefined before the layer is converted. */
  outputOf(layerName: string): OnnxValue | undefined {
    return this.valueOf.get(layerName);
  }

  /** Records the ONNX tensor that holds a layer's output, channels-first unless `order` says otherwise. */
  setOutput(layerName: string, tensor: string, order: readonly number[] = channelsFirst): void {
    this.valueOf.set(layerName, { name: tensor, order });
  }

  /** The ONNX value a layer reads as its input `index`, in whatever order it was written. */
  inputValue(info: LayerInfo, index = 0): OnnxValue {
    const source = info.inputs[index];
    const value = source === undefined ? undefined : this.valueOf.get(source);
    if (value === undefined)
      throw new Error(`Layer "${info.layer.name}" reads a tensor the writer has not produced.`);
    return value;
  }

  /** The ONNX tensor a layer reads as its input `index`, as a channels-first map. */
  inputOf(info: LayerInfo, index = 0): string {
    return this.inOrder(this.inputValue(info, index), channelsFirst);
  }

  /** A value's tensor with its axes in `order`, transposed (once per value and order) when they are not. */
  inOrder(value: OnnxValue, order: readonly number[]): string {
    if (sameOrder(value.order, order)) return value.name;
    const key = `${value.name}|${order.join(',')}`;
    const known = this.reordered.get(key);
    if (known !== undefined) return known;
    const name = `${value.name}_as_${order.join('')}`;
    this.nodes.push({
      opType: 'Transpose',
      name,
      input: [value.name],
      output: [name],
      attribute: [
        intsAttribute(
          'perm',
          order.map((axis) => value.order.indexOf(axis)),
        ),
      ],
    });
    this.reordered.set(key, name);
    return name;
  }

  /**
   * The one layer that reads a layer's output, or null when several do or the output is a tap: a tapped
   * layer's output is also a graph output, so it never has a sole consumer to be folded into.
   */
  soleConsumer(layerName: string): LayerInfo | null {
    if (this.tapped.has(layerName)) return null;
    const list = this.consumers.get(layerName) ?? [];
    return list.length === 1 && list[0] !== undefined ? (this.byName.get(list[0]) ?? null) : null;
  }
}

/** Converts one tfjs layer, appending its nodes and initializers to the builder. */
type LayerEmitter = (info: LayerInfo, builder: OnnxGraphBuilder) => void;

function emitInput({ layer }: LayerInfo, builder: OnnxGraphBuilder): void {
  const shape = layer.outputShape as (number | null)[];
  const [, height, width, channels] = shape;
  if (typeof height !== 'number' || typeof width !== 'number' || typeof channels !== 'number') {
    throw new Error(
      `The model input must have a fixed height, width and channels, found ${JSON.stringify(shape)}.`,
    );
  }
  builder.inputShape = [height, width, channels];
  if (builder.layout === 'NHWC') {
    builder.nodes.push({
      opType: 'Transpose',
      name: 'input_to_nchw',
      input: [onnxInputName],
      output: ['input_nchw'],
      attribute: [intsAttribute('perm', [0, 3, 1, 2])],
    });
    builder.setOutput(layer.name, 'input_nchw');
  } else {
    builder.setOutput(layer.name, onnxInputName);
  }
}

function emitZeroPadding(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const name = info.layer.name;
  const pads = zeroPadding(info.layer);
  const next = builder.soleConsumer(name);
  if (
    next !== null &&
    convolutionClasses.has(next.layer.getClassName()) &&
    configValue(next.layer, 'padding') === 'valid'
  ) {
    builder.foldedPadding.set(next.layer.name, pads);
    builder.setOutput(name, builder.inputOf(info));
    return;
  }
  const [top, bottom, left, right] = pads;
  builder.initializers.push(int64Tensor(`${name}_pads`, [0, 0, top, left, 0, 0, bottom, right]));
  builder.nodes.push({ opType: 'Pad', name, input: [builder.inputOf(info), `${name}_pads`], output: [name] });
  builder.setOutput(name, name);
}

const convolutionClasses = new Set(['Conv2D', 'DepthwiseConv2D']);

/**
 * Conv2D, or DepthwiseConv2D as a grouped Conv with one group per input channel; a BatchNorm that alone
 * reads the output is folded into the weights and bias, a padding layer before it into its pads.
 */
function emitConvolution(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const { layer } = info;
  const name = layer.name;
  const depthwise = layer.getClassName() === 'DepthwiseConv2D';
  const weights = weightsByName(layer);
  const kernelTensor = depthwise ? weights.depthwise_kernel : weights.kernel;
  if (kernelTensor === undefined) throw new Error(`Convolution "${name}" has no kernel.`);
  if (configValue(layer, 'activation') !== 'linear') {
    throw new Error(`Convolution "${name}" has a fused activation; the ONNX writer supports linear only.`);
  }
  // tfjs kernel [kh, kw, in, out] (depthwise: [kh, kw, channels, multiplier]).
  const [kernelHeight, kernelWidth, kernelIn, kernelOut] = kernelTensor.shape as [
    number,
    number,
    number,
    number,
  ];
  const outChannels = depthwise ? kernelIn * kernelOut : kernelOut;
  const groupInChannels = depthwise ? 1 : kernelIn;
  const kernel = kernelTensor.dataSync();
  const bias = weights.bias === undefined ? null : weights.bias.dataSync();
  const [strideHeight, strideWidth] = pair(configValue(layer, 'strides'), 'stride', layer);
  const [dilationHeight, dilationWidth] = pair(configValue(layer, 'dilationRate'), 'dilation', layer);
  let [top, bottom, left, right] = [0, 0, 0, 0];
  if (configValue(layer, 'padding') === 'same') {
    const [height, width] = spatialShape(layer);
    [top, bottom] = samePadding(height, kernelHeight, strideHeight, dilationHeight);
    [left, right] = samePadding(width, kernelWidth, strideWidth, dilationWidth);
  }
  const folded = builder.foldedPadding.get(name);
  if (folded !== undefined) {
    top += folded[0];
    bottom += folded[1];
    left += folded[2];
    right += folded[3];
  }
  const next = builder.soleConsumer(name);
  const fold = next !== null && next.layer.getClassName() === 'BatchNormalization';
  const affine = fold ? batchNormAffine(next.layer) : null;
  // → ONNX [out, in per group, kh, kw], scaled by the folded BatchNorm; a depthwise output channel
  // c·multiplier + m reads input channel c only.
  const onnxKernel = new Float32Array(kernel.length);
  for (let out = 0; out < outChannels; out += 1) {
    const factor = affine?.scale[out] ?? 1;
    for (let input = 0; input < groupInChannels; input += 1) {
      for (let row = 0; row < kernelHeight; row += 1) {
        for (let column = 0; column < kernelWidth; column += 1) {
          const position = row * kernelWidth + column;
          const source = depthwise
            ? position * outChannels + out
            : (position * kernelIn + input) * kernelOut + out;
          const target = ((out * groupInChannels + input) * kernelHeight + row) * kernelWidth + column;
          onnxKernel[target] = (kernel[source] ?? 0) * factor;
        }
      }
    }
  }
  const inputs = [builder.inputOf(info), `${name}_weight`];
  builder.initializers.push(
    floatTensor(`${name}_weight`, [outChannels, groupInChannels, kernelHeight, kernelWidth], onnxKernel),
  );
  if (bias !== null || affine !== null) {
    const onnxBias = new Float32Array(outChannels);
    for (let out = 0; out < outChannels; out += 1) {
      const raw = bias?.[out] ?? 0;
      onnxBias[out] = affine === null ? raw : raw * (affine.scale[out] ?? 1) + (affine.shift[out] ?? 0);
    }
    builder.initializers.push(floatTensor(`${name}_bias`, [outChannels], onnxBias));
    inputs.push(`${name}_bias`);
  }
  const outputName = fold && next !== null ? next.layer.name : name;
  builder.nodes.push({
    opType: 'Conv',
    name,
    input: inputs,
    output: [outputName],
    attribute: [
      intsAttribute('kernel_shape', [kernelHeight, kernelWidth]),
      intsAttribute('strides', [strideHeight, strideWidth]),
      intsAttribute('dilations', [dilationHeight, dilationWidth]),
      intsAttribute('pads', [top, left, bottom, right]),
      intAttribute('group', depthwise ? kernelIn : 1),
    ],
  });
  builder.setOutput(name, outputName);
  if (fold && next !== null) {
    builder.foldedIntoConvolution.add(next.layer.name);
    builder.setOutput(next.layer.name, outputName);
    builder.foldedBatchNorms += 1;
  }
}

function emitBatchNorm(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const name = info.layer.name;
  if (builder.foldedIntoConvolution.has(name)) return;
  const { scale, shift } = batchNormAffine(info.layer);
  builder.initializers.push(floatTensor(`${name}_scale`, [1, scale.length, 1, 1], scale));
  builder.initializers.push(floatTensor(`${name}_shift`, [1, shift.length, 1, 1], shift));
  builder.nodes.push({
    opType: 'Mul',
    name: `${name}_mul`,
    input: [builder.inputOf(info), `${name}_scale`],
    output: [`${name}_scaled`],
  });
  builder.nodes.push({
    opType: 'Add',
    name: `${name}_add`,
    input: [`${name}_scaled`, `${name}_shift`],
    output: [name],
  });
  builder.setOutput(name, name);
}

function emitRelu(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const name = info.layer.name;
  const input = builder.inputValue(info);
  builder.nodes.push({ opType: 'Relu', name, input: [input.name], output: [name] });
  builder.setOutput(name, name, input.order);
}

function emitReluLayer(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const maxValue = configValue(info.layer, 'maxValue');
  if (maxValue !== null && maxValue !== undefined) {
    throw new Error(
      `ReLU "${info.layer.name}" is capped at ${JSON.stringify(maxValue)}; the ONNX writer supports plain ` +
        'ReLU only.',
    );
  }
  emitRelu(info, builder);
}

function emitActivation(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const activation = configValue(info.layer, 'activation');
  if (activation !== 'relu') {
    throw new Error(`Activation "${info.layer.name}" is ${String(activation)}; only relu is supported.`);
  }
  emitRelu(info, builder);
}

function emitAdd(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const name = info.layer.name;
  let sum = builder.inputOf(info, 0);
  for (let index = 1; index < info.inputs.length; index += 1) {
    const output = index === info.inputs.length - 1 ? name : `${name}_partial${index}`;
    builder.nodes.push({
      opType: 'Add',
      name: output,
      input: [sum, builder.inputOf(info, index)],
      output: [output],
    });
    sum = output;
  }
  builder.setOutput(name, sum);
}

function emitGlobalAveragePooling(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const name = info.layer.name;
  builder.nodes.push({
    opType: 'GlobalAveragePool',
    name: `${name}_pool`,
    input: [builder.inputOf(info)],
    output: [`${name}_nc11`],
  });
  builder.nodes.push({
    opType: 'Flatten',
    name,
    input: [`${name}_nc11`],
    output: [name],
    attribute: [intAttribute('axis', 1)],
  });
  builder.setOutput(name, name, tfjsOrder(2));
}

function emitDense(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const { layer } = info;
  const name = layer.name;
  if (configValue(layer, 'activation') !== 'linear') {
    throw new Error(`Dense "${name}" has a fused activation; the logits layer must be linear.`);
  }
  const weights = weightsByName(layer);
  const kernelTensor = weights.kernel;
  if (kernelTensor === undefined) throw new Error(`Dense "${name}" has no kernel.`);
  const [inFeatures, outFeatures] = kernelTensor.shape as [number, number];
  builder.initializers.push(
    floatTensor(`${name}_weight`, [inFeatures, outFeatures], kernelTensor.dataSync() as Float32Array),
  );
  const bias =
    weights.bias === undefined ? new Float32Array(outFeatures) : (weights.bias.dataSync() as Float32Array);
  builder.initializers.push(floatTensor(`${name}_bias`, [outFeatures], bias));
  builder.nodes.push({
    opType: 'Gemm',
    name,
    input: [builder.inOrder(builder.inputValue(info), tfjsOrder(2)), `${name}_weight`, `${name}_bias`],
    output: [name],
  });
  builder.setOutput(name, name, tfjsOrder(2));
  builder.logitsTensor = name;
  builder.classes = outFeatures;
}

/** MaxPooling2D as MaxPool; "same" padding pads bottom/right as TensorFlow does, with ignored values. */
function emitMaxPooling(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const { layer } = info;
  const [poolHeight, poolWidth] = pair(configValue(layer, 'poolSize'), 'pool size', layer);
  const [strideHeight, strideWidth] = pair(configValue(layer, 'strides'), 'stride', layer);
  let pads = [0, 0, 0, 0];
  if (configValue(layer, 'padding') === 'same') {
    const [height, width] = spatialShape(layer);
    const [top, bottom] = samePadding(height, poolHeight, strideHeight, 1);
    const [left, right] = samePadding(width, poolWidth, strideWidth, 1);
    pads = [top, left, bottom, right];
  }
  builder.nodes.push({
    opType: 'MaxPool',
    name: layer.name,
    input: [builder.inputOf(info)],
    output: [layer.name],
    attribute: [
      intsAttribute('kernel_shape', [poolHeight, poolWidth]),
      intsAttribute('strides', [strideHeight, strideWidth]),
      intsAttribute('pads', pads),
    ],
  });
  builder.setOutput(layer.name, layer.name);
}

/** The static shape of a layer's input `index`, batch first. */
function inputShapeOf(layer: tf.layers.Layer, index = 0): (number | null)[] {
  const shape = layer.inboundNodes[0]?.inputTensors[index]?.shape;
  if (shape === undefined) throw new Error(`Layer "${layer.name}" has no known input shape.`);
  return shape;
}

/** A tfjs axis as a non-negative index of a tensor of `rank`. */
function positiveAxis(axis: unknown, rank: number, layer: tf.layers.Layer): number {
  if (typeof axis !== 'number' || axis < -rank || axis >= rank || axis === 0 || axis === -rank) {
    throw new Error(
      `Layer "${layer.name}" works along axis ${String(axis)}, which the ONNX writer cannot map.`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** Concatenate as Concat along the same axis, every input written in the first input's order. */
function emitConcatenate(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const { layer } = info;
  const first = builder.inputValue(info, 0);
  const axis = positiveAxis(configValue(layer, 'axis'), first.order.length, layer);
  builder.nodes.push({
    opType: 'Concat',
    name: layer.name,
    input: info.inputs.map((_, index) => builder.inOrder(builder.inputValue(info, index), first.order)),
    output: [layer.name],
    attribute: [intAttribute('axis', first.order.indexOf(axis))],
  });
  builder.setOutput(layer.name, layer.name, first.order);
}

interface AxisGroup {
  readonly from: number[];
  readonly to: number[];
}

/**
 * How a reshape regroups axes (batch excluded, 1-based): consecutive input axes whose sizes multiply to
 * those of consecutive output axes; null when the sizes do not line up that way.
 */
function reshapeGroups(from: readonly number[], to: readonly number[]): AxisGroup[] | null {
  const groups: AxisGroup[] = [];
  let input = 0;
  let output = 0;
  while (input < from.length || output < to.length) {
    const group: AxisGroup = { from: [], to: [] };
    let fromSize = 1;
    let toSize = 1;
    const takeInput = (): boolean => {
      if (input >= from.length) return false;
      fromSize *= from[input] ?? 1;
      group.from.push(++input);
      return true;
    };
    const takeOutput = (): boolean => {
      if (output >= to.length) return false;
      toSize *= to[output] ?? 1;
      group.to.push(++output);
      return true;
    };
    takeInput();
    takeOutput();
    while (fromSize !== toSize) {
      if (!(fromSize < toSize ? takeInput() : takeOutput())) return null;
    }
    const previous = groups[groups.length - 1];
    if (previous !== undefined && (group.from.length === 0 || group.to.length === 0)) {
      previous.from.push(...group.from);
      previous.to.push(...group.to);
    } else {
      groups.push(group);
    }
  }
  return groups.every((group) => group.from.length > 0 && group.to.length > 0) ? groups : null;
}

/**
 * Reshape, written in the input's ONNX order where it can be: each group of regrouped axes must sit
 * contiguous and ascending in that order. When a group does not (a channel shuffle's swapped axes), the
 * input is first transposed to gather each group in place, ascending, and nothing else moves; so a
 * channel split or shuffle of a channels-first map stays channels-first. Sizes that do not regroup at all
 * go through tfjs order.
 */
function emitReshape(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const { layer } = info;
  const input = builder.inputValue(info);
  const fromShape = inputShapeOf(layer).slice(1);
  const toShape = (layer.outputShape as (number | null)[]).slice(1);
  if (![...fromShape, ...toShape].every((size) => typeof size === 'number')) {
    throw new Error(`Reshape "${layer.name}" needs fixed sizes besides the batch.`);
  }
  const groups = input.order[0] === 0 ? reshapeGroups(fromShape as number[], toShape as number[]) : null;
  let readOrder: number[];
  let order: number[];
  if (groups === null) {
    readOrder = tfjsOrder(input.order.length);
    order = tfjsOrder(toShape.length + 1);
  } else {
    readOrder = [0];
    order = [0];
    for (const axis of input.order.slice(1)) {
      const group = groups.find((candidate) => candidate.from.includes(axis));
      if (group === undefined || readOrder.includes(group.from[0] ?? -1)) continue;
      readOrder.push(...group.from);
      order.push(...group.to);
    }
  }
  const source = builder.inOrder(input, readOrder);
  const dims = [0, ...order.slice(1).map((axis) => toShape[axis - 1] as number)];
  builder.initializers.push(int64Tensor(`${layer.name}_shape`, dims));
  builder.nodes.push({
    opType: 'Reshape',
    name: layer.name,
    input: [source, `${layer.name}_shape`],
    output: [layer.name],
  });
  builder.setOutput(layer.name, layer.name, order);
}

/** Permute writes nothing: the same ONNX tensor, its axes read in the permuted order. */
function emitPermute(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const { layer } = info;
  const input = builder.inputValue(info);
  const dims = configValue(layer, 'dims');
  const permutation = Array.isArray(dims) ? [0, ...(dims as number[])] : [];
  if (permutation.length !== input.order.length) {
    throw new Error(`Permute "${layer.name}" has unreadable dims ${JSON.stringify(dims)}.`);
  }
  // Output axis k is input axis permutation[k], so input axis a is output axis permutation.indexOf(a).
  builder.setOutput(
    layer.name,
    input.name,
    input.order.map((axis) => permutation.indexOf(axis)),
  );
}

/** Cropping2D as a Slice of the height and width axes, wherever the input's order holds them. */
function emitCropping(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const { layer } = info;
  const input = builder.inputValue(info);
  if (configValue(layer, 'dataFormat') !== 'channelsLast') {
    throw new Error(`Cropping2D "${layer.name}" must use channels-last data.`);
  }
  const cropping = configValue(layer, 'cropping');
  const [rows, columns] = Array.isArray(cropping) ? (cropping as unknown[]) : [];
  const [top, bottom] = pair(rows, 'cropping', layer);
  const [left, right] = pair(columns, 'cropping', layer);
  const [, height, width] = inputShapeOf(layer);
  if (typeof height !== 'number' || typeof width !== 'number') {
    throw new Error(`Cropping2D "${layer.name}" needs a fixed input height and width.`);
  }
  const name = layer.name;
  builder.initializers.push(
    int64Tensor(`${name}_starts`, [top, left]),
    int64Tensor(`${name}_ends`, [height - bottom, width - right]),
    int64Tensor(`${name}_axes`, [input.order.indexOf(1), input.order.indexOf(2)]),
  );
  builder.nodes.push({
    opType: 'Slice',
    name,
    input: [input.name, `${name}_starts`, `${name}_ends`, `${name}_axes`],
    output: [name],
  });
  builder.setOutput(name, name, input.order);
}

/** The ONNX conversion of every tfjs layer class the writer supports. */
const emitters: Readonly<Record<string, LayerEmitter>> = {
  InputLayer: emitInput,
  ZeroPadding2D: emitZeroPadding,
  Conv2D: emitConvolution,
  DepthwiseConv2D: emitConvolution,
  MaxPooling2D: emitMaxPooling,
  Concatenate: emitConcatenate,
  Reshape: emitReshape,
  Permute: emitPermute,
  Cropping2D: emitCropping,
  BatchNormalization: emitBatchNorm,
  ReLU: emitReluLayer,
  Activation: emitActivation,
  Add: emitAdd,
  GlobalAveragePooling2D: emitGlobalAveragePooling,
  Dense: emitDense,
};

/** Converts one layer with the emitter of its class, or throws naming the classes the writer supports. */
export function emitLayer(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const className = info.layer.getClassName();
  const emitter = emitters[className];
  if (emitter === undefined) {
    throw new Error(
      `Layer "${info.layer.name}" (${className}) has no ONNX conversion; supported: ` +
        `${Object.keys(emitters)
          .filter((key) => key !== 'InputLayer')
          .join(', ')}.`,
    );
  }
  emitter(info, builder);
}
