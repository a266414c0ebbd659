import type { MeanAndSpread } from '../contracts/run-types.js';
import { distillationMethods } from './method-catalog.js';
import type { DistillationMethod } from './method-catalog.js';
import { methodLabels } from './vocabulary.js';

/**
 * Which student to recommend, and what to warn about, from an experiment's finished runs.
 *
 * The rule (docs/method.md §4 says the same):
 * - The test top-1 of a run is the accuracy on the test split after its **final epoch**: those are the weights
 *   the run saves and an export ships. The best epoch's accuracy is not used, because picking the epoch by
 *   its test score flatters every method.
 * - A method's score is the mean of that figure over its finished seeds. The recommended student is the
 *   method with the highest score; on a tie (within 1e-9) the student alone wins, then the simpler method in
 *   catalog order (KD, AT, AFD, RTK). The run to export is that method's best seed (lowest seed on a tie).
 * - Its margin is its score minus the student alone's. With two or more finished seeds on both sides, the
 *   difference is beyond the seed noise when Welch's two-sided t-test gives p < 0.05; with fewer seeds the
 *   noise cannot be estimated and the recommendation says so.
 * - Warnings: a distilled method scoring below the student alone; a teacher whose test top-1 is below
 *   1.5 × chance (1 / classes); a teacher scoring below the student alone; methods with runs that did not
 *   finish (failed, cancelled or still going), whose scores then rest on fewer seeds.
 */

/** The significance level of the seed-noise test (two-sided). */
export const seedNoiseSignificance = 0.05;

/** A teacher below this multiple of chance accuracy has almost nothing to teach. */
export const nearChanceFactor = 1.5;

const tieTolerance = 1e-9;

/** One student run as the rule sees it. */
export interface StudentRunOutcome {
  readonly runId: string;
  readonly method: DistillationMethod;
  readonly seed: number;
  /** Whether the run finished training (status done); other runs are left out of the scores. */
  readonly finished: boolean;
  /** Test top-1 after the final epoch, 0..1; null when no epoch was recorded. */
  readonly testTop1: number | null;
}

/** What the rule needs to know about an experiment. */
export interface RecommendationInput {
  readonly classes: number;
  /**
   * The teacher's test top-1 (0..1) on this dataset: a trained teacher's final epoch, or what the workbench
   * measured when the teacher was imported; null without a teacher or when its accuracy is unknown.
   */
  readonly teacherTop1: number | null;
  readonly students: readonly StudentRunOutcome[];
}

/** Welch's t-test of one method's seeds against the student alone's. */
export interface WelchTest {
  readonly kind: 'welch';
  /** (mean − mean of the student alone) / its standard error; ±Infinity when both spreads are zero. */
  readonly t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  readonly degreesOfFreedom: number;
  /** Two-sided p-value. */
  readonly pValue: number;
  readonly beyondNoise: boolean;
}

/** Whether a difference is beyond the seed noise: a Welch test, or too few seeds to tell. */
export type SeedNoiseVerdict = WelchTest | { readonly kind: 'too-few-seeds' };

/** One warning, with its kind for programs and its message for people. */
export interface RecommendationWarning {
  readonly kind: 'distillation-hurt' | 'teacher-near-chance' | 'teacher-below-alone' | 'unfinished-runs';
  /** The method it is about, for distillation-hurt and unfinished-runs. */
  readonly method: DistillationMethod | null;
  readonly message: string;
}

/** The recommended student and how sure the workbench is about it. */
export interface Recommendation {
  readonly method: DistillationMethod;
  /** The run to export: the recommended method's best finished seed. */
  readonly runId: string;
  readonly seed: number;
  readonly runTestTop1: number;
  /** The recommended method's test top-1 over its finished seeds. */
  readonly testTop1: MeanAndSpread;
  readonly aloneIsBest: boolean;
  /**
   * The distilled method against the student alone: the recommended one, or (when the student alone is
   * recommended) the best distilled one. Null without a finished student alone or distilled method.
   */
  readonly versusAlone: {
    readonly method: DistillationMethod;
    /** Its mean test top-1 minus the student alone's (a fraction; × 100 for points). */
    readonly margin: number;
    readonly alone: MeanAndSpread;
    readonly noise: SeedNoiseVerdict;
  } | null;
  /** The recommendation in one or two plain sentences. */
  readonly summary: string;
  readonly warnings: readonly RecommendationWarning[];
}

const lanczos = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7), accurate to about 1e-15. */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = lanczos[0] ?? 1;
  for (let index = 1; index < lanczos.length; index += 1) sum += (lanczos[index] ?? 0) / (shifted + index);
  const base = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(base) - base + Math.log(sum);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const clamp = (value: number): number => (Math.abs(value) < tiny ? tiny : value);
  let c = 1;
  let d = 1 / clamp(1 - ((a + b) * x) / (a + 1));
  let result = d;
  for (let step = 1; step <= 300; step += 1) {
    const even = (step * (b - step) * x) / ((a - 1 + 2 * step) * (a + 2 * step));
    d = 1 / clamp(1 + even * d);
    c = clamp(1 + even / c);
    result *= d * c;
    const odd = (-(a + step) * (a + b + step) * x) / ((a + 2 * step) * (a + 1 + 2 * step));
    d = 1 / clamp(1 + odd * d);
    c = clamp(1 + odd / c);
    const change = d * c;
    result *= change;
    if (Math.abs(change - 1) < 1e-15) break;
  }
  return result;
}

/** The regularised incomplete beta function I_x(a, b). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(|T| ≥ |t|) for Student's t distribution with `degreesOfFreedom`. */
export function twoSidedTProbability(t: number, degreesOfFreedom: number): number {
  if (!Number.isFinite(t)) return 0;
  return regularizedIncompleteBeta(degreesOfFreedom / (degreesOfFreedom + t * t), degreesOfFreedom / 2, 0.5);
}

/** Welch's two-sided t-test of `first` against `second`; both need at least two values. */
export function welchTest(first: MeanAndSpread, second: MeanAndSpread): WelchTest {
  const firstVariance = first.std ** 2 / first.count;
  const secondVariance = second.std ** 2 / second.count;
  const difference = first.mean - second.mean;
  const standardError = Math.sqrt(firstVariance + secondVariance);
  if (standardError === 0) {
    // Every seed scored the same on both sides: any difference is not noise.
    const beyondNoise = Math.abs(difference) > tieTolerance;
    return {
      kind: 'welch',
      t: beyondNoise ? Math.sign(difference) * Infinity : 0,
      degreesOfFreedom: first.count + second.count - 2,
      pValue: beyondNoise ? 0 : 1,
      beyondNoise,
    };
  }
  const t = difference / standardError;
  const degreesOfFreedom =
    (firstVariance + secondVariance) ** 2 /
    (firstVariance ** 2 / (first.count - 1) + secondVariance ** 2 / (second.count - 1));
  const pValue = twoSidedTProbability(t, degreesOfFreedom);
  return { kind: 'welch', t, degreesOfFreedom, pValue, beyondNoise: pValue < seedNoiseSignificance };
}

function seedNoise(method: MeanAndSpread, alone: MeanAndSpread): SeedNoiseVerdict {
  return method.count >= 2 && alone.count >= 2 ? welchTest(method, alone) : { kind: 'too-few-seeds' };
}

function meanAndSpread(values: readonly number[]): MeanAndSpread | null {
  if (values.length === 0) return null;
  const mean = values.reduce((total, value) => total + value, 0) / values.length;
  const variance =
    values.length > 1
      ? values.reduce((total, value) => total + (value - mean) ** 2, 0) / (values.length - 1)
      : 0;
  return { mean, std: Math.sqrt(variance), count: values.length };
}

const percent = (value: number): string => `${(value * 100).toFixed(2)} %`;
const points = (value: number): string => `${Math.abs(value * 100).toFixed(2)} points`;

function methodName(method: DistillationMethod): string {
  return method === 'none' ? 'the student trained alone' : methodLabels[method];
}

function describeNoise(noise: SeedNoiseVerdict, gain: boolean): string {
  if (noise.kind === 'too-few-seeds') {
    return 'with fewer than two finished seeds on a side, whether this is more than seed noise cannot be told; train more seeds to find out';
  }
  const test = `Welch's t-test, p ${noise.pValue < 0.001 ? '< 0.001' : `= ${noise.pValue.toFixed(3)}`}`;
  return noise.beyondNoise
    ? `the ${gain ? 'gain' : 'loss'} is beyond the seed noise (${test})`
    : `the difference is within the seed noise (${test})`;
}

interface MethodScore {
  readonly method: DistillationMethod;
  readonly total: number;
  readonly finished: readonly FinishedRun[];
  readonly score: MeanAndSpread;
}

/** The recommended student of an experiment, or null when no student run has finished. */
export function recommendStudent(input: RecommendationInput): Recommendation | null {
  const { scores, warnings } = scoreMethods(input.students);
  const ranked = rankMethods(scores);
  const best = ranked[0];
  if (best === undefined) return null;
  const run = bestSeedOf(best);
  if (run === undefined) return null;

  const alone = scores.find((entry) => entry.method === 'none');
  const compared = best.method === 'none' ? ranked.find((entry) => entry.method !== 'none') : best;
  const versusAlone = compareWithAlone(compared, alone);
  if (alone !== undefined) warnings.push(...distillationHurtWarnings(scores, alone));
  if (input.teacherTop1 !== null) warnings.push(...teacherWarnings(input.teacherTop1, input.classes, alone));

  return {
    method: best.method,
    runId: run.runId,
    seed: run.seed,
    runTestTop1: run.testTop1,
    testTop1: best.score,
    aloneIsBest: best.method === 'none',
    versusAlone,
    summary: summarize(best, run, compared, versusAlone),
    warnings,
  };
}

type FinishedRun = StudentRunOutcome & { readonly testTop1: number };
type VersusAlone = NonNullable<Recommendation['versusAlone']>;

/** Each method's score over its finished seeds, with a warning for every method whose runs did not all finish. */
function scoreMethods(students: readonly StudentRunOutcome[]): {
  scores: MethodScore[];
  warnings: RecommendationWarning[];
} {
  const scores: MethodScore[] = [];
  const warnings: RecommendationWarning[] = [];
  for (const method of distillationMethods) {
    const runs = students.filter((run) => run.method === method);
    if (runs.length === 0) continue;
    const finished = runs.filter(
      (run): run is StudentRunOutcome & { testTop1: number } => run.finished && run.testTop1 !== null,
    );
    if (finished.length < runs.length) {
      warnings.push({
        kind: 'unfinished-runs',
        method,
        message:
          `${finished.length} of ${runs.length} runs of ${methodName(method)} finished; ` +
          (finished.length === 0 ? 'it is left out of the comparison.' : 'its figures rest on those only.'),
      });
    }
    const score = meanAndSpread(finished.map((run) => run.testTop1));
    if (score !== null) scores.push({ method, total: runs.length, finished, score });
  }
  return { scores, warnings };
}

/** Highest score first; on a tie, catalog order (the student alone, then the simpler method). */
function rankMethods(scores: readonly MethodScore[]): MethodScore[] {
  return [...scores].sort((first, second) => {
    const difference = second.score.mean - first.score.mean;
    if (Math.abs(difference) > tieTolerance) return difference;
    return distillationMethods.indexOf(first.method) - distillationMethods.indexOf(second.method);
  });
}

/** The method's run to export: its best finished seed, the lowest seed on a tie. */
function bestSeedOf(method: MethodScore): FinishedRun | undefined {
  return [...method.finished].sort(
    (first, second) => second.testTop1 - first.testTop1 || first.seed - second.seed,
  )[0];
}

function compareWithAlone(
  compared: MethodScore | undefined,
  alone: MethodScore | undefined,
): VersusAlone | null {
  return alone === undefined || compared === undefined
    ? null
    : {
        method: compared.method,
        margin: compared.score.mean - alone.score.mean,
        alone: alone.score,
        noise: seedNoise(compared.score, alone.score),
      };
}

function distillationHurtWarnings(
  scores: readonly MethodScore[],
  alone: MethodScore,
): RecommendationWarning[] {
  const warnings: RecommendationWarning[] = [];
  for (const entry of scores) {
    if (entry.method === 'none' || entry.score.mean >= alone.score.mean - tieTolerance) continue;
    const margin = entry.score.mean - alone.score.mean;
    warnings.push({
      kind: 'distillation-hurt',
      method: entry.method,
      message:
        `${methodLabels[entry.method]} scored ${points(margin)} below the student trained alone ` +
        `(${percent(entry.score.mean)} against ${percent(alone.score.mean)}): distillation hurt here; ` +
        `${describeNoise(seedNoise(entry.score, alone.score), false)}.`,
    });
  }
  return warnings;
}

function teacherWarnings(
  teacherTop1: number,
  classes: number,
  alone: MethodScore | undefined,
): RecommendationWarning[] {
  const warnings: RecommendationWarning[] = [];
  const chance = 1 / classes;
  if (teacherTop1 < nearChanceFactor / classes) {
    warnings.push({
      kind: 'teacher-near-chance',
      method: null,
      message:
        `The teacher gets ${percent(teacherTop1)} of the test images right, close to chance ` +
        `(${percent(chance)} for ${classes} classes): it has almost nothing to teach, and a student ` +
        'distilled from it can end up worse than one trained alone. Train the teacher longer or use a better one.',
    });
  }
  if (alone !== undefined && teacherTop1 < alone.score.mean - tieTolerance) {
    warnings.push({
      kind: 'teacher-below-alone',
      method: null,
      message:
        `The teacher (${percent(teacherTop1)} test top-1) scores below the student trained alone ` +
        `(${percent(alone.score.mean)}): a student can hardly learn more from it than from the labels.`,
    });
  }
  return warnings;
}

/** What to export, its figure, and how it compares with the student alone, in one or two sentences. */
function summarize(
  best: MethodScore,
  run: FinishedRun,
  compared: MethodScore | undefined,
  versusAlone: VersusAlone | null,
): string {
  const seeds =
    best.score.count === 1 ? `seed ${run.seed}` : `best of ${best.score.count} seeds: ${run.seed}`;
  const figure =
    best.score.count === 1
      ? `test top-1 ${percent(best.score.mean)}`
      : `mean test top-1 ${percent(best.score.mean)} ± ${percent(best.score.std)} over ${best.score.count} seeds`;
  if (best.method === 'none') {
    return compared === undefined || versusAlone === null
      ? `Recommended: the student trained alone (${seeds}), ${figure}; no distilled student finished.`
      : `Recommended: the student trained alone (${seeds}), ${figure}. No distillation method beat it: the best, ` +
          `${methodLabels[compared.method]}, ` +
          `${versusAlone.margin < -tieTolerance ? `scored ${points(versusAlone.margin)} below it` : 'scored the same'}; ` +
          `${describeNoise(versusAlone.noise, false)}.`;
  }
  if (versusAlone === null) {
    return (
      `Recommended: ${methodLabels[best.method]} (${seeds}), ${figure}, the best of the methods that finished. ` +
      'The student trained alone has no finished run, so whether distillation helped cannot be told.'
    );
  }
  return (
    `Recommended: ${methodLabels[best.method]} (${seeds}), ${figure}, ${points(versusAlone.margin)} above the ` +
    `student trained alone (${percent(versusAlone.alone.mean)}); ${describeNoise(versusAlone.noise, true)}.`
  );
}
