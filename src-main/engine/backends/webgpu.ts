import { describeBackbone, type BackboneSizeOptions } from '../../../src-shared/domain/backbone-catalog.js';
import type { GpuAdapter } from '../../../src-shared/contracts/engine-status.js';
import type * as Dawn from 'webgpu';
import {
  canProbeInChildProcess,
  describeGpuLibraryOutput,
  probeWebGpuAdapter,
  WebGpuProbeFailure,
} from './webgpu-probe.js';

/** Why the webgpu rung could not be used, in the words the doctor page shows. */
export class WebGpuUnavailable extends Error {
  /** The adapter that was found but declined (a software one), or null when none was found. */
  readonly adapter: GpuAdapter | null;

  constructor(message: string, adapter: GpuAdapter | null = null) {
    super(message);
    this.adapter = adapter;
  }
}

/** The message a train job shows while the first steps compile their shaders. */
export const preparingGpuKernelsMessage = 'Preparing GPU kernels (the first steps compile shaders)';

// Adapters that run on the CPU: Dawn reports SwiftShader with vendor "google", Mesa's llvmpipe/lavapipe and
// Windows' WARP ("Microsoft Basic Render Driver") are the others a machine without a GPU may offer.
const softwarePattern = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render/i;

let activeAdapter: GpuAdapter | null = null;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether an adapter is a software renderer (fallback adapter, SwiftShader, llvmpipe, WARP) rather than a GPU. */
export function isSoftwareAdapter(adapter: GpuAdapter): boolean {
  if (adapter.isFallback) return true;
  return softwarePattern.test(
    [adapter.vendor, adapter.architecture, adapter.device, adapter.description].join(' '),
  );
}

/** One line naming an adapter, for doctor, bench and logs. */
export function describeAdapter(adapter: GpuAdapter): string {
  const name = [adapter.vendor, adapter.architecture, adapter.description]
    .filter((part) => part !== '')
    .join(' / ');
  const kind = isSoftwareAdapter(adapter) ? 'software (fallback) adapter' : 'hardware adapter';
  return (
    `${name || 'unnamed adapter'}: ${kind}, max buffer ${formatMebibytes(adapter.maxBufferSize)}, ` +
    `max storage binding ${formatMebibytes(adapter.maxStorageBufferBindingSize)}`
  );
}

function formatMebibytes(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}

type DawnModule = typeof Dawn;
type Gpu = ReturnType<DawnModule['create']>;
type Adapter = NonNullable<Awaited<ReturnType<Gpu['requestAdapter']>>>;

async function importDawn(): Promise<DawnModule> {
  try {
    return await import('webgpu');
  } catch (error) {
    throw new WebGpuUnavailable(
      `not installed: the WebGPU library (the webgpu package's dawn.node) could not be loaded ` +
        `(${(messageOf(error).split('\n')[0] ?? '').trim()})`,
    );
  }
}

/** Defines `navigator.gpu` and the WebGPU constants (GPUBufferUsage, ...) that Node lacks, keeping any that exist. */
function installGlobals(dawn: DawnModule, gpu: Gpu): void {
  const scope = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in scope)) scope[name] = value;
  }
  const existing = scope['navigator'];
  if (typeof existing === 'object' && existing !== null) {
    Object.defineProperty(existing, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}

function readAdapter(adapter: Adapter): GpuAdapter {
  const info = adapter.info;
  const fallbackFlag: unknown =
    'isFallbackAdapter' in info ? info.isFallbackAdapter : Reflect.get(adapter, 'isFallbackAdapter');
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallback: fallbackFlag === true,
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}

let dawnGpu: Gpu | null = null;

const noAdapterFound = 'no WebGPU adapter: ';

/** Loads Dawn in this process, defines `navigator.gpu` and asks for the high-performance adapter. */
async function requestAdapterInProcess(): Promise<GpuAdapter> {
  if (dawnGpu === null) {
    const dawn = await importDawn();
    let gpu: Gpu;
    try {
      gpu = dawn.create([]);
    } catch (error) {
      throw new WebGpuUnavailable(`failed to start Dawn: ${messageOf(error)}`);
    }
    installGlobals(dawn, gpu);
    dawnGpu = gpu;
  }
  let adapter: Adapter | null;
  try {
    adapter = await dawnGpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    throw new WebGpuUnavailable(`${noAdapterFound}requesting one failed (${messageOf(error)})`);
  }
  if (adapter === null) {
    throw new WebGpuUnavailable(
      `${noAdapterFound}no GPU driver with Vulkan, Metal or Direct3D 12 support was found` +
        (process.platform === 'linux' ? ' (on Linux the Vulkan loader libvulkan.so.1 is needed)' : ''),
    );
  }
  return readAdapter(adapter);
}

/**
 * Finds the high-performance WebGPU adapter (the one the tfjs webgpu backend would use) and returns its
 * description. Under Node, Dawn is first asked in a short-lived process, so that on a machine without a usable
 * GPU its and the Vulkan loader's warnings become the reason instead of console noise, and Dawn is never loaded
 * here. Rejects with WebGpuUnavailable when the library or an adapter is missing.
 */
export async function requestWebGpuAdapter(): Promise<GpuAdapter> {
  if (dawnGpu !== null || !canProbeInChildProcess()) return requestAdapterInProcess();
  let adapter: GpuAdapter | null;
  let errorOutput: string;
  try {
    ({ adapter, errorOutput } = await probeWebGpuAdapter());
  } catch (error) {
    throw new WebGpuUnavailable(
      error instanceof WebGpuProbeFailure ? error.message : `the WebGPU check failed: ${messageOf(error)}`,
    );
  }
  if (adapter === null) {
    throw new WebGpuUnavailable(
      noAdapterFound +
        (describeGpuLibraryOutput(errorOutput) ??
          'no GPU driver with Vulkan, Metal or Direct3D 12 support was found'),
    );
  }
  return adapter;
}

/**
 * Makes the tfjs webgpu backend available on this machine's adapter. A software adapter is accepted only
 * when `allowSoftware` (the backend was forced); the caller then activates the 'webgpu' backend.
 */
export async function prepareWebGpu(options: { allowSoftware: boolean }): Promise<GpuAdapter> {
  const found = await requestWebGpuAdapter();
  if (isSoftwareAdapter(found) && !options.allowSoftware) {
    throw new WebGpuUnavailable(
      `only a software adapter (${found.architecture || found.vendor || found.description}): ` +
        'used only when forced (RTK_BACKEND=webgpu)',
      found,
    );
  }
  const adapter = dawnGpu === null ? await requestAdapterInProcess() : found;
  try {
    // The backend registers itself at import only when navigator.gpu exists, so this import comes last.
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (error) {
    throw new WebGpuUnavailable(
      `not installed: @tensorflow/tfjs-backend-webgpu could not be loaded (${messageOf(error)})`,
    );
  }
  activeAdapter = adapter;
  return adapter;
}

/** The adapter the webgpu backend runs on in this process, or null when webgpu was not prepared. */
export function activeWebGpuAdapter(): GpuAdapter | null {
  return activeAdapter;
}

/** Float32 byte counts of one training step, from the backbone catalog (no TensorFlow needed). */
export interface GpuMemoryEstimate {
  /** Trainable and moving weights of the student and the teacher, plus momentum buffers of the student. */
  readonly weightBytes: number;
  /** Every activation the student's forward pass keeps for the backward pass, and the teacher's outputs. */
  readonly activationBytes: number;
  /** (weights + activations) x 2: the gradients are as large as what they differentiate. */
  readonly totalBytes: number;
  /** The largest single tensor of the step: it must fit in one storage buffer. */
  readonly largestTensorBytes: number;
  /** Bytes per image of that largest tensor (it scales with the batch). */
  readonly largestTensorBytesPerImage: number;
}

/**
 * Estimates the GPU memory of one training step of `student` (and the frozen `teacher`) at `batchSize`:
 * weights, momentum, the activations kept for the backward pass, and gradients of the same size.
 */
export function estimateTrainingMemory(options: {
  readonly student: string;
  readonly teacher: string | null;
  readonly sizes: BackboneSizeOptions;
  readonly batchSize: number;
}): GpuMemoryEstimate {
  const student = describeBackbone(options.student, options.sizes);
  let weightBytes = student.float32Bytes + 4 * student.parameterCount;
  let activationBytes = 4 * student.activationValuesPerImage * options.batchSize;
  let largestPerImage = 4 * student.largestActivationPerImage;
  if (options.teacher !== null) {
    const teacher = describeBackbone(options.teacher, options.sizes);
    weightBytes += teacher.float32Bytes;
    activationBytes += 4 * teacher.activationValuesPerImage * options.batchSize;
    largestPerImage = Math.max(largestPerImage, 4 * teacher.largestActivationPerImage);
  }
  return {
    weightBytes,
    activationBytes,
    totalBytes: 2 * (weightBytes + activationBytes),
    largestTensorBytes: largestPerImage * options.batchSize,
    largestTensorBytesPerImage: largestPerImage,
  };
}

/**
 * Refuses (throws) a run whose largest tensor would not fit in one storage buffer of `adapter`; the
 * message names the largest batch size that fits.
 */
export function checkGpuMemory(estimate: GpuMemoryEstimate, batchSize: number, adapter: GpuAdapter): void {
  const bufferLimit = Math.min(adapter.maxBufferSize, adapter.maxStorageBufferBindingSize);
  if (estimate.largestTensorBytes <= bufferLimit) return;
  const suggested = Math.floor(bufferLimit / estimate.largestTensorBytesPerImage);
  const offer =
    suggested >= 1
      ? `Lower the batch size to ${suggested} or less.`
      : 'Even a batch of one image does not fit: use a smaller backbone or input size, or another backend.';
  throw new Error(
    `This run does not fit the GPU (${adapter.description || adapter.vendor || 'WebGPU adapter'}): at batch ` +
      `size ${batchSize} its largest tensor takes ${formatMebibytes(estimate.largestTensorBytes)}, more than ` +
      `the ${formatMebibytes(bufferLimit)} the adapter allows in one buffer (the whole step needs about ` +
      `${formatMebibytes(estimate.totalBytes)}). ${offer}`,
  );
}
