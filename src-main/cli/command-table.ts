import { exportRunArgumentsSchema, importDatasetArgumentsSchema } from '../../src-shared/contracts/api.js';
import { demoSizes } from '../../src-shared/contracts/demo-types.js';
import { backendNames } from '../../src-shared/contracts/engine-status.js';
import { inputNormalisationPresets } from '../../src-shared/contracts/teacher-types.js';
import { benchCommand } from './commands/bench.js';
import { datasetShowCommand, datasetsCommand } from './commands/datasets.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { experimentsCommand } from './commands/experiments.js';
import { exportCommand } from './commands/export.js';
import { deleteCommand, exportsCommand, renameCommand } from './commands/housekeeping.js';
import { importCommand } from './commands/import.js';
import { modelsCommand } from './commands/models.js';
import { profileCommand } from './commands/profile.js';
import { resultsCommand } from './commands/results.js';
import { cancelCommand, resumeCommand, runsCommand } from './commands/runs.js';
import { serveCommand } from './commands/serve.js';
import {
  teacherImportCommand,
  teacherJsonDescription,
  teacherShowCommand,
  teachersCommand,
} from './commands/teachers.js';
import { trainCommand } from './commands/train.js';
import { defineCommand } from './command-line.js';
import type { AnyCommandSpec } from './command-line.js';

const backendOption = {
  type: 'string',
  valueName: 'NAME',
  description: 'use this compute backend instead of the first that works (as RTK_BACKEND does)',
  choices: backendNames,
} as const;

const classesOption = {
  type: 'number',
  valueName: 'N',
  description: 'classes of the output layer',
  default: 10,
  minimum: 2,
  maximum: 100_000,
  integer: true,
} as const;

const yesOption = {
  type: 'boolean',
  description: 'delete without asking (needed when stdin is not a terminal, e.g. in scripts)',
} as const;

const withDependentsOption = {
  type: 'boolean',
  description: 'also delete what depends on it (listed when it is refused without this)',
} as const;

const withExportFoldersOption = {
  type: 'boolean',
  description:
    'also remove export folders outside the workbench home that the workbench wrote and that hold nothing else',
} as const;

const deletionDetails = [
  'Shows what goes first: the store rows, each folder with its size, what is kept and why. On a terminal it ' +
    'asks before deleting; without a terminal it deletes only with --yes (else it exits 2 and changes nothing). ' +
    'Folders are moved aside to a .deleting-<id> name, then removed; what a crash leaves is removed at the next ' +
    'start. Links are never followed, and your own files (dataset sources, teacher files) are never touched.',
  'With --json, prints what was deleted: deleted (each with kind, id, name), removedFolders (path, bytes) and ' +
    'keptFolders (path, reason).',
];

const nameArgument = { name: 'NAME', description: 'the new name: 1 to 200 characters, trimmed' } as const;

const inputOption = {
  type: 'string',
  valueName: 'HxWxC',
  description: 'input image height, width and channels',
  default: '32x32x3',
} as const;

/**
 * Every command of the CLI, in the order the top-level help lists them. Help, `CMD --help`, `help CMD`,
 * argument parsing and usage errors are all generated from these entries.
 *
 * To add a command, add an entry: `name` (a subcommand is `group verb`, e.g. `dataset delete`: the group
 * then appears in help with its subcommands), a lower-case `summary`, `positionals` in order, `options`
 * (boolean, string with optional `choices`/`default`/`required`, or number with limits; their parsed values
 * are typed from these declarations), `json: true` when it prints a result `--json` can replace, a few
 * `examples`, and `run`, which receives `{ positionals, values }` and calls the handler in `commands/`.
 * `--home DIR`, `--help` and (with `json: true`) `--json` are added to every command by the table itself.
 */
export const commandTable: readonly AnyCommandSpec[] = [
  defineCommand({
    name: 'serve',
    summary: 'start the workbench in your browser (lab mode)',
    positionals: [],
    options: {
      host: {
        type: 'string',
        valueName: 'ADDRESS',
        description:
          'the address to listen on; another than 127.0.0.1 lets others on the network in with the token',
        default: '127.0.0.1',
      },
      port: {
        type: 'number',
        valueName: 'N',
        description: 'the TCP port; 0 picks a free one',
        default: 8765,
        minimum: 0,
        maximum: 65_535,
        integer: true,
      },
      backend: backendOption,
      'browse-root': {
        type: 'strings',
        valueName: 'DIR',
        description:
          'a folder the in-browser file picker may list, besides your home folder, /media, /mnt and /usr/share/datasets',
      },
    },
    json: false,
    examples: [
      'rtk-workbench serve',
      'rtk-workbench serve --port 9000 --home /data/rtk',
      'rtk-workbench serve --browse-root /srv/datasets',
    ],
    run: ({ values }) => serveCommand(values),
  }),
  defineCommand({
    name: 'doctor',
    summary: 'show which compute backends work on this machine, and why',
    positionals: [],
    options: { backend: backendOption },
    json: true,
    examples: ['rtk-workbench doctor', 'rtk-workbench doctor --backend wasm'],
    run: ({ values }) => doctorCommand(values),
  }),
  defineCommand({
    name: 'demo',
    summary: 'generate the demo dataset, distil a small student on it, export the recommended one',
    positionals: [],
    options: {
      backend: backendOption,
      size: {
        type: 'string',
        valueName: 'SIZE',
        description:
          'standard (a few minutes on two cores), or small: the same steps on fewer images, in about a minute',
        choices: demoSizes,
        default: 'standard',
      },
    },
    json: true,
    examples: ['rtk-workbench demo', 'rtk-workbench demo --size small --json'],
    run: ({ values }) => demoCommand(values),
  }),
  defineCommand({
    name: 'import',
    summary: 'import a dataset file or folder (CIFAR, SVHN, CINIC-10, IDX, folders)',
    positionals: [{ name: 'PATH', description: 'the dataset file or folder' }],
    options: {
      format: {
        type: 'string',
        valueName: 'FORMAT',
        description: 'the dataset format; auto recognises it from the files',
        choices: importDatasetArgumentsSchema.shape.format.unwrap().options,
        default: 'auto',
      },
      name: { type: 'string', valueName: 'NAME', description: 'the dataset name (default: from the path)' },
      size: {
        type: 'number',
        valueName: 'N',
        description: 'resize folder images to N×N pixels',
        minimum: 8,
        maximum: 1024,
        integer: true,
      },
      channels: {
        type: 'string',
        valueName: 'C',
        description: 'colour channels of folder images: 1 grey, 3 colour',
        choices: ['1', '3'],
      },
      'val-fraction': {
        type: 'number',
        valueName: 'F',
        description: 'share of the training images held out for validation',
        minimum: 0,
        maximum: 0.99,
        integer: false,
      },
      backend: backendOption,
    },
    json: true,
    examples: [
      'rtk-workbench import ~/data/cifar-10-batches-bin',
      'rtk-workbench import ~/data/flowers --format folder --size 64 --name Flowers',
    ],
    run: ({ positionals: [source], values }) => importCommand(source, values),
  }),
  defineCommand({
    name: 'datasets',
    summary: 'list the imported datasets',
    positionals: [],
    options: { backend: backendOption },
    json: true,
    examples: ['rtk-workbench datasets', 'rtk-workbench datasets --json'],
    run: ({ values }) => datasetsCommand(values),
  }),
  defineCommand({
    name: 'dataset show',
    summary: 'a dataset’s manifest and health report',
    positionals: [{ name: 'ID', description: 'the dataset id, or its first characters' }],
    options: { backend: backendOption },
    json: true,
    examples: ['rtk-workbench dataset show 3f9c2a4e'],
    run: ({ positionals: [id], values }) => datasetShowCommand(id, values),
  }),
  defineCommand({
    name: 'dataset delete',
    summary:
      'delete a dataset and its imported copy (its experiments and teachers only with --with-dependents)',
    positionals: [{ name: 'ID', description: 'the dataset id, or its first characters' }],
    options: {
      yes: yesOption,
      'with-dependents': {
        ...withDependentsOption,
        description: 'also delete the experiments and imported teachers made on it',
      },
      'with-export-folders': withExportFoldersOption,
    },
    json: true,
    details: deletionDetails,
    examples: [
      'rtk-workbench dataset delete 3f9c2a4e',
      'rtk-workbench dataset delete 3f9c2a4e --with-dependents --yes',
    ],
    run: ({ positionals: [id], values }) => deleteCommand('dataset', id, values),
  }),
  defineCommand({
    name: 'dataset rename',
    summary: 'give a dataset a new name',
    positionals: [{ name: 'ID', description: 'the dataset id, or its first characters' }, nameArgument],
    options: {},
    json: true,
    examples: ['rtk-workbench dataset rename 3f9c2a4e "CIFAR-10 (train and test)"'],
    run: ({ positionals: [id, name], values }) => renameCommand('dataset', id, name, values),
  }),
  defineCommand({
    name: 'teacher import',
    summary: 'bring in a teacher trained elsewhere (ONNX, PyTorch, safetensors) and measure it on a dataset',
    positionals: [{ name: 'PATH', description: 'the teacher file: .onnx, .pth/.pt or .safetensors' }],
    options: {
      dataset: {
        type: 'string',
        valueName: 'ID',
        description: 'the dataset the teacher classifies; its test split measures it',
        required: true,
      },
      name: {
        type: 'string',
        valueName: 'NAME',
        description: "a name for the teacher (default: the file's)",
      },
      preset: {
        type: 'string',
        valueName: 'NAME',
        description:
          "the per-channel mean and std the teacher was trained with; dataset means this dataset's own (the default), none means 0 and 1",
        choices: inputNormalisationPresets,
      },
      mean: {
        type: 'string',
        valueName: 'A,B,C',
        description: 'per-channel means, on the --scale; overrides the preset',
      },
      std: {
        type: 'string',
        valueName: 'A,B,C',
        description: 'per-channel standard deviations, on the --scale',
      },
      scale: {
        type: 'string',
        valueName: '1|255',
        description: 'pixels on the 0–1 scale (the default) or 0–255',
        choices: ['1', '255'],
      },
      'channel-order': {
        type: 'string',
        valueName: 'ORDER',
        description: 'the colour order the teacher expects (default RGB)',
        choices: ['RGB', 'BGR'],
      },
      labels: {
        type: 'string',
        valueName: 'FILE',
        description:
          "one class name per line in the teacher's output order: classes are then matched by name",
      },
      architecture: {
        type: 'string',
        valueName: 'NAME',
        description: 'for checkpoints: refuse unless the state_dict is this catalog network',
      },
      backend: backendOption,
    },
    json: true,
    details: [
      'The teacher file is read, never run as code: an ONNX classifier of any architecture (opset 9–21), or a ' +
        'PyTorch checkpoint or safetensors file holding a state_dict of a catalog ResNet, WRN, VGG (with BN), ' +
        'MobileNetV2 or ShuffleNetV2 with the key names of RepDistiller or mdistiller. It is measured ' +
        "on the dataset's test split (top-1, top-5, per class), its feature taps are found, and it is kept in " +
        'the workbench as a teacher that every method can distil from.',
      teacherJsonDescription,
    ],
    examples: [
      'rtk-workbench teacher import resnet56.onnx --dataset 3f9c2a4e --preset cifar10',
      'rtk-workbench teacher import ckpt.pth --dataset 3f9c2a4e --mean 0.5071,0.4865,0.4409 --std 0.2673,0.2564,0.2762 --json',
    ],
    run: ({ positionals: [path], values }) => teacherImportCommand(path, values),
  }),
  defineCommand({
    name: 'teacher show',
    summary: 'one imported teacher: its file, input, accuracy per class and feature taps',
    positionals: [{ name: 'ID', description: 'the teacher id, or its first characters' }],
    options: { backend: backendOption },
    json: true,
    details: [teacherJsonDescription],
    examples: ['rtk-workbench teacher show 7a1b2c3d --json'],
    run: ({ positionals: [id], values }) => teacherShowCommand(id, values),
  }),
  defineCommand({
    name: 'teacher delete',
    summary: 'delete an imported teacher and its converted files (never your own teacher file)',
    positionals: [{ name: 'ID', description: 'the teacher id, or its first characters' }],
    options: {
      yes: yesOption,
      'with-dependents': {
        ...withDependentsOption,
        description: 'also delete the experiments that learn from it',
      },
      'with-export-folders': withExportFoldersOption,
    },
    json: true,
    details: deletionDetails,
    examples: ['rtk-workbench teacher delete 7a1b2c3d'],
    run: ({ positionals: [id], values }) => deleteCommand('teacher', id, values),
  }),
  defineCommand({
    name: 'teacher rename',
    summary: 'give an imported teacher a new name',
    positionals: [{ name: 'ID', description: 'the teacher id, or its first characters' }, nameArgument],
    options: {},
    json: true,
    examples: ['rtk-workbench teacher rename 7a1b2c3d "ResNet-56 (CIFAR-10)"'],
    run: ({ positionals: [id, name], values }) => renameCommand('teacher', id, name, values),
  }),
  defineCommand({
    name: 'teachers',
    summary: 'list the imported teachers with their test accuracy',
    positionals: [],
    options: {
      dataset: { type: 'string', valueName: 'ID', description: 'only the teachers of this dataset' },
      backend: backendOption,
    },
    json: true,
    details: ['With --json, a list of teachers, each as `teacher show --json` prints it.'],
    examples: ['rtk-workbench teachers', 'rtk-workbench teachers --dataset 3f9c2a4e --json'],
    run: ({ values }) => teachersCommand(values),
  }),
  defineCommand({
    name: 'models',
    summary: 'list the networks with parameters, multiply-adds, feature taps and size',
    positionals: [],
    options: { classes: classesOption, input: inputOption },
    json: true,
    examples: ['rtk-workbench models', 'rtk-workbench models --classes 100 --input 64x64x3'],
    run: ({ values }) => modelsCommand(values),
  }),
  defineCommand({
    name: 'train',
    summary: 'train the experiment of a spec file and print its results',
    positionals: [
      { name: 'SPEC.json', description: 'the experiment spec file (docs/experiment-spec.md describes it)' },
    ],
    options: { backend: backendOption },
    json: true,
    examples: ['rtk-workbench train my-experiment.json', 'rtk-workbench train my-experiment.json --json'],
    run: ({ positionals: [specFile], values }) => trainCommand(specFile, values),
  }),
  defineCommand({
    name: 'experiments',
    summary: 'list the experiments',
    positionals: [],
    options: { backend: backendOption },
    json: true,
    examples: ['rtk-workbench experiments'],
    run: ({ values }) => experimentsCommand(values),
  }),
  defineCommand({
    name: 'experiment delete',
    summary: 'delete an experiment with its runs, checkpoints, models and export records',
    positionals: [{ name: 'ID', description: 'the experiment id, or its first characters' }],
    options: {
      yes: yesOption,
      'with-dependents': {
        ...withDependentsOption,
        description: 'also delete the experiments that learn from its teacher run',
      },
      'with-export-folders': withExportFoldersOption,
    },
    json: true,
    details: deletionDetails,
    examples: [
      'rtk-workbench experiment delete 5d2e9a01',
      'rtk-workbench experiment delete 5d2e9a01 --yes --json',
    ],
    run: ({ positionals: [id], values }) => deleteCommand('experiment', id, values),
  }),
  defineCommand({
    name: 'experiment rename',
    summary: 'give an experiment a new name',
    positionals: [{ name: 'ID', description: 'the experiment id, or its first characters' }, nameArgument],
    options: {},
    json: true,
    examples: ['rtk-workbench experiment rename 5d2e9a01 "RTK on flowers, 3 seeds"'],
    run: ({ positionals: [id, name], values }) => renameCommand('experiment', id, name, values),
  }),
  defineCommand({
    name: 'runs',
    summary: 'list the runs and their status',
    positionals: [],
    options: { backend: backendOption },
    json: true,
    examples: ['rtk-workbench runs', 'rtk-workbench runs --json'],
    run: ({ values }) => runsCommand(values),
  }),
  defineCommand({
    name: 'resume',
    summary: 'continue a paused, interrupted or failed run, or every such run of an experiment',
    positionals: [
      { name: 'RUN|EXPERIMENT', description: 'the run or experiment id, or its first characters' },
    ],
    options: { backend: backendOption },
    json: true,
    examples: ['rtk-workbench resume 8b1e4f70'],
    run: ({ positionals: [id], values }) => resumeCommand(id, values),
  }),
  defineCommand({
    name: 'cancel',
    summary: 'cancel a queued, paused or interrupted run',
    positionals: [{ name: 'RUN', description: 'the run id, or its first characters' }],
    options: { backend: backendOption },
    json: true,
    examples: ['rtk-workbench cancel 8b1e4f70'],
    run: ({ positionals: [id], values }) => cancelCommand(id, values),
  }),
  defineCommand({
    name: 'run delete',
    summary: 'delete a run that is not training, with its checkpoints, model and export records',
    positionals: [{ name: 'RUN', description: 'the run id, or its first characters' }],
    options: {
      yes: yesOption,
      'with-dependents': {
        ...withDependentsOption,
        description: 'for a teacher run: also delete the student runs and experiments that learn from it',
      },
      'with-export-folders': withExportFoldersOption,
    },
    json: true,
    details: [
      'A run that is training cannot be deleted: pause or cancel it first. A run has no name to change.',
      ...deletionDetails,
    ],
    examples: ['rtk-workbench run delete 8b1e4f70'],
    run: ({ positionals: [id], values }) => deleteCommand('run', id, values),
  }),
  defineCommand({
    name: 'results',
    summary: 'the results table of an experiment',
    positionals: [{ name: 'EXPERIMENT', description: 'the experiment id, or its first characters' }],
    options: {
      csv: { type: 'boolean', description: 'print the table as CSV (one row per method) instead' },
      backend: backendOption,
    },
    json: true,
    examples: ['rtk-workbench results 3f9c2a4e', 'rtk-workbench results 3f9c2a4e --csv > results.csv'],
    run: ({ positionals: [id], values }) => resultsCommand(id, values),
  }),
  defineCommand({
    name: 'export',
    summary: 'export a run’s student as TFJS or ONNX, verified, with a model card',
    positionals: [{ name: 'RUN', description: 'the run id, or its first characters' }],
    options: {
      out: { type: 'string', valueName: 'DIR', description: 'the folder to write', required: true },
      format: {
        type: 'string',
        valueName: 'FORMAT',
        description: 'the model format (give this, --preset, or both)',
        choices: exportRunArgumentsSchema.shape.format.unwrap().options,
      },
      precision: {
        type: 'string',
        valueName: 'PRECISION',
        description: 'the weight precision (default: the preset’s when its format matches, else float32)',
        choices: exportRunArgumentsSchema.shape.precision.unwrap().options,
      },
      preset: {
        type: 'string',
        valueName: 'NAME',
        description: 'a target device, which sets format, precision and a size budget',
        choices: exportRunArgumentsSchema.shape.preset.unwrap().options,
      },
      layout: {
        type: 'string',
        valueName: 'LAYOUT',
        description: 'the ONNX input layout',
        choices: exportRunArgumentsSchema.shape.layout.unwrap().options,
        default: 'NCHW',
      },
      probabilities: {
        type: 'boolean',
        description: 'add a softmax output named probabilities beside the logits (ONNX)',
      },
      force: { type: 'boolean', description: 'replace what is in the --out folder if it is not empty' },
      backend: backendOption,
    },
    json: true,
    examples: [
      'rtk-workbench export 8b1e4f70 --format onnx --out ./student-onnx',
      'rtk-workbench export 8b1e4f70 --preset browser --out ./student-web',
    ],
    run: ({ positionals: [id], values }) => exportCommand(id, values),
  }),
  defineCommand({
    name: 'exports',
    summary: 'list the exports with their folders',
    positionals: [],
    options: { run: { type: 'string', valueName: 'RUN', description: 'only the exports of this run' } },
    json: true,
    examples: ['rtk-workbench exports', 'rtk-workbench exports --run 8b1e4f70 --json'],
    run: ({ values }) => exportsCommand(values),
  }),
  defineCommand({
    name: 'export delete',
    summary:
      'delete an export’s record and, when the workbench wrote it and it holds nothing else, its folder',
    positionals: [{ name: 'ID', description: 'the export id (see `exports`), or its first characters' }],
    options: { yes: yesOption },
    json: true,
    details: [
      'The folder is recognised as ours by its model-card.json and removed only when it holds nothing but the ' +
        'files that card lists; otherwise it stays, and the command says why.',
      ...deletionDetails,
    ],
    examples: ['rtk-workbench export delete 2c4d6e8f'],
    run: ({ positionals: [id], values }) => deleteCommand('export', id, values),
  }),
  defineCommand({
    name: 'export rename',
    summary: 'give an export a new name (its folder keeps its own)',
    positionals: [{ name: 'ID', description: 'the export id, or its first characters' }, nameArgument],
    options: {},
    json: true,
    examples: ['rtk-workbench export rename 2c4d6e8f "Phone build"'],
    run: ({ positionals: [id, name], values }) => renameCommand('export', id, name, values),
  }),
  defineCommand({
    name: 'profile',
    summary: 'parameters, multiply-adds, sizes, memory and measured latency of a run’s student or a network',
    positionals: [
      {
        name: 'RUN|NETWORK',
        description: 'a run id (or its first characters), or a network name such as resnet8',
      },
    ],
    options: { classes: classesOption, input: inputOption, backend: backendOption },
    json: true,
    examples: ['rtk-workbench profile resnet8', 'rtk-workbench profile 8b1e4f70 --json'],
    run: ({ positionals: [target], values }) => profileCommand(target, values),
  }),
  defineCommand({
    name: 'bench',
    summary: 'time training, distillation steps and batch assembly (--data: imports)',
    positionals: [],
    options: {
      backend: backendOption,
      quick: { type: 'boolean', description: 'a few steps only, to check that it runs' },
      data: { type: 'boolean', description: 'time dataset imports instead of the engine' },
    },
    json: true,
    examples: [
      'rtk-workbench bench',
      'rtk-workbench bench --backend wasm --quick',
      'rtk-workbench bench --data',
    ],
    run: ({ values }) => benchCommand(values),
  }),
];
