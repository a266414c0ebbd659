import type { z } from 'zod';
import type { ExportRecord, exportRunArgumentsSchema } from '../../../src-shared/contracts/api.js';
import { exportRun } from '../../services/exports-service.js';
import { UsageError } from '../cli-arguments.js';
import { resolveStoredId, withCliHost } from '../cli-host.js';
import type { HostFlags } from '../cli-host.js';
import { formatBytes, formatPercent } from '../output/text-format.js';

type ExportRunArguments = z.infer<typeof exportRunArgumentsSchema>;

interface CardSummary {
  readonly modelBytes?: number;
  readonly preset?: {
    readonly label: string;
    readonly sizeBudgetBytes: number;
    readonly withinBudget: boolean;
  } | null;
  readonly parity?: Record<
    string,
    {
      images: number;
      maxAbsLogitDifference: number;
      top1Agreement: number;
      exportedAccuracy: number;
      accuracyChange: number;
    }
  >;
  readonly latency?: Record<string, { medianMilliseconds: number; engine: string }>;
}

/** A few lines a person reads after an export: where, how large, how faithful, how fast. */
export function formatExportSummary(record: ExportRecord): string {
  const card = record.card as CardSummary;
  const lines = [`Exported ${record.format} (${record.precision}) to ${record.directory}`];
  if (card.modelBytes !== undefined) lines.push(`  model files: ${formatBytes(card.modelBytes)}`);
  if (card.preset) {
    lines.push(
      `  preset ${card.preset.label}: budget ${formatBytes(card.preset.sizeBudgetBytes)} ` +
        (card.preset.withinBudget ? 'met' : 'NOT met'),
    );
  }
  for (const [name, figures] of Object.entries(card.parity ?? {})) {
    lines.push(
      `  ${name}: max |Δlogit| ${figures.maxAbsLogitDifference.toExponential(2)}, top-1 agreement ` +
        `${formatPercent(figures.top1Agreement)}, accuracy ${formatPercent(figures.exportedAccuracy)} ` +
        `(${(100 * figures.accuracyChange).toFixed(2)} points) on ${figures.images} test images`,
    );
  }
  for (const [name, figures] of Object.entries(card.latency ?? {})) {
    lines.push(
      `  latency ${name}: ${figures.medianMilliseconds.toFixed(2)} ms median (batch 1, ${figures.engine})`,
    );
  }
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
