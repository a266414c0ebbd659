import { readFileSync } from 'node:fs';
import { describeSpecProblems, experimentSpecSchema } from '../../src-shared/domain/experiment-spec.js';
import type { ExperimentSpec } from '../../src-shared/domain/experiment-spec.js';

/** A spec file that cannot be used; the message lists every problem, one per line, with its JSON path. */
export class SpecFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(formatSpecProblems(file, problems));
    this.name = 'SpecFileError';
  }
}

/** The problems of a spec file as the CLI prints them. */
export function formatSpecProblems(file: string, problems: readonly string[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return [
    `${file} is not a valid experiment spec (${count}):`,
    ...problems.map((problem) => `  - ${problem}`),
  ].join('\n');
}

/** Parses and validates the text of a spec file, filling in defaults; throws SpecFileError. */
export function parseSpecText(text: string, file: string): ExperimentSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SpecFileError(file, [
      `$: not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    ]);
  }
  const parsed = experimentSpecSchema.safeParse(value);
  if (!parsed.success) throw new SpecFileError(file, describeSpecProblems(parsed.error));
  return parsed.data;
}

/** Reads and validates a spec file; throws SpecFileError naming the file. */
export function readSpecFile(file: string): ExperimentSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'there is no such file' : error instanceof Error ? error.message : String(error);
    throw new SpecFileError(file, [`$: cannot read the file: ${reason}`]);
  }
  return parseSpecText(text, file);
}
