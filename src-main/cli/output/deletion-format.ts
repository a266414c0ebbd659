import type {
  DeletionEntry,
  DeletionOutcome,
  DeletionPlan,
} from '../../../src-shared/contracts/deletion-types.js';
import { formatBytes } from './text-format.js';

const plurals: Readonly<Record<DeletionEntry['kind'], [string, string]>> = {
  dataset: ['dataset', 'datasets'],
  experiment: ['experiment', 'experiments'],
  run: ['run', 'runs'],
  export: ['export', 'exports'],
  teacher: ['imported teacher', 'imported teachers'],
  model: ['model record', 'model records'],
};

const order: readonly DeletionEntry['kind'][] = [
  'dataset',
  'teacher',
  'experiment',
  'run',
  'export',
  'model',
];

/** `dataset "Flowers"`. */
export function formatEntry(entry: DeletionEntry): string {
  return `${plurals[entry.kind][0]} "${entry.name}"`;
}

/** `2 experiments, 5 runs and 1 export`: what a list of rows holds, by kind. */
export function formatCounts(entries: readonly DeletionEntry[]): string {
  const parts = order.flatMap((kind) => {
    const count = entries.filter((entry) => entry.kind === kind).length;
    if (count === 0) return [];
    const [one, many] = plurals[kind];
    return [`${count} ${count === 1 ? one : many}`];
  });
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1) ?? ''}`;
}

/** The preview a person confirms: what goes, which folders go or stay, what depends on it, what blocks it. */
export function formatDeletionPlan(plan: DeletionPlan): string {
  const lines = [`Deleting ${formatEntry(plan.target)} (${plan.target.id})`];
  const others = plan.entries.slice(1);
  lines.push(
    others.length === 0 ? '  takes nothing else with it.' : `  also deletes ${formatCounts(others)}:`,
  );
  for (const kind of order) {
    const ofKind = others.filter((entry) => entry.kind === kind && kind !== 'model');
    if (ofKind.length === 0) continue;
    const shown = ofKind.slice(0, 8).map((entry) => `"${entry.name}"`);
    if (ofKind.length > 8) shown.push(`and ${ofKind.length - 8} more`);
    lines.push(`    ${plurals[kind][1]}: ${shown.join(', ')}`);
  }
  const removed = plan.folders.filter((folder) => folder.action === 'remove');
  const kept = plan.folders.filter((folder) => folder.action === 'keep');
  if (removed.length > 0) {
    const total = removed.reduce((sum, folder) => sum + folder.bytes, 0);
    lines.push(`Folders removed (${formatBytes(total)} in all):`);
    for (const folder of removed) {
      lines.push(
        `  ${formatBytes(folder.bytes).padStart(10)}  ${folder.path}${folder.reason === null ? '' : ` (${folder.reason})`}`,
      );
    }
  }
  if (kept.length > 0) {
    lines.push('Folders kept:');
    for (const folder of kept) lines.push(`  ${folder.path}: ${folder.reason ?? 'kept'}`);
  }
  if (plan.exportFoldersOutsideHome > 0 && !plan.exportFolders) {
    const one = plan.exportFoldersOutsideHome === 1;
    lines.push(
      `${plan.exportFoldersOutsideHome} export folder${one ? '' : 's'} of ours outside the workbench home ` +
        `stay${one ? 's' : ''} unless you add --with-export-folders.`,
    );
  }
  if (plan.dependents.length > 0) {
    lines.push(
      plan.withDependents
        ? 'These depend on it and go with it (--with-dependents):'
        : 'These depend on it, so it goes only with them (add --with-dependents) or after them:',
    );
    for (const entry of plan.dependents) lines.push(`  ${formatEntry(entry)} (${entry.id})`);
  }
  if (plan.blockers.length > 0) {
    lines.push('It cannot be deleted now:');
    for (const blocker of plan.blockers) lines.push(`  ${blocker}`);
  }
  return lines.join('\n');
}

/** What a deletion did, in a few lines. */
export function formatDeletionOutcome(outcome: DeletionOutcome): string {
  const [target, ...others] = outcome.deleted;
  const lines = [
    target === undefined
      ? 'Nothing was deleted.'
      : `Deleted ${formatEntry(target)}${others.length === 0 ? '' : ` with ${formatCounts(others)}`}.`,
  ];
  if (outcome.removedFolders.length > 0) {
    const total = outcome.removedFolders.reduce((sum, folder) => sum + folder.bytes, 0);
    const count = outcome.removedFolders.length;
    lines.push(`Removed ${count} folder${count === 1 ? '' : 's'} (${formatBytes(total)}).`);
  }
  for (const folder of outcome.keptFolders) lines.push(`Kept ${folder.path}: ${folder.reason}.`);
  return lines.join('\n');
}
