import * as tf from '@tensorflow/tfjs';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The environment variable that sets how many threads the wasm backend computes with; 1 turns threads off. */
export const wasmThreadsEnvironmentVariable = 'RTK_WASM_THREADS';

/** tfjs's threaded build starts eight pthread workers up front and never lets XNNPACK use more. */
export const maximumWasmThreads = 8;

const threadedScript = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
const threadedWorkerScript =
  '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
const threadedBinary = 'tfjs-backend-wasm-threaded-simd.wasm';

type WrappedFunction = (...argumentValues: number[]) => number;

/** The part of tfjs's Emscripten module that this file touches; BackendWasm uses the rest itself. */
interface ThreadedModule {
  cwrap(name: string, returnType: 'number' | null, argumentTypes: string[]): WrappedFunction;
  tfjs?: Record<string, WrappedFunction>;
  PThread: { runningWorkers: Array<{ unref(): void }> };
}

interface WasmInstantiation {
  instance: object;
  module: object;
}

// Node has WebAssembly at run time, but this project's type libraries (no DOM) do not describe it.
declare const WebAssembly: {
  instantiate(binary: Uint8Array, imports: object): Promise<WasmInstantiation>;
};

type ThreadedFactory = (settings: {
  mainScriptUrlOrBlob: string;
  locateFile(file: string, prefix: string): string;
  instantiateWasm(
    imports: { env: Record<string, unknown> },
    receiveInstance: (instance: object, module: object) => void,
  ): object;
}) => Promise<ThreadedModule>;

/**
 * How many threads the wasm backend should use: RTK_WASM_THREADS when set (1 to 8), otherwise one per
 * logical core up to eight.
 */
export function requestedWasmThreads(environment: NodeJS.ProcessEnv = process.env): number {
  const raw = environment[wasmThreadsEnvironmentVariable];
  if (raw === undefined || raw.trim() === '') {
    return Math.min(maximumWasmThreads, Math.max(1, os.availableParallelism()));
  }
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < 1 || value > maximumWasmThreads) {
    throw new Error(
      `The ${wasmThreadsEnvironmentVariable} variable is '${raw}'; it must be a whole number from 1 to ${maximumWasmThreads}.`,
    );
  }
  return value;
}

interface RegisteredFactory {
  factory: () => tf.KernelBackend | Promise<tf.KernelBackend>;
  priority: number;
}

let installedThreads: number | null = null;
let stockFactory: RegisteredFactory | null = null;

/**
 * Replaces the wasm backend's factory with one that runs tfjs's threaded SIMD build under Node, so that
 * XNNPACK spreads each convolution over `threads` cores. tfjs itself only starts that build in browsers
 * (tfjs issue 3830): its loader hands the pthread workers Blob URLs, which Node's worker_threads cannot
 * open, and the build sizes its thread pool as half the logical cores. Here the workers get real script
 * files and the pool gets the size asked for. Throws, leaving the stock factory in place, when the
 * threaded module cannot start.
 */
export async function installThreadedWasmBackend(threads: number, binaryDirectory: string): Promise<void> {
  if (installedThreads === threads) return;
  const module = await startThreadedModule(threads, binaryDirectory);
  setThreadsCount(threads);
  const backendModule = module as unknown as ConstructorParameters<typeof BackendWasm>[0];
  const registered = tf.engine().registryFactory['wasm'];
  if (registered === undefined)
    throw new Error('@tensorflow/tfjs-backend-wasm has not registered its backend');
  stockFactory ??= { factory: registered.factory, priority: registered.priority };
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    () => {
      const backend = new BackendWasm(backendModule);
      // XNNPACK's pool threads wait for work for as long as the module lives; unreferenced, they no longer
      // keep a finished command from exiting.
      for (const worker of module.PThread.runningWorkers) worker.unref();
      return backend;
    },
    stockFactory.priority,
  );
  installedThreads = threads;
}

/** Puts tfjs's own single-threaded wasm factory back after the threaded one failed. */
export function uninstallThreadedWasmBackend(): void {
  if (installedThreads === null || stockFactory === null) return;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', stockFactory.factory, stockFactory.priority);
  installedThreads = null;
}

async function startThreadedModule(threads: number, binaryDirectory: string): Promise<ThreadedModule> {
  if (typeof SharedArrayBuffer !== 'function') {
    throw new Error('this runtime has no SharedArrayBuffer, which WebAssembly threads need');
  }
  const factory = require(threadedScript) as ThreadedFactory;
  const { wasmWorkerContents } = require(threadedWorkerScript) as { wasmWorkerContents: string };
  const binary = readFileSync(path.join(binaryDirectory, threadedBinary));
  const scripts = writeThreadScripts(
    readFileSync(require.resolve(threadedScript), 'utf8'),
    wasmWorkerContents,
  );
  const module = await factory({
    mainScriptUrlOrBlob: scripts.main,
    locateFile: (file, prefix) => (file.endsWith('.worker.js') ? scripts.worker : prefix + file),
    instantiateWasm: (imports, receiveInstance) => {
      // The build sizes XNNPACK's pool as logical cores / 2, capped by the count asked for: report twice the
      // wanted count so the cap is what decides.
      imports.env['emscripten_num_logical_cores'] = () => threads * 2;
      void WebAssembly.instantiate(binary, imports).then((result) =>
        receiveInstance(result.instance, result.module),
      );
      return {};
    },
  });
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * Writes the pthread worker script and the module script it loads into a private temporary folder that
 * is removed when the process exits: the workers read them with fs, which cannot see into app.asar, and
 * the worker script must be CommonJS whatever the surrounding package.json says.
 */
function writeThreadScripts(mainScript: string, workerScript: string): { main: string; worker: string } {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'rtk-workbench-wasm-'));
  process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
  const main = path.join(directory, 'wasm-module.cjs');
  const worker = path.join(directory, 'wasm-pthread-worker.cjs');
  writeFileSync(main, mainScript);
  // The worker source is kept in a template string whose escaped newlines became real ones; tfjs's browser
  // loader escapes them back the same way before making its Blob.
  writeFileSync(worker, workerScript.replace(/\n/g, '\\n'));
  return { main, worker };
}
