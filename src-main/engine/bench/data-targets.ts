import {
  runDataBenchmark,
  type DataBenchmarkFigures,
  type DataBenchmarkOptions,
} from '../data/import/benchmark.js';

/** One figure of the data benchmark beside its target from the issue. */
export interface DataBenchmarkRow {
  readonly what: string;
  /** The measured figure as a person reads it, e.g. `3.42 s (CPU 3.10 s)`; null when not measured. */
  readonly measured: string | null;
  readonly seconds: number | null;
  readonly cpuSeconds: number | null;
  readonly target: string;
  /** null when the figure could not be measured (the dataset is not installed). */
  readonly met: boolean | null;
}

/** The data benchmark's figures and how they compare with the targets. */
export interface DataBenchmarkReport {
  readonly figures: DataBenchmarkFigures;
  readonly rows: readonly DataBenchmarkRow[];
}

/** Targets of the issue "Speed" for dataset import. */
export const dataTargets = {
  fashionMnistSeconds: 5,
  cifar10Seconds: 10,
  pngPerSecond: 1500,
} as const;

function timed(seconds: number, cpuSeconds: number): string {
  return `${seconds.toFixed(2)} s (CPU ${cpuSeconds.toFixed(2)} s)`;
}

/** Compares the data benchmark's figures with the import targets. */
export function judgeDataBenchmark(figures: DataBenchmarkFigures): DataBenchmarkRow[] {
  const { fashionMnist, cifar10, pngFolder } = figures;
  return [
    {
      what: 'Fashion-MNIST import (IDX, 60,000 + 10,000)',
      measured: fashionMnist === null ? null : timed(fashionMnist.seconds, fashionMnist.cpuSeconds),
      seconds: fashionMnist?.seconds ?? null,
      cpuSeconds: fashionMnist?.cpuSeconds ?? null,
      target: `≤ ${dataTargets.fashionMnistSeconds} s`,
      met: fashionMnist === null ? null : fashionMnist.seconds <= dataTargets.fashionMnistSeconds,
    },
    {
      what: 'CIFAR-10 binary import (50,000 + 10,000)',
      measured: timed(cifar10.seconds, cifar10.cpuSeconds),
      seconds: cifar10.seconds,
      cpuSeconds: cifar10.cpuSeconds,
      target: `≤ ${dataTargets.cifar10Seconds} s`,
      met: cifar10.seconds <= dataTargets.cifar10Seconds,
    },
    {
      what: `Image folder import (${pngFolder.count.toLocaleString('en-US')} PNG 32x32)`,
      measured: `${pngFolder.perSecond.toFixed(0)} PNG/s, ${timed(pngFolder.seconds, pngFolder.cpuSeconds)}`,
      seconds: pngFolder.seconds,
      cpuSeconds: pngFolder.cpuSeconds,
      target: `≥ ${dataTargets.pngPerSecond.toLocaleString('en-US')} PNG/s`,
      met: pngFolder.perSecond >= dataTargets.pngPerSecond,
    },
  ];
}

/** Runs the import benchmark (`runDataBenchmark`) and judges its figures against the targets. */
export async function runDataBenchmarkReport(
  options: DataBenchmarkOptions = {},
): Promise<DataBenchmarkReport> {
  const figures = await runDataBenchmark(options);
  return { figures, rows: judgeDataBenchmark(figures) };
}
