/** A mistake in how the command was called; the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Validates a numeric flag: a finite number within [minimum, maximum], whole when `integer`. */
export function parseNumberFlag(
  flag: string,
  value: string | undefined,
  limits: { readonly minimum: number; readonly maximum: number; readonly integer: boolean },
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (
    value.trim() === '' ||
    !Number.isFinite(number) ||
    number < limits.minimum ||
    number > limits.maximum ||
    (limits.integer && !Number.isInteger(number))
  ) {
    const kind = limits.integer ? 'a whole number' : 'a number';
    throw new UsageError(
      `--${flag} must be ${kind} from ${limits.minimum} to ${limits.maximum}, not "${value}".`,
    );
  }
  return number;
}

/** Validates a flag whose value is one of a fixed list. */
export function parseChoiceFlag<Choice extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly Choice[],
): Choice | undefined {
  if (value === undefined) return undefined;
  const choice = choices.find((candidate) => candidate === value);
  if (choice === undefined) {
    throw new UsageError(`--${flag} must be one of ${choices.join(', ')}, not "${value}".`);
  }
  return choice;
}

/**
 * Finds the id a user typed: an exact id, or the one id that starts with what was typed (tables show the
 * first 8 characters). Throws a readable error when none or several match.
 */
export function resolveIdPrefix(typed: string, ids: readonly string[], what: string): string {
  if (typed.trim() === '') throw new UsageError(`Give the ${what} id (or its first characters).`);
  if (ids.includes(typed)) return typed;
  const matches = ids.filter((id) => id.startsWith(typed));
  if (matches.length === 1 && matches[0] !== undefined) return matches[0];
  if (matches.length === 0) throw new Error(`There is no ${what} ${typed} in this workbench.`);
  throw new Error(
    `"${typed}" matches ${matches.length} ${what}s (${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}); type more of the id.`,
  );
}
