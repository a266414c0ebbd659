import type { ModelCard, ParityFigures } from '../contracts/model-card.js';
import {
  exportedAccuracyDefinition,
  float32LogitTolerance,
  inAppAccuracyDefinition,
  latencyDefinition,
  logitDifferenceDefinition,
  macsDefinition,
  modelFilesDefinition,
  parametersDefinition,
  peakMemoryDefinition,
  teacherAccuracyDefinition,
  testImagesText,
  testTop1Definition,
  top1AgreementDefinition,
} from './figure-definitions.js';
import type { FigureDefinition, TeacherMeasurement } from './figure-definitions.js';
import { methodLabel, figureNames } from './vocabulary.js';

/**
 * The model card as a document: sections of facts, tables, paragraphs and code, each figure with its
 * definition. The UI renders it as a page and MODEL_CARD.md as Markdown, so both say the same thing.
 */

/** One labelled value; `code` marks paths, hashes and ids (shown in a fixed-width font, wrapping anywhere). */
export interface CardFact {
  readonly label: string;
  readonly value: string;
  readonly code?: boolean;
  readonly definition?: FigureDefinition;
}

/** A part of a section. */
export type CardBlock =
  | { readonly kind: 'facts'; readonly heading: string | null; readonly facts: readonly CardFact[] }
  | {
      readonly kind: 'table';
      readonly caption: string;
      readonly columns: readonly string[];
      readonly rows: readonly (readonly string[])[];
      /** Columns whose cells are paths or ids. */
      readonly codeColumns: readonly number[];
    }
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'code'; readonly caption: string; readonly code: string };

/** The card's sections, in reading order. */
export const cardSectionIds = ['model', 'input', 'training', 'quality', 'files', 'usage'] as const;
export type CardSectionId = (typeof cardSectionIds)[number];

/** One section of the card. */
export interface CardSection {
  readonly id: CardSectionId;
  readonly title: string;
  readonly blocks: readonly CardBlock[];
}

/** The whole card. */
export interface CardDocument {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: readonly CardSection[];
}

const sectionTitles: Readonly<Record<CardSectionId, string>> = {
  model: 'What the model is',
  input: 'How to feed it',
  training: 'How it was trained',
  quality: 'How good it is',
  files: 'Files',
  usage: 'How to run it',
};

/** How the card names the value of something an older card did not record. */
export const notRecorded = 'not recorded (exported by an earlier version)';

function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? 'not recorded' : `${(100 * value).toFixed(2)} %`;
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Bytes in B, KiB or MiB. */
export function cardBytes(value: number): string {
  if (value >= 1024 * 1024) return `${(value / (1024 * 1024)).toFixed(2)} MiB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${value} B`;
}

function formatName(format: ModelCard['format']): string {
  return format === 'onnx' ? 'ONNX' : 'TensorFlow.js';
}

/**
 * The name of a parity or latency entry ("onnx", "tfjs", "onnxRuntime") as the card shows it; an ONNX export's
 * TensorFlow.js entries are about the copy the demo page runs.
 */
function engineEntryName(card: ModelCard, key: string): string {
  if (key === 'onnx' || key === 'onnxRuntime') return 'ONNX';
  if (key === 'tfjs') return card.format === 'onnx' ? 'TensorFlow.js copy' : 'TensorFlow.js';
  return key;
}

function listOfNumbers(values: readonly number[]): string {
  return `[${values.map((value) => Number(value.toFixed(4))).join(', ')}]`;
}

function modelSection(card: ModelCard): CardSection {
  const { training } = card;
  const facts: CardFact[] = [
    { label: figureNames.network, value: card.backbone },
    {
      label: 'Format',
      value: `${formatName(card.format)}, ${card.precision} weights`,
    },
    { label: 'Classes', value: String(card.classNames.length) },
    { label: 'Dataset', value: training.datasetName },
    { label: 'Dataset fingerprint (sha256)', value: card.datasetFingerprint, code: true },
    ...(training.runId === null ? [] : [{ label: 'Run', value: training.runId, code: true }]),
    { label: 'Exported', value: `by RTK Workbench ${card.workbenchVersion} on ${card.createdAt}` },
  ];
  return {
    id: 'model',
    title: sectionTitles.model,
    blocks: [
      {
        kind: 'paragraph',
        text:
          `An image classifier (${card.backbone}) for ${card.classNames.length} classes, trained by ` +
          `${training.method === 'none' ? 'itself, without a teacher' : `distillation (${methodLabel(training.method)})`} ` +
          `on ${training.datasetName}.`,
      },
      { kind: 'facts', heading: null, facts },
      {
        kind: 'paragraph',
        text: `Classes, in output order: ${card.classNames.map((name, index) => `${index} ${name}`).join(', ')}.`,
      },
    ],
  };
}

function inputSection(card: ModelCard): CardSection {
  const { input } = card;
  const facts: CardFact[] = [
    {
      label: 'Image size',
      value: `${input.height}×${input.width}, ${input.channels} channel${input.channels === 1 ? '' : 's'}`,
    },
    {
      label: 'Layout',
      value:
        input.onnxLayout === null
          ? 'NHWC (batch, height, width, channels)'
          : `ONNX ${input.onnxLayout}; the TensorFlow.js copy NHWC`,
    },
    ...(input.name === undefined ? [] : [{ label: 'ONNX input name', value: input.name, code: true }]),
    { label: 'Values', value: 'float32, any batch size' },
    { label: 'Mean (per channel)', value: listOfNumbers(input.mean) },
    { label: 'Standard deviation (per channel)', value: listOfNumbers(input.std) },
    { label: 'Outputs', value: card.outputs.join(', ') },
  ];
  return {
    id: 'input',
    title: sectionTitles.input,
    blocks: [
      { kind: 'paragraph', text: input.preprocessing },
      { kind: 'facts', heading: null, facts },
    ],
  };
}

function teacherMeasurementOf(card: ModelCard): TeacherMeasurement | null {
  const training = card.training;
  if (training.teacherAccuracy !== undefined && training.teacherAccuracy !== null) {
    return training.teacherAccuracy.measurement;
  }
  return null;
}

function hyperparameterBlocks(card: ModelCard): CardBlock[] {
  const training = card.training;
  if (training.method === 'none') {
    return [
      { kind: 'paragraph', text: 'The student alone learns from the labels only: no distillation settings.' },
    ];
  }
  const resolved = training.resolvedHyperparameters;
  if (resolved !== undefined) {
    const sourceWords = { set: 'set in the experiment', default: 'default', derived: 'derived' };
    return [
      {
        kind: 'table',
        caption: `${methodLabel(training.method)} settings (every value the training used, defaults included)`,
        columns: ['Setting', 'Value', 'Where it comes from'],
        rows: resolved.map((entry) => [
          entry.label,
          entry.value === null ? 'not known' : entry.shown,
          entry.source === 'derived' && entry.rule !== null
            ? `derived: ${entry.rule}`
            : sourceWords[entry.source],
        ]),
        codeColumns: [],
      },
    ];
  }
  const recorded = Object.entries(training.hyperparameters);
  return [
    {
      kind: 'paragraph',
      text:
        `Settings ${notRecorded}, which recorded only the values set by hand` +
        (recorded.length === 0
          ? ' (none were): every other value was the default of that version.'
          : `: ${recorded.map(([key, value]) => `${key} = ${value}`).join(', ')}.`),
    },
  ];
}

function trainingSection(card: ModelCard): CardSection {
  const training = card.training;
  const facts: CardFact[] = [
    { label: figureNames.method, value: methodLabel(training.method) },
    { label: 'Teacher', value: training.teacher ?? 'none' },
  ];
  const measurement = teacherMeasurementOf(card);
  if (training.teacherAccuracy !== undefined && training.teacherAccuracy !== null && measurement !== null) {
    facts.push({
      label: figureNames.teacherAccuracy,
      value: percent(training.teacherAccuracy.top1),
      definition: teacherAccuracyDefinition(measurement),
    });
  }
  const imported = training.importedTeacher;
  if (imported !== undefined && imported !== null) {
    facts.push(
      { label: 'Teacher file', value: imported.file, code: true },
      { label: 'Teacher format', value: imported.format },
      { label: 'Teacher fingerprint (sha256)', value: imported.fingerprint, code: true },
    );
    if (training.teacherAccuracy === undefined || training.teacherAccuracy === null) {
      facts.push({
        label: `${figureNames.teacherAccuracy} at import`,
        value: `${imported.testTop1.toFixed(2)} %`,
      });
    }
  }
  facts.push(
    { label: 'Seed', value: training.seed === null ? 'unknown' : String(training.seed) },
    { label: 'Epochs', value: training.epochs === null ? 'unknown' : String(training.epochs) },
  );
  const recipe = training.recipe;
  const recipeFacts: CardFact[] =
    recipe === undefined || recipe === null
      ? [{ label: 'Recipe', value: notRecorded }]
      : [
          { label: 'Batch size', value: String(recipe.batchSize) },
          { label: 'Learning rate', value: String(recipe.learningRate) },
          { label: 'Learning-rate schedule', value: recipe.learningRateSchedule },
          { label: 'Warm-up epochs', value: String(recipe.warmupEpochs) },
          { label: 'Momentum', value: String(recipe.momentum) },
          { label: 'Weight decay', value: String(recipe.weightDecay) },
          { label: 'Augmentation', value: recipe.augmentation },
          {
            label: 'Training images',
            value:
              recipe.trainImages >= recipe.trainSplitImages
                ? `all ${count(recipe.trainSplitImages)}`
                : `${count(recipe.trainImages)} of ${count(recipe.trainSplitImages)} (a fixed random subset)`,
          },
        ];
  return {
    id: 'training',
    title: sectionTitles.training,
    blocks: [
      { kind: 'facts', heading: null, facts },
      ...hyperparameterBlocks(card),
      { kind: 'facts', heading: 'Recipe', facts: recipeFacts },
    ],
  };
}

/**
 * The accuracy facts of the parity checks. The in-app accuracy is shown once when every check ran on the same
 * images (as they do), else beside each check.
 */
function parityFacts(card: ModelCard): CardFact[] {
  const entries = Object.entries(card.parity);
  const first = entries[0]?.[1];
  const sharedInApp =
    first !== undefined &&
    entries.every(
      ([, parity]) => parity.images === first.images && parity.inAppAccuracy === first.inAppAccuracy,
    );
  const inAppFact = (parity: ParityFigures, name: string | null): CardFact => ({
    label: name === null ? figureNames.inAppAccuracy : `${figureNames.inAppAccuracy} (beside ${name})`,
    value: `${percent(parity.inAppAccuracy)} on ${count(parity.images)} images`,
    definition: inAppAccuracyDefinition(parity),
  });
  const facts: CardFact[] = sharedInApp ? [inAppFact(first, null)] : [];
  for (const [key, parity] of entries) {
    const exportedAs = key === 'onnx' ? 'onnx' : 'tfjs';
    const name = engineEntryName(card, key);
    facts.push(
      {
        label: `${figureNames.exportedAccuracy} (${name})`,
        value: `${percent(parity.exportedAccuracy)} on ${count(parity.images)} images`,
        definition: exportedAccuracyDefinition(parity, exportedAs),
      },
      ...(sharedInApp ? [] : [inAppFact(parity, name)]),
      {
        label: `${figureNames.top1Agreement} (${name})`,
        value: percent(parity.top1Agreement),
        definition: top1AgreementDefinition(parity, exportedAs),
      },
      {
        label: `${figureNames.logitDifference} (${name})`,
        value: parity.maxAbsLogitDifference.toExponential(2),
        definition: logitDifferenceDefinition(parity, exportedAs, float32LogitTolerance),
      },
    );
  }
  return facts;
}

function qualitySection(card: ModelCard): CardSection {
  const training = card.training;
  const accuracyFacts: CardFact[] = [
    {
      label: `${figureNames.testTop1} (recorded by the run)`,
      value:
        percent(training.testTop1) +
        (training.testEvaluation === undefined || training.testEvaluation === null
          ? ''
          : ` on ${testImagesText(training.testEvaluation)}`),
      definition: testTop1Definition(training.testEvaluation ?? null, training.epochs),
    },
    ...parityFacts(card),
  ];
  const costFacts: CardFact[] = [
    { label: figureNames.parameters, value: count(card.parameterCount), definition: parametersDefinition() },
    {
      label: figureNames.macs,
      value: count(card.macsPerImage),
      definition: macsDefinition([card.input.height, card.input.width, card.input.channels]),
    },
    {
      label: figureNames.peakMemory,
      value: cardBytes(card.peakActivationBytes),
      definition: peakMemoryDefinition(),
    },
    {
      label: figureNames.modelFiles,
      value:
        cardBytes(card.modelBytes) +
        (card.preset === null
          ? ''
          : `; ${card.preset.label} budget ${cardBytes(card.preset.sizeBudgetBytes)} ${card.preset.withinBudget ? 'met' : 'NOT met'}`),
      definition: modelFilesDefinition(card.format, card.precision),
    },
  ];
  const latencyFacts: CardFact[] = Object.entries(card.latency).map(([key, latency]) => ({
    label: `${figureNames.latency} (${engineEntryName(card, key)})`,
    value: `${latency.medianMilliseconds.toFixed(3)} ms median, ${latency.p90Milliseconds.toFixed(3)} ms p90`,
    definition: latencyDefinition(latency, 'exported'),
  }));
  return {
    id: 'quality',
    title: sectionTitles.quality,
    blocks: [
      { kind: 'facts', heading: 'Accuracy', facts: accuracyFacts },
      { kind: 'facts', heading: 'Size and cost', facts: costFacts },
      {
        kind: 'facts',
        heading: 'Speed on the exporting machine',
        facts:
          latencyFacts.length === 0 ? [{ label: figureNames.latency, value: notRecorded }] : latencyFacts,
      },
    ],
  };
}

function filesSection(card: ModelCard): CardSection {
  return {
    id: 'files',
    title: sectionTitles.files,
    blocks: [
      {
        kind: 'table',
        caption: `Files of the export (${figureNames.modelFiles.toLowerCase()}: ${cardBytes(card.modelBytes)})`,
        columns: ['File', 'Size'],
        rows: card.files.map((file) => [file.path, cardBytes(file.bytes)]),
        codeColumns: [0],
      },
    ],
  };
}

function usageSection(card: ModelCard): CardSection {
  const { input } = card;
  const shape = `${input.height}, ${input.width}, ${input.channels}`;
  const mean = listOfNumbers(input.mean);
  const std = listOfNumbers(input.std);
  const blocks: CardBlock[] = [];
  if (card.format === 'onnx') {
    const transpose = input.onnxLayout === 'NCHW' ? '.transpose(2, 0, 1)' : '';
    blocks.push({
      kind: 'code',
      caption: 'ONNX with onnxruntime in Python (image: a height × width × channels array of 0..255 pixels)',
      code: [
        'import numpy as np, onnxruntime as ort',
        `session = ort.InferenceSession("model.onnx")`,
        `x = (image.astype(np.float32) - np.array(${mean}, np.float32)) / np.array(${std}, np.float32)`,
        `scores = session.run(["${card.outputs[0] ?? 'logits'}"], {"${input.name ?? 'input'}": x${transpose}[None]})[0]`,
        'print(scores.argmax(axis=1))',
      ].join('\n'),
    });
  }
  blocks.push(
    {
      kind: 'code',
      caption: 'TensorFlow.js (tfjs/model.json; pixels: a Float32Array of 0..255 values in NHWC order)',
      code: [
        "const model = await tf.loadLayersModel('tfjs/model.json');",
        `const x = tf.tensor4d(pixels, [1, ${shape}]).sub(${mean}).div(${std});`,
        'const scores = model.predict(x);',
        'console.log((await scores.argMax(1).data())[0]);',
      ].join('\n'),
    },
    {
      kind: 'paragraph',
      text:
        'Or open index.html in a browser (from disk or a local web server) and drop an image on it: it runs ' +
        'the TensorFlow.js copy offline with tf.min.js from this folder.',
    },
  );
  return { id: 'usage', title: sectionTitles.usage, blocks };
}

/** The card's document: every section, with each figure's definition beside it. */
export function modelCardDocument(card: ModelCard): CardDocument {
  return {
    title: `${card.backbone} student, ${formatName(card.format)} (${card.precision})`,
    subtitle: `${methodLabel(card.training.method)} on ${card.training.datasetName}`,
    sections: [
      modelSection(card),
      inputSection(card),
      trainingSection(card),
      qualitySection(card),
      filesSection(card),
      usageSection(card),
    ],
  };
}

/** Every figure definition the card's document shows, once each, for model-card.json. */
export function modelCardDefinitions(card: ModelCard): NonNullable<ModelCard['definitions']> {
  const definitions: NonNullable<ModelCard['definitions']> = [];
  for (const section of modelCardDocument(card).sections) {
    for (const block of section.blocks) {
      if (block.kind !== 'facts') continue;
      for (const fact of block.facts) {
        if (fact.definition === undefined) continue;
        const known = definitions.some((entry) => JSON.stringify(entry) === JSON.stringify(fact.definition));
        if (!known) definitions.push({ ...fact.definition, facts: [...fact.definition.facts] });
      }
    }
  }
  return definitions;
}
