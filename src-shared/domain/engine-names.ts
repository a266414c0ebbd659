import type { BackendName } from '../contracts/engine-status.js';

/** How the user sees one compute engine: a name in plain words first, the software behind it as a detail. */
export interface EngineName {
  /** What the engine computes on, in plain words ("NVIDIA GPU (CUDA)"). */
  readonly name: string;
  /** The package and library that provide it, for people who install or debug it. */
  readonly software: string;
}

/** The compute engines' names, the same in the doctor command and the engine panel. */
export const engineNames: Readonly<Record<BackendName, EngineName>> = {
  'tensorflow-gpu': {
    name: 'NVIDIA GPU (CUDA)',
    software: '@tensorflow/tfjs-node-gpu: TensorFlow’s native library with CUDA',
  },
  webgpu: {
    name: 'GPU via WebGPU',
    software: '@tensorflow/tfjs-backend-webgpu on Dawn (the webgpu package)',
  },
  tensorflow: {
    name: 'CPU, native TensorFlow',
    software: '@tensorflow/tfjs-node: TensorFlow’s native library',
  },
  wasm: { name: 'CPU, WebAssembly', software: '@tensorflow/tfjs-backend-wasm with XNNPACK' },
  cpu: { name: 'CPU, plain JavaScript', software: '@tensorflow/tfjs-backend-cpu' },
};
