import { describe, expect, it } from 'vitest';
import { backendNames } from '../../../src-shared/contracts/engine-status.js';
import { engineNames } from '../../../src-shared/domain/engine-names.js';

describe('engineNames', () => {
  it('names every engine by what it computes on, with no package names', () => {
    expect(backendNames.map((backend) => engineNames[backend].name)).toEqual([
      'NVIDIA GPU (CUDA)',
      'GPU via WebGPU',
      'CPU, native TensorFlow',
      'CPU, WebAssembly',
      'CPU, plain JavaScript',
    ]);
    for (const backend of backendNames) expect(engineNames[backend].name).not.toMatch(/@|tfjs|libtensorflow/);
  });

  it('keeps the package behind each engine as its detail', () => {
    expect(engineNames['tensorflow-gpu'].software).toMatch(/^@tensorflow\/tfjs-node-gpu\b/);
    expect(engineNames.webgpu.software).toMatch(/^@tensorflow\/tfjs-backend-webgpu\b/);
    expect(engineNames.tensorflow.software).toMatch(/^@tensorflow\/tfjs-node\b/);
    expect(engineNames.wasm.software).toMatch(/^@tensorflow\/tfjs-backend-wasm\b/);
    expect(engineNames.cpu.software).toMatch(/^@tensorflow\/tfjs-backend-cpu\b/);
  });
});
