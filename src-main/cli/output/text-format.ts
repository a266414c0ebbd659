import { definitionLine } from '../../../src-shared/domain/figure-definitions.js';
import type { FigureDefinition } from '../../../src-shared/domain/figure-definitions.js';

/** A 0..1 accuracy as a percentage with two decimals, or a dash when there is none. */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(2)}%`;
}

/** A difference of two 0..1 accuracies in signed percentage points, or a dash. */
export function formatPoints(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const points = value * 100;
  return `${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(2)} pp`;
}

/** Seconds as `42s`, `3m 05s` or `1h 02m`; a dash when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m ${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** A whole number with thousands separators, e.g. 272,474. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A byte count in KiB or MiB with one decimal. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Lays out rows as columns padded to their widest cell; `rightAligned` columns are padded on the left. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: ReadonlySet<number> = new Set(),
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return rightAligned.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** An ISO timestamp to the minute, as tables show it: `2026-01-31 14:05`. */
export function formatTimestamp(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

/** The first 8 characters of an id, enough to tell runs apart in a table (commands accept the prefix). */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** Footnote lines that say what each figure printed above means and how it was measured. */
export function formatFigureNotes(definitions: readonly FigureDefinition[]): string[] {
  return definitions.length === 0
    ? []
    : ['', 'What the figures mean:', ...definitions.map((definition) => `  ${definitionLine(definition)}`)];
}
