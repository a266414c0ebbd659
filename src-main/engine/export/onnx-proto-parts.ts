import type * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

export const floatType = onnx.TensorProto.DataType.FLOAT;
const int64Type = onnx.TensorProto.DataType.INT64;

/** A float32 initializer from raw values. */
export function floatTensor(
  name: string,
  dims: readonly number[],
  values: Float32Array,
): OnnxTypes.ITensorProto {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => view.setFloat32(index * 4, value, true));
  return { name, dims: [...dims], dataType: floatType, rawData: bytes };
}

/** A one-dimensional int64 initializer (shapes, pads, slice bounds). */
export function int64Tensor(name: string, values: readonly number[]): OnnxTypes.ITensorProto {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => view.setBigInt64(index * 8, BigInt(value), true));
  return { name, dims: [values.length], dataType: int64Type, rawData: bytes };
}

export function intsAttribute(name: string, values: readonly number[]): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...values] };
}

export function intAttribute(name: string, value: number): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

/** A float32 graph input or output of the given dimensions. */
export function valueInfo(
  name: string,
  dims: OnnxTypes.TensorShapeProto.IDimension[],
): OnnxTypes.IValueInfoProto {
  return { name, type: { tensorType: { elemType: floatType, shape: { dim: dims } } } };
}

type Weights = Readonly<Record<string, tf.Tensor>>;

/** A layer's weights by the last part of their names (`kernel`, `gamma`, `moving_mean`, ...). */
export function weightsByName(layer: tf.layers.Layer): Weights {
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

/** One entry of a layer's config. */
export function configValue(layer: tf.layers.Layer, key: string): unknown {
  return (layer.getConfig() as Record<string, unknown>)[key];
}

/** Inference BatchNorm as a per-channel scale and shift: y = x·scale + shift. */
export function batchNormAffine(layer: tf.layers.Layer): { scale: Float32Array; shift: Float32Array } {
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

/** A [first, second] pair from a config entry that is a number or a two-element list. */
export function pair(value: unknown, what: string, layer: tf.layers.Layer): [number, number] {
  const list: unknown[] = Array.isArray(value) ? (value as unknown[]) : [value, value];
  const [first, second] = list;
  if (typeof first !== 'number' || typeof second !== 'number') {
    throw new Error(`Layer "${layer.name}" has an unreadable ${what}: ${JSON.stringify(value)}.`);
  }
  return [first, second];
}

/** TensorFlow's "same" padding: the odd pixel goes to the bottom/right. */
export function samePadding(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
): [number, number] {
  const output = Math.ceil(size / stride);
  const effectiveKernel = (kernel - 1) * dilation + 1;
  const total = Math.max((output - 1) * stride + effectiveKernel - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** The static height and width of a layer's input. */
export function spatialShape(layer: tf.layers.Layer): [number, number] {
  const shape = layer.inboundNodes[0]?.inputTensors[0]?.shape;
  const height = shape?.[1];
  const width = shape?.[2];
  if (typeof height !== 'number' || typeof width !== 'number') {
    throw new Error(`Layer "${layer.name}" has no static input height and width.`);
  }
  return [height, width];
}

/** ZeroPadding2D's [top, bottom, left, right]. */
export function zeroPadding(layer: tf.layers.Layer): [number, number, number, number] {
  const padding = configValue(layer, 'padding');
  if (Array.isArray(padding) && Array.isArray(padding[0]) && Array.isArray(padding[1])) {
    const [top, bottom] = pair(padding[0], 'padding', layer);
    const [left, right] = pair(padding[1], 'padding', layer);
    return [top, bottom, left, right];
  }
  const [vertical, horizontal] = pair(padding, 'padding', layer);
  return [vertical, vertical, horizontal, horizontal];
}
