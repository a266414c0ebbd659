import { resolve } from 'node:path';
import type {
  InputNormalisationPreset,
  TeacherContractRequest,
  TeacherRecord,
} from '../../../src-shared/contracts/teacher-types.js';
import type { TeacherImportProgressReport } from '../../../src-shared/contracts/worker-protocol.js';
import { resolveIdPrefix, UsageError } from '../cli-arguments.js';
import { printListing, resolveStoredId, withCliHost } from '../cli-host.js';
import type { JsonHostFlags } from '../cli-host.js';
import { ProgressPrinter } from '../output/progress-printer.js';
import { formatCount, formatDuration, formatTable, formatTimestamp, shortId } from '../output/text-format.js';

/** What `teacher import --help` and `teacher show --help` say about the JSON both print. */
export const teacherJsonDescription =
  'With --json, the teacher is printed as one JSON object: id, name, format (onnx, pytorch, safetensors), ' +
  'sourcePath, fingerprint (sha256 of the file), datasetId, backbone (the catalog network a checkpoint was ' +
  'loaded into, else null), classes (a count), classNames, classMatching, classOrder, inputShape (one image in ' +
  "the teacher's layout: [C, H, W] for NCHW, [H, W, C] for NHWC), layout, batchSize (null when any batch runs), " +
  'opset, contract, taps (each with index, name, tensor, layout, shape as [H, W, C] and stage), testTop1, ' +
  'testTop5 and perClassTop1 (percent), testImages, warnings, notes, measureSeconds and createdAt.';

function parseNumberList(flag: string, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const numbers = value.split(',').map((part) => Number(part.trim()));
  if (numbers.length < 1 || numbers.length > 3 || numbers.some((number) => !Number.isFinite(number))) {
    throw new UsageError(`--${flag} must be one to three numbers separated by commas, not "${value}".`);
  }
  return numbers;
}

/** A teacher's record as lines for a terminal. */
export function formatTeacher(teacher: TeacherRecord): string {
  const percent = (value: number): string => `${value.toFixed(2)}%`;
  const contract = teacher.contract;
  const lines = [
    `Teacher ${teacher.name} (${teacher.id})`,
    `  format:       ${teacher.format}${teacher.backbone === null ? '' : ` (loaded into the catalog's ${teacher.backbone})`}` +
      `${teacher.opset === null ? '' : `, opset ${teacher.opset}`}`,
    `  file:         ${teacher.sourcePath}`,
    `  fingerprint:  ${teacher.fingerprint}`,
    `  input:        ${teacher.layout} [${teacher.inputShape.join(', ')}]` +
      `${teacher.batchSize === null ? ', any batch size' : `, batches of ${teacher.batchSize}`}`,
    `  pixels:       0–${contract.scale === 1 ? '1' : '255'}, mean ${contract.mean.join(', ')}, std ` +
      `${contract.std.join(', ')}, ${contract.channelOrder} (${contract.preset})`,
    `  classes:      ${teacher.classes}, matched by ${teacher.classMatching === 'names' ? 'name' : 'index'}`,
    `  test top-1:   ${percent(teacher.testTop1)}   top-5: ${percent(teacher.testTop5)}   ` +
      `(${formatCount(teacher.testImages)} test images in ${formatDuration(teacher.measureSeconds)})`,
    '',
    formatTable(
      ['Class', 'Top-1'],
      teacher.classNames.map((name, index) => [name, percent(teacher.perClassTop1[index] ?? 0)]),
      new Set([1]),
    ),
    '',
    `Feature taps (${teacher.taps.length}):`,
    formatTable(
      ['#', 'Stage', 'Shape (HxWxC)', 'Name'],
      teacher.taps.map((tap) => [String(tap.index), String(tap.stage + 1), tap.shape.join('x'), tap.name]),
      new Set([0, 1]),
    ),
  ];
  for (const note of teacher.notes) lines.push(`Note: ${note}`);
  for (const warning of teacher.warnings) lines.push(`Warning: ${warning}`);
  return lines.join('\n');
}

function formatProgress(progress: TeacherImportProgressReport): string {
  switch (progress.phase) {
    case 'reading':
      return 'Reading and checking the teacher file';
    case 'measuring':
      return `Measuring on the test split: ${formatCount(progress.done)} of ${formatCount(progress.total)} images`;
    case 'writing':
      return 'Writing the teacher into the workbench';
  }
}

/** The options of `teacher import`, as the command table parses them. */
export interface TeacherImportFlags extends JsonHostFlags {
  readonly dataset: string;
  readonly name: string | undefined;
  readonly preset: InputNormalisationPreset | undefined;
  readonly mean: string | undefined;
  readonly std: string | undefined;
  readonly scale: '1' | '255' | undefined;
  readonly 'channel-order': 'RGB' | 'BGR' | undefined;
  readonly labels: string | undefined;
  readonly architecture: string | undefined;
}

function contractOf(values: TeacherImportFlags): TeacherContractRequest {
  const mean = parseNumberList('mean', values.mean);
  const std = parseNumberList('std', values.std);
  if (std?.some((value) => !(value > 0)) === true) throw new UsageError('--std values must be positive.');
  const channelOrder = values['channel-order'];
  return {
    ...(values.preset === undefined ? {} : { preset: values.preset }),
    ...(values.scale === undefined ? {} : { scale: values.scale === '1' ? 1 : 255 }),
    ...(mean === undefined ? {} : { mean }),
    ...(std === undefined ? {} : { std }),
    ...(channelOrder === undefined ? {} : { channelOrder }),
  };
}

/** `rtk-workbench teacher import PATH --dataset ID`: brings in a teacher trained elsewhere and measures it. */
export async function teacherImportCommand(path: string, values: TeacherImportFlags): Promise<number> {
  const source = resolve(path);
  const contract = contractOf(values);
  return withCliHost(values, async (host) => {
    const datasetId = resolveStoredId(host, 'dataset', values.dataset);
    const printer = new ProgressPrinter(process.stderr, 1_000);
    let phase = '';
    const unsubscribe = host.services.events.subscribe((name, payload) => {
      if (name !== 'onTeacherImportProgress') return;
      const progress = payload as TeacherImportProgressReport;
      const changed = progress.phase !== phase;
      phase = progress.phase;
      printer.update(formatProgress(progress), changed || progress.done === progress.total);
    });
    try {
      const teacher = await host.services.handlers.importTeacher({
        source,
        datasetId,
        contract,
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(values.labels === undefined ? {} : { labelsPath: resolve(values.labels) }),
        ...(values.architecture === undefined ? {} : { architecture: values.architecture }),
      });
      printer.finish();
      console.log(values.json ? JSON.stringify(teacher, null, 2) : formatTeacher(teacher));
      return 0;
    } finally {
      unsubscribe();
      printer.finish();
    }
  });
}

/** `rtk-workbench teacher show ID`: one imported teacher. */
export async function teacherShowCommand(typed: string, values: JsonHostFlags): Promise<number> {
  return withCliHost(values, async (host) => {
    const teachers = await host.services.handlers.listTeachers({});
    const id = resolveIdPrefix(
      typed,
      teachers.map((teacher) => teacher.id),
      'teacher',
    );
    const teacher = await host.services.handlers.getTeacher({ id });
    console.log(values.json ? JSON.stringify(teacher, null, 2) : formatTeacher(teacher));
    return 0;
  });
}

/** `rtk-workbench teachers [--dataset ID]`: the imported teachers, newest first. */
export async function teachersCommand(
  values: JsonHostFlags & { readonly dataset: string | undefined },
): Promise<number> {
  return withCliHost(values, async (host) => {
    const datasetId =
      values.dataset === undefined ? undefined : resolveStoredId(host, 'dataset', values.dataset);
    printListing(
      await host.services.handlers.listTeachers(datasetId === undefined ? {} : { datasetId }),
      values.json,
      'No imported teachers yet. Import one with `rtk-workbench teacher import PATH --dataset ID`.',
      (teachers) =>
        formatTable(
          ['Id', 'Name', 'Format', 'Input', 'Classes', 'Taps', 'Test top-1', 'Imported'],
          teachers.map((teacher) => [
            shortId(teacher.id),
            teacher.name,
            teacher.backbone === null ? teacher.format : `${teacher.format} (${teacher.backbone})`,
            `${teacher.layout} ${teacher.inputShape.join('x')}`,
            String(teacher.classes),
            String(teacher.taps.length),
            `${teacher.testTop1.toFixed(2)}%`,
            formatTimestamp(teacher.createdAt),
          ]),
          new Set([4, 5, 6]),
        ),
    );
    return 0;
  });
}
