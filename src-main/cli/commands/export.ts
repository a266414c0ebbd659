import type { z } from 'zod';
import type { ExportRecord, exportRunArgumentsSchema } from '../../../src-shared/contracts/api.js';
import {
  exportedAccuracyDefinition,
  float32LogitTolerance,
  inAppAccuracyDefinition,
  latencyDefinition,
  logitDifferenceDefinition,
  modelFilesDefinition,
  parityImagesText,
  testImagesText,
  testTop1Definition,
  threadsText,
  top1AgreementDefinition,
} from '../../../src-shared/domain/figure-definitions.js';
import type { FigureDefinition } from '../../../src-shared/domain/figure-definitions.js';
import { cardBytes } from '../../../src-shared/domain/model-card-document.js';
import { figureNames } from '../../../src-shared/domain/vocabulary.js';
import { exportRun } from '../../services/exports-service.js';
import { UsageError } from '../cli-arguments.js';
import { resolveStoredId, withCliHost } from '../cli-host.js';
import type { HostFlags } from '../cli-host.js';
import { formatFigureNotes, formatPercent } from '../output/text-format.js';

type ExportRunArguments = z.infer<typeof exportRunArgumentsSchema>;

/** Each definition once, in the order first met. */
function distinct(definitions: readonly FigureDefinition[]): FigureDefinition[] {
  const seen = new Set<string>();
  return definitions.filter((definition) => {
    const key = JSON.stringify(definition);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A few lines a person reads after an export: where, how large, how faithful, how fast, and footnotes that say
 * what each figure means and which images or engine it was measured with.
 */
export function formatExportSummary(record: ExportRecord): string {
  const { card } = record;
  const { training } = card;
  const lines = [`Exported ${record.format} (${record.precision}) to ${record.directory}`];
  const definitions: FigureDefinition[] = [];
  const evaluation = training.testEvaluation ?? null;
  lines.push(
    `  ${figureNames.testTop1} recorded by the run: ${formatPercent(training.testTop1)}` +
      (evaluation === null ? '' : ` on ${testImagesText(evaluation)}`),
  );
  definitions.push(testTop1Definition(evaluation, training.epochs));
  lines.push(`  ${figureNames.modelFiles.toLowerCase()}: ${cardBytes(card.modelBytes)}`);
  definitions.push(modelFilesDefinition(card.format, card.precision));
  if (card.preset !== null) {
    lines.push(
      `  preset ${card.preset.label}: budget ${cardBytes(card.preset.sizeBudgetBytes)} ` +
        (card.preset.withinBudget ? 'met' : 'NOT met'),
    );
  }
  for (const [name, figures] of Object.entries(card.parity)) {
    const exportedAs = name === 'onnx' ? 'onnx' : 'tfjs';
    lines.push(
      `  ${name}: ${figureNames.exportedAccuracy.toLowerCase()} ${formatPercent(figures.exportedAccuracy)} ` +
        `(in-app ${formatPercent(figures.inAppAccuracy)}, ${(100 * figures.accuracyChange).toFixed(2)} points), ` +
        `${figureNames.top1Agreement.toLowerCase()} ${formatPercent(figures.top1Agreement)}, ` +
        `max |Δlogit| ${figures.maxAbsLogitDifference.toExponential(2)} on ${parityImagesText(figures)}`,
    );
    definitions.push(
      exportedAccuracyDefinition(figures, exportedAs),
      inAppAccuracyDefinition(figures),
      top1AgreementDefinition(figures, exportedAs),
      logitDifferenceDefinition(figures, exportedAs, float32LogitTolerance),
    );
  }
  for (const [name, figures] of Object.entries(card.latency)) {
    lines.push(
      `  ${figureNames.latency.toLowerCase()} ${name}: ${figures.medianMilliseconds.toFixed(2)} ms median ` +
        `(batch ${figures.batchSize ?? 1}, threads ${threadsText(figures.threads)}, ${figures.engine})`,
    );
    definitions.push(latencyDefinition(figures, 'exported'));
  }
  lines.push(...formatFigureNotes(distinct(definitions)));
  return lines.join('\n');
}

/** `rtk-workbench export RUN ...`: exports a finished run's student, verified, with model card and demo page. */
export async function exportCommand(
  typed: string,
  values: HostFlags & {
    readonly out: string;
    readonly format: ExportRunArguments['format'];
    readonly precision: ExportRunArguments['precision'];
    readonly preset: ExportRunArguments['preset'];
    readonly layout: ExportRunArguments['layout'];
    readonly probabilities: boolean;
    readonly force: boolean;
    readonly json: boolean;
  },
): Promise<number> {
  const { format, precision, preset, layout } = values;
  if (format === undefined && preset === undefined) {
    throw new UsageError('Give --format tfjs|onnx or --preset NAME.');
  }
  const outDirectory = values.out;
  return withCliHost(values, async (host, homeDirectory) => {
    const runId = resolveStoredId(host, 'run', typed);
    const record = await exportRun(
      {
        store: host.store,
        supervisor: host.supervisor,
        homeDirectory,
        forcedBackend: values.backend ?? null,
      },
      {
        runId,
        outDirectory,
        layout,
        probabilities: values.probabilities,
        force: values.force,
        ...(format === undefined ? {} : { format }),
        ...(precision === undefined ? {} : { precision }),
        ...(preset === undefined ? {} : { preset }),
      },
      (message) => {
        if (!values.json) console.error(message);
      },
    );
    console.log(values.json ? JSON.stringify(record, null, 2) : formatExportSummary(record));
    return 0;
  });
}
