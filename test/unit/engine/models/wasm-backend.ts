import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** Switches TensorFlow.js to the wasm backend, which runs the 32x32 forward passes fast enough for unit tests. */
export async function useWasmBackend(): Promise<void> {
  const require = createRequire(import.meta.url);
  const wasmEntry = require.resolve('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(`${path.dirname(wasmEntry)}${path.sep}`);
  const ready = await tf.setBackend('wasm');
  if (!ready) throw new Error('The wasm backend did not initialise.');
}
