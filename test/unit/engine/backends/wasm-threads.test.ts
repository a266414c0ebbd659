import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { initializeBackend } from '../../../../src-main/engine/backends/backend-ladder.js';
import {
  requestedWasmThreads,
  wasmThreadsEnvironmentVariable,
} from '../../../../src-main/engine/backends/wasm-threads.js';

afterEach(() => {
  delete process.env[wasmThreadsEnvironmentVariable];
});

describe('requestedWasmThreads', () => {
  it('reads RTK_WASM_THREADS from 1 to 8 and refuses anything else by name', () => {
    expect(requestedWasmThreads({ [wasmThreadsEnvironmentVariable]: ' 3 ' })).toBe(3);
    expect(requestedWasmThreads({ [wasmThreadsEnvironmentVariable]: '1' })).toBe(1);
    for (const bad of ['0', '9', 'two', '1.5', '-2']) {
      expect(() => requestedWasmThreads({ [wasmThreadsEnvironmentVariable]: bad })).toThrow(
        `The RTK_WASM_THREADS variable is '${bad}'; it must be a whole number from 1 to 8.`,
      );
    }
    expect(requestedWasmThreads({})).toBeGreaterThanOrEqual(1);
    expect(requestedWasmThreads({})).toBeLessThanOrEqual(8);
  });
});

/** A forward convolution and both of its gradients, read back, on whatever wasm build is active. */
function convolutionAndGradients(): Float32Array[] {
  const input = tf.tensor4d(
    Array.from({ length: 4 * 12 * 12 * 8 }, (_, index) => Math.sin(index * 0.37)),
    [4, 12, 12, 8],
  );
  const filter = tf.tensor4d(
    Array.from({ length: 3 * 3 * 8 * 16 }, (_, index) => Math.cos(index * 0.11) * 0.2),
    [3, 3, 8, 16],
  );
  const gradients = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
    tf
      .conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')
      .square()
      .sum(),
  );
  const [inputGradient, filterGradient] = gradients([input, filter]);
  const output = tf.conv2d(input, filter, 1, 'same');
  const values = [output, inputGradient, filterGradient].map((tensor) => tensor!.dataSync() as Float32Array);
  tf.dispose([input, filter, output, inputGradient, filterGradient]);
  return values.map((value) => Float32Array.from(value));
}

describe('threaded wasm backend', () => {
  it('starts with the threads asked for and computes exactly what the single-threaded build does', async () => {
    process.env[wasmThreadsEnvironmentVariable] = '1';
    const single = await initializeBackend({ forced: 'wasm' });
    expect(single.wasmThreads).toBe(1);
    const singleAttempt = single.attempts.find((attempt) => attempt.name === 'wasm');
    expect(singleAttempt?.reason).toBe('chosen: forced (1 thread, RTK_WASM_THREADS is 1)');
    const singleValues = convolutionAndGradients();

    process.env[wasmThreadsEnvironmentVariable] = '3';
    const threaded = await initializeBackend({ forced: 'wasm' });
    expect(threaded.wasmThreads).toBe(3);
    expect(threaded.attempts.find((attempt) => attempt.name === 'wasm')?.reason).toBe(
      'chosen: forced (3 threads)',
    );
    expect(tf.getBackend()).toBe('wasm');
    const threadedValues = convolutionAndGradients();
    // XNNPACK splits the output among threads, never a sum, so the numbers must be identical to the bit.
    expect(threadedValues).toEqual(singleValues);
  });

  it('refuses a bad RTK_WASM_THREADS before touching any backend', async () => {
    process.env[wasmThreadsEnvironmentVariable] = 'many';
    await expect(initializeBackend({ forced: null })).rejects.toThrow(
      "The RTK_WASM_THREADS variable is 'many'; it must be a whole number from 1 to 8.",
    );
  });
});
