import type { ExperimentDetails } from '../../../src-shared/contracts/api.js';
import type { ExperimentResults, MeanAndSpread } from '../../../src-shared/contracts/run-types.js';
import {
  bestTestTop1Definition,
  gainDefinition,
  lastTestTop1Definition,
  teacherAccuracyDefinition,
} from '../../../src-shared/domain/figure-definitions.js';
import { buildResultsCsv, catalogFigures } from '../../../src-shared/domain/results-csv.js';
import type { DatasetShape } from '../../../src-shared/domain/results-csv.js';
import {
  figureNames,
  methodLabels,
  recommendationBasis,
  resultsCaption,
} from '../../../src-shared/domain/vocabulary.js';
import { formatFigureNotes, formatPercent, formatPoints, formatTable } from './text-format.js';

function meanAndSpread(value: MeanAndSpread | null): string {
  if (value === null) return '—';
  return `${(value.mean * 100).toFixed(2)} ± ${(value.std * 100).toFixed(2)}`;
}

/**
 * The results of an experiment as a readable table: per method mean ± std over seeds and the gain over the
 * student alone; with the experiment's measurement facts, footnotes say what each figure means and which
 * images it was measured on.
 */
export function formatResultsTable(
  results: ExperimentResults,
  measurement?: ExperimentDetails['measurement'],
): string {
  const lines: string[] = [];
  const teacher = results.teacher;
  lines.push(
    teacher === null
      ? 'Teacher: none'
      : `Teacher: ${teacher.backbone}, best top-1 ${formatPercent(teacher.bestTop1)}, last ${formatPercent(teacher.lastTop1)}`,
  );
  lines.push(`Student: ${results.studentBackbone}`);
  lines.push('');
  const rows = results.methods.map((entry) => [
    methodLabels[entry.method],
    `${entry.finishedRuns}/${entry.runIds.length}`,
    meanAndSpread(entry.best),
    meanAndSpread(entry.last),
    formatPoints(entry.gainBest),
    formatPoints(entry.gainLast),
  ]);
  lines.push(
    formatTable(
      [
        figureNames.method,
        figureNames.finishedRuns,
        `${figureNames.bestTestTop1} %`,
        `${figureNames.lastTestTop1} %`,
        `${figureNames.gainBest}`,
        `${figureNames.gainLast}`,
      ],
      rows,
      new Set([1, 2, 3, 4, 5]),
    ),
  );
  lines.push('');
  lines.push(resultsCaption);
  const recommendation = results.recommendation;
  if (recommendation !== null) {
    lines.push('');
    lines.push(recommendation.summary);
    for (const warning of recommendation.warnings) lines.push(`Warning: ${warning.message}`);
    lines.push(recommendationBasis);
  }
  if (measurement !== undefined) {
    const seeds = Math.max(0, ...results.methods.map((entry) => entry.seeds.length));
    lines.push(
      ...formatFigureNotes([
        ...(teacher === null ? [] : [teacherAccuracyDefinition(measurement.teacher)]),
        bestTestTop1Definition(measurement.test, { seeds }),
        lastTestTop1Definition(measurement.test, { seeds }),
        gainDefinition(measurement.test),
      ]),
    );
  }
  return lines.join('\n');
}

/**
 * The results as CSV, the same columns as the UI's download: the networks' parameters and sizes come from the
 * catalog for the experiment's dataset; latency is left empty (the UI fills it once measured).
 */
export function formatResultsCsv(results: ExperimentResults, dataset: DatasetShape | null): string {
  return buildResultsCsv(results, {
    teacher: catalogFigures(results.teacher?.backbone ?? null, dataset),
    student: catalogFigures(results.studentBackbone, dataset),
  });
}
