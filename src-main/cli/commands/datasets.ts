import type { DatasetDetails } from '../../../src-shared/contracts/api.js';
import { printListing, resolveStoredId, withCliHost } from '../cli-host.js';
import type { JsonHostFlags } from '../cli-host.js';
import { formatCount, formatTable, formatTimestamp, shortId } from '../output/text-format.js';

interface ManifestView {
  readonly name?: string;
  readonly format?: string;
  readonly sources?: readonly string[];
  readonly importedAt?: string;
  readonly classNames?: readonly string[];
  readonly shape?: readonly number[];
  readonly splits?: readonly { readonly name: string; readonly count: number }[];
  readonly statistics?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly fingerprint?: string;
}

interface HealthView {
  readonly countsPerClass?: readonly { readonly split: string; readonly counts: readonly number[] }[];
  readonly imbalanceRatio?: number | null;
  readonly duplicates?: {
    readonly withinSplits?: readonly {
      readonly split: string;
      readonly groups: number;
      readonly extraCopies: number;
    }[];
    readonly acrossSplits?: readonly {
      readonly split: string;
      readonly otherSplit: string;
      readonly images: number;
    }[];
    readonly conflictingLabels?: number;
  };
  readonly unreadableFiles?: readonly { readonly file: string; readonly reason: string }[];
  readonly ignoredFileCount?: number;
  readonly notes?: readonly string[];
}

const numbers = (values: readonly number[] | undefined): string =>
  values === undefined ? '—' : values.map((value) => value.toFixed(1)).join(', ');

/** A dataset's manifest and health report as readable lines. */
export function formatDatasetDetails(details: DatasetDetails): string {
  const manifest = details.manifest as ManifestView;
  const health = details.health as HealthView;
  const dataset = details.dataset;
  const lines = [
    `${dataset.name} (${dataset.id})`,
    `  format:      ${manifest.format ?? dataset.format}`,
    `  images:      ${dataset.imageHeight}x${dataset.imageWidth}x${dataset.channels}`,
    `  splits:      ${(manifest.splits ?? []).map((split) => `${split.name} ${formatCount(split.count)}`).join(', ')}`,
    `  sources:     ${(manifest.sources ?? []).join(', ') || '—'}`,
    `  imported:    ${manifest.importedAt ?? dataset.createdAt}`,
    `  pixel mean:  ${numbers(manifest.statistics?.mean)} (std ${numbers(manifest.statistics?.std)})`,
    `  fingerprint: ${manifest.fingerprint ?? '—'}`,
    '',
    'Images per class:',
  ];
  const classNames = manifest.classNames ?? [];
  const counts = health.countsPerClass ?? [];
  lines.push(
    formatTable(
      ['Class', ...counts.map((entry) => entry.split)],
      classNames.map((name, index) => [
        name,
        ...counts.map((entry) => formatCount(entry.counts[index] ?? 0)),
      ]),
      new Set(counts.map((_, index) => index + 1)),
    ),
  );
  lines.push('', 'Health:');
  const ratio = health.imbalanceRatio;
  lines.push(
    `  class balance: ${ratio === null || ratio === undefined ? 'a class has no training images' : `largest/smallest class ${ratio.toFixed(2)}`}`,
  );
  for (const entry of health.duplicates?.withinSplits ?? []) {
    lines.push(`  duplicates in ${entry.split}: ${entry.groups} sets, ${entry.extraCopies} extra copies`);
  }
  for (const entry of health.duplicates?.acrossSplits ?? []) {
    lines.push(`  ${entry.images} ${entry.split} images also appear in ${entry.otherSplit}`);
  }
  lines.push(`  identical images with different labels: ${health.duplicates?.conflictingLabels ?? 0} sets`);
  const unreadable = health.unreadableFiles ?? [];
  lines.push(`  unreadable files: ${unreadable.length}, ignored files: ${health.ignoredFileCount ?? 0}`);
  for (const file of unreadable.slice(0, 10)) lines.push(`    ${file.file}: ${file.reason}`);
  for (const note of health.notes ?? []) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

/** `rtk-workbench datasets [--json]`: the datasets in the workbench. */
export async function datasetsCommand(values: JsonHostFlags): Promise<number> {
  return withCliHost(values, async (host) => {
    printListing(
      await host.services.handlers.listDatasets({}),
      values.json,
      'No datasets yet. Import one with `rtk-workbench import PATH`, or run `rtk-workbench demo`.',
      (datasets) =>
        formatTable(
          ['Id', 'Name', 'Format', 'Images', 'Classes', 'Train', 'Test', 'Imported'],
          datasets.map((dataset) => [
            shortId(dataset.id),
            dataset.name,
            dataset.format,
            `${dataset.imageHeight}x${dataset.imageWidth}x${dataset.channels}`,
            String(dataset.classCount),
            formatCount(dataset.trainCount),
            formatCount(dataset.testCount),
            formatTimestamp(dataset.createdAt),
          ]),
          new Set([4, 5, 6]),
        ),
    );
    return 0;
  });
}

/** `rtk-workbench dataset show ID [--json]`: one dataset's manifest and health report. */
export async function datasetShowCommand(typed: string, values: JsonHostFlags): Promise<number> {
  return withCliHost(values, async (host) => {
    const details = await host.services.handlers.getDataset({ id: resolveStoredId(host, 'dataset', typed) });
    console.log(values.json ? JSON.stringify(details, null, 2) : formatDatasetDetails(details));
    return 0;
  });
}
