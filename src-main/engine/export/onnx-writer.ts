import type * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

/** Layout of the ONNX model's image input. */
export type InputLayout = 'NCHW' | 'NHWC';

/** Oldest and newest opset the writer emits; Debian's python3-onnx 1.12 checker accepts up to 17. */
export const minimumOpset = 13;
export const maximumOpset = 17;
/** IR version 8 is what onnx 1.12 (and ONNX Runtime ≥ 1.10) read. */
export const onnxIrVersion = 8;

export const onnxInputName = 'input';
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

const floatType = onnx.TensorProto.DataType.FLOAT;
const int64Type = onnx.TensorProto.DataType.INT64;

/** One layer of a graph with the names of the layers whose outputs it reads. */
export interface LayerInfo {
  readonly layer: tf.layers.Layer;
  readonly inputs: readonly string[];
}

type Weights = Readonly<Record<string, tf.Tensor>>;

/** A weight of a layer by the last part of its name (`kernel`, `gamma`, `moving_mean`, ...). */
function weightsByName(layer: tf.layers.Layer): Weights {
  const values = layer.getWeights();
  const named: Record<string, tf.Tensor> = {};
  layer.weights.forEach((variable, index) => {
    const value = values[index];
    const shortName = variable.originalName.split('/').pop() ?? variable.originalName;
    if (value !== undefined) named[shortName] = value;
  });
  return named;
}

function requireWeight(layer: tf.layers.Layer, weights: Weights, name: string): Float32Array {
  const value = weights[name];
  if (value === undefined) {
    throw new Error(`Layer "${layer.name}" has no "${name}" weight; the ONNX writer cannot convert it.`);
  }
  return value.dataSync() as Float32Array;
}

function configValue(layer: tf.layers.Layer, key: string): unknown {
  return (layer.getConfig() as Record<string, unknown>)[key];
}

/** Inference BatchNorm as a per-channel scale and shift: y = x·scale + shift. */
function batchNormAffine(layer: tf.layers.Layer): { scale: Float32Array; shift: Float32Array } {
  const weights = weightsByName(layer);
  const mean = requireWeight(layer, weights, 'moving_mean');
  const variance = requireWeight(layer, weights, 'moving_variance');
  const epsilon = Number(configValue(layer, 'epsilon'));
  const gamma = weights.gamma === undefined ? null : (weights.gamma.dataSync() as Float32Array);
  const beta = weights.beta === undefined ? null : (weights.beta.dataSync() as Float32Array);
  const axis = configValue(layer, 'axis');
  if (axis !== -1 && axis !== 3) {
    throw new Error(
      `BatchNorm "${layer.name}" normalises axis ${String(axis)}; only the channel axis is supported.`,
    );
  }
  const scale = new Float32Array(mean.length);
  const shift = new Float32Array(mean.length);
  for (let channel = 0; channel < mean.length; channel += 1) {
    // Float64 arithmetic, rounded once, keeps the folded weights as close to TFJS's float32 result as possible.
    const factor = (gamma?.[channel] ?? 1) / Math.sqrt((variance[channel] ?? 0) + epsilon);
    scale[channel] = factor;
    shift[channel] = (beta?.[channel] ?? 0) - (mean[channel] ?? 0) * factor;
  }
  return { scale, shift };
}

function floatTensor(name: string, dims: readonly number[], values: Float32Array): OnnxTypes.ITensorProto {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return { name, dims: [...dims], dataType: floatType, rawData: bytes };
}

function int64Tensor(name: string, values: readonly number[]): OnnxTypes.ITensorProto {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => view.setBigInt64(index * 8, BigInt(value), true));
  return { name, dims: [values.length], dataType: int64Type, rawData: bytes };
}

function intsAttribute(name: string, values: readonly number[]): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...values] };
}

function intAttribute(name: string, value: number): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function pair(value: unknown, what: string, layer: tf.layers.Layer): [number, number] {
  const list: unknown[] = Array.isArray(value) ? (value as unknown[]) : [value, value];
  const [first, second] = list;
  if (typeof first !== 'number' || typeof second !== 'number') {
    throw new Error(`Layer "${layer.name}" has an unreadable ${what}: ${JSON.stringify(value)}.`);
  }
  return [first, second];
}

/** TensorFlow's "same" padding: the odd pixel goes to the bottom/right. */
function samePadding(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const output = Math.ceil(size / stride);
  const effectiveKernel = (kernel - 1) * dilation + 1;
  const total = Math.max((output - 1) * stride + effectiveKernel - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

function spatialShape(layer: tf.layers.Layer): [number, number] {
  const shape = layer.inboundNodes[0]?.inputTensors[0]?.shape;
  const height = shape?.[1];
  const width = shape?.[2];
  if (typeof height !== 'number' || typeof width !== 'number') {
    throw new Error(`Layer "${layer.name}" has no static input height and width.`);
  }
  return [height, width];
}

/** ZeroPadding2D's [top, bottom, left, right]. */
function zeroPadding(layer: tf.layers.Layer): [number, number, number, number] {
  const padding = configValue(layer, 'padding');
  if (Array.isArray(padding) && Array.isArray(padding[0]) && Array.isArray(padding[1])) {
    const [top, bottom] = pair(padding[0], 'padding', layer);
    const [left, right] = pair(padding[1], 'padding', layer);
    return [top, bottom, left, right];
  }
  const [vertical, horizontal] = pair(padding, 'padding', layer);
  return [vertical, vertical, horizontal, horizontal];
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

function className(layer: tf.layers.Layer): string {
  return layer.getClassName();
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
 * Converts the logits path of a tfjs-layers CNN (Conv2D, BatchNormalization, ReLU, Add, ZeroPadding2D,
 * GlobalAveragePooling2D, Dense) to an ONNX ModelProto: BatchNorm folded into the preceding convolution
 * where that convolution feeds only it, otherwise a per-channel Mul+Add; explicit zero padding folded into
 * the convolution it feeds; dynamic batch. With `featureTaps` a tapped layer is never folded away (a
 * convolution keeps its BatchNorm as Mul+Add, a padding layer becomes a Pad), so each tap is exactly that
 * layer's output, transposed to NHWC.
 */
export function writeOnnxModel(model: tf.LayersModel, options: OnnxWriteOptions): OnnxModelBytes {
  const opset = options.opset ?? maximumOpset;
  if (!Number.isInteger(opset) || opset < minimumOpset || opset > maximumOpset) {
    throw new Error(
      `ONNX opset must be between ${minimumOpset} and ${maximumOpset}, found ${String(opset)}.`,
    );
  }
  const graph = logitsGraph(model);
  const taps =
    options.featureTaps === true || options.tapSummaries === true ? featureTapOutputs(model, graph) : [];
  const tapped = new Set(taps.map((tap) => tap.layerName));
  const consumers = new Map<string, string[]>();
  for (const info of graph) {
    for (const input of info.inputs) consumers.set(input, [...(consumers.get(input) ?? []), info.layer.name]);
  }
  const byName = new Map(graph.map((info) => [info.layer.name, info]));
  // A tapped layer's output is also a graph output, so it never has a sole consumer to be folded into.
  const soleConsumer = (name: string): LayerInfo | null => {
    if (tapped.has(name)) return null;
    const list = consumers.get(name) ?? [];
    return list.length === 1 && list[0] !== undefined ? (byName.get(list[0]) ?? null) : null;
  };

  const nodes: OnnxTypes.INodeProto[] = [];
  const initializers: OnnxTypes.ITensorProto[] = [];
  /** tfjs layer name → ONNX tensor name holding its output (NCHW). */
  const tensorOf = new Map<string, string>();
  const foldedPadding = new Map<string, [number, number, number, number]>();
  const foldedIntoConvolution = new Set<string>();
  let foldedBatchNorms = 0;
  const inputOf = (info: LayerInfo, index = 0): string => {
    const source = info.inputs[index];
    const tensor = source === undefined ? undefined : tensorOf.get(source);
    if (tensor === undefined)
      throw new Error(`Layer "${info.layer.name}" reads a tensor the writer has not produced.`);
    return tensor;
  };

  let inputShape: [number, number, number] | null = null;
  let logitsTensor = '';
  let classes = 0;
  for (const info of graph) {
    const { layer } = info;
    const name = layer.name;
    switch (className(layer)) {
      case 'InputLayer': {
        const shape = layer.outputShape as (number | null)[];
        const [, height, width, channels] = shape;
        if (typeof height !== 'number' || typeof width !== 'number' || typeof channels !== 'number') {
          throw new Error(
            `The model input must have a fixed height, width and channels, found ${JSON.stringify(shape)}.`,
          );
        }
        inputShape = [height, width, channels];
        if (options.layout === 'NHWC') {
          nodes.push({
            opType: 'Transpose',
            name: 'input_to_nchw',
            input: [onnxInputName],
            output: ['input_nchw'],
            attribute: [intsAttribute('perm', [0, 3, 1, 2])],
          });
          tensorOf.set(name, 'input_nchw');
        } else {
          tensorOf.set(name, onnxInputName);
        }
        break;
      }
      case 'ZeroPadding2D': {
        const pads = zeroPadding(layer);
        const next = soleConsumer(name);
        if (
          next !== null &&
          className(next.layer) === 'Conv2D' &&
          configValue(next.layer, 'padding') === 'valid'
        ) {
          foldedPadding.set(next.layer.name, pads);
          tensorOf.set(name, inputOf(info));
          break;
        }
        const [top, bottom, left, right] = pads;
        initializers.push(int64Tensor(`${name}_pads`, [0, 0, top, left, 0, 0, bottom, right]));
        nodes.push({ opType: 'Pad', name, input: [inputOf(info), `${name}_pads`], output: [name] });
        tensorOf.set(name, name);
        break;
      }
      case 'Conv2D': {
        const weights = weightsByName(layer);
        const kernelTensor = weights.kernel;
        if (kernelTensor === undefined) throw new Error(`Convolution "${name}" has no kernel.`);
        if (configValue(layer, 'activation') !== 'linear') {
          throw new Error(
            `Convolution "${name}" has a fused activation; the ONNX writer supports linear only.`,
          );
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
        const folded = foldedPadding.get(name);
        if (folded !== undefined) {
          top += folded[0];
          bottom += folded[1];
          left += folded[2];
          right += folded[3];
        }
        const next = soleConsumer(name);
        const fold = next !== null && className(next.layer) === 'BatchNormalization';
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
        const inputs = [inputOf(info), `${name}_weight`];
        initializers.push(
          floatTensor(`${name}_weight`, [outChannels, inChannels, kernelHeight, kernelWidth], onnxKernel),
        );
        if (bias !== null || affine !== null) {
          const onnxBias = new Float32Array(outChannels);
          for (let out = 0; out < outChannels; out += 1) {
            const raw = bias?.[out] ?? 0;
            onnxBias[out] = affine === null ? raw : raw * (affine.scale[out] ?? 1) + (affine.shift[out] ?? 0);
          }
          initializers.push(floatTensor(`${name}_bias`, [outChannels], onnxBias));
          inputs.push(`${name}_bias`);
        }
        const outputName = fold && next !== null ? next.layer.name : name;
        nodes.push({
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
        tensorOf.set(name, outputName);
        if (fold && next !== null) {
          foldedIntoConvolution.add(next.layer.name);
          tensorOf.set(next.layer.name, outputName);
          foldedBatchNorms += 1;
        }
        break;
      }
      case 'BatchNormalization': {
        if (foldedIntoConvolution.has(name)) break;
        const { scale, shift } = batchNormAffine(layer);
        initializers.push(floatTensor(`${name}_scale`, [1, scale.length, 1, 1], scale));
        initializers.push(floatTensor(`${name}_shift`, [1, shift.length, 1, 1], shift));
        nodes.push({
          opType: 'Mul',
          name: `${name}_mul`,
          input: [inputOf(info), `${name}_scale`],
          output: [`${name}_scaled`],
        });
        nodes.push({
          opType: 'Add',
          name: `${name}_add`,
          input: [`${name}_scaled`, `${name}_shift`],
          output: [name],
        });
        tensorOf.set(name, name);
        break;
      }
      case 'ReLU': {
        const maxValue = configValue(layer, 'maxValue');
        if (maxValue !== null && maxValue !== undefined) {
          throw new Error(
            `ReLU "${name}" is capped at ${JSON.stringify(maxValue)}; the ONNX writer supports plain ReLU only.`,
          );
        }
        nodes.push({ opType: 'Relu', name, input: [inputOf(info)], output: [name] });
        tensorOf.set(name, name);
        break;
      }
      case 'Activation': {
        if (configValue(layer, 'activation') !== 'relu') {
          throw new Error(
            `Activation "${name}" is ${String(configValue(layer, 'activation'))}; only relu is supported.`,
          );
        }
        nodes.push({ opType: 'Relu', name, input: [inputOf(info)], output: [name] });
        tensorOf.set(name, name);
        break;
      }
      case 'Add': {
        let sum = inputOf(info, 0);
        for (let index = 1; index < info.inputs.length; index += 1) {
          const output = index === info.inputs.length - 1 ? name : `${name}_partial${index}`;
          nodes.push({ opType: 'Add', name: output, input: [sum, inputOf(info, index)], output: [output] });
          sum = output;
        }
        tensorOf.set(name, sum);
        break;
      }
      case 'GlobalAveragePooling2D': {
        nodes.push({
          opType: 'GlobalAveragePool',
          name: `${name}_pool`,
          input: [inputOf(info)],
          output: [`${name}_nc11`],
        });
        nodes.push({
          opType: 'Flatten',
          name,
          input: [`${name}_nc11`],
          output: [name],
          attribute: [intAttribute('axis', 1)],
        });
        tensorOf.set(name, name);
        break;
      }
      case 'Dense': {
        if (configValue(layer, 'activation') !== 'linear') {
          throw new Error(`Dense "${name}" has a fused activation; the logits layer must be linear.`);
        }
        const weights = weightsByName(layer);
        const kernelTensor = weights.kernel;
        if (kernelTensor === undefined) throw new Error(`Dense "${name}" has no kernel.`);
        const [inFeatures, outFeatures] = kernelTensor.shape as [number, number];
        initializers.push(
          floatTensor(`${name}_weight`, [inFeatures, outFeatures], kernelTensor.dataSync() as Float32Array),
        );
        const bias =
          weights.bias === undefined
            ? new Float32Array(outFeatures)
            : (weights.bias.dataSync() as Float32Array);
        initializers.push(floatTensor(`${name}_bias`, [outFeatures], bias));
        nodes.push({
          opType: 'Gemm',
          name,
          input: [inputOf(info), `${name}_weight`, `${name}_bias`],
          output: [name],
        });
        tensorOf.set(name, name);
        logitsTensor = name;
        classes = outFeatures;
        break;
      }
      default:
        throw new Error(
          `Layer "${name}" (${className(layer)}) has no ONNX conversion; supported: Conv2D, BatchNormalization, ` +
            'ReLU, Add, ZeroPadding2D, GlobalAveragePooling2D, Dense.',
        );
    }
  }
  const last = graph[graph.length - 1];
  if (
    inputShape === null ||
    last === undefined ||
    tensorOf.get(last.layer.name) !== logitsTensor ||
    classes === 0
  ) {
    throw new Error(
      `Model "${model.name}" does not end in a Dense logits layer; it cannot be exported to ONNX.`,
    );
  }
  // The logits tensor gets its public name through an Identity, so node names stay the layer names.
  nodes.push({ opType: 'Identity', name: 'logits_output', input: [logitsTensor], output: [onnxLogitsName] });
  const batch = { dimParam: 'batch' };
  const outputs: OnnxTypes.IValueInfoProto[] = [valueInfo(onnxLogitsName, [batch, { dimValue: classes }])];
  if (options.probabilities) {
    nodes.push({
      opType: 'Softmax',
      name: 'probabilities_softmax',
      input: [onnxLogitsName],
      output: [onnxProbabilitiesName],
      attribute: [intAttribute('axis', 1)],
    });
    outputs.push(valueInfo(onnxProbabilitiesName, [batch, { dimValue: classes }]));
  }
  taps.forEach((tap, index) => {
    const source = tensorOf.get(tap.layerName);
    if (source === undefined) {
      throw new Error(
        `Feature tap ${index} reads layer "${tap.layerName}", which the writer did not convert.`,
      );
    }
    const [tapHeight, tapWidth, tapChannels] = tap.shape;
    if (options.featureTaps === true) {
      nodes.push({
        opType: 'Transpose',
        name: `tap_${index}_to_nhwc`,
        input: [source],
        output: [onnxTapName(index)],
        attribute: [intsAttribute('perm', [0, 2, 3, 1])],
      });
      outputs.push(
        valueInfo(onnxTapName(index), [
          batch,
          { dimValue: tapHeight },
          { dimValue: tapWidth },
          { dimValue: tapChannels },
        ]),
      );
    }
    if (options.tapSummaries === true) {
      const names = onnxTapSummaryNames(index);
      nodes.push(
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
      outputs.push(
        valueInfo(names.channelMeans, [batch, { dimValue: tapChannels }]),
        valueInfo(names.energy, [batch, { dimValue: tapHeight * tapWidth }]),
      );
    }
  });
  const [height, width, channels] = inputShape;
  const inputDims =
    options.layout === 'NCHW'
      ? [batch, { dimValue: channels }, { dimValue: height }, { dimValue: width }]
      : [batch, { dimValue: height }, { dimValue: width }, { dimValue: channels }];
  const proto = onnx.ModelProto.create({
    irVersion: onnxIrVersion,
    producerName: 'RTK Workbench',
    producerVersion: options.producerVersion,
    modelVersion: 1,
    opsetImport: [{ domain: '', version: opset }],
    metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: model.name.replace(/[^A-Za-z0-9_]/g, '_'),
      node: nodes,
      initializer: initializers,
      input: [valueInfo(onnxInputName, inputDims)],
      output: outputs,
    },
  });
  return {
    bytes: onnx.ModelProto.encode(proto).finish(),
    nodeCount: nodes.length,
    foldedBatchNorms,
    opTypes: [...new Set(nodes.map((node) => node.opType ?? ''))].sort(),
  };
}

function valueInfo(name: string, dims: OnnxTypes.TensorShapeProto.IDimension[]): OnnxTypes.IValueInfoProto {
  return { name, type: { tensorType: { elemType: floatType, shape: { dim: dims } } } };
}
