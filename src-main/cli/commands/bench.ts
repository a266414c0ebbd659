import type { BackendName } from '../../../src-shared/contracts/engine-status.js';
import type { DataBenchmarkReport } from '../../engine/bench/data-targets.js';
import type {
  EngineBenchmarkReport,
  EngineMeasurement,
  MemorySnapshot,
} from '../../engine/bench/engine-benchmark.js';
import { describeAdapter } from '../../engine/backends/webgpu.js';
import { formatBytes, formatTable } from '../output/text-format.js';

/** Steps of a full and of a --quick engine benchmark. */
const fullSettings = { warmupSteps: 1, measuredSteps: 5, ratioPairs: 16, assemblyBatches: 300 } as const;
const quickSettings = { warmupSteps: 1, measuredSteps: 1, ratioPairs: 2, assemblyBatches: 50 } as const;

function verdict(met: boolean | null): string {
  if (met === null) return 'not measured';
  return met ? 'met' : 'NOT met';
}

function memoryCell(before: MemorySnapshot, after: MemorySnapshot): string {
  return `${before.numTensors} → ${after.numTensors} (${formatBytes(before.numBytes)} → ${formatBytes(after.numBytes)})`;
}

function measurementRow(measurement: EngineMeasurement): string[] {
  return [
    measurement.backend ?? 'js',
    measurement.what,
    measurement.imagesPerSecond.toFixed(1),
    measurement.imagesPerCpuSecond.toFixed(1),
    `${measurement.wallSeconds.toFixed(2)} / ${measurement.cpuSeconds.toFixed(2)}`,
    measurement.backend === null ? '—' : memoryCell(measurement.memoryBefore, measurement.memoryAfter),
    measurement.target === null
      ? ''
      : `${measurement.target.description}: ${verdict(measurement.target.met)}`,
  ];
}

/** The engine benchmark as tables a person reads. */
export function formatEngineBenchmark(report: EngineBenchmarkReport): string {
  const { machine, settings } = report;
  const load = (values: readonly number[]): string => values.map((value) => value.toFixed(2)).join(' ');
  const lines = [
    `Engine benchmark, ${report.startedAt}: ${machine.cpuModel}, ${machine.cpuCores} cores, Node ${machine.nodeVersion}, ` +
      `TensorFlow.js ${machine.tfjsVersion}`,
    `Load average ${load(machine.loadAverageAtStart)} at the start, ${load(machine.loadAverageAtEnd)} at the end ` +
      `(${report.seconds.toFixed(0)} s in all)`,
    `Batch ${settings.batchSize} of ${settings.inputShape.join('x')}, ${settings.measuredSteps} timed steps after ` +
      `${settings.warmupSteps} warm-up; teacher ${settings.teacher}, students ${settings.students.join(', ')}` +
      (settings.trainingOnly.length > 0 ? `; training rate only: ${settings.trainingOnly.join(', ')}` : ''),
    '',
  ];
  for (const backend of report.backends) {
    if (backend.gpuAdapter !== undefined)
      lines.push(`${backend.name} adapter: ${describeAdapter(backend.gpuAdapter)}`, '');
  }
  const skipped = report.backends.filter((backend) => !backend.measured);
  for (const backend of skipped) lines.push(`${backend.name}: not measured (${backend.reason})`);
  if (skipped.length > 0) lines.push('');
  lines.push(
    formatTable(
      ['backend', 'what', 'img/s', 'img/CPU-s', 'wall / CPU s', 'tensors (bytes) before → after', 'target'],
      report.measurements.map(measurementRow),
      new Set([2, 3, 4]),
    ),
    '',
  );
  if (report.ratios.length > 0) {
    lines.push(
      formatTable(
        ['backend', 'pair', 'step pairs', 'rtk/kd step (wall)', 'rtk/kd step (CPU)', 'target'],
        report.ratios.map((ratio) => [
          ratio.backend,
          `${ratio.teacher} → ${ratio.student}`,
          String(ratio.pairs),
          ratio.wallRatio.toFixed(3),
          ratio.cpuRatio.toFixed(3),
          `≤ ${ratio.limit} (CPU, median of pairs): ${verdict(ratio.met)}`,
        ]),
        new Set([3, 4]),
      ),
      '',
    );
  }
  for (const backend of report.backends) {
    if (backend.teacherEngine !== undefined) {
      lines.push(`${backend.name}: the distillation steps ran the teacher in ${backend.teacherEngine}.`);
    }
  }
  return lines.join('\n');
}

/** The data benchmark as a table a person reads. */
export function formatDataBenchmark(report: DataBenchmarkReport): string {
  return formatTable(
    ['what', 'measured', 'target', ''],
    report.rows.map((row) => [row.what, row.measured ?? 'not measured', row.target, verdict(row.met)]),
  );
}

/**
 * `rtk-workbench bench`: engine speed (training, teacher inference, distillation steps per method, batch
 * assembly) or, with --data, dataset import speed.
 */
export async function benchCommand(values: {
  readonly backend: BackendName | undefined;
  readonly json: boolean;
  readonly quick: boolean;
  readonly data: boolean;
}): Promise<number> {
  const backend = values.backend;
  // Progress goes to stderr so that --json leaves stdout a single JSON document.
  const log = (line: string): void => console.error(line);
  if (values.data) {
    // Imported here, not at the top, so other commands do not load sharp and the importers.
    const { runDataBenchmarkReport } = await import('../../engine/bench/data-targets.js');
    const report = await runDataBenchmarkReport({ log });
    console.log(values.json ? JSON.stringify(report, null, 2) : formatDataBenchmark(report));
    return 0;
  }
  // Imported here so that other commands do not pay for loading TensorFlow.js.
  const { runEngineBenchmark } = await import('../../engine/bench/engine-benchmark.js');
  const settings = values.quick ? quickSettings : fullSettings;
  const report = await runEngineBenchmark({
    ...(backend === undefined ? {} : { backends: [backend] }),
    batchSize: 64,
    ...settings,
    log,
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatEngineBenchmark(report));
  return 0;
}
