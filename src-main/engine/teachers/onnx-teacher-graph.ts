import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import type { ImageShape } from '../data/types.js';
import { TeacherFileError } from './named-tensors.js';

const { onnx } = onnxProto;

/** The opsets an imported teacher may use (ONNX Runtime runs them all). */
export const minimumTeacherOpset = 9;
export const maximumTeacherOpset = 21;

/** The layout of a teacher's image input. */
export type TeacherLayout = 'NCHW' | 'NHWC';

/** A feature tap found in a teacher graph: the tensor, its layout and one sample's map as [H, W, C]. */
export interface GraphTap {
  readonly index: number;
  /** The ONNX tensor the tap reads. */
  readonly tensor: string;
  /** Short description: the node that makes it (`Relu after Add /layer1/layer1.0/Add`). */
  readonly name: string;
  readonly layout: TeacherLayout;
  readonly shape: ImageShape;
  /** 0-based; taps of one stage share a spatial resolution. */
  readonly stage: number;
}

/** What the import learned of an ONNX teacher graph. */
export interface TeacherGraphFacts {
  readonly inputName: string;
  readonly layout: TeacherLayout;
  /** Channels, height and width the graph takes (spatial sizes from the dataset where the graph leaves them free). */
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** The batch size the graph is fixed to, or null when any batch runs. */
  readonly fixedBatch: number | null;
  /** The tensor that holds the logits: the graph output, or the input of a final Softmax. */
  readonly logitsName: string;
  readonly classes: number;
  readonly opset: number;
  /** Notes for the user (a final Softmax skipped, the batch made free). */
  readonly notes: readonly string[];
  /** Class names the model's metadata carries, if any. */
  readonly classNames: readonly string[] | null;
  readonly taps: readonly GraphTap[];
}

/** The names of the outputs an augmented teacher graph adds. */
export const teacherOutputNames = {
  logits: 'rtk_teacher_logits',
  tap: (index: number) => `rtk_teacher_tap_${index}`,
  channelMeans: (index: number) => `rtk_teacher_tap_${index}_channel_means`,
  energy: (index: number) => `rtk_teacher_tap_${index}_energy`,
} as const;

function integer(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  // protobufjs gives int64 fields as Long objects, whose toString is the decimal value.
  if (typeof value === 'object' && value !== null && 'toString' in value)
    return Number((value as { toString(): string }).toString());
  return 0;
}

/** Decodes an ONNX model, refusing anything that is not one. */
export function decodeOnnxModel(bytes: Uint8Array, file: string): OnnxTypes.ModelProto {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new TeacherFileError(
      `${file} is not an ONNX model (${error instanceof Error ? error.message : String(error)}); the file may be ` +
        'truncated or of another format.',
    );
  }
  if (model.graph === null || model.graph === undefined || (model.graph.node ?? []).length === 0) {
    throw new TeacherFileError(`${file} is not an ONNX model: it holds no graph.`);
  }
  return model;
}

/** The default-domain opset of a model. */
export function modelOpset(model: OnnxTypes.IModelProto): number {
  const entry = (model.opsetImport ?? []).find(
    (item) =>
      item.domain === '' || item.domain === 'ai.onnx' || item.domain === null || item.domain === undefined,
  );
  return entry === undefined ? 0 : integer(entry.version);
}

type Dimension = number | string | null;

function dimensionsOf(info: OnnxTypes.IValueInfoProto): Dimension[] | null {
  const dims = info.type?.tensorType?.shape?.dim;
  if (dims === null || dims === undefined) return null;
  return dims.map((dim) => {
    if (dim.dimParam !== null && dim.dimParam !== undefined && dim.dimParam !== '') return dim.dimParam;
    const value = integer(dim.dimValue);
    return value > 0 ? value : null;
  });
}

function describeDimensions(dims: readonly Dimension[]): string {
  return `[${dims.map((dim) => (typeof dim === 'number' ? String(dim) : (dim ?? '?'))).join(', ')}]`;
}

const elementTypeNames: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(onnx.TensorProto.DataType).map(([name, value]) => [value, name.toLowerCase()]),
);

/** The graph's one real input (graph inputs that are initializers are weights, not inputs). */
function imageInput(model: OnnxTypes.ModelProto, file: string): OnnxTypes.IValueInfoProto {
  const graph = model.graph as OnnxTypes.GraphProto;
  const weights = new Set(graph.initializer.map((tensor) => tensor.name));
  const inputs = graph.input.filter((input) => !weights.has(input.name ?? ''));
  const input = inputs[0];
  if (input === undefined || inputs.length !== 1) {
    throw new TeacherFileError(
      `${file} has ${inputs.length} inputs (${inputs.map((item) => item.name).join(', ') || 'none'}); a ` +
        'teacher must take exactly one input, the batch of images.',
    );
  }
  const elementType: number = input.type?.tensorType?.elemType ?? 0;
  if (elementType !== Number(onnx.TensorProto.DataType.FLOAT)) {
    throw new TeacherFileError(
      `${file}: input "${input.name}" holds ${elementTypeNames[elementType] ?? `type ${elementType}`} values; ` +
        'a teacher must take float32 images.',
    );
  }
  return input;
}

/**
 * The input's layout and sizes: NCHW when the second dimension is the channel count the dataset can feed
 * (its own, or 3 for a grey dataset), NHWC when the last one is; both only for square-ish ambiguities,
 * where PyTorch's NCHW wins. Fixed spatial sizes must equal the dataset's.
 */
function inputFacts(
  input: OnnxTypes.IValueInfoProto,
  datasetShape: ImageShape,
  file: string,
): { layout: TeacherLayout; channels: number; fixedBatch: number | null } {
  const dims = dimensionsOf(input);
  const [height, width, datasetChannels] = datasetShape;
  if (dims?.length !== 4) {
    throw new TeacherFileError(
      `${file}: input "${input.name}" has shape ${dims === null ? 'unknown' : describeDimensions(dims)}; a teacher ` +
        'must take a 4-D batch of images ([batch, channels, height, width] or [batch, height, width, channels]).',
    );
  }
  const [batch = null, second = null, third = null, fourth = null] = dims;
  const feedable = (value: Dimension): boolean =>
    typeof value === 'number' && (value === datasetChannels || (value === 3 && datasetChannels === 1));
  const fits = (value: Dimension, size: number): boolean => typeof value !== 'number' || value === size;
  const nchw = feedable(second) && fits(third, height) && fits(fourth, width);
  const nhwc = feedable(fourth) && fits(second, height) && fits(third, width);
  if (!nchw && !nhwc) {
    throw new TeacherFileError(
      `${file}: input "${input.name}" has shape ${describeDimensions(dims)}, which the dataset's ${height}x${width} ` +
        `images with ${datasetChannels} channel${datasetChannels === 1 ? '' : 's'} cannot feed: expected ` +
        `[batch, ${datasetChannels === 1 ? '1 or 3' : datasetChannels}, ${height}, ${width}] (NCHW) or ` +
        `[batch, ${height}, ${width}, ${datasetChannels === 1 ? '1 or 3' : datasetChannels}] (NHWC).`,
    );
  }
  const layout: TeacherLayout = nchw ? 'NCHW' : 'NHWC';
  const channels = (layout === 'NCHW' ? second : fourth) as number;
  return { layout, channels, fixedBatch: typeof batch === 'number' ? batch : null };
}

function producers(graph: OnnxTypes.GraphProto): Map<string, OnnxTypes.INodeProto> {
  const map = new Map<string, OnnxTypes.INodeProto>();
  for (const node of graph.node) for (const output of node.output ?? []) map.set(output, node);
  return map;
}

function consumers(graph: OnnxTypes.GraphProto): Map<string, OnnxTypes.INodeProto[]> {
  const map = new Map<string, OnnxTypes.INodeProto[]>();
  for (const node of graph.node) {
    for (const input of node.input ?? []) map.set(input, [...(map.get(input) ?? []), node]);
  }
  return map;
}

function constantTensors(graph: OnnxTypes.GraphProto): Set<string> {
  const constants = new Set(graph.initializer.map((tensor) => tensor.name ?? ''));
  for (const node of graph.node) {
    if (node.opType === 'Constant') for (const output of node.output ?? []) constants.add(output);
  }
  return constants;
}

/** The graph's output and the tensor that holds its logits (the input of a final Softmax, if any). */
function logitsOf(
  graph: OnnxTypes.GraphProto,
  file: string,
): { output: string; logits: string; note: string | null } {
  const outputs = graph.output;
  const output = outputs[0];
  if (output === undefined || outputs.length !== 1) {
    throw new TeacherFileError(
      `${file} has ${outputs.length} outputs (${outputs.map((item) => item.name).join(', ') || 'none'}); a ` +
        'teacher must have one output, its class scores.',
    );
  }
  const name = output.name ?? '';
  const producer = producers(graph).get(name);
  if (producer?.opType === 'Softmax' || producer?.opType === 'LogSoftmax') {
    const logits = producer.input?.[0] ?? name;
    return {
      output: name,
      logits,
      note: `The graph ends in ${producer.opType}; its input is used as the logits, as distillation needs.`,
    };
  }
  return { output: name, logits: name, note: null };
}

const activationTypes = new Set(['Relu', 'Clip', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'HardSwish']);

/**
 * Tensors that may be taps: residual joins (an Add of two computed tensors, or the Relu right after it when
 * that is the Add's only consumer) and activation outputs.
 */
function tapCandidates(graph: OnnxTypes.GraphProto): {
  joins: string[];
  activations: string[];
  joinNodes: Map<string, string>;
} {
  const constants = constantTensors(graph);
  const users = consumers(graph);
  const joins: string[] = [];
  const joinNodes = new Map<string, string>();
  const activations: string[] = [];
  for (const node of graph.node) {
    const output = node.output?.[0];
    if (output === undefined) continue;
    if (activationTypes.has(node.opType ?? '')) activations.push(output);
    if (node.opType !== 'Add' && node.opType !== 'Sum') continue;
    const inputs = node.input ?? [];
    if (inputs.length !== 2 || inputs.some((input) => constants.has(input))) continue;
    const next = users.get(output);
    const follower = next?.length === 1 ? next[0] : undefined;
    const tapped =
      follower !== undefined && (follower.opType === 'Relu' || follower.opType === 'Clip')
        ? (follower.output?.[0] ?? output)
        : output;
    joins.push(output);
    joinNodes.set(output, tapped);
  }
  return { joins, activations, joinNodes };
}

/** Tensors reachable backwards from `start` within `depth` nodes, `start` included. */
function nearAncestors(
  start: string,
  producerOf: Map<string, OnnxTypes.INodeProto>,
  depth: number,
): Set<string> {
  const seen = new Set([start]);
  let frontier = [start];
  for (let step = 0; step < depth && frontier.length > 0; step += 1) {
    const next: string[] = [];
    for (const tensor of frontier) {
      for (const input of producerOf.get(tensor)?.input ?? []) {
        if (!seen.has(input)) {
          seen.add(input);
          next.push(input);
        }
      }
    }
    frontier = next;
  }
  return seen;
}

/** How far back a residual join's two branches must meet: deeper than any block's branch. */
const residualSearchDepth = 48;

function floatOutput(name: string): OnnxTypes.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } },
  });
}

function withOutputs(model: OnnxTypes.ModelProto, names: readonly string[]): Uint8Array {
  const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const graph = copy.graph as OnnxTypes.GraphProto;
  const existing = new Set(graph.output.map((output) => output.name));
  for (const name of names) {
    if (existing.has(name)) continue;
    graph.output.push(floatOutput(name));
  }
  return onnx.ModelProto.encode(copy).finish();
}

/** Session options for analysing and running teachers: CPU, sequential, as the teacher runner uses. */
export function teacherSessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** A batch of values in a seeded pseudo-random pattern, for the shape-finding run. */
function probeBatch(size: number): Float32Array {
  const values = new Float32Array(size);
  let state = 12345;
  for (let index = 0; index < size; index += 1) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    values[index] = (state / 2 ** 32) * 2 - 1;
  }
  return values;
}

/** The teacher input dims for a batch, in its layout. */
export function teacherInputDims(
  facts: Pick<TeacherGraphFacts, 'layout' | 'channels' | 'height' | 'width'>,
  batch: number,
): number[] {
  return facts.layout === 'NCHW'
    ? [batch, facts.channels, facts.height, facts.width]
    : [batch, facts.height, facts.width, facts.channels];
}

/** A copy of the model whose input and output batch dimension is free, with stale intermediate shapes dropped. */
function freeBatch(model: OnnxTypes.ModelProto, inputName: string): OnnxTypes.ModelProto {
  const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const graph = copy.graph as OnnxTypes.GraphProto;
  for (const info of [...graph.input.filter((input) => input.name === inputName), ...graph.output]) {
    const first = info.type?.tensorType?.shape?.dim?.[0];
    if (first !== undefined) {
      first.dimValue = 0;
      first.dimParam = 'batch';
    }
  }
  graph.valueInfo = [];
  return copy;
}

/** Which layout a tap tensor of dims [B, a, b, c] has: the one whose spatial sizes fit the input's. */
function tapLayout(
  dims: readonly number[],
  inputLayout: TeacherLayout,
  height: number,
  width: number,
): TeacherLayout | null {
  const [, a = 0, b = 0, c = 0] = dims;
  const fits = (tapHeight: number, tapWidth: number): boolean =>
    tapHeight >= 1 &&
    tapWidth >= 1 &&
    tapHeight <= height &&
    tapWidth <= width &&
    Math.abs(tapHeight * width - tapWidth * height) <= Math.max(height, width);
  const nchw = fits(b, c);
  const nhwc = fits(a, b);
  if (nchw && nhwc) return inputLayout;
  if (nchw) return 'NCHW';
  if (nhwc) return 'NHWC';
  return null;
}

/** The model's default-domain opset, refused outside the range teachers are read in. */
function readableOpset(model: OnnxTypes.ModelProto, file: string): number {
  const opset = modelOpset(model);
  if (opset < minimumTeacherOpset || opset > maximumTeacherOpset) {
    throw new TeacherFileError(
      `${file} uses ONNX opset ${opset}; teachers of opset ${minimumTeacherOpset} to ${maximumTeacherOpset} are read. ` +
        'Export it again with an opset in that range.',
    );
  }
  return opset;
}

function refuseExternalWeights(graph: OnnxTypes.GraphProto, file: string): void {
  const external = graph.initializer.find(
    (tensor) => tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL,
  );
  if (external !== undefined) {
    throw new TeacherFileError(
      `${file} keeps weight "${external.name}" in an external data file; save the model as one file ` +
        '(onnx.save with save_as_external_data=False).',
    );
  }
}

type TeacherSizes = Pick<TeacherGraphFacts, 'layout' | 'channels' | 'height' | 'width'>;
type ProbeOutputs = ort.InferenceSession.OnnxValueMapType;

/** What the probe run needs besides the graph: the input, its sizes, the tensors to read and the threads. */
interface ProbeSetup {
  readonly inputName: string;
  readonly logits: string;
  readonly sizes: TeacherSizes;
  readonly probeNames: readonly string[];
  readonly threads: number;
}

/** The tensors the probe reads: the logits and every tap candidate with the inputs of each residual join. */
function probedTensors(
  logits: string,
  candidates: ReturnType<typeof tapCandidates>,
  producerOf: Map<string, OnnxTypes.INodeProto>,
): string[] {
  const { joins, activations, joinNodes } = candidates;
  const joinInputs = joins.flatMap((join) => producerOf.get(join)?.input ?? []);
  return [...new Set([logits, ...joins, ...joinInputs, ...joinNodes.values(), ...activations])];
}

async function runProbe(
  candidate: OnnxTypes.ModelProto,
  setup: ProbeSetup,
  batch: number,
): Promise<ProbeOutputs> {
  const session = await ort.InferenceSession.create(
    withOutputs(candidate, setup.probeNames),
    teacherSessionOptions(setup.threads),
  );
  try {
    const dims = teacherInputDims(setup.sizes, batch);
    const values = probeBatch(dims.reduce((product, size) => product * size, 1));
    return await session.run({ [setup.inputName]: new ort.Tensor('float32', values, dims) });
  } finally {
    await session.release();
  }
}

/**
 * Runs the graph once on a probe batch of 2 with its batch dimension freed; a graph that will not run so is
 * run on the batch it was exported for. Returns the probe's outputs, the model to store, the batch it is
 * fixed to (null when free) and a note for the user when the batch changed or stays fixed.
 */
async function probeTeacher(
  model: OnnxTypes.ModelProto,
  setup: ProbeSetup,
  declaredBatch: number | null,
  file: string,
): Promise<{
  probe: ProbeOutputs;
  stored: OnnxTypes.ModelProto;
  fixedBatch: number | null;
  batchNote: string | null;
}> {
  const freed = freeBatch(model, setup.inputName);
  try {
    const probe = await runProbe(freed, setup, 2);
    const logitsDims = probe[setup.logits]?.dims ?? [];
    if (logitsDims[0] !== 2) throw new Error('the batch dimension does not follow the input');
    const batchNote =
      declaredBatch === null
        ? null
        : `The graph was exported for batches of ${declaredBatch}; it runs any batch size.`;
    return { probe, stored: freed, fixedBatch: null, batchNote };
  } catch (freeError) {
    if (declaredBatch === null) {
      throw new TeacherFileError(
        `ONNX Runtime cannot run ${file} on a batch of ${describeDimensions(teacherInputDims(setup.sizes, 2))}: ` +
          `${freeError instanceof Error ? freeError.message : String(freeError)}`,
      );
    }
    let probe: ProbeOutputs;
    try {
      probe = await runProbe(model, setup, declaredBatch);
    } catch (error) {
      throw new TeacherFileError(
        `ONNX Runtime cannot run ${file} on a batch of ${describeDimensions(teacherInputDims(setup.sizes, declaredBatch))}: ` +
          `${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const batchNote = `The graph only runs batches of ${declaredBatch}; the teacher is run that many images at a time.`;
    return { probe, stored: model, fixedBatch: declaredBatch, batchNote };
  }
}

/** The class count: the logits must be one score vector of at least two classes per probed image. */
function probedClasses(probe: ProbeOutputs, logits: string, probeBatchSize: number, file: string): number {
  const logitsDims = [...(probe[logits]?.dims ?? [])];
  if (logitsDims.length !== 2 || logitsDims[0] !== probeBatchSize || (logitsDims[1] ?? 0) < 2) {
    throw new TeacherFileError(
      `${file}: the output "${logits}" has shape [${logitsDims.join(', ')}] for ${probeBatchSize} images; a teacher ` +
        `must give one vector of class scores per image ([${probeBatchSize}, classes]).`,
    );
  }
  return logitsDims[1] ?? 0;
}

type MapDims = (tensor: string) => number[] | null;

/** The probed dims of a tensor when it is a rank-4 map over the probe batch, else null. */
function probedMapDims(probe: ProbeOutputs, probeBatchSize: number): MapDims {
  return (tensor) => {
    const value = probe[tensor];
    return value === undefined || value.dims.length !== 4 || value.dims[0] !== probeBatchSize
      ? null
      : [...value.dims];
  };
}

interface TapTensor {
  readonly tensor: string;
  readonly layout: TeacherLayout;
  readonly shape: ImageShape;
}

/** A probed map's layout and one sample's [H, W, C] shape, or null when it is no map of the image. */
function describeTap(dims: number[] | null, sizes: TeacherSizes): Omit<TapTensor, 'tensor'> | null {
  if (dims === null) return null;
  const tapLayoutValue = tapLayout(dims, sizes.layout, sizes.height, sizes.width);
  if (tapLayoutValue === null) return null;
  const [, a = 0, b = 0, c = 0] = dims;
  return { layout: tapLayoutValue, shape: tapLayoutValue === 'NCHW' ? [b, c, a] : [a, b, c] };
}

/** The joins whose two branches have equal shapes and meet again nearby: real residual blocks. */
function residualTaps(
  candidates: ReturnType<typeof tapCandidates>,
  producerOf: Map<string, OnnxTypes.INodeProto>,
  dimsOf: MapDims,
): string[] {
  return candidates.joins
    .filter((join) => {
      const node = producerOf.get(join);
      const [left = '', right = ''] = node?.input ?? [];
      const leftDims = dimsOf(left);
      if (leftDims === null || JSON.stringify(leftDims) !== JSON.stringify(dimsOf(right))) return false;
      const leftAncestors = nearAncestors(left, producerOf, residualSearchDepth);
      return [...nearAncestors(right, producerOf, residualSearchDepth)].some((tensor) =>
        leftAncestors.has(tensor),
      );
    })
    .map((join) => candidates.joinNodes.get(join) ?? join);
}

/** A plain network's taps: the last activation at each resolution, i.e. just before each downsampling. */
function lastActivationPerResolution(
  activations: readonly string[],
  dimsOf: MapDims,
  sizes: TeacherSizes,
): TapTensor[] {
  const tapTensors: TapTensor[] = [];
  let previous: TapTensor | null = null;
  for (const tensor of activations) {
    const described = describeTap(dimsOf(tensor), sizes);
    if (described === null || described.shape[0] * described.shape[1] < 2) continue;
    if (
      previous !== null &&
      (previous.shape[0] !== described.shape[0] || previous.shape[1] !== described.shape[1])
    ) {
      tapTensors.push(previous);
    }
    previous = { tensor, ...described };
  }
  if (previous !== null) tapTensors.push(previous);
  return tapTensors;
}

/** The residual joins' outputs when the graph has residual blocks, else a plain network's taps. */
function chooseTapTensors(
  candidates: ReturnType<typeof tapCandidates>,
  producerOf: Map<string, OnnxTypes.INodeProto>,
  dimsOf: MapDims,
  sizes: TeacherSizes,
): TapTensor[] {
  const residual = residualTaps(candidates, producerOf, dimsOf);
  if (residual.length === 0) return lastActivationPerResolution(candidates.activations, dimsOf, sizes);
  const tapTensors: TapTensor[] = [];
  for (const tensor of residual) {
    const described = describeTap(dimsOf(tensor), sizes);
    if (described !== null) tapTensors.push({ tensor, ...described });
  }
  return tapTensors;
}

function describeNode(node: OnnxTypes.INodeProto | undefined): string {
  return node === undefined ? '' : `${node.opType ?? ''}${node.name ? ` ${node.name}` : ''}`;
}

/** The taps with their names (the node that makes each) and stages (one per spatial resolution, in order). */
function graphTaps(
  tapTensors: readonly TapTensor[],
  producerOf: Map<string, OnnxTypes.INodeProto>,
): GraphTap[] {
  const resolutions: string[] = [];
  return tapTensors.map((tap, index) => {
    const resolution = `${tap.shape[0]}x${tap.shape[1]}`;
    if (resolutions[resolutions.length - 1] !== resolution) resolutions.push(resolution);
    const producer = producerOf.get(tap.tensor);
    const source =
      producer?.opType === 'Relu' || producer?.opType === 'Clip'
        ? producerOf.get(producer.input?.[0] ?? '')
        : undefined;
    const name =
      source !== undefined && (source.opType === 'Add' || source.opType === 'Sum')
        ? `${describeNode(producer)} after ${describeNode(source)}`
        : describeNode(producer) || tap.tensor;
    return {
      index,
      tensor: tap.tensor,
      name,
      layout: tap.layout,
      shape: tap.shape,
      stage: resolutions.length - 1,
    };
  });
}

/**
 * Validates an ONNX teacher against a dataset's images and finds its taps (see the module's rules): one
 * float32 rank-4 image input (NCHW or NHWC), one output of one score vector per image, opset 9–21. Shapes
 * come from running the graph once on a probe batch in ONNX Runtime. Returns the facts and the bytes to
 * store: the model with a free batch dimension when it allows one, else as it came.
 */
export async function analyseOnnxTeacher(
  bytes: Uint8Array,
  file: string,
  datasetShape: ImageShape,
  threads: number,
): Promise<{ facts: TeacherGraphFacts; bytes: Uint8Array }> {
  const model = decodeOnnxModel(bytes, file);
  const opset = readableOpset(model, file);
  const graph = model.graph as OnnxTypes.GraphProto;
  refuseExternalWeights(graph, file);
  const input = imageInput(model, file);
  const inputName = input.name ?? '';
  const { layout, channels, fixedBatch: declaredBatch } = inputFacts(input, datasetShape, file);
  const [height, width] = datasetShape;
  const { logits, note } = logitsOf(graph, file);
  const sizes = { layout, channels, height, width };

  const candidates = tapCandidates(graph);
  const producerOf = producers(graph);
  const probeNames = probedTensors(logits, candidates, producerOf);
  const { probe, stored, fixedBatch, batchNote } = await probeTeacher(
    model,
    { inputName, logits, sizes, probeNames, threads },
    declaredBatch,
    file,
  );
  const probeBatchSize = fixedBatch ?? 2;
  const classes = probedClasses(probe, logits, probeBatchSize, file);
  const dimsOf = probedMapDims(probe, probeBatchSize);
  const taps = graphTaps(chooseTapTensors(candidates, producerOf, dimsOf, sizes), producerOf);
  return {
    facts: {
      inputName,
      layout,
      channels,
      height,
      width,
      fixedBatch,
      logitsName: logits,
      classes,
      opset,
      notes: [note, batchNote].filter((text) => text !== null),
      classNames: metadataClassNames(model, classes),
      taps,
    },
    bytes: onnx.ModelProto.encode(stored).finish(),
  };
}

const classNameKeys = ['classes', 'class_names', 'classnames', 'labels', 'names'];

/**
 * Class names from the model's metadata (`classes`, `class_names`, `labels` or `names`, as a JSON list or
 * object, or as comma- or newline-separated text), when there is exactly one per class.
 */
function metadataClassNames(model: OnnxTypes.ModelProto, classes: number): string[] | null {
  for (const entry of model.metadataProps) {
    if (!classNameKeys.includes((entry.key ?? '').toLowerCase())) continue;
    const text = entry.value ?? '';
    let names: string[] | null = null;
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) names = parsed.map((name) => (typeof name === 'string' ? name : ''));
      else if (typeof parsed === 'object' && parsed !== null) {
        const object = parsed as Record<string, unknown>;
        names = Array.from({ length: classes }, (_, index) => {
          const name = object[String(index)];
          return typeof name === 'string' ? name : '';
        });
      }
    } catch {
      names = text.split(text.includes('\n') ? '\n' : ',').map((name) => name.trim());
    }
    if (names !== null && names.length === classes && names.every((name) => name !== '')) return names;
  }
  return null;
}

/** What an augmented teacher graph outputs besides the logits. */
export type TeacherGraphNeed = 'logits' | 'taps' | 'summaries';

function intsAttribute(name: string, values: readonly number[]): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...values] };
}

function intAttribute(name: string, value: number): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

/**
 * A ReduceMean node without kept dims. It takes its axes as an attribute up to opset 17 and as an input from
 * opset 18 on, which this adds to the graph's initializers.
 */
function reduceMeanNode(
  graph: OnnxTypes.GraphProto,
  opset: number,
  names: { readonly node: string; readonly input: string; readonly result: string },
  axes: readonly number[],
): OnnxTypes.INodeProto {
  const { node: name, input, result } = names;
  if (opset < 18) {
    return {
      opType: 'ReduceMean',
      name,
      input: [input],
      output: [result],
      attribute: [intsAttribute('axes', axes), intAttribute('keepdims', 0)],
    };
  }
  const axesName = `${name}_axes`;
  const data = new Uint8Array(axes.length * 8);
  const view = new DataView(data.buffer);
  axes.forEach((axis, index) => view.setBigInt64(index * 8, BigInt(axis), true));
  graph.initializer.push(
    onnx.TensorProto.create({
      name: axesName,
      dims: [axes.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: data,
    }),
  );
  return {
    opType: 'ReduceMean',
    name,
    input: [input, axesName],
    output: [result],
    attribute: [intAttribute('keepdims', 0)],
  };
}

/** The tap as an NHWC output: transposed from NCHW, passed through from NHWC. */
function tapOutputNode(tap: Pick<GraphTap, 'tensor' | 'layout'>, index: number): OnnxTypes.INodeProto {
  const prefix = `rtk_teacher_tap_${index}`;
  return tap.layout === 'NCHW'
    ? {
        opType: 'Transpose',
        name: `${prefix}_to_nhwc`,
        input: [tap.tensor],
        output: [teacherOutputNames.tap(index)],
        attribute: [intsAttribute('perm', [0, 2, 3, 1])],
      }
    : {
        opType: 'Identity',
        name: `${prefix}_output`,
        input: [tap.tensor],
        output: [teacherOutputNames.tap(index)],
      };
}

/** The tap's channel means (B, C) and its energy map mean_c(F²) flattened to (B, H·W), in the tap's layout. */
function tapSummaryNodes(
  graph: OnnxTypes.GraphProto,
  opset: number,
  tap: Pick<GraphTap, 'tensor' | 'layout'>,
  index: number,
): OnnxTypes.INodeProto[] {
  const prefix = `rtk_teacher_tap_${index}`;
  const spatialAxes = tap.layout === 'NCHW' ? [2, 3] : [1, 2];
  const channelAxis = tap.layout === 'NCHW' ? 1 : 3;
  const channelMeans = reduceMeanNode(
    graph,
    opset,
    { node: `${prefix}_channel_means`, input: tap.tensor, result: teacherOutputNames.channelMeans(index) },
    spatialAxes,
  );
  const squares = {
    opType: 'Mul',
    name: `${prefix}_squares`,
    input: [tap.tensor, tap.tensor],
    output: [`${prefix}_squares`],
  };
  const energyMap = reduceMeanNode(
    graph,
    opset,
    { node: `${prefix}_energy_map`, input: `${prefix}_squares`, result: `${prefix}_energy_map` },
    [channelAxis],
  );
  const energy = {
    opType: 'Flatten',
    name: `${prefix}_energy`,
    input: [`${prefix}_energy_map`],
    output: [teacherOutputNames.energy(index)],
    attribute: [intAttribute('axis', 1)],
  };
  return [channelMeans, squares, energyMap, energy];
}

/**
 * The stored teacher graph with the outputs a method reads: the logits, plus for `taps` every chosen tap as
 * an NHWC map, or for `summaries` each tap's channel means (B, C) and energy map mean_c(F²) flattened to
 * (B, H·W) in row-major H, W order, computed in the tap's own layout inside the graph.
 */
export function augmentTeacherGraph(
  bytes: Uint8Array,
  logitsName: string,
  taps: readonly Pick<GraphTap, 'tensor' | 'layout'>[],
  need: TeacherGraphNeed,
): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph as OnnxTypes.GraphProto;
  const opset = modelOpset(model);
  const nodes: OnnxTypes.INodeProto[] = [
    {
      opType: 'Identity',
      name: 'rtk_teacher_logits_output',
      input: [logitsName],
      output: [teacherOutputNames.logits],
    },
  ];
  const outputs = [floatOutput(teacherOutputNames.logits)];
  taps.forEach((tap, index) => {
    if (need === 'taps') {
      nodes.push(tapOutputNode(tap, index));
      outputs.push(floatOutput(teacherOutputNames.tap(index)));
    } else if (need === 'summaries') {
      nodes.push(...tapSummaryNodes(graph, opset, tap, index));
      outputs.push(
        floatOutput(teacherOutputNames.channelMeans(index)),
        floatOutput(teacherOutputNames.energy(index)),
      );
    }
  });
  graph.node.push(...nodes.map((node) => onnx.NodeProto.create(node)));
  graph.output = outputs;
  return onnx.ModelProto.encode(model).finish();
}
