import { workbenchVersion } from '../services/version.js';
import { UsageError } from './cli-arguments.js';
import {
  asksForHelp,
  formatCommandHelp,
  formatUsageReminder,
  homeOption,
  parseCommandArguments,
  programName,
} from './command-line.js';
import type { AnyCommandSpec } from './command-line.js';
import { commandTable } from './command-table.js';

/** What the words of a command line name: a command of the table, the subcommands of a group, or nothing. */
type Resolved =
  | { readonly kind: 'command'; readonly command: AnyCommandSpec; readonly rest: readonly string[] }
  | { readonly kind: 'group'; readonly group: string; readonly rest: readonly string[] }
  | { readonly kind: 'unknown'; readonly name: string };

/** Finds the command the first words name: `train …`, `dataset show …`, or the group `dataset`. */
export function resolveCommand(argumentList: readonly string[], table = commandTable): Resolved {
  const [first = '', second] = argumentList;
  const command =
    table.find((candidate) => candidate.name === `${first} ${second ?? ''}`) ??
    table.find((candidate) => candidate.name === first);
  if (command !== undefined) {
    return { kind: 'command', command, rest: argumentList.slice(command.name.split(' ').length) };
  }
  if (table.some((candidate) => candidate.name.startsWith(`${first} `))) {
    return { kind: 'group', group: first, rest: argumentList.slice(1) };
  }
  return { kind: 'unknown', name: first };
}

function listCommands(commands: readonly AnyCommandSpec[]): string[] {
  const width = Math.max(...commands.map((command) => command.name.length));
  return commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
}

/** The top-level help: every command of the table with its summary, and the options every command shares. */
export function formatTopLevelHelp(table = commandTable): string {
  return [
    `Usage: ${programName} <command> [options]`,
    '',
    'Commands:',
    ...listCommands(table),
    '',
    `Every command takes --home DIR: ${homeOption.description}.`,
    `"${programName} help COMMAND" or "${programName} COMMAND --help" describes a command and its options;`,
    `"${programName} --version" prints the version.`,
  ].join('\n');
}

/** The help of a group such as `dataset`: its subcommands. */
export function formatGroupHelp(group: string, table = commandTable): string {
  return [
    `Usage: ${programName} ${group} <subcommand> [options]`,
    '',
    'Subcommands:',
    ...listCommands(table.filter((command) => command.name.startsWith(`${group} `))),
    '',
    `"${programName} ${group} SUBCOMMAND --help" describes a subcommand and its options.`,
  ].join('\n');
}

/** `help [COMMAND…]`: the same text as `COMMAND --help`, or the top-level help. */
function printHelp(words: readonly string[]): number {
  if (words.length === 0) {
    console.log(formatTopLevelHelp());
    return 0;
  }
  const resolved = resolveCommand(words);
  if (resolved.kind === 'command') console.log(formatCommandHelp(resolved.command));
  else if (resolved.kind === 'group') console.log(formatGroupHelp(resolved.group));
  else {
    console.error(`Unknown command "${words.join(' ')}".\n${formatTopLevelHelp()}`);
    return 2;
  }
  return 0;
}

async function runCommand(command: AnyCommandSpec, rest: readonly string[]): Promise<number> {
  if (asksForHelp(rest)) {
    console.log(formatCommandHelp(command));
    return 0;
  }
  try {
    return await command.run(parseCommandArguments(command, rest));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${programName} ${command.name}: ${message}`);
    if (!(error instanceof UsageError)) return 1;
    console.error(formatUsageReminder(command));
    return 2;
  }
}

/** Runs the CLI with the given arguments and resolves to the process exit code. */
export async function runCli(argumentList: readonly string[]): Promise<number> {
  const [first] = argumentList;
  if (first === undefined) {
    console.error(formatTopLevelHelp());
    return 2;
  }
  if (first === '--help' || first === '-h') return printHelp([]);
  if (first === 'help') return printHelp(argumentList.slice(1));
  if (first === '--version' || first === '-V') {
    console.log(workbenchVersion);
    return 0;
  }
  const resolved = resolveCommand(argumentList);
  if (resolved.kind === 'command') return runCommand(resolved.command, resolved.rest);
  if (resolved.kind === 'group') {
    if (asksForHelp(resolved.rest)) {
      console.log(formatGroupHelp(resolved.group));
      return 0;
    }
    const [subcommand] = resolved.rest;
    console.error(
      `${programName} ${resolved.group}: ${subcommand === undefined ? 'missing a subcommand' : `unknown subcommand "${subcommand}"`}.\n` +
        formatGroupHelp(resolved.group),
    );
    return 2;
  }
  console.error(`Unknown command "${resolved.name}".\n${formatTopLevelHelp()}`);
  return 2;
}
