import { z } from 'zod';
import { strings } from '../../lib/strings.js';

/**
 * The parts of a dataset's health report (`health.json`, written by the import) that the dataset page shows.
 * The renderer cannot import the engine's types, and the file comes from disk, so it is checked here.
 */
export const healthReportSchema = z.object({
  classNames: z.array(z.string()),
  countsPerClass: z.array(z.object({ split: z.string(), counts: z.array(z.number()) })),
  imbalanceRatio: z.number().nullable(),
  duplicates: z.object({
    withinSplits: z.array(z.object({ split: z.string(), groups: z.number(), extraCopies: z.number() })),
    acrossSplits: z.array(z.object({ split: z.string(), otherSplit: z.string(), images: z.number() })),
    conflictingLabels: z.number(),
  }),
  unreadableFiles: z.array(z.object({ file: z.string(), reason: z.string(), detail: z.string().optional() })),
  ignoredFileCount: z.number(),
  notes: z.array(z.string()),
});
export type HealthReportView = z.infer<typeof healthReportSchema>;

/** Reads a health report, or throws an Error naming the first field that is not as expected. */
export function parseHealthReport(value: unknown): HealthReportView {
  const parsed = healthReportSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined ? '' : ` at ${issue.path.join('.') || 'the top'}: ${issue.message}`;
  throw new Error(`The dataset's health report is not in the expected form${where}.`);
}

/** What the health report says about the files: one statement on reading them, one on files left out. */
export interface FileFindings {
  /** "Every file could be read.", "Every image could be read." or "3 files could not be read…:". */
  readonly reading: string;
  /** The files that could not be read, with why in plain words and the decoder's text as a detail. */
  readonly unreadable: HealthReportView['unreadableFiles'];
  /** The files that are not part of the dataset, or null when there are none. */
  readonly leftOut: string | null;
}

/**
 * The statements about a dataset's files, consistent with each other: "every file could be read" is said
 * only when no file was left out for any reason; when other files were left out it speaks of images.
 */
export function fileFindings(health: HealthReportView): FileFindings {
  const text = strings.dataset;
  const unreadable = health.unreadableFiles;
  const ignored = health.ignoredFileCount;
  const reading =
    unreadable.length > 0
      ? text.someUnreadable(unreadable.length)
      : ignored > 0
        ? text.allImagesRead
        : text.allFilesRead;
  return { reading, unreadable, leftOut: ignored > 0 ? text.ignoredFiles(ignored) : null };
}
