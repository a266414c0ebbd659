import * as tf from '@tensorflow/tfjs';
import { parseBackboneName } from '../../../src-shared/domain/backbone-catalog.js';
import type { Backbone } from '../models/types.js';
import { elementCount, TeacherFileError, type NamedTensor, type TensorMap } from './named-tensors.js';
import { isTensorValue } from './pytorch-checkpoint.js';
import { PickleDict, type PickleValue } from './pickle.js';

/** The keys under which training scripts wrap a state_dict (RepDistiller, mdistiller, torchdistill, ...). */
const wrapperKeys = ['state_dict', 'model', 'net', 'model_state_dict'] as const;

function tensorEntries(dict: PickleDict): Map<string, NamedTensor> {
  const tensors = new Map<string, NamedTensor>();
  for (const [key, value] of dict.entries) {
    if (typeof key === 'string' && isTensorValue(value)) tensors.set(key, value.value);
  }
  return tensors;
}

/**
 * The state_dict inside a checkpoint's top-level value: the value itself when it maps names to tensors,
 * else the dict under `state_dict`, `model`, `net` or `model_state_dict`. A `module.` prefix (DataParallel)
 * is removed.
 */
export function extractStateDict(root: PickleValue | TensorMap, file: string): Map<string, NamedTensor> {
  let tensors: Map<string, NamedTensor>;
  if (root instanceof Map) {
    tensors = new Map<string, NamedTensor>(root as TensorMap);
  } else if (root instanceof PickleDict) {
    const wrapped = wrapperKeys
      .map((key) => root.entries.get(key))
      .find((value): value is PickleDict => value instanceof PickleDict && tensorEntries(value).size > 0);
    tensors = tensorEntries(wrapped ?? root);
    if (tensors.size === 0) {
      const keys = [...root.entries.keys()].slice(0, 12).map(String);
      throw new TeacherFileError(
        `${file} holds no state_dict: expected a dict of tensors, bare or under ${wrapperKeys.map((key) => `'${key}'`).join(', ')}; ` +
          `found the keys ${keys.join(', ') || '(none)'}.`,
      );
    }
  } else {
    throw new TeacherFileError(`${file} holds no state_dict: its top-level value is not a dict.`);
  }
  const keys = [...tensors.keys()];
  if (keys.length > 0 && keys.every((key) => key.startsWith('module.'))) {
    tensors = new Map([...tensors].map(([key, tensor]) => [key.slice('module.'.length), tensor]));
  }
  return tensors;
}

/** What the keys and shapes of a state_dict say about the network. */
export interface InferredArchitecture {
  /** Catalog name, e.g. `resnet56`, `resnet8x4`, `wrn-40-2`. */
  readonly backbone: string;
  readonly classes: number;
  readonly inputChannels: number;
}

function shapeOf(tensors: TensorMap, key: string): readonly number[] | undefined {
  return tensors.get(key)?.shape;
}

function countIndices(tensors: TensorMap, pattern: RegExp): number {
  const indices = new Set<number>();
  for (const key of tensors.keys()) {
    const match = pattern.exec(key);
    if (match?.[1] !== undefined) indices.add(Number(match[1]));
  }
  return indices.size;
}

/**
 * The catalog architecture of a RepDistiller/mdistiller/torchdistill CIFAR ResNet or WRN state_dict, from its
 * key names (depth from the block counts) and shapes (width from the channels, classes from fc).
 */
export function inferArchitecture(tensors: TensorMap, file: string): InferredArchitecture {
  const stem = shapeOf(tensors, 'conv1.weight');
  const classifier = shapeOf(tensors, 'fc.weight');
  const sample = [...tensors.keys()].slice(0, 6).join(', ');
  if (stem?.length !== 4 || classifier?.length !== 2) {
    throw new TeacherFileError(
      `${file} is not a state_dict of a catalog network: expected 'conv1.weight' (a convolution) and ` +
        `'fc.weight' (the classifier), found keys such as ${sample || '(none)'}.`,
    );
  }
  const [stemWidth = 0, inputChannels = 0] = stem;
  const [classes = 0] = classifier;
  if (tensors.has('layer1.0.conv1.weight')) {
    const blocks = countIndices(tensors, /^layer1\.(\d+)\./);
    const depth = 6 * blocks + 2;
    if (stemWidth !== 16 && stemWidth !== 32) {
      throw new TeacherFileError(
        `${file} is a CIFAR ResNet whose stem has ${stemWidth} channels ('conv1.weight' is ` +
          `[${stem.join(', ')}]); the catalog has stem widths 16 (resnet${depth}) and 32 (resnet${depth}x4).`,
      );
    }
    return { backbone: `resnet${depth}${stemWidth === 32 ? 'x4' : ''}`, classes, inputChannels };
  }
  const wrnFirst = shapeOf(tensors, 'block1.layer.0.conv1.weight');
  if (wrnFirst !== undefined) {
    const blocks = countIndices(tensors, /^block1\.layer\.(\d+)\./);
    const width = (wrnFirst[0] ?? 0) / 16;
    if (!Number.isInteger(width) || width < 1) {
      throw new TeacherFileError(
        `${file} is a WRN whose first stage has ${wrnFirst[0] ?? 0} channels; a WRN-d-w has 16·w.`,
      );
    }
    return { backbone: `wrn-${6 * blocks + 4}-${width}`, classes, inputChannels };
  }
  throw new TeacherFileError(
    `${file} is neither a CIFAR ResNet ('layer1.0.conv1.weight') nor a WRN ('block1.layer.0.conv1.weight') ` +
      `state_dict; found keys such as ${sample}.`,
  );
}

const variableSuffixes: Readonly<Record<string, string>> = {
  kernel: 'weight',
  bias: 'bias',
  gamma: 'weight',
  beta: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
};

/** The PyTorch module path of one of our layers (`stage2_block3_conv1` → `layer2.2.conv1`). */
function torchModuleOf(layer: string, family: 'resnet' | 'wrn'): string | null {
  if (layer === 'stem_conv') return 'conv1';
  if (layer === 'head_dense') return 'fc';
  if (layer === 'stem_bn' && family === 'resnet') return 'bn1';
  if (layer === 'head_bn' && family === 'wrn') return 'bn1';
  const match = /^stage(\d+)_block(\d+)_(conv1|bn1|conv2|bn2|shortcut_conv|shortcut_bn)$/.exec(layer);
  if (match === null) return null;
  const [, stage = '', block = '', part = ''] = match;
  const index = Number(block) - 1;
  if (family === 'resnet') {
    const module = part === 'shortcut_conv' ? 'downsample.0' : part === 'shortcut_bn' ? 'downsample.1' : part;
    return `layer${stage}.${index}.${module}`;
  }
  return `block${stage}.layer.${index}.${part === 'shortcut_conv' ? 'convShortcut' : part}`;
}

/** Our layout of a PyTorch tensor: conv OIHW → HWIO, Linear (out, in) → (in, out), vectors unchanged. */
function toOurLayout(tensor: NamedTensor): { shape: number[]; values: Float32Array } {
  const { shape, values } = tensor;
  if (shape.length === 4) {
    const [out = 0, input = 0, height = 0, width = 0] = shape;
    const result = new Float32Array(values.length);
    for (let o = 0; o < out; o += 1)
      for (let i = 0; i < input; i += 1)
        for (let y = 0; y < height; y += 1)
          for (let x = 0; x < width; x += 1)
            result[((y * width + x) * input + i) * out + o] =
              values[((o * input + i) * height + y) * width + x] ?? 0;
    return { shape: [height, width, input, out], values: result };
  }
  if (shape.length === 2) {
    const [out = 0, input = 0] = shape;
    const result = new Float32Array(values.length);
    for (let o = 0; o < out; o += 1)
      for (let i = 0; i < input; i += 1) result[i * out + o] = values[o * input + i] ?? 0;
    return { shape: [input, out], values: result };
  }
  return { shape: [...shape], values };
}

function listKeys(keys: readonly string[]): string {
  return keys.length <= 10 ? keys.join(', ') : `${keys.slice(0, 10).join(', ')} and ${keys.length - 10} more`;
}

/**
 * Loads a state_dict into a built catalog backbone: every variable of ours is matched to its PyTorch key
 * and transposed to our layout. Refuses, naming the keys, when any key is missing, left over (apart from
 * BatchNorm's `num_batches_tracked`) or of another shape.
 */
export function loadStateDict(backbone: Backbone, tensors: TensorMap, file: string): void {
  const family = parseBackboneName(backbone.name).family;
  if (family !== 'resnet' && family !== 'wrn') {
    throw new Error(
      `${file}: state_dicts are read for the catalog's ResNets and WRNs; a ${backbone.name} teacher can be ` +
        'imported as an ONNX graph (torch.onnx.export) instead.',
    );
  }
  const used = new Set<string>();
  const missing: string[] = [];
  const misshaped: string[] = [];
  const values: tf.Tensor[] = [];
  try {
    for (const weight of backbone.model.weights) {
      const [layer = '', variable = ''] = weight.originalName.split('/');
      const module = torchModuleOf(layer, family);
      const suffix = variableSuffixes[variable];
      if (module === null || suffix === undefined) {
        throw new Error(`Variable ${weight.originalName} of ${backbone.name} has no PyTorch counterpart.`);
      }
      const key = `${module}.${suffix}`;
      const tensor = tensors.get(key);
      if (tensor === undefined) {
        missing.push(key);
        continue;
      }
      used.add(key);
      const converted = toOurLayout(tensor);
      if (converted.shape.join('x') !== weight.shape.join('x')) {
        const torchShape = [...weight.shape];
        if (torchShape.length === 4)
          torchShape.splice(
            0,
            4,
            weight.shape[3] ?? 0,
            weight.shape[2] ?? 0,
            weight.shape[0] ?? 0,
            weight.shape[1] ?? 0,
          );
        if (torchShape.length === 2) torchShape.reverse();
        misshaped.push(`${key} is [${tensor.shape.join(', ')}], expected [${torchShape.join(', ')}]`);
        continue;
      }
      values.push(tf.tensor(converted.values, converted.shape));
    }
    const leftOver = [...tensors.keys()].filter(
      (key) => !used.has(key) && !key.endsWith('num_batches_tracked'),
    );
    const problems = [
      ...(missing.length > 0 ? [`missing ${listKeys(missing)}`] : []),
      ...(leftOver.length > 0 ? [`left over ${listKeys(leftOver)}`] : []),
      ...(misshaped.length > 0 ? [`of another shape: ${listKeys(misshaped)}`] : []),
    ];
    if (problems.length > 0) {
      throw new TeacherFileError(
        `${file} does not fit a ${backbone.name} for ${backbone.classes} classes: keys ${problems.join('; ')}.`,
      );
    }
    backbone.model.setWeights(values);
  } finally {
    tf.dispose(values);
  }
}

/** The number of float32 values a state_dict holds, for the memory and size checks. */
export function stateDictValueCount(tensors: TensorMap): number {
  let count = 0;
  for (const tensor of tensors.values()) count += elementCount(tensor.shape);
  return count;
}
