import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  backendEnvironmentVariable,
  describeNativeLoadError,
  initializeBackend,
  nativePackageProblem,
  parseBackendName,
  probeBackends,
} from '../../../../src-main/engine/backends/backend-ladder.js';
import { engineStatusSchema } from '../../../../src-shared/contracts/engine-status.js';

const notDownloaded = 'not installed: libtensorflow could not be downloaded when the workbench was installed';

afterEach(() => {
  delete process.env[backendEnvironmentVariable];
});

describe('initializeBackend', () => {
  it('unforced, chooses the first rung that works and says why each one above it did not', async () => {
    delete process.env[backendEnvironmentVariable];
    const status = await initializeBackend({ forced: null });
    expect(engineStatusSchema.parse(status)).toEqual(status);
    expect(status.forcedBackend).toBeNull();
    expect(status.attempts.map((attempt) => attempt.name)).toEqual([
      'tensorflow-gpu',
      'webgpu',
      'tensorflow',
      'wasm',
      'cpu',
    ]);
    // Which rung works depends on the machine (CUDA, tfjs-node, a GPU); the order and the reasons do not.
    const chosenAt = status.attempts.findIndex((attempt) => attempt.chosen);
    expect(status.attempts[chosenAt]).toMatchObject({ name: status.chosenBackend, loaded: true });
    expect(status.attempts[chosenAt]?.reason).toMatch(/^chosen: loaded and passed the self-test/);
    for (const above of status.attempts.slice(0, chosenAt)) {
      expect(above).toMatchObject({ loaded: false, chosen: false });
      expect(above.reason).not.toBe('');
      expect(above.reason).not.toMatch(/^skipped/);
    }
    for (const below of status.attempts.slice(chosenAt + 1)) {
      expect(below.reason).toBe(`skipped: a higher backend (${status.chosenBackend}) was chosen`);
    }
    const tensorflowRungs = new Set(['tensorflow-gpu', 'tensorflow']);
    expect(tf.getBackend()).toBe(
      tensorflowRungs.has(status.chosenBackend) ? 'tensorflow' : status.chosenBackend,
    );
    expect(status.cpuCores).toBe(Math.max(os.availableParallelism(), os.cpus().length));
    expect(status.tfjsVersion).toBe('4.22.0');
    expect(status.nodeVersion).toBe(process.versions.node);
  });

  it('forced to wasm, runs it with one thread per core up to 8', async () => {
    const status = await initializeBackend({ forced: 'wasm' });
    expect(status.chosenBackend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const threads = Math.min(8, os.availableParallelism());
    const wasm = status.attempts.find((attempt) => attempt.name === 'wasm');
    expect(wasm).toMatchObject({ loaded: true, chosen: true });
    expect(wasm?.reason).toContain(threads > 1 ? `(${threads} threads)` : '(1 thread');
    expect(status.wasmSimd).toBe(true);
    expect(status.wasmThreads).toBe(threads);
  });

  it('uses cpu when forced and marks every other rung as skipped', async () => {
    const warn = vi.spyOn(console, 'warn');
    const status = await initializeBackend({ forced: 'cpu' });
    // The cpu backend's advice to install tfjs-node is the doctor's business, not stderr's.
    expect(warn.mock.calls.flat().join(' ')).not.toContain('node backend');
    warn.mockRestore();
    expect(status.chosenBackend).toBe('cpu');
    expect(status.forcedBackend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(status.wasmThreads).toBeNull();
    for (const attempt of status.attempts.filter((candidate) => candidate.name !== 'cpu')) {
      expect(attempt.reason).toBe('skipped: forced to cpu');
      expect(attempt.chosen).toBe(false);
    }
  });

  it('reads RTK_BACKEND when no backend is forced by the caller', async () => {
    process.env[backendEnvironmentVariable] = 'cpu';
    const status = await initializeBackend({ forced: null });
    expect(status.chosenBackend).toBe('cpu');
    expect(status.forcedBackend).toBe('cpu');
  });

  it('rejects a bad RTK_BACKEND with the list of valid names', async () => {
    process.env[backendEnvironmentVariable] = 'cuda';
    await expect(initializeBackend({ forced: null })).rejects.toThrow(
      "The RTK_BACKEND variable is 'cuda', which is not a backend name; valid names are: tensorflow-gpu, webgpu, tensorflow, wasm, cpu.",
    );
  });

  // A native TensorFlow rung whose addon is missing or does not load here; none on a machine with both.
  const unavailableNative = probeBackends().find(
    (probe) => (probe.name === 'tensorflow' || probe.name === 'tensorflow-gpu') && !probe.available,
  );
  it.skipIf(unavailableNative === undefined)(
    'rejects a forced backend that cannot load, with its reason',
    async () => {
      const name = unavailableNative?.name ?? 'tensorflow';
      await expect(initializeBackend({ forced: name })).rejects.toThrow(
        `The ${name} backend was forced but cannot be used (`,
      );
      await expect(initializeBackend({ forced: name })).rejects.toThrow(
        `${name}: ${unavailableNative?.reason ?? ''}`,
      );
    },
  );
});

describe('parseBackendName', () => {
  it('accepts the five names, ignores blanks and refuses anything else', () => {
    expect(parseBackendName(' wasm ', 'x')).toBe('wasm');
    expect(parseBackendName('', 'x')).toBeNull();
    expect(parseBackendName(undefined, 'x')).toBeNull();
    expect(() => parseBackendName('gpu', 'The option')).toThrow(
      "The option is 'gpu', which is not a backend name; valid names are: tensorflow-gpu, webgpu, tensorflow, wasm, cpu.",
    );
  });
});

describe('describeNativeLoadError', () => {
  it('names the shared library the dynamic loader could not find', () => {
    const cudnn = new Error('libcudnn.so.8: cannot open shared object file: No such file or directory');
    expect(describeNativeLoadError(cudnn)).toBe('libcudnn.so.8 not found');
    const tensorflow = new Error(
      '/app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node: libtensorflow.so.2: cannot open shared object file: No such file or directory',
    );
    expect(describeNativeLoadError(tensorflow)).toBe('libtensorflow.so.2 not found');
    const mac = new Error(
      'dlopen(tfjs_binding.node, 0x0001): Library not loaded: @rpath/libtensorflow.2.dylib\n  Referenced from: x',
    );
    expect(describeNativeLoadError(mac)).toBe('libtensorflow.2.dylib not found');
    expect(describeNativeLoadError(new Error('something odd\nsecond line'))).toBe(
      'failed to load: something odd',
    );
  });
});

describe('nativePackageProblem', () => {
  it('explains an absent package, an absent addon and an addon that does not load', () => {
    expect(nativePackageProblem('@tensorflow/tfjs-node', null)).toBe(
      `${notDownloaded} (the optional package @tensorflow/tfjs-node is absent)`,
    );
    const directory = mkdtempSync(path.join(os.tmpdir(), 'rtk-native-'));
    try {
      writeFileSync(
        path.join(directory, 'package.json'),
        JSON.stringify({ name: 'fake', binary: { napi_versions: [3, 4, 5, 6, 7, 8] } }),
      );
      const addon = path.join(directory, 'lib', 'napi-v8', 'tfjs_binding.node');
      expect(nativePackageProblem('@tensorflow/tfjs-node', directory)).toBe(
        `${notDownloaded} (no native addon at ${addon})`,
      );
      mkdirSync(path.dirname(addon), { recursive: true });
      writeFileSync(addon, 'not a shared object');
      expect(nativePackageProblem('@tensorflow/tfjs-node', directory)).toMatch(/^failed to load: /);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('probeBackends', () => {
  it('reports wasm, cpu and the WebGPU package as available here without changing the active backend', async () => {
    await tf.setBackend('cpu');
    const probes = probeBackends();
    expect(probes.map((probe) => [probe.name, probe.available])).toEqual([
      ['tensorflow-gpu', false],
      ['webgpu', true],
      ['tensorflow', false],
      ['wasm', true],
      ['cpu', true],
    ]);
    expect(tf.getBackend()).toBe('cpu');
  });
});
