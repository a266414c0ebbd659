import type { ExperimentResults, MeanAndSpread } from '../contracts/run-types.js';
import type { DatasetSummary } from '../contracts/domain-types.js';
import { describeBackbone } from './backbone-catalog.js';
import type { BackboneDescription } from './backbone-catalog.js';
import type { DistillationMethod } from './method-catalog.js';
import { methodLabels, resultsCsvColumns, teacherLabel } from './vocabulary.js';

/** Size and speed of a network, when known. */
export interface NetworkFigures {
  readonly parameters: number | null;
  readonly bytes: number | null;
  readonly latencyMilliseconds: number | null;
}

/** The order results are listed in: the teacher, the student alone, then the methods from simplest to RTK. */
export const resultsOrder: readonly ('teacher' | DistillationMethod)[] = [
  'teacher',
  'none',
  'kd',
  'at',
  'afd',
  'rtk',
];

/** The image shape and classes of a dataset, all the catalog needs to size a network for it. */
export type DatasetShape = Pick<DatasetSummary, 'classCount' | 'imageHeight' | 'imageWidth' | 'channels'>;

/**
 * The catalog description of a network for a dataset; null for an unknown dataset or a network the catalog
 * cannot build (an imported teacher).
 */
export function describeForDataset(
  backbone: string | null,
  dataset: DatasetShape | null,
): BackboneDescription | null {
  if (backbone === null || dataset === null) return null;
  try {
    return describeBackbone(backbone, {
      classes: dataset.classCount,
      inputShape: [dataset.imageHeight, dataset.imageWidth, dataset.channels],
    });
  } catch {
    return null;
  }
}

/** Parameters and float32 size of a catalog network for a dataset's images; latency is measured, so unknown here. */
export function catalogFigures(backbone: string | null, dataset: DatasetShape | null): NetworkFigures | null {
  const description = describeForDataset(backbone, dataset);
  return description === null
    ? null
    : { parameters: description.parameterCount, bytes: description.float32Bytes, latencyMilliseconds: null };
}

type CsvCell = string | number | null;

function csvCell(value: CsvCell): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function percent(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Number((value * 100).toFixed(4));
}

/**
 * The results of an experiment as CSV (RFC 4180, CRLF): the columns of `resultsCsvColumns`, a row for the
 * teacher when there is one, then the methods in `resultsOrder`; unknown values are empty cells.
 */
export function buildResultsCsv(
  results: ExperimentResults,
  figures: { readonly teacher: NetworkFigures | null; readonly student: NetworkFigures | null },
): string {
  const figureCells = (known: NetworkFigures | null): CsvCell[] => [
    known?.parameters ?? null,
    known?.bytes ?? null,
    known?.latencyMilliseconds ?? null,
  ];
  const accuracyCells = (best: MeanAndSpread | null, last: MeanAndSpread | null): CsvCell[] => [
    percent(best?.mean),
    percent(best?.std),
    percent(last?.mean),
    percent(last?.std),
  ];
  const rows: CsvCell[][] = [];
  const teacher = results.teacher;
  if (teacher !== null) {
    const single = (value: number | null): MeanAndSpread | null =>
      value === null ? null : { mean: value, std: 0, count: 1 };
    rows.push([
      results.experimentId,
      'teacher',
      teacherLabel,
      teacher.backbone,
      '',
      teacher.bestTop1 === null ? 0 : 1,
      1,
      ...accuracyCells(single(teacher.bestTop1), single(teacher.lastTop1)),
      null,
      null,
      ...figureCells(figures.teacher),
    ]);
  }
  for (const key of resultsOrder) {
    const method = results.methods.find((entry) => entry.method === key);
    if (method === undefined) continue;
    rows.push([
      results.experimentId,
      method.method,
      methodLabels[method.method],
      results.studentBackbone,
      method.seeds.join(' '),
      method.finishedRuns,
      method.runIds.length,
      ...accuracyCells(method.best, method.last),
      percent(method.gainBest),
      percent(method.gainLast),
      ...figureCells(figures.student),
    ]);
  }
  return [[...resultsCsvColumns], ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
