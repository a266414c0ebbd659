import * as tf from '@tensorflow/tfjs';
import {
  parseBackboneName,
  type BackboneArchitecture,
  type MobileNetV2Architecture,
} from '../../../src-shared/domain/backbone-catalog.js';
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
  /** Catalog name, e.g. `resnet56`, `resnet8x4`, `wrn-40-2`, `vgg13`, `mobilenetv2-0.5`. */
  readonly backbone: string;
  readonly classes: number;
  readonly inputChannels: number;
  /** The key of the first convolution's weight, whose second dimension is the input channels. */
  readonly stemKey: string;
  /** The key of the classifier's weight, whose rows are the classes. */
  readonly classifierKey: string;
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

/** The key layouts of the codebases' CIFAR networks, told apart by the name of the classifier. */
const keyLayouts = [
  { family: 'residual', stemKey: 'conv1.weight', classifierKey: 'fc.weight', label: 'ResNet or WRN' },
  { family: 'vgg', stemKey: 'block0.0.weight', classifierKey: 'classifier.weight', label: 'VGG' },
  {
    family: 'mobilenetv2',
    stemKey: 'conv1.0.weight',
    classifierKey: 'classifier.0.weight',
    label: 'MobileNetV2',
  },
  { family: 'shufflenetv2', stemKey: 'conv1.weight', classifierKey: 'linear.weight', label: 'ShuffleNetV2' },
] as const;

type KeyLayout = (typeof keyLayouts)[number];

/**
 * The catalog architecture of a RepDistiller/mdistiller/torchdistill CIFAR state_dict (ResNet, WRN, VGG with
 * BatchNorm, MobileNetV2, ShuffleNetV2), from its key names (depth from the block or convolution counts)
 * and shapes (width from the channels, classes from the classifier's rows).
 */
export function inferArchitecture(tensors: TensorMap, file: string): InferredArchitecture {
  const sample = [...tensors.keys()].slice(0, 6).join(', ');
  const layout = keyLayouts.find(
    (candidate) => tensors.has(candidate.classifierKey) && tensors.has(candidate.stemKey),
  );
  const stem = layout === undefined ? undefined : shapeOf(tensors, layout.stemKey);
  const classifier = layout === undefined ? undefined : shapeOf(tensors, layout.classifierKey);
  if (layout === undefined || stem?.length !== 4 || classifier?.length !== 2) {
    const expected = keyLayouts
      .map((candidate) => `'${candidate.stemKey}' and '${candidate.classifierKey}' (${candidate.label})`)
      .join(', ');
    throw new TeacherFileError(
      `${file} is not a state_dict of a catalog network: expected a first convolution and a classifier, ` +
        `${expected}; found keys such as ${sample || '(none)'}.`,
    );
  }
  const [, inputChannels = 0] = stem;
  const [classes = 0] = classifier;
  return {
    backbone: inferBackbone(layout, tensors, stem, file, sample),
    classes,
    inputChannels,
    stemKey: layout.stemKey,
    classifierKey: layout.classifierKey,
  };
}

function inferBackbone(
  layout: KeyLayout,
  tensors: TensorMap,
  stem: readonly number[],
  file: string,
  sample: string,
): string {
  switch (layout.family) {
    case 'residual':
      return inferResidual(tensors, stem, file, sample);
    case 'vgg':
      return inferVgg(tensors, file);
    case 'mobilenetv2':
      return inferMobileNetV2(tensors, stem, file);
    case 'shufflenetv2':
      return inferShuffleNetV2(tensors, stem, file);
  }
}

function inferResidual(tensors: TensorMap, stem: readonly number[], file: string, sample: string): string {
  const [stemWidth = 0] = stem;
  if (tensors.has('layer1.0.conv1.weight')) {
    const blocks = countIndices(tensors, /^layer1\.(\d+)\./);
    const depth = 6 * blocks + 2;
    if (stemWidth !== 16 && stemWidth !== 32) {
      throw new TeacherFileError(
        `${file} is a CIFAR ResNet whose stem has ${stemWidth} channels ('conv1.weight' is ` +
          `[${stem.join(', ')}]); the catalog has stem widths 16 (resnet${depth}) and 32 (resnet${depth}x4).`,
      );
    }
    return `resnet${depth}${stemWidth === 32 ? 'x4' : ''}`;
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
    return `wrn-${6 * blocks + 4}-${width}`;
  }
  throw new TeacherFileError(
    `${file} is neither a CIFAR ResNet ('layer1.0.conv1.weight') nor a WRN ('block1.layer.0.conv1.weight') ` +
      `state_dict; found keys such as ${sample}.`,
  );
}

/** The catalog's VGGs, whose convolution counts per block tell them apart. */
const catalogVggs = ['vgg8', 'vgg11', 'vgg13'] as const;

function formatCounts(counts: readonly number[]): string {
  return `[${counts.join(', ')}]`;
}

function inferVgg(tensors: TensorMap, file: string): string {
  if (!tensors.has('block0.1.running_mean')) {
    throw new TeacherFileError(
      `${file} is a VGG without BatchNorm ('block0.1' holds no running statistics); the catalog's VGGs have ` +
        "BatchNorm after every convolution (RepDistiller's vgg8_bn, vgg11_bn, vgg13_bn, trained there as vgg8, " +
        'vgg11, vgg13).',
    );
  }
  const counts = [0, 1, 2, 3, 4].map(
    (block) =>
      [...tensors].filter(
        ([key, tensor]) =>
          new RegExp(`^block${block}\\.\\d+\\.weight$`).test(key) && tensor.shape.length === 4,
      ).length,
  );
  const catalog = catalogVggs.map((name) => {
    const architecture = parseBackboneName(name);
    const blockWidths = architecture.family === 'vgg' ? architecture.blockWidths : [];
    return { name, counts: blockWidths.map((widths) => widths.length) };
  });
  const match = catalog.find((candidate) => candidate.counts.join(',') === counts.join(','));
  if (match === undefined) {
    throw new TeacherFileError(
      `${file} is a VGG with ${formatCounts(counts)} convolutions in its blocks block0 to block4; the catalog ` +
        `has ${catalog.map((candidate) => `${candidate.name} ${formatCounts(candidate.counts)}`).join(', ')}.`,
    );
  }
  return match.name;
}

/** The width multipliers the catalog builds, in hundredths (0.25 to 2). */
const mobileNetWidthHundredths = { first: 25, last: 200 } as const;

function inferMobileNetV2(tensors: TensorMap, stem: readonly number[], file: string): string {
  const head = shapeOf(tensors, 'conv2.0.weight');
  const expand = shapeOf(tensors, 'blocks.1.0.conv.0.weight');
  if (head?.length !== 4 || expand?.length !== 4) {
    throw new TeacherFileError(
      `${file} is a MobileNetV2 without a head convolution 'conv2.0.weight' or a second block group ` +
        `'blocks.1.0.conv.0.weight'.`,
    );
  }
  const [stemWidth = 0] = stem;
  const [, lastWidth = 0] = head;
  for (
    let hundredths = mobileNetWidthHundredths.first;
    hundredths <= mobileNetWidthHundredths.last;
    hundredths += 1
  ) {
    const architecture = parseBackboneName(`mobilenetv2-${hundredths / 100}`);
    if (architecture.family !== 'mobilenetv2') continue;
    const lastBlock = architecture.blocks[architecture.blocks.length - 1];
    if (architecture.stemWidth !== stemWidth || lastBlock?.outChannels !== lastWidth) continue;
    const [hidden = 0, inputs = 1] = expand;
    if (hidden !== inputs * architecture.expansion) {
      throw new TeacherFileError(
        `${file} is a MobileNetV2 whose blocks expand their channels ${hidden / inputs} times ` +
          `('blocks.1.0.conv.0.weight' is [${expand.join(', ')}]); the catalog's MobileNetV2 expands them ` +
          `${architecture.expansion} times (RepDistiller's T = ${architecture.expansion}, as in mobile_half).`,
      );
    }
    return architecture.name;
  }
  throw new TeacherFileError(
    `${file} is a MobileNetV2 whose stem has ${stemWidth} channels and last block ${lastWidth}; no width ` +
      `multiplier W from ${mobileNetWidthHundredths.first / 100} to ${mobileNetWidthHundredths.last / 100} ` +
      'gives those (⌊32·W⌋ and ⌊320·W⌋).',
  );
}

function inferShuffleNetV2(tensors: TensorMap, stem: readonly number[], file: string): string {
  const architecture = parseBackboneName('shufflenetv2');
  if (architecture.family !== 'shufflenetv2') throw new Error('The catalog has no ShuffleNetV2.');
  const widths = [1, 2, 3].map((stage) => 2 * (shapeOf(tensors, `layer${stage}.0.conv2.weight`)?.[0] ?? 0));
  const [stemWidth = 0] = stem;
  const headWidth = shapeOf(tensors, 'conv2.weight')?.[0] ?? 0;
  if (
    stemWidth !== architecture.stemWidth ||
    widths.join(',') !== architecture.stageWidths.join(',') ||
    headWidth !== architecture.headWidth
  ) {
    throw new TeacherFileError(
      `${file} is a ShuffleNetV2 with a stem of ${stemWidth} channels, stages ${widths.join(', ')} wide ` +
        `(twice the rows of 'layerN.0.conv2.weight') and a head of ${headWidth}; the catalog's ShuffleNetV2 ` +
        `(RepDistiller's net size 1) has ${architecture.stemWidth}, ${architecture.stageWidths.join(', ')} and ` +
        `${architecture.headWidth}.`,
    );
  }
  return architecture.name;
}

const variableSuffixes: Readonly<Record<string, string>> = {
  kernel: 'weight',
  depthwise_kernel: 'weight',
  bias: 'bias',
  gamma: 'weight',
  beta: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
};

/** The module of one of our residual layers (`stage2_block3_conv1` → `layer2.2.conv1`). */
function residualModuleOf(layer: string, family: 'resnet' | 'wrn'): string | null {
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

/**
 * The module of one of our VGG layers: block B's convolution I sits at `block{B-1}.{3(I-1)}` of the
 * reference's Sequential (conv, BN, ReLU per convolution), its BatchNorm one after.
 */
function vggModuleOf(layer: string): string | null {
  if (layer === 'head_dense') return 'classifier';
  const match = /^block(\d+)_conv(\d+)(_bn)?$/.exec(layer);
  if (match === null) return null;
  const [, block = '', conv = '', batchNorm] = match;
  return `block${Number(block) - 1}.${3 * (Number(conv) - 1) + (batchNorm === undefined ? 0 : 1)}`;
}

/** Positions in the reference's `conv` Sequential of an inverted residual. */
const invertedResidualIndices: Readonly<Record<string, number>> = {
  expand_conv: 0,
  expand_bn: 1,
  depthwise_conv: 3,
  depthwise_bn: 4,
  project_conv: 6,
  project_bn: 7,
};

/**
 * The module of one of our MobileNetV2 layers. Our blocks are numbered through; the reference groups them
 * (`blocks.G.J`), a new group starting where the output channels change.
 */
function mobileNetModuleOf(layer: string, architecture: MobileNetV2Architecture): string | null {
  const fixed: Readonly<Record<string, string>> = {
    stem_conv: 'conv1.0',
    stem_bn: 'conv1.1',
    head_conv: 'conv2.0',
    head_bn: 'conv2.1',
    head_dense: 'classifier.0',
  };
  if (fixed[layer] !== undefined) return fixed[layer];
  const match = /^block(\d+)_(\w+)$/.exec(layer);
  const position = invertedResidualIndices[match?.[2] ?? ''];
  if (match === null || position === undefined) return null;
  const blockIndex = Number(match[1]) - 1;
  let group = 0;
  let indexInGroup = 0;
  for (let index = 1; index <= blockIndex; index += 1) {
    const changes = architecture.blocks[index]?.outChannels !== architecture.blocks[index - 1]?.outChannels;
    group += changes ? 1 : 0;
    indexInGroup = changes ? 0 : indexInGroup + 1;
  }
  return `blocks.${group}.${indexInGroup}.conv.${position}`;
}

/** Numbers of the reference's convolutions and BatchNorms in a stride-2 unit and in a unit that keeps size. */
const shuffleDownParts: Readonly<Record<string, number>> = {
  left_depthwise: 1,
  left: 2,
  right_expand: 3,
  right_depthwise: 4,
  right_project: 5,
};
const shuffleUnitParts: Readonly<Record<string, number>> = { expand: 1, depthwise: 2, project: 3 };

/** The module of one of our ShuffleNetV2 layers (`stage2_unit1_right_project_bn` → `layer2.0.bn5`). */
function shuffleNetModuleOf(layer: string): string | null {
  const fixed: Readonly<Record<string, string>> = {
    stem_conv: 'conv1',
    stem_bn: 'bn1',
    head_conv: 'conv2',
    head_bn: 'bn2',
    head_dense: 'linear',
  };
  if (fixed[layer] !== undefined) return fixed[layer];
  const match = /^stage(\d+)_unit(\d+)_(\w+)_(conv|bn)$/.exec(layer);
  if (match === null) return null;
  const [, stage = '', unit = '', part = '', kind = ''] = match;
  const number = unit === '1' ? shuffleDownParts[part] : shuffleUnitParts[part];
  if (number === undefined) return null;
  return `layer${stage}.${Number(unit) - 1}.${kind}${number}`;
}

/** The PyTorch module path of one of our layers, in the key names of the architecture's family. */
function torchModuleOf(layer: string, architecture: BackboneArchitecture): string | null {
  switch (architecture.family) {
    case 'resnet':
    case 'wrn':
      return residualModuleOf(layer, architecture.family);
    case 'vgg':
      return vggModuleOf(layer);
    case 'mobilenetv2':
      return mobileNetModuleOf(layer, architecture);
    case 'shufflenetv2':
      return shuffleNetModuleOf(layer);
  }
}

/**
 * Our layout of a PyTorch tensor: conv OIHW → HWIO, a depthwise conv's (C, 1, H, W) → (H, W, C, 1), Linear
 * (out, in) → (in, out), vectors unchanged.
 */
function toOurLayout(tensor: NamedTensor, depthwise: boolean): { shape: number[]; values: Float32Array } {
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
    // With one input channel per filter, HWIO and HW-C-1 hold the values in the same order.
    return { shape: depthwise ? [height, width, out, input] : [height, width, input, out], values: result };
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

/** The PyTorch shape of one of our variables: the inverse of `toOurLayout`'s reordering. */
function torchShapeOf(ourShape: readonly (number | null)[], depthwise: boolean): number[] {
  const shape = ourShape.map((size) => size ?? 0);
  if (shape.length === 4) {
    const [height = 0, width = 0, third = 0, fourth = 0] = shape;
    return depthwise ? [third, fourth, height, width] : [fourth, third, height, width];
  }
  return shape.length === 2 ? shape.reverse() : shape;
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
  const architecture = parseBackboneName(backbone.name);
  const used = new Set<string>();
  const missing: string[] = [];
  const misshaped: string[] = [];
  const values: tf.Tensor[] = [];
  try {
    for (const weight of backbone.model.weights) {
      const [layer = '', variable = ''] = weight.originalName.split('/');
      const module = torchModuleOf(layer, architecture);
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
      const depthwise = variable === 'depthwise_kernel';
      const converted = toOurLayout(tensor, depthwise);
      if (converted.shape.join('x') !== weight.shape.join('x')) {
        const expected = torchShapeOf(weight.shape, depthwise);
        misshaped.push(`${key} is [${tensor.shape.join(', ')}], expected [${expected.join(', ')}]`);
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
