import { copyFile, readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { LatencyFigures } from '../../../src-shared/contracts/api.js';
import { modelCardSchema } from '../../../src-shared/contracts/model-card.js';
import { describeBackbone, type BackboneDescription } from '../../../src-shared/domain/backbone-catalog.js';
import { modelCardDefinitions } from '../../../src-shared/domain/model-card-document.js';
import { loadCachedSplit, readManifest, type DatasetManifest } from '../data/cache.js';
import { takeTestSubset } from '../data/subset.js';
import { writeDirectoryAtomically, writeFileDurably } from '../files/atomic-directory.js';
import { nearestExistingFolder, writeProbe } from '../files/folder-checks.js';
import { demoFiles, demoModelScript, demoPageHtml } from './demo-page.js';
import {
  findEdgePreset,
  type EdgePreset,
  type ExportFormat,
} from '../../../src-shared/domain/edge-presets.js';
import {
  modelJsonFile,
  readLayersModel,
  weightsFile,
  writeLayersModel,
  type WeightPrecision,
} from './layers-model-files.js';
import { modelCardMarkdown, preprocessingText, type ModelCard, type TrainingFacts } from './model-card.js';
import {
  onnxInputName,
  onnxLogitsName,
  onnxProbabilitiesName,
  writeOnnxModel,
  type InputLayout,
} from './onnx-writer.js';
import {
  compareLogits,
  float32ParityHolds,
  float32Tolerance,
  parityIsFinite,
  prepareVerificationImages,
  runOnnxLogits,
  verificationImageLimit,
  type ParityFigures,
  type VerificationImages,
} from './parity.js';
import {
  measureOnnxLatency,
  measureTfjsLatency,
  minimumLatencyRuns,
  peakActivationBytes,
} from './profile.js';
import { logitsModel, predictLogits, readStoredStudent, type StoredStudent } from './student-model.js';

/** What to export and where. */
export interface ExportRequest {
  /** The run's model folder (`<home>/runs/<id>/model`). */
  readonly modelDirectory: string;
  /** The dataset cache the run trained on: class names, statistics and the test images for verification. */
  readonly datasetDirectory: string;
  readonly outDirectory: string;
  /** Format and precision; either may come from `preset` instead. */
  readonly format?: ExportFormat;
  readonly precision?: WeightPrecision;
  readonly preset?: string;
  /** ONNX input layout, NCHW unless asked. */
  readonly layout?: InputLayout;
  /** Adds a softmax `probabilities` output to the ONNX model. */
  readonly probabilities?: boolean;
  /** Replaces a non-empty `outDirectory`. */
  readonly force?: boolean;
  readonly training: TrainingFacts;
  /** The experiment's test-image limit (null for the whole test split): parity uses the run's own test images. */
  readonly testImageLimit: number | null;
  readonly workbenchVersion: string;
  /** At most this many of the run's test images for parity; all that fit in memory when left out. */
  readonly verificationImages?: number;
  readonly latencyRuns?: number;
  readonly onProgress?: (message: string) => void;
}

/** The outcome of a verified export: the folder and its model card. */
export interface ExportReport {
  readonly directory: string;
  readonly card: ModelCard;
}

/** Sub-folder of every export with the TFJS model (the demo page runs it). */
export const tfjsFolder = 'tfjs';
export const onnxFile = 'model.onnx';
export const modelCardJsonFile = 'model-card.json';
export const modelCardMarkdownFile = 'MODEL_CARD.md';

function resolveTarget(request: ExportRequest): {
  format: ExportFormat;
  precision: WeightPrecision;
  preset: EdgePreset | null;
} {
  const preset = request.preset === undefined ? null : findEdgePreset(request.preset);
  const format = request.format ?? preset?.format;
  if (format === undefined) throw new Error('Choose an export format (tfjs or onnx) or an edge preset.');
  const precision =
    request.precision ?? (preset !== null && preset.format === format ? preset.precision : 'float32');
  if (format === 'onnx' && precision !== 'float32') {
    throw new Error(
      `ONNX exports are float32 only, ${precision} was asked; use the tfjs format for float16 or uint8 weights.`,
    );
  }
  return { format, precision, preset };
}

/** Refuses a non-empty folder without force, a file in the way and a place the user cannot write to. */
async function checkDestination(outDirectory: string, force: boolean): Promise<void> {
  const target = resolve(outDirectory);
  const found = await stat(target).catch(() => null);
  if (found !== null && !found.isDirectory()) {
    throw new Error(`Cannot export to ${target}: a file of that name exists.`);
  }
  if (found !== null && !force && (await readdir(target)).length > 0) {
    throw new Error(
      `${target} is not empty; choose an empty or new folder, or replace it with force (--force).`,
    );
  }
  const writable = nearestExistingFolder(dirname(target));
  const refusal = writeProbe(writable);
  if (refusal !== null) {
    throw new Error(`Cannot export to ${target}: no permission to write in ${writable} (${refusal}).`);
  }
}

function tfjsScriptPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs')), demoFiles.tfjs);
}

async function listFiles(root: string, folder = root): Promise<{ path: string; bytes: number }[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const files: { path: string; bytes: number }[] = [];
  for (const entry of entries.sort((left, right) => left.name.localeCompare(right.name))) {
    const full = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(root, full)));
    else files.push({ path: relative(root, full), bytes: (await stat(full)).size });
  }
  return files;
}

function parityFailure(name: string, figures: ParityFigures): Error {
  if (!parityIsFinite(figures)) {
    return new Error(
      `The ${name} export gives scores that are not numbers (NaN) where the in-app model gives numbers, on ` +
        `${figures.images} test images. Nothing was written.`,
    );
  }
  return new Error(
    `The ${name} export does not match the in-app model: max |logit difference| ` +
      `${figures.maxAbsLogitDifference.toExponential(3)} (allowed ${float32Tolerance}), top-1 agreement ` +
      `${(100 * figures.top1Agreement).toFixed(2)} % (needed 100 %) on ${figures.images} test images. Nothing was written.`,
  );
}

/**
 * Exports a trained student as TFJS (float32/float16/uint8) or ONNX (float32), verifies the written files
 * against the in-app model on the run's own test images (as many as fit in memory), measures latency, and
 * writes the model card and an offline demo page. Everything is written to a temporary folder renamed into place at the end, so a failed
 * export leaves nothing.
 */
export async function exportStudent(request: ExportRequest): Promise<ExportReport> {
  const progress = request.onProgress ?? ((): void => undefined);
  const target = resolveTarget(request);
  const force = request.force ?? false;
  await checkDestination(request.outDirectory, force);
  progress('Reading the trained student');
  const student = await readStoredStudent(request.modelDirectory);
  const classifier = logitsModel(student.model);
  try {
    const plan = planExport(request, target, student, classifier, progress);
    const directory = resolve(request.outDirectory);
    let card: ModelCard | null = null;
    await writeDirectoryAtomically(
      directory,
      async (temporary) => {
        card = await writeVerifiedExport(plan, temporary);
      },
      { replace: force },
    );
    if (card === null) throw new Error('The export finished without a model card.');
    return { directory, card };
  } finally {
    // The classifier shares the student's layers, so disposing the student frees both.
    student.model.dispose();
  }
}

/** Everything an export needs once the student, its dataset and its in-app logits are read. */
interface ExportPlan {
  readonly request: ExportRequest;
  readonly format: ExportFormat;
  readonly precision: WeightPrecision;
  readonly preset: EdgePreset | null;
  readonly layout: InputLayout;
  readonly student: StoredStudent;
  readonly classifier: tf.LayersModel;
  readonly manifest: DatasetManifest;
  readonly verification: VerificationImages;
  /** The in-app model's logits on the verification images, what every written model must reproduce. */
  readonly inApp: Float32Array;
  readonly runTestImageCount: number;
  readonly description: BackboneDescription;
  readonly preprocessing: string;
  readonly latencyRuns: number;
  /** The TFJS copy is float32 in an ONNX export, the asked precision in a TFJS one. */
  readonly tfjsPrecision: WeightPrecision;
  readonly progress: (message: string) => void;
}

/** Checks the student against its dataset, picks the verification images and runs the in-app model on them. */
function planExport(
  request: ExportRequest,
  { format, precision, preset }: ReturnType<typeof resolveTarget>,
  student: StoredStudent,
  classifier: tf.LayersModel,
  progress: (message: string) => void,
): ExportPlan {
  const layout = request.layout ?? 'NCHW';
  const manifest = readManifest(request.datasetDirectory);
  if (manifest.classNames.length !== student.classes) {
    throw new Error(
      `The model in ${request.modelDirectory} has ${student.classes} classes; the dataset ${manifest.name} has ` +
        `${manifest.classNames.length}.`,
    );
  }
  const runTestImages = takeTestSubset(
    loadCachedSplit(request.datasetDirectory, 'test'),
    request.testImageLimit,
  );
  const fitting = verificationImageLimit(student.inputShape);
  const verification = prepareVerificationImages(
    runTestImages,
    manifest.statistics,
    Math.min(request.verificationImages ?? fitting, fitting),
  );
  progress(`Running the in-app model on ${verification.count} test images`);
  const inApp = predictLogits(student.model, verification.images, verification.count);
  const description = describeBackbone(student.backbone, {
    classes: student.classes,
    inputShape: student.inputShape,
  });
  const { mean, std } = manifest.statistics;
  return {
    request,
    format,
    precision,
    preset,
    layout,
    student,
    classifier,
    manifest,
    verification,
    inApp,
    runTestImageCount: runTestImages.count,
    description,
    preprocessing: preprocessingText(mean, std),
    latencyRuns: Math.max(minimumLatencyRuns, request.latencyRuns ?? minimumLatencyRuns),
    tfjsPrecision: format === 'tfjs' ? precision : 'float32',
    progress,
  };
}

/** Writes, verifies and measures the models, then the demo page and the model card; returns the card. */
async function writeVerifiedExport(plan: ExportPlan, temporary: string): Promise<ModelCard> {
  const parity: Record<string, ParityFigures> = {};
  const latency: Record<string, LatencyFigures> = {};
  const outputs = [onnxLogitsName];
  const tfjsDirectory = join(temporary, tfjsFolder);
  await writeTfjsModel(plan, tfjsDirectory);
  const tfjs = await verifyTfjsModel(plan, tfjsDirectory);
  parity.tfjs = tfjs.parity;
  latency.tfjs = tfjs.latency;
  if (plan.format === 'onnx') {
    const onnx = await writeVerifiedOnnxModel(plan, temporary);
    if (plan.request.probabilities === true) outputs.push(onnxProbabilitiesName);
    parity.onnx = onnx.parity;
    latency.onnxRuntime = onnx.latency;
  }
  plan.progress('Writing the demo page and the model card');
  await writeDemoPage(plan, temporary, tfjsDirectory);
  return writeModelCard(plan, temporary, { outputs, latency, parity });
}

/** Parity figures counted against all the run's test images, not only those verified. */
function onRunImages(plan: ExportPlan, figures: ParityFigures): ParityFigures {
  return { ...figures, runTestImages: plan.runTestImageCount };
}

async function writeTfjsModel(plan: ExportPlan, tfjsDirectory: string): Promise<void> {
  const { mean, std } = plan.manifest.statistics;
  plan.progress(`Writing the TFJS model (${plan.tfjsPrecision})`);
  await writeLayersModel(plan.classifier, tfjsDirectory, {
    precision: plan.tfjsPrecision,
    replace: false,
    userDefinedMetadata: {
      rtkWorkbench: {
        backbone: plan.student.backbone,
        classNames: plan.manifest.classNames,
        normalization: { mean, std },
        preprocessing: plan.preprocessing,
        workbenchVersion: plan.request.workbenchVersion,
      },
    },
  });
}

/** Reloads the written TFJS model, checks it against the in-app model and measures its latency. */
async function verifyTfjsModel(
  plan: ExportPlan,
  tfjsDirectory: string,
): Promise<{ parity: ParityFigures; latency: LatencyFigures }> {
  const { verification, student } = plan;
  const reloaded = await readLayersModel(tfjsDirectory);
  try {
    plan.progress('Verifying the TFJS export');
    const parity = onRunImages(
      plan,
      compareLogits(
        plan.inApp,
        predictLogits(reloaded, verification.images, verification.count),
        verification.labels,
        student.classes,
      ),
    );
    if (!parityIsFinite(parity) || (plan.tfjsPrecision === 'float32' && !float32ParityHolds(parity)))
      throw parityFailure('TFJS', parity);
    // Every export holds the TFJS copy, so its latency is measured as Compare measures it.
    plan.progress('Measuring TFJS latency');
    return { parity, latency: await measureTfjsLatency(reloaded, plan.latencyRuns) };
  } finally {
    reloaded.dispose();
  }
}

/** Writes the ONNX model, checks it in ONNX Runtime against the in-app model and measures its latency. */
async function writeVerifiedOnnxModel(
  plan: ExportPlan,
  temporary: string,
): Promise<{ parity: ParityFigures; latency: LatencyFigures }> {
  const { request, manifest, student, verification, layout } = plan;
  const { mean, std } = manifest.statistics;
  plan.progress('Writing the ONNX model');
  const onnxModel = writeOnnxModel(student.model, {
    layout,
    probabilities: request.probabilities ?? false,
    producerVersion: request.workbenchVersion,
    metadata: {
      classNames: JSON.stringify(manifest.classNames),
      normalizationMean: JSON.stringify(mean),
      normalizationStd: JSON.stringify(std),
      preprocessing: plan.preprocessing,
      inputLayout: layout,
      backbone: student.backbone,
      workbenchVersion: request.workbenchVersion,
      datasetFingerprint: manifest.fingerprint,
    },
  });
  await writeFileDurably(join(temporary, onnxFile), onnxModel.bytes);
  plan.progress('Verifying the ONNX export in ONNX Runtime');
  const parity = onRunImages(
    plan,
    compareLogits(
      plan.inApp,
      await runOnnxLogits(onnxModel.bytes, verification, layout),
      verification.labels,
      student.classes,
    ),
  );
  if (!float32ParityHolds(parity)) throw parityFailure('ONNX', parity);
  plan.progress('Measuring ONNX Runtime latency');
  return {
    parity,
    latency: await measureOnnxLatency(onnxModel.bytes, student.inputShape, layout, plan.latencyRuns),
  };
}

/** The offline demo page: tfjs itself, the TFJS model inlined as a script, and the page. */
async function writeDemoPage(plan: ExportPlan, temporary: string, tfjsDirectory: string): Promise<void> {
  const { mean, std } = plan.manifest.statistics;
  await copyFile(tfjsScriptPath(), join(temporary, demoFiles.tfjs));
  await writeFileDurably(
    join(temporary, demoFiles.model),
    demoModelScript(
      await readFile(join(tfjsDirectory, modelJsonFile), 'utf8'),
      await readFile(join(tfjsDirectory, weightsFile)),
    ),
  );
  await writeFileDurably(
    join(temporary, demoFiles.page),
    demoPageHtml({
      title: `${plan.student.backbone} on ${plan.manifest.name}`,
      classNames: plan.manifest.classNames,
      inputShape: plan.student.inputShape,
      mean,
      std,
    }),
  );
}

/** Writes the model card (JSON and Markdown) describing every file already in `temporary`. */
async function writeModelCard(
  plan: ExportPlan,
  temporary: string,
  measured: {
    readonly outputs: readonly string[];
    readonly latency: Record<string, LatencyFigures>;
    readonly parity: Record<string, ParityFigures>;
  },
): Promise<ModelCard> {
  const { request, format, precision, preset, layout, student, manifest } = plan;
  const { mean, std } = manifest.statistics;
  const files = (await listFiles(temporary)).filter((file) => !file.path.endsWith('.partial'));
  const modelFiles =
    format === 'onnx'
      ? files.filter((file) => file.path === onnxFile)
      : files.filter((file) => file.path.startsWith(`${tfjsFolder}/`));
  const modelBytes = modelFiles.reduce((total, file) => total + file.bytes, 0);
  const written = modelCardSchema.parse({
    workbenchVersion: request.workbenchVersion,
    createdAt: new Date().toISOString(),
    backbone: student.backbone,
    format,
    precision,
    classNames: manifest.classNames,
    input: {
      height: student.inputShape[0],
      width: student.inputShape[1],
      channels: student.inputShape[2],
      onnxLayout: format === 'onnx' ? layout : null,
      ...(format === 'onnx' ? { name: onnxInputName } : {}),
      preprocessing: plan.preprocessing,
      mean,
      std,
    },
    outputs: measured.outputs,
    datasetFingerprint: manifest.fingerprint,
    training: request.training,
    parameterCount: plan.description.parameterCount,
    macsPerImage: plan.description.macsPerImage,
    peakActivationBytes: peakActivationBytes(student.model),
    files,
    modelBytes,
    preset:
      preset === null
        ? null
        : {
            name: preset.name,
            label: preset.label,
            sizeBudgetBytes: preset.sizeBudgetBytes,
            withinBudget: modelBytes <= preset.sizeBudgetBytes,
          },
    latency: measured.latency,
    parity: measured.parity,
  });
  const finished: ModelCard = { ...written, definitions: modelCardDefinitions(written) };
  await writeFileDurably(join(temporary, modelCardJsonFile), `${JSON.stringify(finished, null, 2)}\n`);
  await writeFileDurably(join(temporary, modelCardMarkdownFile), modelCardMarkdown(finished));
  return finished;
}
