/** The two file formats an export writes. */
export type ExportFormat = 'tfjs' | 'onnx';

/** How an export stores the weights: exact, half precision, or 8-bit quantised. */
export type WeightPrecision = 'float32' | 'float16' | 'uint8';

/** A deployment target: which format and precision suit it and how large the model may be there. */
export interface EdgePreset {
  readonly name: EdgePresetName;
  readonly label: string;
  readonly format: ExportFormat;
  readonly precision: WeightPrecision;
  /** Largest model file size (weights and graph) the target comfortably holds, in bytes. */
  readonly sizeBudgetBytes: number;
  readonly description: string;
}

export const edgePresetNames = ['browser', 'node', 'onnx-desktop', 'onnx-mobile', 'microcontroller'] as const;
export type EdgePresetName = (typeof edgePresetNames)[number];

const mebibyte = 1024 * 1024;

/** The edge presets, the same for the export job and the export wizard; sizes are budgets for the model files a target downloads or stores. */
export const edgePresets: Readonly<Record<EdgePresetName, EdgePreset>> = {
  browser: {
    name: 'browser',
    label: 'Browser (TFJS, WebGL/WASM)',
    format: 'tfjs',
    precision: 'float16',
    sizeBudgetBytes: 10 * mebibyte,
    description:
      'TensorFlow.js in a web page on the WebGL or WASM backend; half-precision weights halve the download.',
  },
  node: {
    name: 'node',
    label: 'Node (TFJS)',
    format: 'tfjs',
    precision: 'float32',
    sizeBudgetBytes: 200 * mebibyte,
    description: 'TensorFlow.js under Node.js (tfjs-node or WASM) on a server or desktop.',
  },
  'onnx-desktop': {
    name: 'onnx-desktop',
    label: 'ONNX Runtime desktop CPU',
    format: 'onnx',
    precision: 'float32',
    sizeBudgetBytes: 200 * mebibyte,
    description: 'ONNX Runtime on an x86-64 or ARM desktop CPU.',
  },
  'onnx-mobile': {
    name: 'onnx-mobile',
    label: 'ONNX Runtime mobile (ARM)',
    format: 'onnx',
    precision: 'float32',
    sizeBudgetBytes: 20 * mebibyte,
    description:
      'ONNX Runtime Mobile on an ARM phone or single-board computer; keeps the app download small.',
  },
  microcontroller: {
    name: 'microcontroller',
    label: 'Microcontroller class (size budget only)',
    format: 'tfjs',
    precision: 'uint8',
    sizeBudgetBytes: 1 * mebibyte,
    description:
      'A Cortex-M class device with about 1 MiB of flash: only the 8-bit weight size is checked against the ' +
      'budget; converting to a microcontroller runtime is outside the workbench.',
  },
};

/** The preset of a name, or an error listing the valid names. */
export function findEdgePreset(name: string): EdgePreset {
  const preset = (edgePresets as Readonly<Record<string, EdgePreset>>)[name];
  if (preset === undefined) {
    throw new Error(`Unknown edge preset "${name}"; the presets are ${edgePresetNames.join(', ')}.`);
  }
  return preset;
}
