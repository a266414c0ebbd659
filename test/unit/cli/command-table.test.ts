import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src-main/cli/cli.js';
import { allOptions, parseCommandArguments } from '../../../src-main/cli/command-line.js';
import { commandTable } from '../../../src-main/cli/command-table.js';
import { workbenchVersion } from '../../../src-main/services/version.js';

interface Printed {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in this process and collects what it prints. */
async function cli(...argumentList: string[]): Promise<Printed> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => stdout.push(parts.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => stderr.push(parts.join(' ')));
  const code = await runCli(argumentList);
  vi.restoreAllMocks();
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** The `--name` options a help text lists in its Options section. */
function listedOptions(help: string): string[] {
  const section = help.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '';
  return [...section.matchAll(/^ {2}(?:-h, )?--([a-z-]+)/gm)].map((match) => match[1] ?? '');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the command table', () => {
  it.each(commandTable.map((command) => [command.name]))(
    '%s --help and -h print its help and exit 0; help %s prints the same',
    async (name) => {
      const words = name.split(' ');
      const long = await cli(...words, '--help');
      expect(long.code).toBe(0);
      expect(long.stderr).toBe('');
      expect(long.stdout).toMatch(new RegExp(`^Usage: rtk-workbench ${name}`));
      expect(await cli(...words, '-h')).toEqual(long);
      expect(await cli('help', ...words)).toEqual(long);
    },
  );

  it.each(commandTable.map((command) => [command.name]))(
    '%s lists exactly its declared options, with --home and --help',
    async (name) => {
      const command = commandTable.find((candidate) => candidate.name === name);
      if (command === undefined) throw new Error(name);
      const listed = listedOptions((await cli(...name.split(' '), '--help')).stdout);
      const declared = [...Object.keys(command.options), ...(command.json ? ['json'] : []), 'home', 'help'];
      expect(listed).toEqual(declared);
      expect(allOptions(command).map(([option]) => option)).toEqual(declared);
    },
  );

  it('writes the usage of a command from its declarations', async () => {
    const exportHelp = (await cli('export', '--help')).stdout;
    expect(exportHelp).toContain(
      'Usage: rtk-workbench export RUN --out DIR [--format tfjs|onnx] [--precision float32|float16|uint8]',
    );
    expect(exportHelp).toContain('  --layout NCHW|NHWC            the ONNX input layout (default NCHW)\n');
    expect(exportHelp).toContain(
      'Examples:\n  rtk-workbench export 8b1e4f70 --format onnx --out ./student-onnx',
    );
    const importHelp = (await cli('import', '--help')).stdout;
    expect(importHelp).toContain(
      '--format FORMAT   the dataset format; auto recognises it from the files (one of: auto, cifar10,',
    );
    expect(importHelp).toContain(
      '--size N          resize folder images to N×N pixels (a whole number from 8 to 1024)',
    );
    const serveHelp = (await cli('serve', '--help')).stdout;
    expect(serveHelp).toContain(
      'Usage: rtk-workbench serve [--host ADDRESS] [--port N] [--backend NAME] [--browse-root DIR]\n' +
        '       [--home DIR]\n',
    );
    expect(serveHelp).toMatch(
      /--browse-root DIR {2}a folder the in-browser file picker may list.*\n.*\(may be given more than once\)/,
    );
    expect(serveHelp).not.toContain('--json');
    expect((await cli('train', '--help')).stdout).toContain(
      '\nArguments:\n  SPEC.json  the experiment spec file',
    );
  });

  it('lists every command once at the top level, subcommands by their whole name', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    const listed = [...help.stdout.matchAll(/^ {2}(\S+(?: [a-z]+)?) {2,}/gm)].map((match) => match[1]);
    expect(listed).toEqual(commandTable.map((command) => command.name));
    expect(await cli('help')).toEqual(help);
    expect(await cli('-h')).toEqual(help);
    const bare = await cli();
    expect(bare.code).toBe(2);
    expect(bare.stderr).toBe(help.stdout);
  });

  it('prints the version with --version and -V', async () => {
    expect(workbenchVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(await cli('--version')).toEqual({ code: 0, stdout: workbenchVersion, stderr: '' });
    expect(await cli('-V')).toEqual({ code: 0, stdout: workbenchVersion, stderr: '' });
  });

  it.each(commandTable.map((command) => [command.name]))(
    '%s refuses an unknown option with its own usage and exit 2',
    async (name) => {
      const refused = await cli(...name.split(' '), '--no-such-option');
      expect(refused.code).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(`rtk-workbench ${name}: Unknown option "--no-such-option".`);
      expect(refused.stderr).toContain(`\nUsage: rtk-workbench ${name}`);
      expect(refused.stderr).toContain(`Run "rtk-workbench ${name} --help"`);
    },
  );

  it('refuses a missing or extra positional argument and a value out of its limits, exit 2', async () => {
    const missing = await cli('export', '--out', 'somewhere');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'rtk-workbench export: Missing RUN: the run id, or its first characters.',
    );
    const extra = await cli('cancel', 'a', 'b');
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('Unexpected argument "b".');
    const noOut = await cli('export', 'abc', '--format', 'onnx');
    expect(noOut.stderr).toContain('Missing --out DIR.');
    const port = await cli('serve', '--port', '70000');
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be a whole number from 0 to 65535, not "70000".');
    const backend = await cli('doctor', '--backend', 'abacus');
    expect(backend.code).toBe(2);
    expect(backend.stderr).toContain(
      '--backend must be one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu',
    );
  });

  it('answers a group without its subcommand with the subcommands, exit 2 (0 with --help)', async () => {
    const bare = await cli('dataset');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('rtk-workbench dataset: missing a subcommand.');
    expect(bare.stderr).toContain('  dataset show  ');
    const help = await cli('dataset', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Subcommands:\n  dataset show  ');
    const unknown = await cli('nonsense');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^Unknown command "nonsense"\.\nUsage: rtk-workbench <command>/);
  });

  it('accepts --home DIR on every command, bench and models included', () => {
    const home = '/srv/rtk-home';
    for (const command of commandTable) {
      const positionals = command.positionals.map(() => 'x');
      const required = Object.entries(command.options).flatMap(([name, option]) =>
        option.type === 'string' && option.required === true ? [`--${name}`, 'x'] : [],
      );
      const parsed = parseCommandArguments(command, [...positionals, ...required, '--home', home]);
      expect(parsed.values['home'], command.name).toBe(home);
    }
  });

  it('parses values to the declared types and fills in defaults', () => {
    const serve = commandTable.find((command) => command.name === 'serve');
    const exporter = commandTable.find((command) => command.name === 'export');
    if (serve === undefined || exporter === undefined) throw new Error('missing commands');
    expect(parseCommandArguments(serve, []).values).toEqual({
      host: '127.0.0.1',
      port: 8765,
      backend: undefined,
      'browse-root': [],
      home: undefined,
    });
    expect(
      parseCommandArguments(serve, [
        '--port',
        '0',
        '--backend',
        'wasm',
        '--browse-root',
        '/a',
        '--browse-root',
        '/b',
      ]).values,
    ).toMatchObject({ port: 0, backend: 'wasm', 'browse-root': ['/a', '/b'] });
    expect(parseCommandArguments(exporter, ['r', '--out', 'o', '--json', '--probabilities'])).toEqual({
      positionals: ['r'],
      values: {
        out: 'o',
        format: undefined,
        precision: undefined,
        preset: undefined,
        layout: 'NCHW',
        probabilities: true,
        force: false,
        backend: undefined,
        json: true,
        home: undefined,
      },
    });
  });
});
