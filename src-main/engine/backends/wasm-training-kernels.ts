import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Pair = [number, number];
type ExplicitPadding = [Pair, Pair, Pair, Pair];

const wasm = 'wasm';

/** What tfjs passes a kernel function. */
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** Stock wasm kernels captured before ours replace any of them. */
const stockKernels = new Map<string, tf.KernelFunc>();

function stockKernel(name: string): tf.KernelFunc {
  const known = stockKernels.get(name);
  if (known !== undefined) return known;
  const config = tf.getKernel(name, wasm);
  if (config === undefined) {
    throw new Error(`The wasm backend has no '${name}' kernel; @tensorflow/tfjs-backend-wasm is not loaded.`);
  }
  stockKernels.set(name, config.kernelFunc);
  return config.kernelFunc;
}

function run(
  backend: BackendWasm,
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const result = stockKernel(name)({ inputs, backend, attrs });
  if (Array.isArray(result)) throw new Error(`wasm kernel '${name}' returned several outputs, expected one.`);
  return result;
}

function release(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

function geometry(
  inputShape: readonly number[],
  filterShape: readonly number[],
  attrs: tf.NamedAttrMap,
  depthwise = false,
): ConvGeometry | null {
  const dataFormat = attrs['dataFormat'];
  if (dataFormat !== undefined && dataFormat !== 'NHWC') return null;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs['strides'] as number | [number, number],
    1,
    attrs['pad'] as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

function conv(
  backend: BackendWasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  padding: ExplicitPadding,
  dilations: Pair,
): tf.TensorInfo {
  return run(
    backend,
    tf.Conv2D,
    { x, filter },
    { strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations, dimRoundingMode: 'floor' },
  );
}

/** A 1x1 convolution with stride 1 and no padding: every output pixel is its input pixel times the filter. */
function isPointwise(g: ConvGeometry): boolean {
  return (
    g.filterHeight === 1 &&
    g.filterWidth === 1 &&
    g.strideHeight === 1 &&
    g.strideWidth === 1 &&
    g.padTop === 0 &&
    g.padLeft === 0
  );
}

/**
 * The filter gradient of a pointwise convolution is one matrix product, xᵀ·dy over the pixels of the
 * batch; XNNPACK's plain product runs it 2 to 10 times faster than the convolution trick below.
 */
function pointwiseFilterGradient(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const pixels = g.batch * g.inHeight * g.inWidth;
  const rows = run(backend, tf.Reshape, { x }, { shape: [1, pixels, g.inChannels] });
  const columns = run(backend, tf.Transpose, { x: rows }, { perm: [0, 2, 1] });
  const gradients = run(backend, tf.Reshape, { x: dy }, { shape: [1, pixels, g.outChannels] });
  const product = run(
    backend,
    tf.BatchMatMul,
    { a: columns, b: gradients },
    { transposeA: false, transposeB: false },
  );
  const result = run(backend, tf.Reshape, { x: product }, { shape: [1, 1, g.inChannels, g.outChannels] });
  release(backend, rows, columns, gradients, product);
  return result;
}

/**
 * dW[kh,kw,ci,co] = sum over n,oh,ow of x[n, oh*s+kh-pad, ow*s+kw-pad, ci] * dy[n,oh,ow,co]: a forward
 * convolution of x viewed as [Ci, H, W, N] with dy viewed as an [OH, OW, N, Co] filter dilated by the stride.
 */
function conv2dBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const attrs = args.attrs ?? {};
  const { x, dy } = args.inputs;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs inputs x and dy.');
  const filterShape = attrs['filterShape'] as number[];
  const g = geometry(x.shape, filterShape, attrs);
  if (g === null) throw new Error('Conv2DBackpropFilter on wasm supports only NHWC data.');
  if (isPointwise(g)) return pointwiseFilterGradient(backend, x, dy, g);
  const neededHeight = (g.outHeight - 1) * g.strideHeight + g.filterHeight;
  const neededWidth = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
  const padBottom = Math.max(0, neededHeight - g.inHeight - g.padTop);
  const padRight = Math.max(0, neededWidth - g.inWidth - g.padLeft);
  const xT = run(backend, tf.Transpose, { x }, { perm: [3, 1, 2, 0] });
  const dyT = run(backend, tf.Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
  const product = conv(
    backend,
    xT,
    dyT,
    [
      [0, 0],
      [g.padTop, padBottom],
      [g.padLeft, padRight],
      [0, 0],
    ],
    [g.strideHeight, g.strideWidth],
  );
  release(backend, xT, dyT);
  let cropped = product;
  if (product.shape[1] !== g.filterHeight || product.shape[2] !== g.filterWidth) {
    cropped = copyBlock(
      backend,
      product,
      [0, 0, 0, 0],
      [g.inChannels, g.filterHeight, g.filterWidth, g.outChannels],
    );
    release(backend, product);
  }
  const result = run(backend, tf.Transpose, { x: cropped }, { perm: [1, 2, 0, 3] });
  release(backend, cropped);
  return result;
}

/**
 * Builds, from an HWIO filter, the stride-1 filter whose forward convolution over dy yields dx: for stride
 * s each output channel block (rowPhase * s + columnPhase) holds the taps of one sub-pixel phase, flipped,
 * with in/out channels swapped; depth-to-space then interleaves the phases. Stride 1 is the plain flip.
 */
function subPixelFilter(backend: BackendWasm, filter: tf.TensorInfo, stride: Pair): tf.TensorInfo {
  const [height = 0, width = 0, inChannels = 0, outChannels = 0] = filter.shape;
  const [strideHeight, strideWidth] = stride;
  const tapsHigh = Math.ceil(height / strideHeight);
  const tapsWide = Math.ceil(width / strideWidth);
  const phases = strideHeight * strideWidth;
  const result = backend.makeOutput([tapsHigh, tapsWide, outChannels, phases * inChannels], 'float32');
  // Views are taken after allocating: growing the wasm heap detaches earlier ones.
  const source = backend.typedArrayFromHeap(filter);
  const target = backend.typedArrayFromHeap(result);
  target.fill(0);
  const targetRow = outChannels * phases * inChannels;
  for (let tapRow = 0; tapRow < tapsHigh; tapRow++) {
    for (let tapColumn = 0; tapColumn < tapsWide; tapColumn++) {
      for (let rowPhase = 0; rowPhase < strideHeight; rowPhase++) {
        const kernelRow = (tapsHigh - 1 - tapRow) * strideHeight + rowPhase;
        if (kernelRow >= height) continue;
        for (let columnPhase = 0; columnPhase < strideWidth; columnPhase++) {
          const kernelColumn = (tapsWide - 1 - tapColumn) * strideWidth + columnPhase;
          if (kernelColumn >= width) continue;
          const phaseOffset = (rowPhase * strideWidth + columnPhase) * inChannels;
          const sourceBase = (kernelRow * width + kernelColumn) * inChannels * outChannels;
          const targetBase = (tapRow * tapsWide + tapColumn) * targetRow + phaseOffset;
          for (let inChannel = 0; inChannel < inChannels; inChannel++) {
            for (let outChannel = 0; outChannel < outChannels; outChannel++) {
              target[targetBase + outChannel * phases * inChannels + inChannel] =
                source[sourceBase + inChannel * outChannels + outChannel] ?? 0;
            }
          }
        }
      }
    }
  }
  return result;
}

/**
 * dx as a stride-1 forward convolution of dy: with the flipped, in/out-swapped filter for stride 1, and for
 * larger strides with one sub-pixel filter per phase followed by depth-to-space, which avoids convolving
 * the zeros of an upsampled dy.
 */
function conv2dBackpropInput(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const attrs = args.attrs ?? {};
  const { dy, filter } = args.inputs;
  if (dy === undefined || filter === undefined) {
    throw new Error('Conv2DBackpropInput needs inputs dy and filter.');
  }
  const inputShape = attrs['inputShape'] as number[];
  const g = geometry(inputShape, filter.shape, attrs);
  const supported =
    g !== null &&
    g.strideHeight === g.strideWidth &&
    g.padTop <= g.filterHeight - 1 &&
    g.padLeft <= g.filterWidth - 1 &&
    dy.dtype === 'float32';
  if (!supported) return run(backend, tf.Conv2DBackpropInput, { dy, filter }, attrs);
  const subFilter = subPixelFilter(backend, filter, [g.strideHeight, g.strideWidth]);
  const [tapsHigh = 0, tapsWide = 0] = subFilter.shape;
  // Rows of the phase grid: dx row i comes from grid row floor((i + padTop) / stride).
  const gridHeight = g.strideHeight === 1 ? g.inHeight : Math.ceil((g.inHeight + g.padTop) / g.strideHeight);
  const gridWidth = g.strideWidth === 1 ? g.inWidth : Math.ceil((g.inWidth + g.padLeft) / g.strideWidth);
  const padTop = g.strideHeight === 1 ? tapsHigh - 1 - g.padTop : tapsHigh - 1;
  const padLeft = g.strideWidth === 1 ? tapsWide - 1 - g.padLeft : tapsWide - 1;
  const padBottom = Math.max(0, gridHeight + tapsHigh - 1 - padTop - g.outHeight);
  const padRight = Math.max(0, gridWidth + tapsWide - 1 - padLeft - g.outWidth);
  const grid = conv(
    backend,
    dy,
    subFilter,
    [
      [0, 0],
      [padTop, padBottom],
      [padLeft, padRight],
      [0, 0],
    ],
    [1, 1],
  );
  release(backend, subFilter);
  let spread = grid;
  if (g.strideHeight > 1) {
    // Depth-to-space as reshape-transpose-reshape: the stock DepthToSpace kernel is far slower.
    const stride = g.strideHeight;
    const phased = run(
      backend,
      tf.Reshape,
      { x: grid },
      { shape: [g.batch, gridHeight, gridWidth, stride, stride, g.inChannels] },
    );
    const interleaved = run(backend, tf.Transpose, { x: phased }, { perm: [0, 1, 3, 2, 4, 5] });
    spread = run(
      backend,
      tf.Reshape,
      { x: interleaved },
      { shape: [g.batch, gridHeight * stride, gridWidth * stride, g.inChannels] },
    );
    release(backend, grid, phased, interleaved);
  }
  const offsetTop = g.strideHeight === 1 ? 0 : g.padTop;
  const offsetLeft = g.strideWidth === 1 ? 0 : g.padLeft;
  if (
    offsetTop === 0 &&
    offsetLeft === 0 &&
    spread.shape[1] === g.inHeight &&
    spread.shape[2] === g.inWidth
  ) {
    return spread;
  }
  const cropped = copyBlock(
    backend,
    spread,
    [0, offsetTop, offsetLeft, 0],
    [g.batch, g.inHeight, g.inWidth, g.inChannels],
  );
  release(backend, spread);
  return cropped;
}

function depthwise(
  backend: BackendWasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  padding: ExplicitPadding,
  dilations: Pair,
): tf.TensorInfo {
  return run(
    backend,
    tf.DepthwiseConv2dNative,
    { x, filter },
    { strides: [1, 1], pad: padding, dilations, dimRoundingMode: 'floor' },
  );
}

/**
 * The geometry of a depthwise convolution whose gradient the kernels below compute: NHWC, channel
 * multiplier 1, no dilation. Anything else throws: the stock wasm backend has no depthwise gradient to
 * fall back on, and the catalog's backbones never need one.
 */
function depthwiseGeometry(
  kernelName: string,
  inputShape: readonly number[],
  filterShape: readonly number[],
  attrs: tf.NamedAttrMap,
): ConvGeometry {
  const dilations = attrs['dilations'] as number | Pair | undefined;
  const dilated = Array.isArray(dilations) ? dilations.some((value) => value !== 1) : (dilations ?? 1) !== 1;
  const g = geometry(inputShape, filterShape, attrs, true);
  if (g === null || dilated || filterShape[3] !== 1) {
    throw new Error(
      `${kernelName} on wasm supports NHWC data, channel multiplier 1 and no dilation; found filter ` +
        `${JSON.stringify(filterShape)}, dilations ${JSON.stringify(dilations)}.`,
    );
  }
  if (g.padTop > g.filterHeight - 1 || g.padLeft > g.filterWidth - 1) {
    throw new Error(`${kernelName} on wasm supports padding smaller than the filter, found ${g.padTop}.`);
  }
  return g;
}

/**
 * dy spread on the stride grid: row o of dy becomes row o·stride, zeros between, so that a stride-1
 * convolution of it computes what the strided forward convolution's transpose does.
 */
function strideSpread(backend: BackendWasm, dy: tf.TensorInfo, stride: Pair): tf.TensorInfo {
  const [batch = 0, height = 0, width = 0, channels = 0] = dy.shape;
  const [strideHeight, strideWidth] = stride;
  const spreadHeight = (height - 1) * strideHeight + 1;
  const spreadWidth = (width - 1) * strideWidth + 1;
  const out = backend.makeOutput([batch, spreadHeight, spreadWidth, channels], 'float32');
  // Views are taken after allocating: growing the wasm heap detaches earlier ones.
  const source = backend.typedArrayFromHeap(dy);
  const target = backend.typedArrayFromHeap(out);
  target.fill(0);
  for (let image = 0; image < batch; image++) {
    for (let row = 0; row < height; row++) {
      const targetRow = (image * spreadHeight + row * strideHeight) * spreadWidth;
      const sourceRow = (image * height + row) * width;
      for (let column = 0; column < width; column++) {
        const from = (sourceRow + column) * channels;
        target.set(source.subarray(from, from + channels), (targetRow + column * strideWidth) * channels);
      }
    }
  }
  return out;
}

/** A depthwise filter [KH, KW, C, 1] turned by 180 degrees. */
function flippedDepthwiseFilter(backend: BackendWasm, filter: tf.TensorInfo): tf.TensorInfo {
  const [height = 0, width = 0, channels = 0] = filter.shape;
  const out = backend.makeOutput([height, width, channels, 1], 'float32');
  const source = backend.typedArrayFromHeap(filter);
  const target = backend.typedArrayFromHeap(out);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const from = ((height - 1 - row) * width + (width - 1 - column)) * channels;
      target.set(source.subarray(from, from + channels), (row * width + column) * channels);
    }
  }
  return out;
}

/**
 * dx of a depthwise convolution (multiplier 1): a stride-1 depthwise convolution, with the flipped filter,
 * of dy spread on the stride grid.
 */
function depthwiseBackpropInput(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const attrs = args.attrs ?? {};
  const { dy, filter } = args.inputs;
  if (dy === undefined || filter === undefined) {
    throw new Error('DepthwiseConv2dNativeBackpropInput needs inputs dy and filter.');
  }
  const inputShape = attrs['inputShape'] as number[];
  const g = depthwiseGeometry(tf.DepthwiseConv2dNativeBackpropInput, inputShape, filter.shape, attrs);
  const strided = g.strideHeight > 1 || g.strideWidth > 1;
  const spread = strided ? strideSpread(backend, dy, [g.strideHeight, g.strideWidth]) : dy;
  const flipped = flippedDepthwiseFilter(backend, filter);
  const [, spreadHeight = 0, spreadWidth = 0] = spread.shape;
  const padTop = g.filterHeight - 1 - g.padTop;
  const padLeft = g.filterWidth - 1 - g.padLeft;
  const padBottom = Math.max(0, g.inHeight - spreadHeight + g.filterHeight - 1 - padTop);
  const padRight = Math.max(0, g.inWidth - spreadWidth + g.filterWidth - 1 - padLeft);
  const result = depthwise(
    backend,
    spread,
    flipped,
    [
      [0, 0],
      [padTop, padBottom],
      [padLeft, padRight],
      [0, 0],
    ],
    [1, 1],
  );
  release(backend, flipped, ...(strided ? [spread] : []));
  if (result.shape[1] === g.inHeight && result.shape[2] === g.inWidth) return result;
  const cropped = copyBlock(backend, result, [0, 0, 0, 0], [g.batch, g.inHeight, g.inWidth, g.inChannels]);
  release(backend, result);
  return cropped;
}

/**
 * dW[kh,kw,c] = sum over n,oh,ow of x[n, oh*s+kh-pad, ow*s+kw-pad, c] * dy[n,oh,ow,c]: one depthwise
 * convolution that treats every (channel, image) pair as a channel, x viewed as [1, H, W, C·N] and dy as
 * an [OH, OW, C·N, 1] filter dilated by the stride, then a sum over the images.
 */
function depthwiseBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const attrs = args.attrs ?? {};
  const { x, dy } = args.inputs;
  if (x === undefined || dy === undefined) {
    throw new Error('DepthwiseConv2dNativeBackpropFilter needs inputs x and dy.');
  }
  const filterShape = attrs['filterShape'] as number[];
  const g = depthwiseGeometry(tf.DepthwiseConv2dNativeBackpropFilter, x.shape, filterShape, attrs);
  const pairs = g.inChannels * g.batch;
  const xT = run(backend, tf.Transpose, { x }, { perm: [1, 2, 3, 0] });
  const dyT = run(backend, tf.Transpose, { x: dy }, { perm: [1, 2, 3, 0] });
  const xView = run(backend, tf.Reshape, { x: xT }, { shape: [1, g.inHeight, g.inWidth, pairs] });
  const dyView = run(backend, tf.Reshape, { x: dyT }, { shape: [g.outHeight, g.outWidth, pairs, 1] });
  const neededHeight = (g.outHeight - 1) * g.strideHeight + g.filterHeight;
  const neededWidth = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
  const product = depthwise(
    backend,
    xView,
    dyView,
    [
      [0, 0],
      [g.padTop, Math.max(0, neededHeight - g.inHeight - g.padTop)],
      [g.padLeft, Math.max(0, neededWidth - g.inWidth - g.padLeft)],
      [0, 0],
    ],
    [g.strideHeight, g.strideWidth],
  );
  release(backend, xT, dyT, xView, dyView);
  let cropped = product;
  if (product.shape[1] !== g.filterHeight || product.shape[2] !== g.filterWidth) {
    cropped = copyBlock(backend, product, [0, 0, 0, 0], [1, g.filterHeight, g.filterWidth, pairs]);
    release(backend, product);
  }
  const perImage = run(
    backend,
    tf.Reshape,
    { x: cropped },
    { shape: [g.filterHeight * g.filterWidth * g.inChannels, g.batch] },
  );
  const summed = run(backend, tf.Sum, { x: perImage }, { axis: [1], keepDims: false });
  const result = run(
    backend,
    tf.Reshape,
    { x: summed },
    { shape: [g.filterHeight, g.filterWidth, g.inChannels, 1] },
  );
  release(backend, cropped, perImage, summed);
  return result;
}

/**
 * Identity sharing the input's data, as the cpu backend does; the stock wasm one copies, and the engine
 * clones every tensor it saves for the backward pass. Safe because no wasm kernel writes in place.
 */
function identity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs;
  if (x === undefined) throw new Error('Identity needs input x.');
  if (x.dtype === 'string') return run(backend, tf.Identity, { x });
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** A cast to the dtype a tensor already has shares its data instead of copying it. */
function cast(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  if (x === undefined) throw new Error('Cast needs input x.');
  if (x.dtype === args.attrs?.['dtype'] && x.dtype !== 'string') return identity(args);
  return run(args.backend as BackendWasm, tf.Cast, { x }, args.attrs ?? {});
}

/** How many leading axes `axes` reduces when they are exactly 0..k-1, else 0. */
function leadingAxesCount(axisAttr: unknown, rank: number): number {
  const axes = tf.util.parseAxisParam(axisAttr as number | number[], new Array<number>(rank).fill(1));
  const sorted = [...axes].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.length === rank) return 0;
  return sorted.every((axis, index) => axis === index) ? sorted.length : 0;
}

/**
 * Sum or mean over the leading axes of a float32 tensor as one XNNPACK average pooling over a [1, R, 1, C]
 * view: the stock kernels first transpose the reduced axes to the end, which costs several times more.
 */
function reduceLeading(args: KernelArgs, kernelName: typeof tf.Sum | typeof tf.Mean): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const attrs = args.attrs ?? {};
  const { x } = args.inputs;
  if (x === undefined) throw new Error(`${kernelName} needs input x.`);
  const count = x.dtype === 'float32' ? leadingAxesCount(attrs['axis'], x.shape.length) : 0;
  const outerSize = x.shape.slice(0, count).reduce((a, b) => a * b, 1);
  if (count === 0 || outerSize === 0) return run(backend, kernelName, { x }, attrs);
  const innerShape = x.shape.slice(count);
  const innerSize = innerShape.reduce((a, b) => a * b, 1);
  const column = run(backend, tf.Reshape, { x }, { shape: [1, outerSize, 1, innerSize] });
  let reduced = run(
    backend,
    tf.AvgPool,
    { x: column },
    { filterSize: [outerSize, 1], strides: [1, 1], pad: 'valid' },
  );
  release(backend, column);
  if (kernelName === tf.Sum) {
    const factor = run(backend, tf.Fill, {}, { shape: [], value: outerSize, dtype: 'float32' });
    const mean = reduced;
    reduced = run(backend, tf.Multiply, { a: mean, b: factor });
    release(backend, mean, factor);
  }
  const outShape =
    attrs['keepDims'] === true ? [...new Array<number>(count).fill(1), ...innerShape] : innerShape;
  const result = run(backend, tf.Reshape, { x: reduced }, { shape: outShape });
  release(backend, reduced);
  return result;
}

/**
 * FusedBatchNorm gradient for per-channel (rank-1) statistics written with broadcasting and per-channel
 * sums: the stock one tiles 1/sqrt(variance) to the full input shape, which dominates a wasm training step.
 * Any other shape falls back to the stock gradient.
 */
function batchNormGradient(stock: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: tf.FusedBatchNorm,
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x, mean, variance, scale] = saved;
      const gradient = Array.isArray(dy) ? dy[0] : dy;
      const perChannel =
        x !== undefined &&
        mean !== undefined &&
        variance !== undefined &&
        gradient !== undefined &&
        mean.rank === 1 &&
        variance.rank === 1 &&
        (scale === undefined || scale === null || scale.rank === 1);
      if (!perChannel) return stock.gradFunc(dy, saved, attrs);
      const epsilon = attrs['varianceEpsilon'] as number;
      const reductionAxes = x.shape.slice(0, -1).map((_, index) => index);
      // The tape runs each input's closure in its own tidy, so what they share is computed here, once;
      // the full-size temporaries die inside this tidy and only per-channel vectors outlive it.
      const shared = tf.tidy(() => {
        const reciprocalStd = tf.rsqrt(tf.add(variance, epsilon));
        return {
          reciprocalStd,
          scaled: scale === undefined || scale === null ? reciprocalStd : tf.mul(reciprocalStd, scale),
          sumDy: tf.sum(gradient, reductionAxes),
          sumDyCentered: tf.sum(tf.mul(gradient, tf.sub(x, mean)), reductionAxes),
        };
      });
      const { reciprocalStd, scaled, sumDy, sumDyCentered } = shared;
      return {
        x: () => tf.mul(gradient, scaled),
        mean: () => tf.neg(tf.mul(sumDy, scaled)),
        variance: () => tf.mul(tf.mul(sumDyCentered, scaled), tf.mul(tf.square(reciprocalStd), -0.5)),
        scale: () => tf.mul(sumDyCentered, reciprocalStd),
        offset: () => tf.clone(sumDy),
      };
    },
  };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/**
 * The channel count when `small` broadcasts against `large` along the last axis only (a per-channel
 * vector), else 0.
 */
function channelBroadcast(large: tf.TensorInfo, small: tf.TensorInfo): number {
  const channels = large.shape[large.shape.length - 1] ?? 0;
  const perChannel =
    large.dtype === 'float32' &&
    small.dtype === 'float32' &&
    large.shape.length >= 2 &&
    channels > 0 &&
    small.shape.length <= large.shape.length &&
    small.shape[small.shape.length - 1] === channels &&
    sizeOf(small.shape) === channels &&
    sizeOf(large.shape) > channels;
  return perChannel ? channels : 0;
}

function filled(backend: BackendWasm, shape: number[], value: number): tf.TensorInfo {
  return run(backend, tf.Fill, {}, { shape, value, dtype: 'float32' });
}

/** Per-channel vector made in JavaScript from small per-channel inputs. */
function vectorFrom(backend: BackendWasm, values: Float32Array): tf.TensorInfo {
  const out = backend.makeOutput([values.length], 'float32');
  backend.typedArrayFromHeap(out).set(values);
  return out;
}

/** A rank-1 copy: FusedDepthwiseConv2D checks the bias's stored shape, which a reshape does not change. */
function flatCopy(backend: BackendWasm, vector: tf.TensorInfo): tf.TensorInfo {
  const out = backend.makeOutput([sizeOf(vector.shape)], 'float32');
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(vector));
  return out;
}

/**
 * large * factor + bias with per-channel factor and bias (null: 1 and 0), as an XNNPACK 1x1 depthwise
 * convolution: several times faster than the stock broadcasting binary kernels, and exact for a product.
 */
function channelAffine(
  backend: BackendWasm,
  large: tf.TensorInfo,
  factor: tf.TensorInfo | null,
  bias: tf.TensorInfo | null,
): tf.TensorInfo {
  const channels = large.shape[large.shape.length - 1] ?? 1;
  const view = run(
    backend,
    tf.Reshape,
    { x: large },
    { shape: [1, 1, sizeOf(large.shape) / channels, channels] },
  );
  const filter =
    factor === null
      ? filled(backend, [1, 1, channels, 1], 1)
      : run(backend, tf.Reshape, { x: factor }, { shape: [1, 1, channels, 1] });
  const vector = bias === null ? null : flatCopy(backend, bias);
  const inputs: tf.NamedTensorInfoMap =
    vector === null ? { x: view, filter } : { x: view, filter, bias: vector };
  const product = run(backend, tf.FusedDepthwiseConv2D, inputs, {
    strides: [1, 1],
    pad: 'valid',
    dilations: [1, 1],
    dataFormat: 'NHWC',
    activation: 'linear',
    leakyreluAlpha: 0,
  });
  release(backend, view, filter, ...(vector === null ? [] : [vector]));
  const result = run(backend, tf.Reshape, { x: product }, { shape: [...large.shape] });
  release(backend, product);
  return result;
}

type BinaryName = typeof tf.Multiply | typeof tf.Add | typeof tf.Sub;

/** Multiply, Add and Sub of a tensor with a per-channel vector go through `channelAffine`. */
function channelBinary(args: KernelArgs, kernelName: BinaryName): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { a, b } = args.inputs;
  if (a === undefined || b === undefined) throw new Error(`${kernelName} needs inputs a and b.`);
  const smallIsB = channelBroadcast(a, b) > 0;
  const smallIsA = !smallIsB && channelBroadcast(b, a) > 0;
  if (!smallIsB && !smallIsA) return run(backend, kernelName, { a, b });
  const large = smallIsB ? a : b;
  const small = smallIsB ? b : a;
  if (kernelName === tf.Multiply) return channelAffine(backend, large, small, null);
  if (kernelName === tf.Add) return channelAffine(backend, large, null, small);
  if (smallIsB) {
    const negated = run(backend, tf.Neg, { x: small });
    const result = channelAffine(backend, large, null, negated);
    release(backend, negated);
    return result;
  }
  const minusOne = filled(backend, [small.shape[small.shape.length - 1] ?? 1], -1);
  const result = channelAffine(backend, large, minusOne, small);
  release(backend, minusOne);
  return result;
}

/** FusedBatchNorm with per-channel statistics as two fast passes: (x - mean), then * scale/std + offset. */
function batchNorm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const attrs = args.attrs ?? {};
  const { x, mean, variance, offset, scale } = args.inputs;
  if (x === undefined || mean === undefined || variance === undefined) {
    throw new Error('FusedBatchNorm needs inputs x, mean and variance.');
  }
  const perChannel = [mean, variance, offset, scale].every(
    (input) => input === undefined || channelBroadcast(x, input) > 0,
  );
  if (!perChannel) return run(backend, tf.FusedBatchNorm, args.inputs, attrs);
  const epsilon = (attrs['varianceEpsilon'] as number | undefined) ?? 0.001;
  const variances = backend.typedArrayFromHeap(variance);
  const scales = scale === undefined ? null : backend.typedArrayFromHeap(scale);
  const factors = new Float32Array(variances.length);
  for (let channel = 0; channel < factors.length; channel++) {
    factors[channel] = (scales?.[channel] ?? 1) / Math.sqrt((variances[channel] ?? 0) + epsilon);
  }
  const factor = vectorFrom(backend, factors);
  const negatedMean = run(backend, tf.Neg, { x: mean });
  const centered = channelAffine(backend, x, null, negatedMean);
  const result = channelAffine(backend, centered, factor, offset ?? null);
  release(backend, factor, negatedMean, centered);
  return result;
}

/**
 * Sum and Mean gradients that broadcast dy with a Fill kernel: the stock ones build a full-size array of
 * ones in JavaScript and upload it on every call, about a tenth of a wasm training step.
 */
function reductionGradient(kernelName: typeof tf.Sum | typeof tf.Mean): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x] = saved;
      const gradient = Array.isArray(dy) ? dy[0] : dy;
      if (x === undefined || gradient === undefined)
        throw new Error(`${kernelName} gradient needs x and dy.`);
      const axes = tf.util.parseAxisParam(attrs['axis'] as number | number[], x.shape);
      const expandedShape = x.shape.map((size, axis) => (axes.includes(axis) ? 1 : size));
      const reduceSize = axes.reduce((product, axis) => product * (x.shape[axis] ?? 1), 1);
      const weight = kernelName === tf.Mean ? 1 / reduceSize : 1;
      return { x: () => tf.mul(tf.fill(x.shape, weight, 'float32'), tf.reshape(gradient, expandedShape)) };
    },
  };
}

const copyDtypes = new Set<tf.DataType>(['float32', 'int32', 'bool']);

/**
 * The block of x that starts at `begin` and has shape `size`, copied straight between wasm heap views.
 * The stock Slice first copies all of x out of the heap (readSync), and Unpack and SplitV slice once per
 * output, so splitting a tensor in n cost n copies of the whole of it.
 */
function copyBlock(
  backend: BackendWasm,
  x: tf.TensorInfo,
  begin: readonly number[],
  size: readonly number[],
): tf.TensorInfo {
  const out = backend.makeOutput([...size], x.dtype);
  if (sizeOf(size) === 0) return out;
  // Views taken after makeOutput, which may grow (and so move) the heap.
  const input = backend.typedArrayFromHeap(x);
  const output = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let axis = rank - 2; axis >= 0; axis -= 1) {
    strides[axis] = (strides[axis + 1] ?? 1) * (x.shape[axis + 1] ?? 1);
  }
  // Trailing axes taken whole join one contiguous run per position of the axes before them.
  let inner = rank - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === x.shape[inner]) inner -= 1;
  const runLength = (size[inner] ?? 1) * (strides[inner] ?? 1);
  const position = new Array<number>(inner).fill(0);
  const runs = sizeOf(size.slice(0, inner));
  for (let runIndex = 0, outputOffset = 0; runIndex < runs; runIndex += 1, outputOffset += runLength) {
    let inputOffset = (begin[inner] ?? 0) * (strides[inner] ?? 1);
    for (let axis = 0; axis < inner; axis += 1) {
      inputOffset += ((begin[axis] ?? 0) + (position[axis] ?? 0)) * (strides[axis] ?? 1);
    }
    if (runLength < 16) {
      for (let offset = 0; offset < runLength; offset += 1) {
        output[outputOffset + offset] = input[inputOffset + offset] ?? 0;
      }
    } else {
      output.set(input.subarray(inputOffset, inputOffset + runLength), outputOffset);
    }
    for (let axis = inner - 1; axis >= 0; axis -= 1) {
      position[axis] = (position[axis] ?? 0) + 1;
      if ((position[axis] ?? 0) < (size[axis] ?? 0)) break;
      position[axis] = 0;
    }
  }
  return out;
}

function slice(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const attrs = args.attrs ?? {};
  const { x } = args.inputs;
  if (x === undefined) throw new Error('Slice needs input x.');
  if (!copyDtypes.has(x.dtype)) return run(backend, tf.Slice, { x }, attrs);
  const [begin, size] = tf.slice_util.parseSliceParams(
    x,
    attrs['begin'] as number[],
    attrs['size'] as number[],
  );
  if (begin === undefined || size === undefined) throw new Error('Slice needs begin and size.');
  // A slice of the whole tensor (Cropping2D slices an axis it keeps whole) shares the data.
  if (begin.every((start) => start === 0) && size.every((length, axis) => length === x.shape[axis])) {
    return identity(args);
  }
  return copyBlock(backend, x, begin, size);
}

function unpack(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const { value } = args.inputs;
  if (value === undefined) throw new Error('Unpack needs input value.');
  const rank = value.shape.length;
  const requested = (args.attrs?.['axis'] as number | undefined) ?? 0;
  const axis = requested < 0 ? requested + rank : requested;
  const size = [...value.shape];
  size[axis] = 1;
  const outputShape = value.shape.filter((_, index) => index !== axis);
  return Array.from({ length: value.shape[axis] ?? 0 }, (_, index) => {
    const begin = new Array<number>(rank).fill(0);
    begin[axis] = index;
    const block = copyBlock(backend, value, begin, size);
    return { dataId: block.dataId, dtype: block.dtype, shape: outputShape };
  });
}

function splitV(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const attrs = args.attrs ?? {};
  const { x } = args.inputs;
  if (x === undefined) throw new Error('SplitV needs input x.');
  const axis = tf.util.parseAxisParam(attrs['axis'] as number, x.shape)[0] ?? 0;
  const sizes = tf.backend_util.prepareSplitSize(x, attrs['numOrSizeSplits'] as number | number[], axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((length) => {
    const size = [...x.shape];
    size[axis] = length;
    const block = copyBlock(backend, x, begin, size);
    begin[axis] = (begin[axis] ?? 0) + length;
    return block;
  });
}

/** Stock wasm kernels that ours call. */
const usedStockKernels = [
  tf.AvgPool,
  tf.BatchMatMul,
  tf.Cast,
  tf.Conv2D,
  tf.Conv2DBackpropInput,
  tf.DepthwiseConv2dNative,
  tf.Fill,
  tf.FusedBatchNorm,
  tf.FusedDepthwiseConv2D,
  tf.Identity,
  tf.Mean,
  tf.Multiply,
  tf.Add,
  tf.Sub,
  tf.Neg,
  tf.Reshape,
  tf.Slice,
  tf.Sum,
  tf.Transpose,
];

function swapLastAxes(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array.from({ length: rank - 2 }, (_, axis) => axis), rank - 1, rank - 2];
  return run(backend, tf.Transpose, { x }, { perm });
}

/**
 * XNNPACK's product with a transposed operand is 10–15x slower than an explicit transpose followed by a
 * plain product, and the MatMul gradient asks for exactly those transposed forms.
 */
function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { a, b } = args.inputs;
  const attrs = args.attrs ?? {};
  if (a === undefined || b === undefined) throw new Error('BatchMatMul needs inputs a and b.');
  const transposeA = attrs['transposeA'] === true;
  const transposeB = attrs['transposeB'] === true;
  if (!transposeA && !transposeB) return run(backend, tf.BatchMatMul, { a, b }, attrs);
  const left = transposeA ? swapLastAxes(backend, a) : a;
  const right = transposeB ? swapLastAxes(backend, b) : b;
  const result = run(
    backend,
    tf.BatchMatMul,
    { a: left, b: right },
    { ...attrs, transposeA: false, transposeB: false },
  );
  if (transposeA) release(backend, left);
  if (transposeB) release(backend, right);
  return result;
}

function replaceKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  const stock = tf.getKernel(kernelName, wasm);
  if (stock !== undefined) tf.unregisterKernel(kernelName, wasm);
  // The stock set-up binds the kernel's wasm function for each new backend instance (a restarted or
  // re-threaded wasm module); the stock kernel our replacement calls would otherwise call into the old one.
  tf.registerKernel({
    kernelName,
    backendName: wasm,
    kernelFunc,
    ...(stock?.setupFunc !== undefined ? { setupFunc: stock.setupFunc } : {}),
    ...(stock?.disposeFunc !== undefined ? { disposeFunc: stock.disposeFunc } : {}),
  });
}

let registered = false;

/**
 * Registers the training kernels on the wasm backend (idempotent; call after the wasm backend is loaded).
 * The FusedBatchNorm gradient it installs is global but falls back to the stock one outside the
 * per-channel case, and is exact on every backend.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const kernelName of usedStockKernels) stockKernel(kernelName);
  replaceKernel(tf.Conv2DBackpropFilter, conv2dBackpropFilter);
  replaceKernel(tf.Conv2DBackpropInput, conv2dBackpropInput);
  replaceKernel(tf.DepthwiseConv2dNativeBackpropInput, depthwiseBackpropInput);
  replaceKernel(tf.DepthwiseConv2dNativeBackpropFilter, depthwiseBackpropFilter);
  replaceKernel(tf.FusedBatchNorm, batchNorm);
  replaceKernel(tf.Identity, identity);
  replaceKernel(tf.Cast, cast);
  replaceKernel(tf.BatchMatMul, batchMatMul);
  replaceKernel(tf.Slice, slice);
  replaceKernel(tf.Unpack, unpack);
  replaceKernel(tf.SplitV, splitV);
  for (const kernelName of [tf.Sum, tf.Mean] as const) {
    replaceKernel(kernelName, (args) => reduceLeading(args, kernelName));
  }
  for (const kernelName of [tf.Multiply, tf.Add, tf.Sub] as const) {
    replaceKernel(kernelName, (args) => channelBinary(args, kernelName));
  }
  tf.registerGradient(batchNormGradient(tf.getGradient(tf.FusedBatchNorm)));
  tf.registerGradient(reductionGradient(tf.Sum));
  tf.registerGradient(reductionGradient(tf.Mean));
  registered = true;
}
