import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  inputNormalisationPresets,
  type TeacherContractRequest,
  type TeacherRecord,
} from '../../../src-shared/contracts/teacher-types.js';
import type { TeacherImportProgressReport } from '../../../src-shared/contracts/worker-protocol.js';
import { parseChoiceFlag, requirePositional, resolveIdPrefix, UsageError } from '../cli-arguments.js';
import { hostOptions, withCliHost } from '../cli-host.js';
import { ProgressPrinter } from '../output/progress-printer.js';
import { formatCount, formatDuration, formatTable, shortId } from '../output/text-format.js';

const importUsage =
  'rtk-workbench teacher import PATH --dataset ID [--name NAME] [--preset imagenet|cifar10|cifar100|dataset|none] ' +
  '[--mean a,b,c] [--std a,b,c] [--scale 1|255] [--channel-order RGB|BGR] [--labels FILE] [--architecture NAME] ' +
  '[--json] [--home DIR]';

/** What `teacher --help` prints: both subcommands, every flag, and the JSON the commands print. */
export const teacherHelp = [
  'Usage:',
  `  ${importUsage}`,
  '  rtk-workbench teacher show ID [--json]',
  '  rtk-workbench teachers [--dataset ID] [--json]',
  '',
  'teacher import reads an ONNX classifier (any architecture, opset 9–21), a PyTorch checkpoint (.pth/.pt) or a',
  'safetensors file holding a state_dict of a catalog ResNet or WRN, measures it on the dataset’s test split',
  'and keeps it in the workbench as a teacher. Nothing of the file is ever run as code.',
  '',
  'How the teacher wants its pixels (the input contract):',
  '  --scale 1|255       pixels on the 0–1 scale (default) or 0–255; --mean and --std are in the same units',
  '  --preset NAME       per-channel mean and std: imagenet, cifar10, cifar100, dataset (this dataset’s own,',
  '                      the default) or none (mean 0, std 1)',
  '  --mean a,b,c        per-channel means (one value for all channels also works); overrides the preset',
  '  --std a,b,c         per-channel standard deviations',
  '  --channel-order RGB|BGR',
  '  --labels FILE       one class name per line, in the teacher’s output order: classes are matched by name',
  '  --architecture NAME for checkpoints: refuse unless the state_dict is this catalog backbone',
  '',
  'With --json, import and show print the teacher as one JSON object: id, name, format (onnx, pytorch,',
  'safetensors), sourcePath, fingerprint (sha256), datasetId, backbone, classes (a count), classNames,',
  'classMatching, classOrder, inputShape (one image in the teacher’s layout: [C, H, W] for NCHW, [H, W, C] for',
  'NHWC), layout, batchSize (null when any batch runs), opset, contract, taps (each with index, name, tensor,',
  'layout, shape as [H, W, C] and stage), testTop1, testTop5 and perClassTop1 (percent), testImages,',
  'warnings, notes, measureSeconds, createdAt. `teachers --json` prints a list of them.',
].join('\n');

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

async function importSubcommand(argumentList: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argumentList,
    options: {
      dataset: { type: 'string' },
      name: { type: 'string' },
      preset: { type: 'string' },
      mean: { type: 'string' },
      std: { type: 'string' },
      scale: { type: 'string' },
      'channel-order': { type: 'string' },
      labels: { type: 'string' },
      architecture: { type: 'string' },
      json: { type: 'boolean', default: false },
      ...hostOptions,
    },
    allowPositionals: true,
    strict: true,
  });
  const source = resolve(requirePositional(positionals, 'the teacher file', importUsage));
  if (values.dataset === undefined)
    throw new UsageError(`Give the dataset with --dataset ID. Usage: ${importUsage}`);
  const preset = parseChoiceFlag('preset', values.preset, inputNormalisationPresets);
  const scale = parseChoiceFlag('scale', values.scale, ['1', '255'] as const);
  const channelOrder = parseChoiceFlag('channel-order', values['channel-order'], ['RGB', 'BGR'] as const);
  const mean = parseNumberList('mean', values.mean);
  const std = parseNumberList('std', values.std);
  if (std?.some((value) => !(value > 0)) === true) throw new UsageError('--std values must be positive.');
  const contract: TeacherContractRequest = {
    ...(preset === undefined ? {} : { preset }),
    ...(scale === undefined ? {} : { scale: scale === '1' ? 1 : 255 }),
    ...(mean === undefined ? {} : { mean }),
    ...(std === undefined ? {} : { std }),
    ...(channelOrder === undefined ? {} : { channelOrder }),
  };
  const datasetFlag = values.dataset;
  return withCliHost(values, async (host) => {
    const datasets = await host.services.handlers.listDatasets({});
    const datasetId = resolveIdPrefix(
      datasetFlag,
      datasets.map((dataset) => dataset.id),
      'dataset',
    );
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

async function showSubcommand(argumentList: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argumentList,
    options: { json: { type: 'boolean', default: false }, ...hostOptions },
    allowPositionals: true,
    strict: true,
  });
  const typed = requirePositional(positionals, 'the teacher id', 'rtk-workbench teacher show ID [--json]');
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

/** `rtk-workbench teacher import PATH …` and `teacher show ID`: bring your own teacher. */
export async function teacherCommand(argumentList: string[]): Promise<number> {
  const [subcommand, ...rest] = argumentList;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    console.log(teacherHelp);
    return subcommand === undefined ? 2 : 0;
  }
  if (subcommand === 'import') return importSubcommand(rest);
  if (subcommand === 'show') return showSubcommand(rest);
  throw new UsageError(
    `Unknown teacher command "${subcommand}"; use "teacher import" or "teacher show".\n${teacherHelp}`,
  );
}

/** `rtk-workbench teachers [--dataset ID] [--json]`: the imported teachers, newest first. */
export async function teachersCommand(argumentList: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argumentList,
    options: { dataset: { type: 'string' }, json: { type: 'boolean', default: false }, ...hostOptions },
    strict: true,
  });
  return withCliHost(values, async (host) => {
    let datasetId: string | undefined;
    if (values.dataset !== undefined) {
      const datasets = await host.services.handlers.listDatasets({});
      datasetId = resolveIdPrefix(
        values.dataset,
        datasets.map((dataset) => dataset.id),
        'dataset',
      );
    }
    const teachers = await host.services.handlers.listTeachers(datasetId === undefined ? {} : { datasetId });
    if (values.json) {
      console.log(JSON.stringify(teachers, null, 2));
    } else if (teachers.length === 0) {
      console.log(
        'No imported teachers yet. Import one with `rtk-workbench teacher import PATH --dataset ID`.',
      );
    } else {
      console.log(
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
            teacher.createdAt.slice(0, 16).replace('T', ' '),
          ]),
          new Set([4, 5, 6]),
        ),
      );
    }
    return 0;
  });
}
