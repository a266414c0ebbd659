import { z } from 'zod';

/**
 * How big a demo is. `standard` is the demo the README promises (a few minutes on two CPU cores); `small`
 * runs the same pipeline on fewer images and epochs, for checks that must finish in about a minute.
 */
export const demoSizes = ['standard', 'small'] as const;
export type DemoSize = (typeof demoSizes)[number];

/**
 * Where a demo is: drawing its dataset, training its runs, exporting the recommended student, or ended
 * (done, stopped with runs left paused or unfinished, or failed).
 */
export const demoPhases = ['dataset', 'training', 'exporting', 'done', 'stopped', 'failed'] as const;
export type DemoPhase = (typeof demoPhases)[number];

/** A demo as the home button, the experiment page and `rtk-workbench demo` follow it. */
export const demoStatusSchema = z.object({
  id: z.string(),
  size: z.enum(demoSizes),
  phase: z.enum(demoPhases),
  datasetId: z.string().nullable(),
  experimentId: z.string().nullable(),
  runsDone: z.number().int().nonnegative(),
  runsTotal: z.number().int().nonnegative(),
  /** The student the demo exports (the recommendation's run), once the runs are done. */
  recommendedRunId: z.string().nullable(),
  /** The verified export of that student, once written. */
  export: z.object({ id: z.string(), directory: z.string(), format: z.enum(['tfjs', 'onnx']) }).nullable(),
  /** Why the demo stopped or failed, in plain words; null otherwise. */
  message: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type DemoStatus = z.infer<typeof demoStatusSchema>;
