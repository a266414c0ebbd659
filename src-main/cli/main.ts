import { doctorCommand } from './commands/doctor.js';
import { serveCommand } from './commands/serve.js';
import { UsageError } from './cli-arguments.js';

type Command = (argumentList: string[]) => Promise<number>;

const commands: Record<string, { run: Command; summary: string }> = {
  serve: { run: serveCommand, summary: 'start the workbench in your browser (lab mode)' },
  doctor: { run: doctorCommand, summary: 'show which compute backends work on this machine, and why' },
};

function usage(): string {
  const lines = ['Usage: rtk-workbench <command> [options]', '', 'Commands:'];
  for (const [name, command] of Object.entries(commands))
    lines.push(`  ${name.padEnd(10)} ${command.summary}`);
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

process.exitCode = await runCli(process.argv.slice(2));
