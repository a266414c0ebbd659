import type { ExportFormat } from '../../../src-shared/domain/edge-presets.js';
import type { WeightPrecision } from './layers-model-files.js';
import type { InputLayout } from './onnx-writer.js';
import type { ParityFigures } from './parity.js';
import type { LatencyFigures } from '../../../src-shared/contracts/api.js';
import { figureNames, methodLabel } from '../../../src-shared/domain/vocabulary.js';

/** How the student was trained, as far as the caller knows it (from the run and its experiment). */
export interface TrainingFacts {
  readonly runId: string | null;
  readonly datasetName: string;
  readonly teacher: string | null;
  readonly method: string;
  readonly hyperparameters: Readonly<Record<string, number | string>>;
  readonly seed: number | null;
  readonly epochs: number | null;
  /** Top-1 on the full test split as the run recorded it, 0..1. */
  readonly testTop1: number | null;
  /** The imported teacher the student learned from, when it was one: its file, format and fingerprint. */
  readonly importedTeacher?:
    | {
        readonly name: string;
        readonly file: string;
        readonly format: string;
        readonly fingerprint: string;
        /** Its test top-1 measured at import, in percent. */
        readonly testTop1: number;
      }
    | null
    | undefined;
}

/** Everything model-card.json holds. */
export interface ModelCard {
  readonly workbenchVersion: string;
  readonly createdAt: string;
  readonly backbone: string;
  readonly format: ExportFormat;
  readonly precision: WeightPrecision;
  readonly classNames: readonly string[];
  readonly input: {
    readonly height: number;
    readonly width: number;
    readonly channels: number;
    /** Layout of the ONNX input; the TFJS model always takes NHWC. */
    readonly onnxLayout: InputLayout | null;
    readonly preprocessing: string;
    readonly mean: readonly number[];
    readonly std: readonly number[];
  };
  readonly outputs: readonly string[];
  readonly datasetFingerprint: string;
  readonly training: TrainingFacts;
  readonly parameterCount: number;
  readonly macsPerImage: number;
  readonly peakActivationBytes: number;
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
  readonly modelBytes: number;
  readonly preset: {
    readonly name: string;
    readonly label: string;
    readonly sizeBudgetBytes: number;
    readonly withinBudget: boolean;
  } | null;
  readonly latency: Readonly<Record<string, LatencyFigures>>;
  readonly parity: Readonly<Record<string, ParityFigures>>;
}

/** The preprocessing sentence used in the metadata and the card. */
export function preprocessingText(mean: readonly number[], std: readonly number[]): string {
  const format = (values: readonly number[]): string =>
    `[${values.map((value) => value.toFixed(4)).join(', ')}]`;
  return (
    'Resize to the input size; take pixel values on the 0..255 scale (RGB or grey, not divided by 255); per ' +
    `channel compute (x - mean) / std with mean ${format(mean)} and std ${format(std)}.`
  );
}

function percent(value: number | null): string {
  return value === null ? 'not recorded' : `${(100 * value).toFixed(2)} %`;
}

function bytes(value: number): string {
  if (value >= 1024 * 1024) return `${(value / (1024 * 1024)).toFixed(2)} MiB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${value} B`;
}

/** MODEL_CARD.md: the card for people, with the same figures as model-card.json. */
export function modelCardMarkdown(card: ModelCard): string {
  const { input, training } = card;
  const lines = [
    `# ${card.backbone} student (${card.format.toUpperCase()}, ${card.precision})`,
    '',
    `Exported by RTK Workbench ${card.workbenchVersion} on ${card.createdAt}.`,
    '',
    '## Input and preprocessing',
    `- Input: ${input.height}x${input.width}x${input.channels}` +
      (input.onnxLayout === null ? ' (TFJS: NHWC)' : ` (ONNX: ${input.onnxLayout}; TFJS: NHWC)`) +
      ', float32, any batch size.',
    `- ${input.preprocessing}`,
    `- Outputs: ${card.outputs.join(', ')}.`,
    '',
    `## Classes (${card.classNames.length})`,
    card.classNames.map((name, index) => `${index}: ${name}`).join(', '),
    '',
    '## Training',
    `- Dataset: ${training.datasetName}, fingerprint \`${card.datasetFingerprint}\``,
    `- ${figureNames.method}: ${methodLabel(training.method)}; teacher: ${training.teacher ?? 'none'}; seed: ${training.seed ?? 'unknown'}; ` +
      `epochs: ${training.epochs ?? 'unknown'}`,
    ...(training.importedTeacher === undefined || training.importedTeacher === null
      ? []
      : [
          `- Imported teacher: ${training.importedTeacher.name}, ${training.importedTeacher.format} file ` +
            `${training.importedTeacher.file}, sha256 \`${training.importedTeacher.fingerprint}\`, test top-1 at ` +
            `import ${training.importedTeacher.testTop1.toFixed(2)}%`,
        ]),
    `- Hyperparameters: ${JSON.stringify(training.hyperparameters)}`,
    `- ${figureNames.testTop1} recorded by the run: ${percent(training.testTop1)}`,
    ...(training.runId === null ? [] : [`- Run: ${training.runId}`]),
    '',
    '## Size and cost',
    `- ${figureNames.parameters}: ${card.parameterCount.toLocaleString('en-US')}; ${figureNames.macs}: ${card.macsPerImage.toLocaleString('en-US')}`,
    `- Peak activation memory (batch 1, float32): ${bytes(card.peakActivationBytes)}`,
    `- Model files: ${bytes(card.modelBytes)}`,
    ...card.files.map((file) => `  - ${file.path}: ${bytes(file.bytes)}`),
    ...(card.preset === null
      ? []
      : [
          `- Preset ${card.preset.label}: budget ${bytes(card.preset.sizeBudgetBytes)}, ` +
            (card.preset.withinBudget ? 'met' : 'NOT met'),
        ]),
    '',
    `## ${figureNames.latency} on the exporting machine (batch 1)`,
    ...Object.entries(card.latency).map(
      ([name, figures]) =>
        `- ${name}: median ${figures.medianMilliseconds.toFixed(3)} ms, p90 ${figures.p90Milliseconds.toFixed(3)} ms ` +
        `over ${figures.runs} runs, ${figures.engine}`,
    ),
    '',
    '## Parity with the in-app model',
    ...Object.entries(card.parity).map(
      ([name, figures]) =>
        `- ${name}: ${figures.images} test images, max |logit difference| ${figures.maxAbsLogitDifference.toExponential(2)}, ` +
        `top-1 agreement ${percent(figures.top1Agreement)}, accuracy ${percent(figures.exportedAccuracy)} ` +
        `(in-app ${percent(figures.inAppAccuracy)}, change ${(100 * figures.accuracyChange).toFixed(2)} points)`,
    ),
    '',
    '## Demo',
    'Open index.html in a browser (from disk or a local web server) and drop an image on it; it runs the TFJS ' +
      'model offline with tf.min.js from this folder.',
    '',
  ];
  return lines.join('\n');
}
