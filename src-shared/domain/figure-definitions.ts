import { figureNames } from './vocabulary.js';

/**
 * One definition per figure the workbench shows: its name, one sentence a non-coder understands, and the facts
 * of the measurement (which images, which engine…) filled from the data. The UI shows a definition beside its
 * figure, the CLI prints it as a footnote, and the model card carries it, so a figure means the same thing
 * wherever it appears.
 */

/** Largest logit difference a float32 export may show against the in-app model. */
export const float32LogitTolerance = 1e-4;

/** The figures that have a definition. */
export const figureKeys = [
  'testTop1',
  'testTop5',
  'bestTestTop1',
  'lastTestTop1',
  'perClassAccuracy',
  'gain',
  'teacherAccuracy',
  'inAppAccuracy',
  'exportedAccuracy',
  'top1Agreement',
  'logitDifference',
  'parameters',
  'macs',
  'weightSize',
  'modelFiles',
  'peakMemory',
  'latency',
] as const;
export type FigureKey = (typeof figureKeys)[number];

/** One fact of how a figure was measured, e.g. name "Images", value "500 of the 10,000 test images". */
export interface MeasurementFact {
  readonly name: string;
  readonly value: string;
}

/** What one figure means and how it was measured. */
export interface FigureDefinition {
  readonly key: FigureKey;
  readonly label: string;
  readonly definition: string;
  readonly facts: readonly MeasurementFact[];
}

/** The test images every run of an experiment is measured on. */
export interface TestEvaluation {
  /** Images the runs are evaluated on: the whole test split, or the experiment's test-image limit. */
  readonly images: number;
  /** Images in the dataset's whole test split. */
  readonly splitImages: number;
}

/** How a teacher's accuracy came about: a run of this workbench, a teacher file measured at import, or neither. */
export type TeacherMeasurement =
  | { readonly source: 'trained'; readonly evaluation: TestEvaluation | null }
  | { readonly source: 'imported'; readonly images: number; readonly splitImages: number | null }
  | { readonly source: 'unmeasured' };

/** A latency measurement as the figures record it; the fields added later may be missing from old cards. */
export interface LatencyMeasurement {
  readonly engine: string;
  readonly runs: number;
  readonly batchSize?: number | undefined;
  /** Threads the engine computes with; null when the engine decides (TensorFlow's pool, a GPU). */
  readonly threads?: number | null | undefined;
  readonly warmupRuns?: number | undefined;
}

/** What a latency was measured on: the exported files, a run's trained model, or a network of its architecture. */
export type LatencyModel = 'exported' | 'trained' | 'architecture';

const latencyModelWords: Readonly<Record<LatencyModel, string>> = {
  exported: 'the exported files',
  trained: 'the run’s trained model',
  architecture: 'an untrained network of the same architecture (speed does not depend on the weights)',
};

/** The test evaluation of an experiment: its test-image limit applied to the dataset's test split. */
export function testEvaluationOf(
  testImageLimit: number | null | undefined,
  splitImages: number,
): TestEvaluation {
  return {
    images:
      testImageLimit === null || testImageLimit === undefined
        ? splitImages
        : Math.min(testImageLimit, splitImages),
    splitImages,
  };
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

const splitFact: MeasurementFact = { name: 'Split', value: 'test (images never used for training)' };

/** Which test images a run's figures use, in words. */
export function testImagesText(evaluation: TestEvaluation): string {
  return evaluation.images >= evaluation.splitImages
    ? `all ${count(evaluation.splitImages)} test images`
    : `${count(evaluation.images)} of the ${count(evaluation.splitImages)} test images (the experiment’s ` +
        'test-image limit: the same fixed random subset for every run of the experiment)';
}

function evaluationFacts(evaluation: TestEvaluation | null): MeasurementFact[] {
  return [
    splitFact,
    {
      name: 'Images',
      value: evaluation === null ? 'the test images of the run’s experiment' : testImagesText(evaluation),
    },
  ];
}

function epochFact(epochs: number | null | undefined): MeasurementFact {
  return {
    name: 'Epoch',
    value:
      epochs === null || epochs === undefined
        ? 'the final one'
        : `the final one (epoch ${epochs}), whose weights are saved and exported`,
  };
}

function seedsFact(seeds: number | undefined): MeasurementFact[] {
  if (seeds === undefined) return [];
  return [
    {
      name: 'Seeds',
      value: seeds === 1 ? 'one seed' : `mean ± standard deviation over ${seeds} seeds`,
    },
  ];
}

/** Test top-1 of a run after its final epoch: the figure of the model that is saved and exported. */
export function testTop1Definition(
  evaluation: TestEvaluation | null,
  epochs?: number | null,
): FigureDefinition {
  return {
    key: 'testTop1',
    label: figureNames.testTop1,
    definition:
      'The share of test images whose most likely class, as the trained model predicts it, is the right one.',
    facts: [...evaluationFacts(evaluation), epochFact(epochs)],
  };
}

/** Test top-5 of a run after its final epoch. */
export function testTop5Definition(evaluation: TestEvaluation | null): FigureDefinition {
  return {
    key: 'testTop5',
    label: figureNames.testTop5,
    definition:
      'The share of test images whose right class is among the five the model finds most likely (among all ' +
      'classes when there are fewer than five).',
    facts: [...evaluationFacts(evaluation), epochFact(null)],
  };
}

/** The best epoch's test top-1: the highest of the per-epoch figures. */
export function bestTestTop1Definition(
  evaluation: TestEvaluation | null,
  options: { readonly seeds?: number } = {},
): FigureDefinition {
  return {
    key: 'bestTestTop1',
    label: figureNames.bestTestTop1,
    definition:
      'The highest test top-1 of any epoch. It is chosen by looking at the test images, so it flatters a ' +
      'little; the exported model is the final epoch’s.',
    facts: [
      ...evaluationFacts(evaluation),
      { name: 'Epoch', value: 'the best one' },
      ...seedsFact(options.seeds),
    ],
  };
}

/** The final epoch's test top-1, as results tables show it. */
export function lastTestTop1Definition(
  evaluation: TestEvaluation | null,
  options: { readonly seeds?: number } = {},
): FigureDefinition {
  return {
    key: 'lastTestTop1',
    label: figureNames.lastTestTop1,
    definition: 'The test top-1 after the final epoch: the figure of the model that is saved and exported.',
    facts: [...evaluationFacts(evaluation), epochFact(null), ...seedsFact(options.seeds)],
  };
}

/** Per-class accuracy after the final epoch. */
export function perClassAccuracyDefinition(evaluation: TestEvaluation | null): FigureDefinition {
  return {
    key: 'perClassAccuracy',
    label: figureNames.perClassAccuracy,
    definition: 'For each class, the share of its test images the model classifies right.',
    facts: [...evaluationFacts(evaluation), epochFact(null)],
  };
}

/** A method's gain over the student trained alone. */
export function gainDefinition(evaluation: TestEvaluation | null): FigureDefinition {
  return {
    key: 'gain',
    label: figureNames.gain,
    definition:
      'A method’s test top-1 minus the student alone’s, in percentage points (mean over seeds); above zero ' +
      'the teacher helped.',
    facts: evaluationFacts(evaluation),
  };
}

/** The teacher's accuracy: its run's final test top-1, or the accuracy measured when its file was imported. */
export function teacherAccuracyDefinition(teacher: TeacherMeasurement): FigureDefinition {
  const label = figureNames.teacherAccuracy;
  switch (teacher.source) {
    case 'trained':
      return {
        key: 'teacherAccuracy',
        label,
        definition:
          'The test top-1 of the teacher trained here, after its final epoch, on the same test images as the students.',
        facts: [
          ...evaluationFacts(teacher.evaluation),
          { name: 'Teacher', value: 'trained in this workbench' },
        ],
      };
    case 'imported':
      return {
        key: 'teacherAccuracy',
        label,
        definition:
          'The test top-1 of the imported teacher file, measured by the workbench when it was imported.',
        facts: [
          splitFact,
          {
            name: 'Images',
            value:
              teacher.splitImages === null || teacher.images < teacher.splitImages
                ? `${count(teacher.images)} test images`
                : `all ${count(teacher.images)} test images (the students may use fewer: see their figures)`,
          },
          { name: 'Teacher', value: 'imported from a file and measured at import' },
        ],
      };
    case 'unmeasured':
      return {
        key: 'teacherAccuracy',
        label,
        definition: 'The teacher came from a model file that the workbench did not measure.',
        facts: [],
      };
  }
}

/** Where parity compares an export with the in-app model: how many images, and whether they are the run's. */
export interface ParityImages {
  readonly images: number;
  /** The run's test images; missing on cards exported before it was recorded. */
  readonly runTestImages?: number | null | undefined;
}

/** The images of a parity check in words: the run's own test images, or a named part of them. */
export function parityImagesText(parity: ParityImages): string {
  const runImages = parity.runTestImages;
  if (runImages === null || runImages === undefined) {
    return `${count(parity.images)} test images (an export of an older version: not necessarily the run’s)`;
  }
  return parity.images >= runImages
    ? `the run’s ${count(runImages)} test images, the same as its ${figureNames.testTop1}`
    : `${count(parity.images)} of the run’s ${count(runImages)} test images, evenly spread (not all: ` +
        `compare with the run’s ${figureNames.testTop1} with care)`;
}

function parityFacts(parity: ParityImages, engine: string): MeasurementFact[] {
  return [splitFact, { name: 'Images', value: parityImagesText(parity) }, { name: 'Engine', value: engine }];
}

/** The engine the workbench runs its own models in, as parity names it. */
export const inAppEngine = 'TensorFlow.js in the workbench';

/** The trained model's accuracy as the workbench runs it, measured during the export. */
export function inAppAccuracyDefinition(parity: ParityImages): FigureDefinition {
  return {
    key: 'inAppAccuracy',
    label: figureNames.inAppAccuracy,
    definition: 'The test top-1 of the trained model as the workbench runs it, measured during the export.',
    facts: parityFacts(parity, inAppEngine),
  };
}

/** The engine that runs an exported format when the export is verified. */
export function exportEngineName(exportedAs: string): string {
  return exportedAs === 'onnx'
    ? 'ONNX Runtime (onnxruntime-node, CPU)'
    : 'TensorFlow.js, reading the exported files';
}

/** The exported files' accuracy, measured on the same images as the in-app figure. */
export function exportedAccuracyDefinition(parity: ParityImages, exportedAs: string): FigureDefinition {
  return {
    key: 'exportedAccuracy',
    label: figureNames.exportedAccuracy,
    definition:
      'The test top-1 of the exported files, on the same images as the in-app figure; smaller weights ' +
      '(float16, uint8) may change it a little.',
    facts: parityFacts(parity, exportEngineName(exportedAs)),
  };
}

/** How often the export and the in-app model pick the same class. */
export function top1AgreementDefinition(parity: ParityImages, exportedAs: string): FigureDefinition {
  return {
    key: 'top1Agreement',
    label: figureNames.top1Agreement,
    definition:
      'The share of images on which the exported model and the workbench’s pick the same class; float32 ' +
      'exports must agree on every image.',
    facts: parityFacts(parity, exportEngineName(exportedAs)),
  };
}

/** The largest difference between the two models' class scores. */
export function logitDifferenceDefinition(
  parity: ParityImages,
  exportedAs: string,
  tolerance: number,
): FigureDefinition {
  return {
    key: 'logitDifference',
    label: figureNames.logitDifference,
    definition:
      'The largest difference between any class score (logit) of the exported model and the workbench’s, ' +
      `over every image and class; a float32 export must stay at or below ${tolerance}.`,
    facts: parityFacts(parity, exportEngineName(exportedAs)),
  };
}

/** The parameter count of a network. */
export function parametersDefinition(): FigureDefinition {
  return {
    key: 'parameters',
    label: figureNames.parameters,
    definition:
      'The numbers the network learned: convolution and dense weights, biases, batch-norm scales and offsets. ' +
      'Batch-norm running statistics are saved too but not counted.',
    facts: [{ name: 'Source', value: 'counted from the architecture' }],
  };
}

/** Multiply-adds per image. */
export function macsDefinition(inputShape: readonly [number, number, number] | null): FigureDefinition {
  return {
    key: 'macs',
    label: figureNames.macs,
    definition:
      'The multiplications-and-additions one image costs in the convolutions and the final dense layer ' +
      '(batch-norm, activations, additions and pooling are not counted).',
    facts: [
      {
        name: 'Image',
        value: inputShape === null ? 'the dataset’s image size' : inputShape.join('×'),
      },
      { name: 'Batch size', value: '1' },
    ],
  };
}

const bytesPerValue = { float32: 4, float16: 2, uint8: 1 } as const;

/** The size of a network's weights at one precision. */
export function weightSizeDefinition(precision: keyof typeof bytesPerValue): FigureDefinition {
  return {
    key: 'weightSize',
    label: precision === 'float32' ? figureNames.size : `Size (${precision})`,
    definition:
      `Every saved weight at ${bytesPerValue[precision]} byte${bytesPerValue[precision] === 1 ? '' : 's'} ` +
      'each, batch-norm running statistics included, without any file format’s overhead.',
    facts: [{ name: 'Precision', value: precision }],
  };
}

/** The bytes of the model files an export holds. */
export function modelFilesDefinition(exportedAs: string, precision: string): FigureDefinition {
  return {
    key: 'modelFiles',
    label: figureNames.modelFiles,
    definition:
      'The bytes a device loads: model.onnx for ONNX, model.json with its weights file for TensorFlow.js ' +
      '(the demo page and the card not counted).',
    facts: [
      { name: 'Format', value: exportedAs === 'onnx' ? 'ONNX' : 'TensorFlow.js' },
      { name: 'Precision', value: precision },
    ],
  };
}

/** Peak activation memory for one image. */
export function peakMemoryDefinition(): FigureDefinition {
  return {
    key: 'peakMemory',
    label: figureNames.peakMemory,
    definition:
      'The most layer outputs alive at once while one image is classified, at 4 bytes per value; the weights ' +
      'come on top.',
    facts: [
      { name: 'Batch size', value: '1' },
      { name: 'Precision', value: 'float32' },
    ],
  };
}

/** How the threads of a latency measurement read. */
export function threadsText(threads: number | null | undefined): string {
  if (threads === undefined) return 'not recorded';
  if (threads === null) return 'chosen by the engine';
  return threads === 1 ? '1 (one core)' : String(threads);
}

/** Batch-1 latency on this machine: what ran, with which settings, on which model. */
export function latencyDefinition(latency: LatencyMeasurement, model: LatencyModel): FigureDefinition {
  return {
    key: 'latency',
    label: figureNames.latency,
    definition:
      'The median time to classify one image on this machine, from handing it in to reading the class ' +
      'scores back. Engines differ: compare latencies of the same engine only.',
    facts: [
      { name: 'Engine', value: latency.engine },
      { name: 'Model', value: latencyModelWords[model] },
      { name: 'Batch size', value: latency.batchSize === undefined ? '1' : String(latency.batchSize) },
      { name: 'Threads', value: threadsText(latency.threads) },
      {
        name: 'Runs',
        value:
          latency.warmupRuns === undefined
            ? `median of ${latency.runs} timed runs`
            : `median of ${latency.runs} timed runs after ${latency.warmupRuns} warm-up runs`,
      },
    ],
  };
}

/** A definition as one line of text: the CLI's footnotes and MODEL_CARD.md print it. */
export function definitionLine(definition: FigureDefinition): string {
  const facts = definition.facts.map((fact) => `${fact.name.toLowerCase()}: ${fact.value}`).join('; ');
  return `${definition.label}: ${definition.definition}${facts === '' ? '' : ` (${facts})`}`;
}
