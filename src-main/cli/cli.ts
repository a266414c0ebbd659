import { cancelCommand, resumeCommand, runsCommand } from './commands/runs.js';
import { benchCommand } from './commands/bench.js';
import { datasetCommand, datasetsCommand } from './commands/datasets.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { experimentsCommand } from './commands/experiments.js';
import { exportCommand } from './commands/export.js';
import { importCommand } from './commands/import.js';
import { modelsCommand } from './commands/models.js';
import { profileCommand } from './commands/profile.js';
import { resultsCommand } from './commands/results.js';
import { serveCommand } from './commands/serve.js';
import { teacherCommand, teachersCommand } from './commands/teachers.js';
import { trainCommand } from './commands/train.js';
import { UsageError } from './cli-arguments.js';

type Command = (argumentList: string[]) => Promise<number>;

const commands: Record<string, { run: Command; summary: string }> = {
  serve: { run: serveCommand, summary: 'start the workbench in your browser (lab mode)' },
  doctor: { run: doctorCommand, summary: 'show which compute backends work on this machine, and why' },
  demo: { run: demoCommand, summary: 'generate the demo dataset, distil a small student on it, export it' },
  import: {
    run: importCommand,
    summary: 'import a dataset file or folder (CIFAR, SVHN, CINIC-10, IDX, folders)',
  },
  datasets: { run: datasetsCommand, summary: 'list the imported datasets' },
  dataset: { run: datasetCommand, summary: 'dataset show ID: a dataset’s manifest and health report' },
  teacher: {
    run: teacherCommand,
    summary: 'teacher import PATH --dataset ID | teacher show ID: bring your own teacher (ONNX, PyTorch)',
  },
  teachers: { run: teachersCommand, summary: 'list the imported teachers with their test accuracy' },
  models: { run: modelsCommand, summary: 'list the backbones with parameters, MACs, feature taps and size' },
  train: { run: trainCommand, summary: 'train the experiment of a spec file and print its results' },
  experiments: { run: experimentsCommand, summary: 'list the experiments' },
  runs: { run: runsCommand, summary: 'list the runs and their status' },
  resume: { run: resumeCommand, summary: 'resume RUN: continue a paused or interrupted run' },
  cancel: { run: cancelCommand, summary: 'cancel RUN: cancel a queued or paused run' },
  results: { run: resultsCommand, summary: 'results EXPERIMENT: the results table (--json, --csv)' },
  export: {
    run: exportCommand,
    summary: 'export RUN: the student as TFJS or ONNX, verified, with a model card',
  },
  profile: { run: profileCommand, summary: 'profile RUN|BACKBONE: parameters, MACs, sizes, memory, latency' },
  bench: {
    run: benchCommand,
    summary: 'time training, distillation steps and batch assembly (--data: imports)',
  },
};

function usage(): string {
  const lines = ['Usage: rtk-workbench <command> [options]', '', 'Commands:'];
  for (const [name, command] of Object.entries(commands))
    lines.push(`  ${name.padEnd(12)} ${command.summary}`);
  lines.push('', 'Every command accepts --home DIR (default $RTK_WORKBENCH_HOME or ~/.rtk-workbench).');
  return lines.join('\n');
}

/** Runs the CLI with the given arguments and resolves to the process exit code. */
export async function runCli(argumentList: string[]): Promise<number> {
  const [name, ...rest] = argumentList;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    console.error(`Unknown command "${name}".\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`rtk-workbench ${name}: ${message}`);
    return error instanceof UsageError || (error instanceof TypeError && 'code' in error) ? 2 : 1;
  }
}
