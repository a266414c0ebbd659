import { parseArgs } from 'node:util';
import { parseChoiceFlag, parseNumberFlag, UsageError } from './cli-arguments.js';

/** The program's name as users type it. */
export const programName = 'rtk-workbench';

/** An option that is present or not. */
export interface BooleanOptionSpec {
  readonly type: 'boolean';
  readonly description: string;
}

/** An option with a text value, free or one of `choices`. */
export interface StringOptionSpec {
  readonly type: 'string';
  /** How the value is named in help, e.g. DIR. */
  readonly valueName: string;
  readonly description: string;
  readonly default?: string;
  readonly choices?: readonly string[];
  /** The command cannot run without it. */
  readonly required?: boolean;
}

/** An option with a numeric value within limits. */
export interface NumberOptionSpec {
  readonly type: 'number';
  readonly valueName: string;
  readonly description: string;
  readonly default?: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly integer: boolean;
}

/** An option with a text value that may be given several times; the handler receives every value. */
export interface StringListOptionSpec {
  readonly type: 'strings';
  readonly valueName: string;
  readonly description: string;
}

/** One `--name` option of a command. */
export type OptionSpec = BooleanOptionSpec | StringOptionSpec | NumberOptionSpec | StringListOptionSpec;

/** One positional argument of a command. */
export interface PositionalSpec {
  /** How it is named in help, e.g. RUN or SPEC.json. */
  readonly name: string;
  readonly description: string;
}

type OptionValue<Option> = Option extends BooleanOptionSpec
  ? boolean
  : Option extends StringListOptionSpec
    ? readonly string[]
    : Option extends NumberOptionSpec
      ? Option extends { readonly default: number }
        ? number
        : number | undefined
      : Option extends StringOptionSpec
        ? | (Option extends { readonly choices: readonly (infer Choice)[] } ? Choice : string)
          | (Option extends { readonly default: string } | { readonly required: true } ? never : undefined)
        : never;

/** The values of a command's options as its handler receives them. */
export type OptionValues<Options extends Record<string, OptionSpec>, TakesJson extends boolean> = {
  readonly [Name in keyof Options]: OptionValue<Options[Name]>;
} & { readonly home: string | undefined } & (TakesJson extends true ? { readonly json: boolean } : unknown);

/** What a command's handler receives: its positional arguments in declared order, and its option values. */
export interface ParsedCommand<
  Positionals extends readonly PositionalSpec[],
  Options extends Record<string, OptionSpec>,
  TakesJson extends boolean,
> {
  readonly positionals: { readonly [Index in keyof Positionals]: string };
  readonly values: OptionValues<Options, TakesJson>;
}

/** One command of the table: what help says about it, how its arguments are parsed, and what runs. */
export interface CommandSpec<
  Positionals extends readonly PositionalSpec[] = readonly PositionalSpec[],
  Options extends Record<string, OptionSpec> = Record<string, OptionSpec>,
  TakesJson extends boolean = boolean,
> {
  /** One word, or a group and a subcommand (`dataset show`). */
  readonly name: string;
  /** Lower-case phrase for the command list; help prints it as a sentence. */
  readonly summary: string;
  readonly positionals: Positionals;
  readonly options: Options;
  /** Whether `--json` prints the result as one JSON document instead of text. */
  readonly json: TakesJson;
  readonly examples: readonly string[];
  /** Paragraphs that help prints after the summary: what the command reads, what it prints. */
  readonly details?: readonly string[];
  readonly run: (parsed: ParsedCommand<Positionals, Options, TakesJson>) => Promise<number>;
}

/** A command of the table with its types erased, as the dispatcher handles every command alike. */
export interface AnyCommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly json: boolean;
  readonly examples: readonly string[];
  /** Paragraphs that help prints after the summary: what the command reads, what it prints. */
  readonly details?: readonly string[];
  readonly run: (parsed: {
    readonly positionals: readonly string[];
    readonly values: Readonly<Record<string, unknown>>;
  }) => Promise<number>;
}

/** Declares a command; the types of its handler's arguments follow from the declared positionals and options. */
export function defineCommand<
  const Positionals extends readonly PositionalSpec[],
  const Options extends Record<string, OptionSpec>,
  const TakesJson extends boolean,
>(spec: CommandSpec<Positionals, Options, TakesJson>): AnyCommandSpec {
  return spec as unknown as AnyCommandSpec;
}

/** `--home DIR`, which every command takes. */
export const homeOption: StringOptionSpec = {
  type: 'string',
  valueName: 'DIR',
  description: 'the workbench home (default $RTK_WORKBENCH_HOME, else ~/.rtk-workbench)',
};

/** `--json`, which the commands whose table entry says so take. */
export const jsonOption: BooleanOptionSpec = {
  type: 'boolean',
  description: 'print the result as one JSON document on stdout (progress stays on stderr)',
};

const helpOption: BooleanOptionSpec = { type: 'boolean', description: 'show this help and exit' };

/** Every option a command takes, in the order help lists them: its own, then --json, --home and --help. */
export function allOptions(command: AnyCommandSpec): [string, OptionSpec][] {
  return [
    ...Object.entries(command.options),
    ...(command.json ? [['json', jsonOption] as [string, OptionSpec]] : []),
    ['home', homeOption],
    ['help', helpOption],
  ];
}

const helpWidth = 100;

/** Short lists of choices stand in the synopsis itself (`--layout NCHW|NHWC`); longer ones in the description. */
function choicesInSynopsis(option: OptionSpec): boolean {
  return option.type === 'string' && option.choices !== undefined && option.choices.join('|').length <= 24;
}

function optionSynopsis(name: string, option: OptionSpec): string {
  if (option.type === 'boolean') return `--${name}`;
  const value =
    option.type === 'string' && option.choices !== undefined && choicesInSynopsis(option)
      ? option.choices.join('|')
      : option.valueName;
  return `--${name} ${value}`;
}

/** The command's one-line synopsis, e.g. `rtk-workbench export RUN --out DIR [--format tfjs|onnx] …`. */
export function commandSynopsis(command: AnyCommandSpec): string {
  const parts = [programName, command.name, ...command.positionals.map((positional) => positional.name)];
  for (const [name, option] of allOptions(command)) {
    if (name === 'help') continue;
    const synopsis = optionSynopsis(name, option);
    parts.push(option.type === 'string' && option.required === true ? synopsis : `[${synopsis}]`);
  }
  return wrapWords(parts, helpWidth - 'Usage: '.length).join(`\n${' '.repeat('Usage: '.length)}`);
}

function describeOption(option: OptionSpec): string {
  const notes: string[] = [];
  if (option.type === 'string' && option.choices !== undefined && !choicesInSynopsis(option))
    notes.push(`one of: ${option.choices.join(', ')}`);
  if (option.type === 'strings') notes.push('may be given more than once');
  if (option.type === 'number')
    notes.push(
      `${option.integer ? 'a whole number' : 'a number'} from ${option.minimum} to ${option.maximum}`,
    );
  if ((option.type === 'string' || option.type === 'number') && option.default !== undefined)
    notes.push(`default ${option.default}`);
  if (option.type === 'string' && option.required === true) notes.push('required');
  return notes.length === 0 ? option.description : `${option.description} (${notes.join('; ')})`;
}

/** Joins words into lines of at most `width` characters (a longer word stands alone). */
function wrapWords(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    if (current !== '' && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  lines.push(current);
  return lines;
}

/** Lays out `[term, text]` rows as two columns, wrapping the text under itself. */
function twoColumns(rows: readonly (readonly [string, string])[]): string[] {
  const termWidth = Math.min(28, Math.max(...rows.map(([term]) => term.length)));
  const indent = 2 + termWidth + 2;
  const lines: string[] = [];
  for (const [term, text] of rows) {
    const [first = '', ...rest] = wrapWords(text.split(' '), helpWidth - indent);
    if (term.length > termWidth) lines.push(`  ${term}`, `${' '.repeat(indent)}${first}`);
    else lines.push(`  ${term.padEnd(termWidth)}  ${first}`);
    for (const line of rest) lines.push(`${' '.repeat(indent)}${line}`);
  }
  return lines;
}

function sentence(phrase: string): string {
  return `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}.`;
}

/** The help of one command: synopsis, what it does, its arguments, options and examples. */
export function formatCommandHelp(command: AnyCommandSpec): string {
  const lines = [`Usage: ${commandSynopsis(command)}`, '', sentence(command.summary)];
  for (const paragraph of command.details ?? [])
    lines.push('', ...wrapWords(paragraph.split(' '), helpWidth));
  if (command.positionals.length > 0) {
    lines.push(
      '',
      'Arguments:',
      ...twoColumns(command.positionals.map((positional) => [positional.name, positional.description])),
    );
  }
  lines.push(
    '',
    'Options:',
    ...twoColumns(
      allOptions(command).map(([name, option]) => [
        name === 'help' ? '-h, --help' : optionSynopsis(name, option),
        describeOption(option),
      ]),
    ),
  );
  if (command.examples.length > 0) {
    lines.push('', 'Examples:', ...command.examples.map((example) => `  ${example}`));
  }
  return lines.join('\n');
}

/** What a usage error prints after its message: the synopsis and where the whole help is. */
export function formatUsageReminder(command: AnyCommandSpec): string {
  return `Usage: ${commandSynopsis(command)}\nRun "${programName} ${command.name} --help" for what each option does.`;
}

/** Whether the arguments ask for help (before any `--`, which ends the options). */
export function asksForHelp(argumentList: readonly string[]): boolean {
  const end = argumentList.indexOf('--');
  const options = end === -1 ? argumentList : argumentList.slice(0, end);
  return options.includes('--help') || options.includes('-h');
}

/** parseArgs' complaint in the CLI's words; its unknown-option message is mostly advice about `--`. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const option = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) return `Unknown option "${option}".`;
  if (message.endsWith('argument missing') && option !== undefined) {
    return `${option.replace(' <value>', '')} needs a value.`;
  }
  return message;
}

/** Parses a command's arguments against its declared positionals and options; throws UsageError. */
export function parseCommandArguments(
  command: AnyCommandSpec,
  argumentList: readonly string[],
): { readonly positionals: readonly string[]; readonly values: Readonly<Record<string, unknown>> } {
  const declared = allOptions(command).filter(([name]) => name !== 'help');
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argumentList],
      options: Object.fromEntries(
        declared.map(([name, option]) => [
          name,
          { type: option.type === 'boolean' ? 'boolean' : 'string', multiple: option.type === 'strings' },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const values: Record<string, unknown> = {};
  for (const [name, option] of declared) {
    const given = parsed.values[name];
    if (option.type === 'boolean') {
      values[name] = given === true;
      continue;
    }
    if (option.type === 'strings') {
      values[name] = Array.isArray(given) ? given.filter((value) => typeof value === 'string') : [];
      continue;
    }
    const text = typeof given === 'string' ? given : undefined;
    if (option.type === 'number') {
      values[name] = parseNumberFlag(name, text, option) ?? option.default;
      continue;
    }
    if (text === undefined && option.required === true) {
      throw new UsageError(`Missing --${name} ${option.valueName}.`);
    }
    const value = option.choices === undefined ? text : parseChoiceFlag(name, text, option.choices);
    values[name] = value ?? option.default;
  }
  const positionals = parsed.positionals;
  const missing = command.positionals[positionals.length];
  if (missing !== undefined) throw new UsageError(`Missing ${missing.name}: ${missing.description}.`);
  if (positionals.length > command.positionals.length) {
    throw new UsageError(`Unexpected argument "${positionals.slice(command.positionals.length).join(' ')}".`);
  }
  return { positionals, values };
}
