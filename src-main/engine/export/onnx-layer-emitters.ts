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
 * The ONNX graph as the emitters build it, layer by layer in graph order: nodes, initializers, which ONNX
 * tensor holds each layer's output (NCHW), and the folds one layer leaves for the next to apply.
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
  private readonly tensorOf = new Map<string, string>();
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

  /** The ONNX tensor that holds a layer's output, or undefined before the layer is converted. */
  outputOf(layerName: string): string | undefined {
    return this.tensorOf.get(layerName);
  }

  /** Records the ONNX tensor that holds a layer's output. */
  setOutput(layerName: string, tensor: string): void {
    this.tensorOf.set(layerName, tensor);
  }

  /** The ONNX tensor a layer reads as its input `index`. */
  inputOf(info: LayerInfo, index = 0): string {
    const source = info.inputs[index];
    const tensor = source === undefined ? undefined : this.tensorOf.get(source);
    if (tensor === undefined)
      throw new Error(`Layer "${info.layer.name}" reads a tensor the writer has not produced.`);
    return tensor;
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
    next.layer.getClassName() === 'Conv2D' &&
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

function emitConvolution(info: LayerInfo, builder: OnnxGraphBuilder): void {
  const { layer } = info;
  const name = layer.name;
  const weights = weightsByName(layer);
  const kernelTensor = weights.kernel;
  if (kernelTensor === undefined) throw new Error(`Convolution "${name}" has no kernel.`);
  if (configValue(layer, 'activation') !== 'linear') {
    throw new Error(`Convolution "${name}" has a fused activation; the ONNX writer supports linear only.`);
  }
  const [kernelHeight, kernelWidth, inChannels, outChannels] = kernelTensor.shape as [
    number,
    number,
    number,
    number,
  ];
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
  // tfjs kernel [kh, kw, in, out] → ONNX [out, in, kh, kw], scaled by the folded BatchNorm.
  const onnxKernel = new Float32Array(kernel.length);
  for (let out = 0; out < outChannels; out += 1) {
    const factor = affine?.scale[out] ?? 1;
    for (let input = 0; input < inChannels; input += 1) {
      for (let row = 0; row < kernelHeight; row += 1) {
        for (let column = 0; column < kernelWidth; column += 1) {
          const source = ((row * kernelWidth + column) * inChannels + input) * outChannels + out;
          const target = ((out * inChannels + input) * kernelHeight + row) * kernelWidth + column;
          onnxKernel[target] = (kernel[source] ?? 0) * factor;
        }
      }
    }
  }
  const inputs = [builder.inputOf(info), `${name}_weight`];
  builder.initializers.push(
    floatTensor(`${name}_weight`, [outChannels, inChannels, kernelHeight, kernelWidth], onnxKernel),
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
      intAttribute('group', 1),
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
  builder.nodes.push({ opType: 'Relu', name, input: [builder.inputOf(info)], output: [name] });
  builder.setOutput(name, name);
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
  builder.setOutput(name, name);
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
    input: [builder.inputOf(info), `${name}_weight`, `${name}_bias`],
    output: [name],
  });
  builder.setOutput(name, name);
  builder.logitsTensor = name;
  builder.classes = outFeatures;
}

/** The ONNX conversion of every tfjs layer class the writer supports. */
const emitters: Readonly<Record<string, LayerEmitter>> = {
  InputLayer: emitInput,
  ZeroPadding2D: emitZeroPadding,
  Conv2D: emitConvolution,
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
