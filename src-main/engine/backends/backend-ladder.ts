import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  backendNames,
  backendNameSchema,
  type BackendAttempt,
  type BackendName,
  type EngineStatus,
  type GpuAdapter,
} from '../../../src-shared/contracts/engine-status.js';
import { engineNames } from '../../../src-shared/domain/engine-names.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';
import {
  installThreadedWasmBackend,
  requestedWasmThreads,
  uninstallThreadedWasmBackend,
  wasmThreadsEnvironmentVariable,
} from './wasm-threads.js';
import { prepareWebGpu, WebGpuUnavailable } from './webgpu.js';

const require = createRequire(import.meta.url);

/** The environment variable that forces a backend when the caller does not. */
export const backendEnvironmentVariable = 'RTK_BACKEND';

const nativePackages = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

const notDownloaded = 'not installed: libtensorflow could not be downloaded when the workbench was installed';

/** A rung that could not be used, with the sentence the doctor page shows. */
class RungFailure extends Error {}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

/**
 * Turns a native-module load error into a short reason: the missing shared library when the dynamic
 * loader names one ("libcudnn.so.8 not found"), otherwise the loader's first line.
 */
export function describeNativeLoadError(error: unknown): string {
  const message = messageOf(error);
  const linux = /([\w.+-]+\.so(?:\.[\w.]+)?): cannot open shared object file/.exec(message);
  if (linux?.[1] !== undefined) return `${linux[1]} not found`;
  const mac = /Library not loaded: (?:@rpath\/)?(\S+)/.exec(message);
  if (mac?.[1] !== undefined) return `${path.basename(mac[1])} not found`;
  const undefinedSymbol = /undefined symbol: (\S+)/.exec(message);
  if (undefinedSymbol?.[1] !== undefined) {
    return `incompatible native library: symbol ${undefinedSymbol[1]} is missing`;
  }
  if (/The specified module could not be found/i.test(message)) {
    return 'a DLL it needs was not found (on Windows, tensorflow.dll or the CUDA/cuDNN DLLs)';
  }
  return `failed to load: ${message.split('\n')[0] ?? message}`;
}

/**
 * Validates a backend name coming from outside (an option or RTK_BACKEND); null when none is given.
 */
export function parseBackendName(value: string | undefined | null, source: string): BackendName | null {
  if (value === undefined || value === null || value.trim() === '') return null;
  const parsed = backendNameSchema.safeParse(value.trim());
  if (!parsed.success) {
    throw new Error(
      `${source} is '${value}', which is not a backend name; valid names are: ${backendNames.join(', ')}.`,
    );
  }
  return parsed.data;
}

function packageDirectory(packageName: string): string | null {
  try {
    return path.dirname(require.resolve(`${packageName}/package.json`));
  } catch {
    return null;
  }
}

/** Where node-pre-gyp would look for the package's native addon (lib/napi-vN/tfjs_binding.node). */
function nativeAddonPath(directory: string): string {
  const manifest: unknown = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8'));
  const binary =
    typeof manifest === 'object' && manifest !== null && 'binary' in manifest ? manifest.binary : undefined;
  const declared =
    typeof binary === 'object' && binary !== null && 'napi_versions' in binary ? binary.napi_versions : [];
  const supported = Number(process.versions.napi ?? '0');
  const versions = (Array.isArray(declared) ? declared : [])
    .filter((version): version is number => typeof version === 'number' && version <= supported)
    .sort((a, b) => b - a);
  const version = versions[0] ?? supported;
  return path.join(directory, 'lib', `napi-v${version}`, 'tfjs_binding.node');
}

/**
 * Why a native TensorFlow package in `directory` (null: not installed) cannot be used, or null when its
 * addon is present and loads.
 */
export function nativePackageProblem(packageName: string, directory: string | null): string | null {
  if (directory === null) return `${notDownloaded} (the optional package ${packageName} is absent)`;
  const addon = nativeAddonPath(directory);
  if (!existsSync(addon)) return `${notDownloaded} (no native addon at ${addon})`;
  try {
    // Loading the addon first means a missing libtensorflow or CUDA library is reported by name, before the
    // package registers kernels for a backend that cannot run.
    require(addon);
    return null;
  } catch (error) {
    return describeNativeLoadError(error);
  }
}

function checkNativePackage(name: 'tensorflow-gpu' | 'tensorflow'): void {
  const packageName = nativePackages[name];
  const problem = nativePackageProblem(packageName, packageDirectory(packageName));
  if (problem !== null) throw new RungFailure(problem);
}

async function loadNative(name: 'tensorflow-gpu' | 'tensorflow'): Promise<void> {
  checkNativePackage(name);
  const specifier: string = nativePackages[name];
  try {
    await import(specifier);
  } catch (error) {
    throw new RungFailure(describeNativeLoadError(error));
  }
  await activate('tensorflow');
}

/** The folder holding the wasm backend's .wasm files, with a trailing separator as setWasmPaths wants. */
export function wasmBinaryDirectory(): string {
  const main = require.resolve('@tensorflow/tfjs-backend-wasm');
  const directory = path.dirname(main);
  if (!existsSync(path.join(directory, 'tfjs-backend-wasm.wasm'))) {
    throw new RungFailure(`the wasm binaries are missing from ${directory}`);
  }
  return `${directory}${path.sep}`;
}

/**
 * Starts the wasm backend, threaded when more than one thread is asked for and the runtime allows it.
 * Returns what the status report says about threads.
 */
async function loadWasm(threads: number): Promise<string> {
  let setWasmPaths: (prefix: string) => void;
  let getThreadsCount: () => number;
  try {
    ({ setWasmPaths, getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm'));
  } catch (error) {
    throw new RungFailure(
      `not installed: @tensorflow/tfjs-backend-wasm could not be loaded (${messageOf(error)})`,
    );
  }
  const binaryDirectory = wasmBinaryDirectory();
  let singleThreadReason =
    process.env[wasmThreadsEnvironmentVariable] === undefined
      ? 'this machine has one core'
      : `${wasmThreadsEnvironmentVariable} is 1`;
  if (threads > 1) {
    try {
      if (!(await flag('WASM_HAS_SIMD_SUPPORT'))) throw new Error('WebAssembly SIMD is not supported here');
      await installThreadedWasmBackend(threads, binaryDirectory);
      await activate('wasm');
      registerWasmTrainingKernels();
      return `${getThreadsCount()} threads`;
    } catch (error) {
      singleThreadReason = `threads failed to start: ${messageOf(error)}`;
    }
  }
  uninstallThreadedWasmBackend();
  setWasmPaths(binaryDirectory);
  await activate('wasm');
  registerWasmTrainingKernels();
  return `1 thread, ${singleThreadReason}`;
}

async function activate(backendName: string): Promise<void> {
  let ready: boolean;
  try {
    ready = await tf.setBackend(backendName);
  } catch (error) {
    throw new RungFailure(`failed to start: ${messageOf(error)}`);
  }
  if (!ready || tf.getBackend() !== backendName)
    throw new RungFailure('failed to start: tfjs refused the backend');
}

/** Runs one small matrix product on the active backend and compares it with known numbers. */
async function selfTest(): Promise<void> {
  const expected = [19, 22, 43, 50];
  // Read asynchronously: the webgpu backend cannot read GPU memory synchronously under Node.
  const product = tf.tidy(() =>
    tf.matMul(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      tf.tensor2d([
        [5, 6],
        [7, 8],
      ]),
    ),
  );
  const actual = Array.from(await product.data());
  product.dispose();
  const matches =
    actual.length === expected.length && actual.every((value, index) => value === expected[index]);
  if (!matches) {
    throw new RungFailure(
      `self-test failed: [[1,2],[3,4]]·[[5,6],[7,8]] gave [${actual.join(', ')}], expected [${expected.join(', ')}]`,
    );
  }
}

async function loadWebGpu(forced: boolean, found: { adapter: GpuAdapter | null }): Promise<GpuAdapter> {
  let adapter: GpuAdapter;
  try {
    adapter = await prepareWebGpu({ allowSoftware: forced });
  } catch (error) {
    if (!(error instanceof WebGpuUnavailable)) throw error;
    found.adapter = error.adapter;
    throw new RungFailure(error.message);
  }
  found.adapter = adapter;
  await activate('webgpu');
  return adapter;
}

/** Starts one rung and self-tests it; returns a note for its reason line, or '' when there is none. */
async function tryRung(
  name: BackendName,
  forced: boolean,
  wasmThreads: number,
  webGpuFound: { adapter: GpuAdapter | null },
): Promise<string> {
  let note = '';
  switch (name) {
    case 'webgpu':
      await loadWebGpu(forced, webGpuFound);
      break;
    case 'tensorflow-gpu':
    case 'tensorflow':
      await loadNative(name);
      break;
    case 'wasm':
      note = await loadWasm(wasmThreads);
      break;
    case 'cpu':
      await activate('cpu');
      await withoutNodeBackendAdvice(selfTest);
      return note;
  }
  await selfTest();
  return note;
}

/**
 * Runs the cpu backend's first operation with its one-time console advice to install tfjs-node dropped:
 * the workbench has already tried that backend and says why it is not used (doctor, run records).
 */
async function withoutNodeBackendAdvice(firstUse: () => Promise<void>): Promise<void> {
  const warn = console.warn;
  console.warn = (...parts: unknown[]) => {
    if (!parts.some((part) => typeof part === 'string' && part.includes('install our node backend'))) {
      warn(...parts);
    }
  };
  try {
    await firstUse();
  } finally {
    console.warn = warn;
  }
}

async function flag(name: string): Promise<boolean> {
  try {
    return (await tf.env().getAsync(name)) === true;
  } catch {
    return false;
  }
}

/**
 * Picks the TensorFlow.js backend: the first of tensorflow-gpu, tensorflow, wasm, cpu that loads and passes
 * a self-test, or the one forced by `options.forced` (else RTK_BACKEND). Rejects when a forced backend
 * cannot be used or no backend works; never lets a native load failure crash the process.
 */
export async function initializeBackend(options: { forced: BackendName | null }): Promise<EngineStatus> {
  const forced =
    options.forced ??
    parseBackendName(process.env[backendEnvironmentVariable], `The ${backendEnvironmentVariable} variable`);
  const wasmThreads = requestedWasmThreads();
  const attempts: BackendAttempt[] = [];
  let chosen: BackendName | null = null;
  const webGpuFound: { adapter: GpuAdapter | null } = { adapter: null };
  for (const name of backendNames) {
    const attempt = { name, label: engineNames[name].name, loaded: false, chosen: false, reason: '' };
    attempts.push(attempt);
    if (forced !== null && name !== forced) {
      attempt.reason = `skipped: forced to ${forced}`;
      continue;
    }
    if (chosen !== null) {
      attempt.reason = `skipped: a higher backend (${chosen}) was chosen`;
      continue;
    }
    try {
      const note = await tryRung(name, name === forced, wasmThreads, webGpuFound);
      attempt.loaded = true;
      attempt.chosen = true;
      attempt.reason = name === forced ? 'chosen: forced' : 'chosen: loaded and passed the self-test';
      if (note !== '') attempt.reason += ` (${note})`;
      chosen = name;
    } catch (error) {
      attempt.reason = error instanceof RungFailure ? error.message : `failed: ${messageOf(error)}`;
    }
  }
  if (chosen === null) {
    const reasons = attempts.map((attempt) => `${attempt.name}: ${attempt.reason}`).join('; ');
    throw new Error(
      forced !== null
        ? `The ${forced} backend was forced but cannot be used (${reasons}).`
        : `No TensorFlow.js backend could be started (${reasons}).`,
    );
  }
  const cpus = os.cpus();
  return {
    chosenBackend: chosen,
    forcedBackend: forced,
    attempts,
    gpuAdapter: webGpuFound.adapter,
    wasmSimd: await flag('WASM_HAS_SIMD_SUPPORT'),
    wasmThreads: chosen === 'wasm' ? await activeWasmThreads() : null,
    cpuCores: Math.max(1, os.availableParallelism(), cpus.length),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: os.totalmem(),
    freeMemoryBytes: os.freemem(),
    platform: `${process.platform}-${process.arch}`,
    nodeVersion: process.versions.node,
    tfjsVersion: tf.version.tfjs,
    checkedAt: new Date().toISOString(),
  };
}

async function activeWasmThreads(): Promise<number> {
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  return Math.max(1, getThreadsCount());
}

/** What `probeBackends` finds for one rung without starting it. */
export interface BackendProbe {
  readonly name: BackendName;
  readonly available: boolean;
  readonly reason: string;
}

/**
 * Cheap check of which backends could load, without switching the active backend: native addons are
 * looked for and dlopened, the wasm binaries and the webgpu package are looked for (whether a GPU adapter
 * exists needs an asynchronous request: see requestWebGpuAdapter), cpu is always there.
 */
export function probeBackends(): BackendProbe[] {
  return backendNames.map((name) => {
    try {
      if (name === 'tensorflow-gpu' || name === 'tensorflow') checkNativePackage(name);
      if (name === 'wasm') wasmBinaryDirectory();
      if (name === 'webgpu' && packageDirectory('webgpu') === null) {
        throw new RungFailure('not installed: the webgpu package (Dawn) is absent');
      }
      return { name, available: true, reason: 'available' };
    } catch (error) {
      return { name, available: false, reason: messageOf(error) };
    }
  });
}
