import { z } from 'zod';

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
  unreadableFiles: z.array(z.object({ file: z.string(), reason: z.string() })),
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
